"""POLICE CSV: the sample files, byte for byte, against their expected canonical JSON."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.police_csv import ADAPTER
from tests.contract.golden import check_json, parse_to_json

SAMPLES = Path(__file__).resolve().parents[3] / "deploy" / "local" / "samples"
HERE = Path(__file__).parent


@pytest.mark.parametrize("name", ["police_child_protection", "police_mixed"])
def test_sample_parses_as_recorded(name: str) -> None:
    body = (SAMPLES / f"{name}.csv").read_bytes()
    check_json(HERE / f"{name}.expected.json", parse_to_json(ADAPTER, "POLICE", body))
