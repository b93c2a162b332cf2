"""The AsyncAPI document (GET /asyncapi.json) as the AsyncAPI Initiative's own parser reads it.

tests/contract/asyncapi/ pins @asyncapi/parser and @asyncapi/avro-schema-parser (package-lock.json); the first run
installs them with ``npm ci`` into the cache (``$REFHUB_CACHE``, ~/.cache/refhub, beside the Kafka jars), keyed by
the lock file, so a fresh clone needs nothing installed by hand but Node.js ≥ 20 and npm.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from streams.gateway import asyncapi
from streams.topology import ALL_TOPICS, CHANGELOGS

CHECKER = Path(__file__).parent / "asyncapi"
NPM_FILES = ("package.json", "package-lock.json")


def _node_modules() -> Path:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.fail("the AsyncAPI check needs Node.js ≥ 20 and npm (Debian: apt-get install nodejs npm)")
    digest = hashlib.sha256(b"".join((CHECKER / name).read_bytes() for name in NPM_FILES)).hexdigest()[:16]
    cache = Path(os.environ.get("REFHUB_CACHE", Path.home() / ".cache" / "refhub")) / f"asyncapi-{digest}"
    if not (cache / "node_modules").is_dir():
        staging = cache.with_name(f"{cache.name}.{os.getpid()}.partial")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        for name in NPM_FILES:
            shutil.copy(CHECKER / name, staging / name)
        done = subprocess.run(
            [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=staging,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert done.returncode == 0, f"npm ci failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
        try:
            staging.rename(cache)  # whole or not at all: a run stopped half-way leaves only its .partial folder
        except OSError:
            shutil.rmtree(staging, ignore_errors=True)  # a concurrent run got there first
    return cache / "node_modules"


@pytest.fixture(scope="session")
def node_modules() -> Path:
    return _node_modules()


def parse(node_modules: Path, tmp_path: Path, *documents: dict[str, Any]) -> list[dict[str, Any]]:
    files = []
    for number, document in enumerate(documents):
        path = tmp_path / f"asyncapi-{number}.json"
        path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
        files.append(str(path))
    done = subprocess.run(
        ["node", str(CHECKER / "validate.cjs"), *files],
        env={**os.environ, "NODE_PATH": str(node_modules)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr[-3000:]
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_the_served_document_is_valid_asyncapi_with_valid_avro_schemas(node_modules: Path, tmp_path: Path) -> None:
    document = asyncapi.document()
    [verdict] = parse(node_modules, tmp_path, document)
    problems = [d for d in verdict["diagnostics"] if d["severity"] <= 1]  # errors and warnings
    assert verdict["valid"] and not problems, json.dumps(problems, ensure_ascii=False, indent=1)[:4000]
    assert verdict["channels"] == len(ALL_TOPICS) + len(CHANGELOGS)
    assert verdict["operations"] == len(document["operations"])
    avro = [s for s in document["components"]["schemas"].values() if s.get("schemaFormat") == asyncapi.AVRO]
    assert verdict["avroSchemas"] == len(avro) > 15
    print(
        f"\nAsyncAPI: {verdict['channels']} channels, {verdict['operations']} operations, {verdict['messages']} "
        f"messages, {verdict['avroSchemas']} Avro schemas: valid"
    )


def test_the_parser_refuses_a_broken_document(node_modules: Path, tmp_path: Path) -> None:
    """The check can fail: a misspelt Avro type, a partition count that is not a number, an operation on a channel
    that does not exist — each is an error."""
    document = asyncapi.document()
    misspelt = copy.deepcopy(document)
    misspelt["components"]["schemas"]["assignment"]["schema"]["fields"][0]["type"] = "strnig"
    bad_binding = copy.deepcopy(document)
    bad_binding["channels"]["referrals-events"]["bindings"]["kafka"]["partitions"] = "three"
    dangling = copy.deepcopy(document)
    dangling["operations"]["send-referrals-events"]["channel"] = {"$ref": "#/channels/no-such-topic"}
    verdicts = parse(node_modules, tmp_path, misspelt, bad_binding, dangling)
    assert [v["valid"] for v in verdicts] == [False, False, False]
    codes = [{d["code"] for d in v["diagnostics"] if d["severity"] == 0} for v in verdicts]
    assert "avro-schema" in codes[0]
    assert codes[1] and codes[2]
