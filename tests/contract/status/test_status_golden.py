"""Common status-update JSON (NGO_*): the contract cases against their expected canonical JSON."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.status_json import ADAPTER
from tests.contract.golden import check_json, parse_to_json

HERE = Path(__file__).parent
CASES = [
    HERE / "status_ngo_updates.json",
    HERE / "status_redirects.json",
]


@pytest.mark.parametrize("source", CASES, ids=lambda path: path.name)
def test_case_parses_as_recorded(source: Path) -> None:
    check_json(HERE / f"{source.stem}.expected.json", parse_to_json(ADAPTER, "NGO_MOEN", source.read_bytes()))
