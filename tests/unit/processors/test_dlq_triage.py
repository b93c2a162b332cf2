"""processors/dlq_triage.py: the grouping an operator on duty reads — partner × code over a window, one per dead
letter id, the page newest first, and nothing of the sealed original but whether it is there."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from processors import dlq_triage
from processors.dead_letters import NOTHING_SEALED, dead_letter

T0 = datetime(2025, 7, 20, 1, 0, tzinfo=UTC)


def letter(
    submission: str,
    record_no: int,
    partner: str = "POLICE",
    code: str = "INVALID_DISTRICT",
    minutes: int = 0,
    original: dict[str, Any] | None = None,
) -> dict[str, Any]:
    sealed = {"key_id": f"Q-{submission}/{record_no}", "nonce": b"n" * 12, "ciphertext": b"c" * 116}
    return dead_letter(
        submission_id=submission,
        record_no=record_no,
        partner=partner,
        inbound_format="POLICE_CSV",
        field="行政區",
        code=code,
        reason="第 2 筆的「行政區」有誤。",
        received_at=T0 + timedelta(minutes=minutes),
        original=original or sealed,
    )


def test_counts_are_partner_by_code_most_frequent_first_with_first_and_last() -> None:
    letters = [
        letter("S1", 1, minutes=0),
        letter("S1", 2, minutes=1),
        letter("S2", 1, minutes=5),
        letter("S3", 1, partner="SOCIAL", code="UNKNOWN_REFERRAL", minutes=3),
        letter("S3", 2, code="INVALID_CHECKSUM", minutes=4),
    ]
    rows = dlq_triage.counts(letters)
    assert [(r["partner"], r["code"], r["count"]) for r in rows] == [
        ("POLICE", "INVALID_DISTRICT", 3),
        ("POLICE", "INVALID_CHECKSUM", 1),
        ("SOCIAL", "UNKNOWN_REFERRAL", 1),
    ]
    assert (rows[0]["first"], rows[0]["last"]) == (T0.isoformat(), (T0 + timedelta(minutes=5)).isoformat())
    assert dlq_triage.by_partner(rows) == {"POLICE": 4, "SOCIAL": 1}


def test_a_dead_letter_sent_twice_counts_once() -> None:
    """Delivery is at least once: an agent's re-sent dead letter has the same id."""
    rows = dlq_triage.counts([letter("S1", 1), letter("S1", 1), letter("S1", 2)])
    assert [r["count"] for r in rows] == [2]
    assert len(dlq_triage.page([letter("S1", 1), letter("S1", 1)])) == 1


def test_the_filter_is_a_half_open_window_and_optional_partner_and_code() -> None:
    window = dlq_triage.Filter(T0, T0 + timedelta(minutes=10))
    assert window.keeps(letter("S", 1, minutes=0)) and not window.keeps(letter("S", 1, minutes=10))
    assert not window.keeps(letter("S", 1, minutes=-1))
    police_only = dlq_triage.Filter(T0, T0 + timedelta(hours=1), partner="POLICE", code="INVALID_DISTRICT")
    assert police_only.keeps(letter("S", 1))
    assert not police_only.keeps(letter("S", 1, partner="SOCIAL"))
    assert not police_only.keeps(letter("S", 1, code="INVALID_CHECKSUM"))
    assert window.as_json()["since"] == T0.isoformat() and window.as_json()["partner"] is None


def test_the_page_is_newest_first_and_says_what_to_tell_the_partner() -> None:
    items = dlq_triage.page([letter("S1", 1, minutes=1), letter("S2", 3, minutes=9), letter("S3", 2, minutes=4)])
    assert [i["dead_letter_id"] for i in items] == ["S2/3", "S3/2", "S1/1"]
    assert set(items[0]) == {
        "dead_letter_id", "submission_id", "record_no", "partner", "format", "field", "code", "reason", "received_at"
    }  # fmt: skip


def test_detail_describes_the_original_and_never_carries_its_bytes() -> None:
    shown = dlq_triage.detail(letter("S1", 2), readable=True)
    assert shown["original"] == {"stored": True, "partner_record": True, "bytes": 100, "readable": True, "shown": False}
    assert shown["replayable"] is True and shown["whole_submission"] is False
    assert b"c" * 116 not in repr(shown).encode() and "ciphertext" not in repr(shown)
    erased = dlq_triage.detail(letter("S1", 2), readable=False)
    assert erased["original"]["readable"] is False and erased["replayable"] is False


def test_an_agents_dead_letter_holds_no_partner_record() -> None:
    """The router's NO_ROUTE seals the referral's personal block under the subject's key; a journey step, nothing."""
    routed = letter("S1", 1, original={"key_id": "S-abc", "nonce": b"n" * 12, "ciphertext": b"x" * 40})
    empty = letter("STEP-1", 0, original=dict(NOTHING_SEALED))
    assert not dlq_triage.holds_partner_bytes(routed) and not dlq_triage.holds_partner_bytes(empty)
    assert dlq_triage.detail(empty, readable=False)["original"] == {
        "stored": False, "partner_record": False, "bytes": 0, "readable": False, "shown": False
    }  # fmt: skip
    assert dlq_triage.detail(routed, readable=True)["replayable"] is False
