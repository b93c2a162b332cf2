"""kubeconform's schemas, made offline from two registry packages (deploy/k8s/validate.sh fetches them):

* Kubernetes: the JSON schemas that the PyPI package ``kubernetes-validate`` ships (one directory per Kubernetes
  version, ``vX.Y.Z-local-strict``, made from the Kubernetes OpenAPI). They point into a shared
  ``/api/_definitions.json`` that kubeconform cannot follow, so each schema a manifest needs is written out standalone
  (every ``$ref`` inlined) in kubeconform's layout: ``vX.Y.Z-standalone-strict/<kind>-<group>-<version>.json``.
* Strimzi: the CRDs in the test jar of ``io.strimzi:api`` on Maven Central (``crds/v1/*.yaml``, the CRDs of the
  ``v1`` API, made by Strimzi's own crd-generator). Each version's ``openAPIV3Schema`` becomes
  ``<group>/<kind>_<version>.json``, made strict as kubeconform's openapi2jsonschema does: an object that lists
  its properties and neither says otherwise nor preserves unknown fields has no other properties.

    python -m deploy.k8s.schemas --kubernetes-version 1.33.0 --strimzi-jar JAR --out DIR MANIFEST…
"""

from __future__ import annotations

import argparse
import json
import sys
import zipfile
from collections.abc import Iterable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

CRD_PREFIX = "crds/v1/"


def _inline(node: Any, definitions: dict[str, Any], seen: tuple[str, ...] = ()) -> Any:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            name = ref.rsplit("/", 1)[-1]
            if name in seen:
                raise ValueError(f"recursive schema {' → '.join((*seen, name))}: it cannot be made standalone")
            return _inline(definitions[name], definitions, (*seen, name))
        return {key: _inline(value, definitions, seen) for key, value in node.items()}
    if isinstance(node, list):
        return [_inline(value, definitions, seen) for value in node]
    return node


def kinds_in(manifests: Iterable[Path]) -> set[tuple[str, str]]:
    """(apiVersion, kind) of every document of the manifests."""
    found = set()
    for path in manifests:
        for doc in yaml.safe_load_all(path.read_text()):
            if doc:
                found.add((str(doc["apiVersion"]), str(doc["kind"])))
    return found


def kubernetes_file(api_version: str, kind: str) -> str:
    """kubeconform's file name: ``apps/v1`` StatefulSet → ``statefulset-apps-v1.json``, ``v1`` Service →
    ``service-v1.json``."""
    group, _, version = api_version.rpartition("/")
    suffix = f"-{group.split('.')[0]}-{version}" if group else f"-{version}"
    return f"{kind.lower()}{suffix}.json"


def write_kubernetes(version: str, wanted: Iterable[tuple[str, str]], out: Path) -> list[Path]:
    source = resources.files("kubernetes_validate") / "kubernetes-json-schema" / f"v{version}-local-strict"
    definitions = json.loads((source / "_definitions.json").read_text())["$defs"]
    target = out / f"v{version}-standalone-strict"
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for api_version, kind in sorted(wanted):
        name = kubernetes_file(api_version, kind)
        schema = json.loads((source / name).read_text())
        (target / name).write_text(json.dumps(_inline(schema, definitions)))
        written.append(target / name)
    return written


def strict(node: Any) -> Any:
    """openAPIV3Schema → JSON schema as kubeconform validates CRDs in strict mode."""
    if isinstance(node, list):
        return [strict(value) for value in node]
    if not isinstance(node, dict):
        return node
    converted = {key: strict(value) for key, value in node.items()}
    closed = "properties" in converted and not converted.get("x-kubernetes-preserve-unknown-fields")
    if closed and "additionalProperties" not in converted:
        converted["additionalProperties"] = False
    if converted.get("nullable") is True and isinstance(converted.get("type"), str):
        converted["type"] = [converted["type"], "null"]
    return converted


def write_strimzi(jar: Path, out: Path) -> list[Path]:
    written = []
    with zipfile.ZipFile(jar) as archive:
        names = sorted(name for name in archive.namelist() if name.startswith(CRD_PREFIX) and name.endswith(".yaml"))
        if not names:
            raise ValueError(f"{jar}: no {CRD_PREFIX}*.yaml (is it io.strimzi:api's test jar?)")
        for name in names:
            crd = yaml.safe_load(archive.read(name))
            group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
            for version in crd["spec"]["versions"]:
                path = out / group / f"{kind.lower()}_{version['name']}.json"
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(json.dumps(strict(version["schema"]["openAPIV3Schema"])))
                written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.k8s.schemas", description=__doc__.split("\n\n")[0])
    parser.add_argument("--kubernetes-version", required=True, help="e.g. 1.33.0")
    parser.add_argument("--strimzi-jar", required=True, type=Path, help="io.strimzi:api:<version>:jar:tests")
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("manifests", nargs="+", type=Path, help="the Kubernetes kinds these use get a schema")
    args = parser.parse_args(argv)
    builtin = {(api, kind) for api, kind in kinds_in(args.manifests) if ".strimzi.io/" not in api}
    write_kubernetes(args.kubernetes_version, builtin, args.out / "kubernetes")
    write_strimzi(args.strimzi_jar, args.out / "crds")
    return 0


if __name__ == "__main__":
    sys.exit(main())
