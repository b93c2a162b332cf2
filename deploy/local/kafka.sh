#!/usr/bin/env bash
# A single-node Apache Kafka (KRaft, combined broker + controller) for machines without Docker.
#
#   deploy/local/kafka.sh fetch    resolve the broker jars from Maven Central (pom.xml beside this file)
#   deploy/local/kafka.sh start    format storage if new, start the broker, wait until it serves
#   deploy/local/kafka.sh stop     stop the broker started from KAFKA_DATA_DIR (SIGTERM, then wait)
#   deploy/local/kafka.sh status   exit 0 when the broker of KAFKA_DATA_DIR is up
#
# Settings (environment): KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (KAFKA_PORT+1),
# KAFKA_DATA_DIR (~/.cache/refhub/local/kafka), KAFKA_HEAP (768m), REFHUB_CACHE (~/.cache/refhub).
# The jars live in REFHUB_CACHE, outside the repository, and are shared by every data directory.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${REFHUB_CACHE:-$HOME/.cache/refhub}"
version="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$here/pom.xml")"
libs="$cache/kafka-$version/libs"
port="${KAFKA_PORT:-9092}"
cport="${KAFKA_CONTROLLER_PORT:-$((port + 1))}"
data="${KAFKA_DATA_DIR:-$cache/local/kafka}"
heap="${KAFKA_HEAP:-768m}"
pidfile="$data/broker.pid"
log="$data/broker.log"

say() { printf 'kafka: %s\n' "$*" >&2; }

fetch() {
  if [ -f "$libs/.complete" ]; then return 0; fi
  command -v mvn >/dev/null || { say "Maven (mvn) is needed to fetch the Kafka jars: apt-get install maven"; exit 1; }
  command -v java >/dev/null || { say "Java 17 is needed to run Kafka: apt-get install openjdk-17-jre-headless"; exit 1; }
  say "fetching Apache Kafka $version jars from Maven Central into $libs"
  rm -rf "$libs.tmp"
  mvn -q -B -f "$here/pom.xml" dependency:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$libs.tmp" >&2
  rm -rf "$libs" && mv "$libs.tmp" "$libs" && touch "$libs/.complete"
}

running() {
  [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

write_config() {
  mkdir -p "$data/logs"
  cat > "$data/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$data/logs
num.partitions=3
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
log.cleaner.backoff.ms=5000
EOF
  cat > "$data/log4j2.properties" <<EOF
status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = $log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = info
rootLogger.appenderRef.file.ref = file
logger.kafka.name = kafka
logger.kafka.level = info
logger.org.name = org.apache.kafka
logger.org.level = warn
EOF
}

java_cmd() {
  java -Xms"$heap" -Xmx"$heap" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
       -Dlog4j2.configurationFile="$data/log4j2.properties" -cp "$libs/*" "$@"
}

start() {
  fetch
  if running; then say "broker already up on 127.0.0.1:$port (pid $(cat "$pidfile")), reusing it"; return 0; fi
  write_config
  if [ ! -f "$data/logs/meta.properties" ]; then
    cluster_id="$(java_cmd kafka.tools.StorageTool random-uuid)"
    java_cmd kafka.tools.StorageTool format --standalone -t "$cluster_id" -c "$data/server.properties" >/dev/null
  fi
  : > "$log"
  # setsid: the broker outlives the shell that started it and is not hit by the terminal's Ctrl-C.
  setsid java -Xms"$heap" -Xmx"$heap" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
      -Dlog4j2.configurationFile="$data/log4j2.properties" -cp "$libs/*" kafka.Kafka "$data/server.properties" \
      > "$data/broker.out" 2>&1 < /dev/null &
  echo $! > "$pidfile"
  for _ in $(seq 1 600); do
    if grep -q "Kafka Server started" "$log" 2>/dev/null; then
      say "broker up on 127.0.0.1:$port (pid $(cat "$pidfile"), data $data)"; return 0
    fi
    if ! running; then say "broker exited during start-up; see $log and $data/broker.out"; tail -20 "$data/broker.out" >&2; exit 1; fi
    sleep 0.1
  done
  say "broker did not start within 60 s; see $log"; exit 1
}

stop() {
  if ! running; then say "no broker running from $data"; rm -f "$pidfile"; return 0; fi
  pid="$(cat "$pidfile")"
  kill -TERM "$pid"
  for _ in $(seq 1 300); do
    if ! kill -0 "$pid" 2>/dev/null; then rm -f "$pidfile"; say "broker stopped"; return 0; fi
    sleep 0.1
  done
  say "broker did not stop within 30 s; killing it"; kill -KILL "$pid" || true; rm -f "$pidfile"
}

case "${1:-}" in
  fetch) fetch ;;
  start) start ;;
  stop) stop ;;
  status) if running; then echo "up (pid $(cat "$pidfile"), port $port)"; else echo down; exit 1; fi ;;
  *) echo "usage: $0 fetch|start|stop|status" >&2; exit 2 ;;
esac
