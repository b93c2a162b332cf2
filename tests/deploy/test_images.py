"""Every image the deployment builds from or runs is pinned: an exact release, and for our own base image its
digest as well, so a rebuild cannot silently pick up another base."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.support.processes import REPO

EXACT_RELEASE = re.compile(r"[a-z0-9][a-z0-9._/-]*:v?\d+\.\d+\.\d+(?:[-.][A-Za-z0-9.]+)*")
DIGEST = re.compile(r"@sha256:[0-9a-f]{64}")
FROM = re.compile(r"^\s*FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?\s*$", re.IGNORECASE | re.MULTILINE)


def pinned(reference: str, *, digest: bool) -> bool:
    name, _, found = reference.partition("@")
    return bool(EXACT_RELEASE.fullmatch(name)) and (bool(DIGEST.fullmatch("@" + found)) if found or digest else True)


@pytest.mark.parametrize(
    ("reference", "digest", "expected"),
    [
        ("python:3.11.17-slim@sha256:" + "a" * 64, True, True),
        ("python:3.11.17-slim-trixie@sha256:" + "0" * 64, True, True),
        ("python:3.11.17-slim", True, False),
        ("python:3.11-slim@sha256:" + "a" * 64, True, False),
        ("python:3.11-slim", False, False),
        ("python:latest", False, False),
        ("python", False, False),
        ("prom/prometheus:v3.5.0", False, True),
        ("apache/kafka:4.1.1", False, True),
        ("grafana/grafana:12.1.1", False, True),
        ("grafana/grafana:12", False, False),
        ("prom/prometheus:v3.5.0@sha256:short", False, False),
    ],
)
def test_what_counts_as_pinned(reference: str, digest: bool, expected: bool) -> None:
    assert pinned(reference, digest=digest) is expected


def test_every_dockerfile_from_is_an_exact_release_and_digest() -> None:
    dockerfiles = sorted(REPO.glob("deploy/**/Dockerfile*"))
    assert dockerfiles, "no Dockerfile found under deploy/"
    for dockerfile in dockerfiles:
        text = dockerfile.read_text()
        stages: set[str] = set()
        froms = FROM.findall(text)
        assert froms, f"{dockerfile}: no FROM"
        for reference, stage in froms:
            if reference not in stages and reference != "scratch":
                assert pinned(reference, digest=True), f"{dockerfile.relative_to(REPO)}: FROM {reference} floats"
            if stage:
                stages.add(stage)


def test_every_compose_image_is_an_exact_release(compose_project: dict[str, Any]) -> None:
    for name, service in compose_project["services"].items():
        if "build" in service:
            continue  # our own image, built from the Dockerfile checked above
        assert pinned(service["image"], digest=False), f"service {name}: image {service['image']} floats"
