#!/usr/bin/env bash
# A single-node Apache Kafka (KRaft, combined broker + controller) for machines without Docker.
#
#   deploy/local/kafka.sh fetch    resolve the broker jars (and kafka-tools) from Maven Central (pom.xml beside this file)
#   deploy/local/kafka.sh start    format storage if new, start the broker, wait until it serves
#   deploy/local/kafka.sh stop     stop the broker started from KAFKA_DATA_DIR (SIGTERM, then wait)
#   deploy/local/kafka.sh status   exit 0 when the broker of KAFKA_DATA_DIR is up
#   deploy/local/kafka.sh acls …   Kafka's own kafka-acls tool (org.apache.kafka.tools.AclCommand), same options
#
# Settings (environment): KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (KAFKA_PORT+1),
# KAFKA_DATA_DIR (~/.cache/refhub/local/kafka), KAFKA_HEAP (768m), REFHUB_CACHE (~/.cache/refhub).
# The jars live in REFHUB_CACHE, outside the repository, and are shared by every data directory.
#
# One node of a cluster (deploy/local/cluster.sh sets these; alone, the node is its own single-voter quorum):
#   KAFKA_NODE_ID (1), KAFKA_CLUSTER_ID (made at format time), KAFKA_INITIAL_CONTROLLERS (kafka-storage format
#   --initial-controllers, id@host:port:directory-id,…; unset: --standalone), KAFKA_QUORUM_BOOTSTRAP (every
#   controller, host:port,…), KAFKA_REPLICATION (1: replication of Kafka's own topics and the default for new
#   ones) and KAFKA_MIN_ISR (1).
#
# Secured mode: KAFKA_SECURITY=sasl_ssl (or sasl_plaintext: the same without TLS), fixed when the data directory is
# formatted:
#   client listener 127.0.0.1:KAFKA_PORT  SASL_SSL with SCRAM-SHA-512; the broker certificate comes from KAFKA_TLS_DIR
#                                         as PEM key and trust stores (ssl.keystore.type=PEM)
#   controller listener                   SASL_PLAINTEXT with PLAIN, for the admin only: a KRaft controller cannot
#                                         authenticate with SCRAM, whose credentials live in the metadata it serves
#   authorizer                            org.apache.kafka.metadata.authorizer.StandardAuthorizer, deny when no ACL
#                                         matches; User:$KAFKA_ADMIN_USER is the super user and the inter-broker
#                                         principal
#   KAFKA_ADMIN_USER (admin), KAFKA_ADMIN_PASSWORD (default: made once, kept in KAFKA_DATA_DIR/admin.password)
#   KAFKA_SCRAM_USERS  "name=password name=password …": more SCRAM-SHA-512 users, created at format time
#                      (kafka-storage format --add-scram); letters, digits, '.', '_' and '-' only
#   KAFKA_TLS_DIR      (KAFKA_DATA_DIR/tls) ca.pem and broker-keystore.pem (PKCS#8 key + chain), made with
#                      `python -m tests.support.kafka_certs DIR` when missing (REFHUB_PYTHON, default .venv/bin/python)
# The admin's own client settings are written to KAFKA_DATA_DIR/admin-client.properties (for `acls --command-config`).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cache="${REFHUB_CACHE:-$HOME/.cache/refhub}"
version="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$here/pom.xml")"
libs="$cache/kafka-$version/libs"
tools="$cache/kafka-$version/tools"
port="${KAFKA_PORT:-9092}"
cport="${KAFKA_CONTROLLER_PORT:-$((port + 1))}"
data="${KAFKA_DATA_DIR:-$cache/local/kafka}"
heap="${KAFKA_HEAP:-768m}"
pidfile="$data/broker.pid"
log="$data/broker.log"
security="${KAFKA_SECURITY:-plaintext}"
admin_user="${KAFKA_ADMIN_USER:-admin}"
tls="${KAFKA_TLS_DIR:-$data/tls}"
node_id="${KAFKA_NODE_ID:-1}"
quorum_bootstrap="${KAFKA_QUORUM_BOOTSTRAP:-127.0.0.1:$cport}"
replication="${KAFKA_REPLICATION:-1}"
min_isr="${KAFKA_MIN_ISR:-1}"

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

