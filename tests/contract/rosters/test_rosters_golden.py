"""ROSTER_FIXED_WIDTH: each roster file (CP950 bytes) against its expected canonical JSON (a refusal included)."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.roster_fixed_width import ADAPTER
from tests.contract.golden import check_json, parse_to_json

HERE = Path(__file__).parent


@pytest.mark.parametrize(
    ("name", "partner"),
    [
        # A pregnant woman; a line whose blank phone was trimmed (and releases within 30 days: LATE_NOTICE);
        # a name with a user-defined character (造字) kept with U+FFFD and flagged NAME_CHECK.
        ("prison_kswp_roster", "PRISON_KSWP"),
        ("juv_fac_myhs_roster", "JUV_FAC_MYHS"),  # youths: youth=Y, release type 5
        ("prison_ksp1_trailer_mismatch", "PRISON_KSP1"),  # trailer says 3, two details arrived: refused whole
    ],
)
def test_roster_parses_as_recorded(name: str, partner: str) -> None:
    body = (HERE / f"{name}.input.txt").read_bytes()
    check_json(HERE / f"{name}.expected.json", parse_to_json(ADAPTER, partner, body))
