"""JUV_COURT JSON: the partner's sample and the contract cases, byte for byte, against their expected canonical JSON."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.juvenile_court_json import ADAPTER
from tests.contract.golden import check_json, parse_to_json

SAMPLES = Path(__file__).resolve().parents[3] / "deploy" / "local" / "samples"
HERE = Path(__file__).parent
CASES = [
    SAMPLES / "juvenile_court_erasure.json",
    HERE / "juvenile_court_service_program.json",
]


@pytest.mark.parametrize("source", CASES, ids=lambda path: path.name)
def test_case_parses_as_recorded(source: Path) -> None:
    check_json(HERE / f"{source.stem}.expected.json", parse_to_json(ADAPTER, "JUV_COURT", source.read_bytes()))
