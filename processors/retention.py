"""Retention of closed referrals in the hub's tables (保存期限): when a closed referral's ledger entry and SLA
clocks leave the tables, and the small marker that stays.

A referral is closed when every destination's delivery is finished: in a terminal state (processors/lifecycle.py:
CLOSED, REJECTED, REDIRECTED, CANCELLED, EXPIRED) or COMPLETED. COMPLETED is not terminal in the lifecycle (it
may still become CLOSED), but no partner format reports CLOSED: COMPLETED is where a served case ends (the
journey counts it as the case's closure too), and a referral that waited for CLOSED would never leave.

Once the last delivery finished ``retention`` ago and none of its clocks is still waiting for an instant, the
entry — the sealed referral template, every delivery's history and routing decision — and the clocks are
replaced by a retired marker: the ids, kind, source, version and content digest, and per destination its final
state and assignment id. Nothing about the person.

What the marker is for:

* a re-send of the same record (same reference, same content) is still a duplicate, never routed again as a
  new referral; changed content is refused (``RETIRED``): a closed and archived case is not amended, a new
  situation is a new referral;
* an erasure order (塗銷) that comes later still tells every destination that was sent the referral to delete
  its copy (processors/erasure/referrals.py reads the same per-destination fields);
* the source still sees, on ``GET /v1/referrals/{id}``, how each destination closed and when it was retired.

What the KPI report and the prosecutors' history need later comes from the event topics, which keep
everything; the tables keep what the running hub decides with. An erased marker is never retired: it is
already as small, and it is what refuses an erased referral's re-send (``ERASED``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Final, TypeGuard, cast

from processors.erasure.referrals import is_erased
from processors.lifecycle import TERMINAL, State
from processors.sla.calendar import TAIPEI
from processors.sla.referral_clocks import ReferralClocks, next_instant

FINISHED: Final = TERMINAL | {State.COMPLETED}
"""A delivery in one of these states needs nothing more from anyone."""
RETIRED: Final = "retired"
"""The ledger marker's key (``{"retired": {"at": …, "closed_at": …}}``)."""


def is_retired(entry: Mapping[str, Any] | None) -> TypeGuard[Mapping[str, Any]]:
    return bool(entry) and RETIRED in (entry or {})


def closed_at(entry: Mapping[str, Any] | None) -> datetime | None:
    """When the referral's last open delivery finished; None while any is open (or for a marker)."""
    if entry is None or is_erased(entry) or is_retired(entry) or not entry.get("destinations"):
        return None
    latest: datetime | None = None
    for delivery in entry["destinations"].values():
        if State(delivery["state"]) not in FINISHED:
            return None
        at = datetime.fromisoformat(delivery["history"][-1]["at"])
        latest = at if latest is None or at > latest else latest
    return latest


def retire_at(entry: Mapping[str, Any] | None, retention: timedelta) -> datetime | None:
    """The instant a closed referral may leave the tables; None for an open one or a marker."""
    closed = closed_at(entry)
    return None if closed is None else closed + retention


def retirable(
    entry: Mapping[str, Any] | None, clocks: Mapping[str, Any] | None, now: datetime, retention: timedelta
) -> bool:
    """Whether the entry and its clocks leave the tables at ``now``. A clock still waiting for an instant (a
    recurring duty owed) keeps both: its events must not be lost with it."""
    at = retire_at(entry, retention)
    if at is None or at > now:
        return False
    return clocks is None or next_instant(cast(ReferralClocks, clocks)) is None


def retired_marker(entry: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """What stays of a retired referral in the ledger."""
    closed = closed_at(entry)
    assert closed is not None, "only a closed referral is retired"
    return {
        "referral_id": entry["referral_id"],
        "kind": entry["kind"],
        "source": entry["source"],
        "version": entry["version"],
        "digest": entry["digest"],
        "destinations": {
            destination: {
                "state": delivery["state"],
                "version": delivery["version"],
                "assignment_id": delivery["assignment_id"],
            }
            for destination, delivery in sorted(entry["destinations"].items())
        },
        RETIRED: {"at": now.isoformat(), "closed_at": closed.isoformat()},
    }


def routes_again(marker: Mapping[str, Any], event: Mapping[str, Any]) -> bool:
    """A version newer than the retired one reached the router (accepted by the gateway just before the
    referral was retired): it is routed afresh, so the person is not left without anyone. Anything else is a
    repeat of what was retired."""
    return int(event["version"]) > int(marker["version"])


def _closed_on(marker: Mapping[str, Any]) -> str:
    return datetime.fromisoformat(marker[RETIRED]["closed_at"]).astimezone(TAIPEI).date().isoformat()


def answer_refusal(marker: Mapping[str, Any]) -> str:
    """Why an answer on a retired referral changes nothing, for the partner's clerk."""
    return (
        f"轉介編號 {marker['referral_id']} 已於 {_closed_on(marker)} 結案並封存，不再受理狀態回覆；"
        "如個案有新的情況，請以新的轉介通報。"
    )


def amendment_refusal(marker: Mapping[str, Any]) -> str:
    """Why changed content for a retired referral is not an amendment, for the partner's clerk."""
    return f"此轉介已於 {_closed_on(marker)} 結案並封存，不再受理更正；如為新的情況，請以新的通報編號傳送。"
