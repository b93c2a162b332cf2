#!/usr/bin/env bash
# The operators' independent checkers, built once from the Go module proxy and kept outside the repository:
#
#   deploy/tools/tool.sh promtool        Prometheus' promtool, the version of the compose stack's prom/prometheus
#   deploy/tools/tool.sh compose-check   compose-go, the loader Docker Compose itself uses (schema + consistency)
#
# Prints the binary's path on stdout; builds it first if it is not cached. Each tool is a module here
# (go.mod + go.sum pin every dependency; the checksums are verified on download), built with the machine's
# Go (>= 1.24; GOTOOLCHAIN=local: no other toolchain is fetched). The binaries live in
# REFHUB_CACHE (~/.cache/refhub)/tools/<tool>-<sha of go.mod and go.sum>/, shared by every checkout.
# promtool takes about 4–5 minutes to build the first time on two cores; later calls answer at once.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${REFHUB_CACHE:-$HOME/.cache/refhub}"
say() { printf 'tools: %s\n' "$*" >&2; }

name="${1:-}"
case "$name" in
  promtool)
    package=github.com/prometheus/prometheus/cmd/promtool
    version="$(sed -n 's:^require github.com/prometheus/prometheus v0\.\([0-9]*\)\.\([0-9]*\)$:\1 \2:p' "$here/promtool/go.mod" \
      | awk '{ printf "%d.%d.%d", int($1 / 100), $1 % 100, $2 }')"
    # What `promtool --version` says, as in Prometheus' own release builds.
    ldflags="-s -w -X github.com/prometheus/common/version.Version=$version -X github.com/prometheus/common/version.Branch=HEAD"
    ;;
  compose-check)
    package=.
    ldflags="-s -w"
    ;;
  *)
    say "usage: $0 promtool|compose-check"
    exit 2
    ;;
esac

module="$here/$name"
stamp="$(find "$module" -maxdepth 1 -type f \( -name go.mod -o -name go.sum -o -name '*.go' \) -print0 | sort -z \
  | xargs -0 cat | sha1sum | cut -c1-12)"
dir="$cache/tools/$name-$stamp"
binary="$dir/$name"
if [ -x "$binary" ]; then
  echo "$binary"
  exit 0
fi

command -v go >/dev/null || { say "Go >= 1.24 is needed to build $name (https://go.dev/dl, or apt-get install golang)"; exit 1; }
mkdir -p "$cache/tools"
# Two test runs starting together build once: the second waits and then finds the binary.
exec 9>"$cache/tools/.$name.lock"
flock 9
if [ ! -x "$binary" ]; then
  say "building $name from the Go module proxy into $dir (once; promtool takes a few minutes)"
  rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
  (cd "$module" && GOTOOLCHAIN=local GOFLAGS="-modcacherw -mod=readonly -buildvcs=false" CGO_ENABLED=0 \
      go build -trimpath -ldflags "$ldflags" -o "$dir.tmp/$name" "$package") >&2
  rm -rf "$dir" && mv "$dir.tmp" "$dir"
fi
echo "$binary"