# Kafka 4 moved the admin tools (AclCommand among them) from the broker jar to kafka-tools. Only that jar is fetched,
# into its own directory beside libs/, so the classpath of brokers already running from libs/ is never touched;
# whatever else AclCommand needs is in libs/ already.
fetch_tools() {
  fetch
  if [ -f "$tools/.complete" ]; then return 0; fi
  say "fetching kafka-tools $version (kafka-acls) from Maven Central into $tools"
  rm -rf "$tools.tmp"
  mvn -q -B dependency:copy -Dartifact="org.apache.kafka:kafka-tools:$version" -DoutputDirectory="$tools.tmp" >&2
  printf '%s\n' 'status = warn' 'appender.err.type = Console' 'appender.err.name = err' \
      'appender.err.target = SYSTEM_ERR' 'appender.err.layout.type = PatternLayout' \
      'appender.err.layout.pattern = %p %m%n' 'rootLogger.level = warn' 'rootLogger.appenderRef.err.ref = err' \
      > "$tools.tmp/log4j2.properties"
  rm -rf "$tools" && mv "$tools.tmp" "$tools" && touch "$tools/.complete"
}

acls() {
  fetch_tools
  java -Xmx256m -XX:TieredStopAtLevel=1 -Djava.awt.headless=true \
       -Dlog4j2.configurationFile="$tools/log4j2.properties" \
       -cp "$libs/*:$tools/*" org.apache.kafka.tools.AclCommand "$@"
}

running() {
  [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

write_config() {
  mkdir -p "$data/logs"
  cat > "$data/server.properties" <<EOF
process.roles=broker,controller
node.id=$node_id
controller.quorum.bootstrap.servers=$quorum_bootstrap
controller.listener.names=CONTROLLER
log.dirs=$data/logs
num.partitions=3
default.replication.factor=$replication
min.insync.replicas=$min_isr
offsets.topic.replication.factor=$replication
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=$replication
transaction.state.log.min.isr=$min_isr
share.coordinator.state.topic.replication.factor=$replication
share.coordinator.state.topic.min.isr=$min_isr
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
log.cleaner.backoff.ms=5000
EOF
  case "$security" in
    plaintext) cat >> "$data/server.properties" <<EOF
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
EOF
      ;;
    sasl_ssl|sasl_plaintext) write_secured_config ;;
    *) say "KAFKA_SECURITY must be plaintext, sasl_ssl or sasl_plaintext, not $security"; exit 2 ;;
  esac
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

safe_word() {
  [[ "$1" =~ ^[A-Za-z0-9._-]+$ ]] || { say "$2 may hold only letters, digits, '.', '_' and '-'"; exit 2; }
}

