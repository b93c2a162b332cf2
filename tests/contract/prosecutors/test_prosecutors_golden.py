"""PROS_XML: each letter file, byte for byte, against its expected canonical JSON (a refusal included)."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.prosecutor_xml import ADAPTER
from tests.contract.golden import check_json, parse_to_json

HERE = Path(__file__).parent


@pytest.mark.parametrize(
    ("name", "partner"),
    [
        ("pros_ks_deferred_treatment", "PROS_KS"),  # 緩起訴 with 戒癮治療 at a named hospital
        ("pros_ct_recidivism_consent", "PROS_CT"),  # 再犯防止, the defendant consented
        ("pros_mil_recidivism_no_consent", "PROS_MIL"),  # 再犯防止 without consent: rejected
        ("pros_ks_batch_3", "PROS_KS"),  # <轉介函清單> of three, the second with a wrong check digit
        ("pros_ks_xxe", "PROS_KS"),  # DOCTYPE with an external entity: refused whole, nothing expanded
    ],
)
def test_letter_parses_as_recorded(name: str, partner: str) -> None:
    body = (HERE / f"{name}.input.xml").read_bytes()
    check_json(HERE / f"{name}.expected.json", parse_to_json(ADAPTER, partner, body))
