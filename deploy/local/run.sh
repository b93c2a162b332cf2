#!/usr/bin/env bash
# `make run`: the broker (reused if already up), the topics, then the hub in the foreground.
# Ctrl-C stops the hub; a broker this script started is stopped with it, one it found running is left up.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here/../.."

started_broker=0
if ! "$here/kafka.sh" status >/dev/null 2>&1; then
  "$here/kafka.sh" start
  started_broker=1
else
  echo "kafka: reusing the broker that is already up" >&2
fi
cleanup() {
  if [ "$started_broker" = 1 ]; then "$here/kafka.sh" stop; fi
}
trap cleanup EXIT
trap 'exit 0' INT TERM  # Ctrl-C is how the hub is meant to stop

refhub topics --create
echo "hub: gateway on http://127.0.0.1:${REFHUB_WEB_PORT:-8080} — Ctrl-C to stop" >&2
# In the foreground: Ctrl-C reaches the hub directly (the terminal signals the whole process group); bash runs
# the EXIT trap only after the hub has shut down, so the broker goes last.
refhub run || status=$?
exit "${status:-0}"
