"""SOCIAL JSON: the partner's sample and the contract cases, byte for byte, against their expected canonical JSON."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.social_json import ADAPTER
from tests.contract.golden import check_json, parse_to_json

SAMPLES = Path(__file__).resolve().parents[3] / "deploy" / "local" / "samples"
HERE = Path(__file__).parent
CASES = [
    SAMPLES / "social_youth_notice.json",
    HERE / "social_adult_and_dispatch.json",
    HERE / "social_redirect.json",
]


@pytest.mark.parametrize("source", CASES, ids=lambda path: path.name)
def test_case_parses_as_recorded(source: Path) -> None:
    check_json(HERE / f"{source.stem}.expected.json", parse_to_json(ADAPTER, "SOCIAL", source.read_bytes()))
