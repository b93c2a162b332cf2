"""The prosecutors' monthly progress report (處遇進度報告): what a deferred-prosecution case did in a month.

The bureau reports attended community-treatment hours so the prosecutor does not revoke the deferral
(撤銷緩起訴); the treatment status comes from the named hospital's delivery in the ledger.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from processors.lifecycle import State

_NOT_STARTED = {State.SUBMITTED, State.ROUTED, State.DELIVERED, State.ACKNOWLEDGED}
_IN_TREATMENT = {State.ACCEPTED, State.IN_PROGRESS}
_DONE = {State.COMPLETED, State.CLOSED}


def treatment_status(entry: Mapping[str, Any]) -> tuple[str, str | None]:
    """(治療狀態, 斷點) from the ledger entry of a deferred-prosecution referral."""
    treating = [d for name, d in entry["destinations"].items() if name != "BUREAU"]
    if not treating:
        return "社區處遇", None
    state = State(treating[0]["state"])
    if state in _NOT_STARTED:
        return "未開始", None
    if state in _IN_TREATMENT:
        return "治療中", None
    if state in _DONE:
        return "已完成", None
    # Rejected, expired, cancelled or redirected: the person has no treatment start — a break point (斷點).
    return "未接受治療", "指定醫院未收治，毒防局已追蹤轉介"


def hours_in_period(records: Sequence[Mapping[str, Any]], referral_id: str, period: str) -> float:
    """Hours attended in the period; a re-sent record (same event id) counts once, the latest one."""
    latest: dict[str, float] = {}
    for record in records:
        if record["referral_id"] == referral_id and record["period"] == period:
            latest[record["event_id"]] = float(record["hours"])
    return sum(latest.values())
