from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from processors.ledger import LedgerEntry, UpdateRefused, check_update, plan_routing, plan_update
from schemas.codec import codec_for
from tests.support.events import event

NOW = datetime(2025, 7, 15, 6, 31, 5, tzinfo=UTC)


def _routed() -> LedgerEntry:
    plan = plan_routing(event(), None, NOW)
    assert plan.entry is not None
    return plan.entry


def _answer(state: str, minutes: int, partner: str = "SOCIAL", reason: str | None = None) -> dict[str, Any]:
    return {
        "event_id": f"U-{state}-{minutes}-{partner}",
        "referral_id": _routed()["referral_id"],
        "partner": partner,
        "state": state,
        "reason_code": reason,
        "at": NOW + timedelta(minutes=minutes),
    }


def test_an_answer_moves_only_the_answering_partners_delivery() -> None:
    plan = plan_update(_answer("ACKNOWLEDGED", 5), _routed())
    assert plan.changed
    assert plan.entry["destinations"]["SOCIAL"]["state"] == "ACKNOWLEDGED"
    assert plan.entry["destinations"]["BUREAU"]["state"] == "ROUTED"
    [status] = plan.statuses
    assert (status["destination"], status["from_state"], status["state"], status["by"]) == (
        "SOCIAL",
        "ROUTED",
        "ACKNOWLEDGED",
        "SOCIAL",
    )


def test_a_repeated_answer_changes_nothing_and_repeats_the_same_bytes() -> None:
    first = plan_update(_answer("ACCEPTED", 5), _routed())
    again = plan_update(_answer("ACCEPTED", 5), first.entry)
    assert not again.changed and again.entry == first.entry
    codec = codec_for("status_change")
    assert [codec.encode(s) for s in again.statuses] == [codec.encode(s) for s in first.statuses]


def test_an_older_answer_never_overwrites_a_newer_one() -> None:
    newer = plan_update(_answer("IN_PROGRESS", 30), _routed())
    older = plan_update(_answer("ACKNOWLEDGED", 10), newer.entry)
    assert not older.changed
    assert older.entry["destinations"]["SOCIAL"]["state"] == "IN_PROGRESS"


@pytest.mark.parametrize(
    ("steps", "refused", "code"),
    [
        (["COMPLETED"], "ACKNOWLEDGED", "ILLEGAL_TRANSITION"),
        (["REJECTED"], "ACCEPTED", "ILLEGAL_TRANSITION"),
        ([], "REJECTED", "REASON_REQUIRED"),
    ],
)
def test_illegal_answers_are_refused_and_change_nothing(steps: list[str], refused: str, code: str) -> None:
    entry = _routed()
    for minute, state in enumerate(steps, start=1):
        entry = plan_update(_answer(state, minute, reason="NO_CONTACT"), entry).entry
    before = dict(entry)
    with pytest.raises(UpdateRefused) as raised:
        plan_update(_answer(refused, 50), entry)
    assert raised.value.code == code and raised.value.reason
    assert entry == before


def test_only_addressed_partners_answer_but_the_source_may_cancel_all() -> None:
    with pytest.raises(UpdateRefused) as raised:
        check_update(_answer("ACKNOWLEDGED", 5, partner="LABOUR"), _routed())
    assert raised.value.code == "NOT_ADDRESSED_TO_YOU"
    cancelled = plan_update(_answer("CANCELLED", 5, partner="POLICE"), _routed())
    assert {d["state"] for d in cancelled.entry["destinations"].values()} == {"CANCELLED"}
    assert len(cancelled.statuses) == 2


def test_an_answer_dated_before_the_routing_time_still_counts() -> None:
    plan = plan_update({**_answer("ACKNOWLEDGED", 0), "at": NOW - timedelta(days=1)}, _routed())
    assert plan.changed and plan.entry["destinations"]["SOCIAL"]["state"] == "ACKNOWLEDGED"