admin_password() {
  if [ -n "${KAFKA_ADMIN_PASSWORD:-}" ]; then printf '%s' "$KAFKA_ADMIN_PASSWORD"; return; fi
  if [ ! -f "$data/admin.password" ]; then
    (umask 077 && head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$data/admin.password")
  fi
  cat "$data/admin.password"
}

write_secured_config() {
  local password client_protocol
  password="$(admin_password)"
  safe_word "$admin_user" KAFKA_ADMIN_USER
  safe_word "$password" KAFKA_ADMIN_PASSWORD
  if [ "$security" = sasl_ssl ]; then client_protocol=SASL_SSL; else client_protocol=SASL_PLAINTEXT; fi
  chmod 600 "$data/server.properties"  # it holds the admin's password (JAAS)
  cat >> "$data/server.properties" <<EOF
listeners=CLIENT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=CLIENT://127.0.0.1:$port
listener.security.protocol.map=CLIENT:$client_protocol,CONTROLLER:SASL_PLAINTEXT
inter.broker.listener.name=CLIENT
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.client.sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.client.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="$admin_user" password="$password";
sasl.mechanism.controller.protocol=PLAIN
listener.name.controller.sasl.enabled.mechanisms=PLAIN
listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="$admin_user" password="$password" user_$admin_user="$password";
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:$admin_user
EOF
  (umask 077 && printf '%s\n' "security.protocol=$client_protocol" "sasl.mechanism=SCRAM-SHA-512" \
      "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"$admin_user\" password=\"$password\";" \
      > "$data/admin-client.properties")
  if [ "$security" = sasl_ssl ]; then
    if [ ! -f "$tls/ca.pem" ] || [ ! -f "$tls/broker-keystore.pem" ]; then
      say "no broker certificate in $tls: making a CA and a certificate for 127.0.0.1 and localhost"
      (cd "$repo" && "${REFHUB_PYTHON:-$repo/.venv/bin/python}" -m tests.support.kafka_certs "$tls" >&2)
    fi
    cat >> "$data/server.properties" <<EOF
ssl.keystore.type=PEM
ssl.keystore.location=$tls/broker-keystore.pem
ssl.truststore.type=PEM
ssl.truststore.location=$tls/ca.pem
ssl.client.auth=none
EOF
    printf '%s\n' "ssl.truststore.type=PEM" "ssl.truststore.location=$tls/ca.pem" >> "$data/admin-client.properties"
  fi
}

# The --add-scram options of kafka-storage format, NUL-separated: the admin and every KAFKA_SCRAM_USERS entry.
scram_args() {
  local entry name password
  printf '%s\0' --add-scram "SCRAM-SHA-512=[name=$admin_user,password=$(admin_password)]"
  for entry in ${KAFKA_SCRAM_USERS:-}; do
    name="${entry%%=*}"
    password="${entry#*=}"
    safe_word "$name" "a KAFKA_SCRAM_USERS name"
    safe_word "$password" "the KAFKA_SCRAM_USERS password of $name"
    printf '%s\0' --add-scram "SCRAM-SHA-512=[name=$name,password=$password]"
  done
}

java_cmd() {
  java -Xms"$heap" -Xmx"$heap" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
       -Dlog4j2.configurationFile="$data/log4j2.properties" -cp "$libs/*" "$@"
}

start() {
  fetch
  if running; then say "broker already up on 127.0.0.1:$port (pid $(cat "$pidfile")), reusing it"; return 0; fi
  formatted="$(cat "$data/security" 2>/dev/null || echo plaintext)"
  if [ -f "$data/logs/meta.properties" ] && [ "$formatted" != "$security" ]; then
    say "$data was formatted with KAFKA_SECURITY=$formatted, not $security: use another KAFKA_DATA_DIR"; exit 2
  fi
  write_config
  if [ ! -f "$data/logs/meta.properties" ]; then
    cluster_id="${KAFKA_CLUSTER_ID:-$(java_cmd kafka.tools.StorageTool random-uuid)}"
    local -a scram=() quorum=(--standalone)
    if [ "$security" != plaintext ]; then mapfile -d '' scram < <(scram_args); fi
    if [ -n "${KAFKA_INITIAL_CONTROLLERS:-}" ]; then quorum=(--initial-controllers "$KAFKA_INITIAL_CONTROLLERS"); fi
    java_cmd kafka.tools.StorageTool format "${quorum[@]}" -t "$cluster_id" -c "$data/server.properties" \
        "${scram[@]}" >/dev/null
    echo "$security" > "$data/security"
  fi
  : > "$log"
  # setsid: the broker outlives the shell that started it and is not hit by the terminal's Ctrl-C.
  setsid java -Xms"$heap" -Xmx"$heap" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
      -Dlog4j2.configurationFile="$data/log4j2.properties" -cp "$libs/*" kafka.Kafka "$data/server.properties" \
      > "$data/broker.out" 2>&1 < /dev/null &
  echo $! > "$pidfile"
  for _ in $(seq 1 600); do
    if grep -q "Kafka Server started" "$log" 2>/dev/null; then
      say "broker up on 127.0.0.1:$port ($security, pid $(cat "$pidfile"), data $data)"; return 0
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
  fetch) fetch; fetch_tools ;;
  start) start ;;
  stop) stop ;;
  acls) shift; acls "$@" ;;
  status) if running; then echo "up (pid $(cat "$pidfile"), port $port)"; else echo down; exit 1; fi ;;
  *) echo "usage: $0 fetch|start|stop|status|acls …" >&2; exit 2 ;;
esac
