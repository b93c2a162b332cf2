#!/usr/bin/env bash
# A local three-node Apache Kafka cluster for machines without Docker: the same jars as kafka.sh, three KRaft nodes,
# each a combined broker + controller, one three-voter quorum (formatted with kafka-storage --initial-controllers),
# every node on its own ports and data directory. kafka.sh runs each node; this script only gives them their places.
#
#   deploy/local/cluster.sh start          format the nodes if new, start all three, wait until each serves
#   deploy/local/cluster.sh stop           stop every node (SIGTERM together, then wait)
#   deploy/local/cluster.sh status         one line per node; exit 0 only when all three are up
#   deploy/local/cluster.sh kill NODE      kill -9 node 1, 2 or 3: a crashed broker (chaos tests)
#   deploy/local/cluster.sh restart NODE   start that node again (after kill or stop) and wait until it serves
#   deploy/local/cluster.sh bootstrap      print the bootstrap servers, comma-separated (REFHUB_BROKER)
#   deploy/local/cluster.sh topics         refhub topics --create, replication 3 and min.insync.replicas=2
#   deploy/local/cluster.sh worker N       refhub run as worker N in the foreground, on its own ports and data dir
#   deploy/local/cluster.sh up             `make cluster`: start (or reuse) the cluster, the topics, then worker 1 in
#                                          the foreground; Ctrl-C stops the worker, and the cluster if this started it
#
# Settings (environment): KAFKA_CLUSTER_DIR (~/.cache/refhub/local/cluster; node-N/ and worker-N/ inside),
# KAFKA_CLUSTER_PORTS ("9192 9292 9392": the nodes' client ports), KAFKA_CLUSTER_CONTROLLER_PORTS (each client
# port + 1), KAFKA_HEAP (384m per node), REFHUB (the refhub command, default `refhub` on PATH). The ports are fixed
# when the cluster is formatted (the quorum's voters are written into every node's storage): they are kept in
# KAFKA_CLUSTER_DIR/cluster.env and a later run uses those.
#
# Worker N (1, 2, 3, …) serves partners on 127.0.0.1:8079+N, metrics on 9107+N, and keeps its tables in
# KAFKA_CLUSTER_DIR/worker-N; the workers share the local secrets and development tokens of `make run`.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${REFHUB_CACHE:-$HOME/.cache/refhub}"
dir="${KAFKA_CLUSTER_DIR:-$cache/local/cluster}"
nodes=(1 2 3)
replication=3
min_isr=2

say() { printf 'cluster: %s\n' "$*" >&2; }

# A Kafka Uuid as kafka-storage random-uuid prints it (16 random bytes, URL-safe base64 without padding, not
# starting with '-'), made without starting a JVM for each.
uuid() {
  local id
  while :; do
    id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
    if [ "${id:0:1}" != - ]; then printf '%s' "$id"; return; fi
  done
}

# The cluster's identity and places, made once and kept: cluster id, one metadata directory id per node, ports.
load() {
  if [ "${KAFKA_SECURITY:-plaintext}" != plaintext ]; then
    say "the local cluster is plaintext only (KAFKA_SECURITY=${KAFKA_SECURITY}): use kafka.sh for a secured broker"
    exit 2
  fi
  if [ ! -f "$dir/cluster.env" ]; then
    local -a clients controllers
    read -r -a clients <<< "${KAFKA_CLUSTER_PORTS:-9192 9292 9392}"
    read -r -a controllers <<< "${KAFKA_CLUSTER_CONTROLLER_PORTS:-$((clients[0] + 1)) $((clients[1] + 1)) $((clients[2] + 1))}"
    if [ "${#clients[@]}" != 3 ] || [ "${#controllers[@]}" != 3 ]; then
      say "KAFKA_CLUSTER_PORTS and KAFKA_CLUSTER_CONTROLLER_PORTS need three ports each"; exit 2
    fi
    mkdir -p "$dir"
    {
      echo "cluster_id=$(uuid)"
      echo "ports=(${clients[*]})"
      echo "cports=(${controllers[*]})"
      echo "directories=($(uuid) $(uuid) $(uuid))"
    } > "$dir/cluster.env.tmp"
    mv "$dir/cluster.env.tmp" "$dir/cluster.env"
  fi
  # shellcheck source=/dev/null
  . "$dir/cluster.env"
  if [ -n "${KAFKA_CLUSTER_PORTS:-}" ] && [ "$KAFKA_CLUSTER_PORTS" != "${ports[*]}" ]; then
    say "$dir was formatted for ports ${ports[*]}, not $KAFKA_CLUSTER_PORTS: use another KAFKA_CLUSTER_DIR"; exit 2
  fi
}

bootstrap() {
  local i out=()
  for i in "${nodes[@]}"; do out+=("127.0.0.1:${ports[i - 1]}"); done
  (IFS=,; printf '%s\n' "${out[*]}")
}

