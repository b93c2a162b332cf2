#!/usr/bin/env bash
# Validate Kubernetes manifests (default: deploy/k8s/*.yaml) with kubeconform, strict (no unknown field passes),
# against schemas made offline: Kubernetes' from the kubernetes-validate package in the venv, Strimzi's CRDs from
# io.strimzi:api's test jar on Maven Central (deploy/k8s/schemas.py says how). Nothing is read from GitHub, as
# kubeconform would by default.
#
#   deploy/k8s/validate.sh [MANIFEST…]    exit 0 when every document is valid, 1 otherwise (kubeconform's summary)
#
# kubeconform is built once with `go install` (the Go module proxy) into REFHUB_CACHE (~/.cache/refhub), the jar
# fetched once with mvn beside it. Settings: REFHUB_PYTHON (.venv/bin/python), K8S_VERSION (the Kubernetes release
# validated against).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cache="${REFHUB_CACHE:-$HOME/.cache/refhub}"
kubeconform_version=v0.7.0
strimzi_version=0.51.0
k8s_version="${K8S_VERSION:-1.33.0}"
python="${REFHUB_PYTHON:-$repo/.venv/bin/python}"
bin="$cache/kubeconform-$kubeconform_version/kubeconform"
jar="$cache/strimzi-$strimzi_version/api-$strimzi_version-tests.jar"

say() { printf 'k8s: %s\n' "$*" >&2; }

if [ ! -x "$bin" ]; then
  command -v go >/dev/null || { say "Go is needed to build kubeconform: apt-get install golang-go"; exit 2; }
  say "building kubeconform $kubeconform_version into $(dirname "$bin")"
  GOBIN="$(dirname "$bin")" GOFLAGS=-trimpath go install "github.com/yannh/kubeconform/cmd/kubeconform@$kubeconform_version" >&2
fi
if [ ! -f "$jar" ]; then
  command -v mvn >/dev/null || { say "Maven (mvn) is needed to fetch the Strimzi CRDs: apt-get install maven"; exit 2; }
  say "fetching the Strimzi $strimzi_version CRDs (io.strimzi:api:$strimzi_version:jar:tests) into $(dirname "$jar")"
  mvn -q -B dependency:copy -Dartifact="io.strimzi:api:$strimzi_version:jar:tests" \
      -DoutputDirectory="$(dirname "$jar")" >&2
fi

if [ "$#" = 0 ]; then set -- "$here"/*.yaml; fi
schemas="$(mktemp -d)"
trap 'rm -rf "$schemas"' EXIT
(cd "$repo" && "$python" -m deploy.k8s.schemas --kubernetes-version "$k8s_version" --strimzi-jar "$jar" \
    --out "$schemas" "$@")
"$bin" -strict -summary -kubernetes-version "$k8s_version" \
    -schema-location "$schemas/kubernetes/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json" \
    -schema-location "$schemas/crds/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json" \
    "$@"
