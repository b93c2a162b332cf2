"""Retention in Faust: closed referrals leave the ledger and the clock table (processors/retention.py decides).

Table writes need a current event (a row's changelog record goes to that event's partition), so the timer
cannot delete rows itself. It follows the clocks' path instead: each worker keeps a due index of the closed
referrals on its own partitions (fed by every ledger write, rebuilt from the table after a rebalance), and when
one falls due the tick posts a check on ``sla.checks`` keyed by the referral id; the check-clocks agent, on the
referral's own partition, then retires it at its own ``now`` — or does nothing, if it was re-opened or already
retired meanwhile. A nudge too many changes nothing.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from processors import retention
from streams.due import OwnedDueIndex
from streams.settings import Settings
from streams.topology import REFERRAL_EVENTS

if TYPE_CHECKING:
    from streams.hub import Hub

log = logging.getLogger(__name__)

CLOCKS_WAITING_RECHECK = timedelta(days=1)
"""A closed referral past its retention whose clocks still wait (a duty still owed) is looked at again this late:
nothing writes its ledger entry when the clock goes quiet, and a nudge a minute would be wasted work."""


def period(settings: Settings) -> timedelta:
    return timedelta(days=settings.closed_retention_days)


def retire_index(settings: Settings) -> OwnedDueIndex:
    """The closed referrals of this worker's partitions, by the instant they may leave the tables."""
    return OwnedDueIndex(
        REFERRAL_EVENTS.name, settings.partitions, partial(retention.retire_at, retention=period(settings))
    )


def retire_if_due(hub: Hub, referral_id: str, clocks: Any) -> bool:
    """Retire the referral if it is due (True: this check is done). Clocks go first and the marker last, so a
    crash in between leaves a closed entry without clocks, which the redelivered check retires; a retired
    marker with clocks left beside it cannot happen."""
    entry = hub.ledger.get(referral_id)
    now = hub.clock.now()
    if retention.is_retired(entry):
        return True
    if not retention.retirable(entry, clocks, now, period(hub.settings)):
        due_at = retention.retire_at(entry, period(hub.settings))
        if due_at is not None and due_at <= now:
            hub.retire_index.postpone(referral_id, now + CLOCKS_WAITING_RECHECK)  # a clock still waits for an instant
        else:
            hub.retire_index.schedule_after_check(referral_id, entry, now)
        return False
    if clocks is not None:
        del hub.clocks[referral_id]
        hub.clock_index.schedule(referral_id, None)
    hub.ledger[referral_id] = retention.retired_marker(entry, now)
    log.info("referral %s retired: closed since %s", referral_id, retention.closed_at(entry))
    return True