# kafka.sh for node N, with the node's place in the cluster in its environment.
node() {
  local n="$1"; shift
  case "$n" in 1|2|3) ;; *) say "NODE is 1, 2 or 3, not '$n'"; exit 2 ;; esac
  local i voters=() quorum=()
  for i in "${nodes[@]}"; do
    voters+=("$i@127.0.0.1:${cports[i - 1]}:${directories[i - 1]}")
    quorum+=("127.0.0.1:${cports[i - 1]}")
  done
  KAFKA_NODE_ID="$n" KAFKA_PORT="${ports[n - 1]}" KAFKA_CONTROLLER_PORT="${cports[n - 1]}" \
  KAFKA_DATA_DIR="$dir/node-$n" KAFKA_CLUSTER_ID="$cluster_id" \
  KAFKA_INITIAL_CONTROLLERS="$(IFS=,; echo "${voters[*]}")" KAFKA_QUORUM_BOOTSTRAP="$(IFS=,; echo "${quorum[*]}")" \
  KAFKA_REPLICATION="$replication" KAFKA_MIN_ISR="$min_isr" KAFKA_HEAP="${KAFKA_HEAP:-384m}" \
      "$here/kafka.sh" "$@"
}

# Run "node N ARGS" for every node at once: no broker finishes starting before a majority of the quorum is up.
all() {
  local i failed=0 pids=()
  for i in "${nodes[@]}"; do node "$i" "$@" & pids+=($!); done
  for i in "${pids[@]}"; do wait "$i" || failed=1; done
  return "$failed"
}

start() {
  "$here/kafka.sh" fetch
  local began=$SECONDS
  if ! all start; then say "a node did not start: see $dir/node-*/broker.log"; exit 1; fi
  say "3 nodes up in $((SECONDS - began)) s; bootstrap $(bootstrap)"
}

status() {
  local i up=0
  for i in "${nodes[@]}"; do
    if line="$(node "$i" status)"; then up=$((up + 1)); fi
    echo "node $i: $line"
  done
  [ "$up" = 3 ]
}

kill_node() {
  local pidfile="$dir/node-$1/broker.pid"
  case "$1" in 1|2|3) ;; *) say "NODE is 1, 2 or 3, not '$1'"; exit 2 ;; esac
  if [ ! -f "$pidfile" ] || ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then say "node $1 is not running"; exit 1; fi
  local pid
  pid="$(cat "$pidfile")"
  kill -KILL "$pid"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done  # gone, so a restart right after starts a new one
  say "node $1 killed (kill -9, pid $pid)"
}

refhub_env() {
  export REFHUB_BROKER="${REFHUB_BROKER:-$(bootstrap)}"
  export REFHUB_REPLICATION_FACTOR="$replication" REFHUB_MIN_INSYNC_REPLICAS="$min_isr"
}

# REFHUB may be a command with arguments (e.g. "python -m streams.cli.main").
run_refhub() {
  local -a words
  read -r -a words <<< "${REFHUB:-refhub}"
  "${words[@]}" "$@"
}

topics() {
  refhub_env
  run_refhub topics --create
}

worker() {
  local n="${1:-}"
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || { say "worker N: N is 1, 2, 3, …"; exit 2; }
  refhub_env
  export REFHUB_WEB_PORT="${REFHUB_WEB_PORT:-$((8079 + n))}" REFHUB_METRICS_PORT="${REFHUB_METRICS_PORT:-$((9107 + n))}"
  export REFHUB_DATA_DIR="${REFHUB_DATA_DIR:-$dir/worker-$n}"
  say "worker $n: gateway on http://127.0.0.1:$REFHUB_WEB_PORT, metrics on :$REFHUB_METRICS_PORT, data $REFHUB_DATA_DIR"
  run_refhub run
}

# `make cluster`, in the manner of run.sh.
up() {
  local started=0
  if status >/dev/null 2>&1; then say "reusing the cluster that is already up"; else start; started=1; fi
  # shellcheck disable=SC2317  # run by the trap
  cleanup() { if [ "$started" = 1 ]; then all stop || true; fi; }
  trap cleanup EXIT
  trap 'exit 0' INT TERM
  topics
  say "more workers, each in its own terminal: make cluster-worker N=2, make cluster-worker N=3"
  say "a broker crash: deploy/local/cluster.sh kill 2, then deploy/local/cluster.sh restart 2"
  worker 1 || status=$?
  exit "${status:-0}"
}

command="${1:-}"
case "$command" in
  start|stop|status|kill|restart|bootstrap|topics|worker|up) load ;;
  *) echo "usage: $0 start|stop|status|kill NODE|restart NODE|bootstrap|topics|worker N|up" >&2; exit 2 ;;
esac
case "$command" in
  start) start ;;
  stop) all stop ;;
  status) status ;;
  kill) kill_node "${2:-}" ;;
  restart) node "${2:-}" start ;;
  bootstrap) bootstrap ;;
  topics) topics ;;
  worker) worker "${2:-}" ;;
  up) up ;;
esac
