"""streams/peers/records.py: a parsed record crosses to its owner and comes back equal, raw bytes and all."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from adapters.base import InboundContact, InboundReferral, InboundStatusUpdate, Person, Place
from streams.peers import records

AT = datetime(2026, 12, 3, 8, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    "record",
    [
        InboundReferral(
            record_no=3,
            partner_ref="P-1",
            kind="CHILD_PROTECTION",
            occurred_at=AT,
            subject=Person("A123456789", "王小明", date(2011, 5, 6), None, "0912345678", None),
            place=Place("807", "三民區"),
            legal_basis="兒少法第54條",
            raw="王小明,A123456789".encode("cp950") + b"\xff",
            attributes={"school": "x"},
            flags=("URGENT",),
        ),
        InboundStatusUpdate(
            record_no=1, partner_ref="U-1", referral_id="R-1", state="ACCEPTED", at=AT, raw=b"{}", reason_code=None
        ),
        InboundContact(
            record_no=2,
            partner_ref="C-1",
            subject_ref="S-1",
            mode="PHONE",
            reached=True,
            need_level="HIGH",
            at=AT,
            raw=b"c",
        ),
    ],
    ids=lambda r: type(r).__name__,
)
def test_a_record_round_trips_through_json(record: object) -> None:
    import json

    wire = json.loads(json.dumps(records.dump(record)))  # type: ignore[arg-type]
    assert records.load(wire) == record


def test_an_unknown_type_is_refused() -> None:
    with pytest.raises(records.UnknownRecordType):
        records.load({"type": "Exploit", "record": {}})
