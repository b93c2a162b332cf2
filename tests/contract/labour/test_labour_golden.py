"""LABOUR CSV: the partner's sample and the contract cases, byte for byte, against their expected canonical JSON."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.labour_csv import ADAPTER
from tests.contract.golden import check_json, parse_to_json

SAMPLES = Path(__file__).resolve().parents[3] / "deploy" / "local" / "samples"
HERE = Path(__file__).parent
CASES = [
    SAMPLES / "labour_reply.csv",
    HERE / "labour_mixed.csv",
    HERE / "labour_big5.csv",
]


@pytest.mark.parametrize("source", CASES, ids=lambda path: path.name)
def test_case_parses_as_recorded(source: Path) -> None:
    check_json(HERE / f"{source.stem}.expected.json", parse_to_json(ADAPTER, "LABOUR", source.read_bytes()))
