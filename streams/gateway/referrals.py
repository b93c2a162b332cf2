"""GET /v1/referrals/{id}: a referral's state per destination, for its source partner and operators.

A referral another partner sent answers exactly like one that does not exist (404 UNKNOWN_REFERRAL), and so
does a malformed id: the answer must not tell a partner whether somebody else's referral exists.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from processors import audit
from processors.erasure.referrals import is_erased
from streams.gateway import peers, status_view, trail
from streams.gateway.auth import Caller
from streams.gateway.guard import answer, refusal
from streams.gateway.routes import REFERRAL
from streams.peers.intake import LEDGER

if TYPE_CHECKING:
    from streams.hub import Hub


async def get(hub: Hub, caller: Caller, request: web.Request, referral_id: str) -> web.StreamResponse:
    well_formed = referral_id.isascii() and len(referral_id) <= 64
    if well_formed and (forwarded := await peers.at_owner(hub, request, LEDGER, referral_id)) is not None:
        return forwarded
    entry = hub.ledger.get(referral_id) if well_formed else None
    if entry is None or not caller.may_see(entry.get("source")):
        return refusal(404, "UNKNOWN_REFERRAL", "查無此轉介編號，或該轉介並非由貴單位轉出。")
    if is_erased(entry):
        view = status_view.erased(entry)
        entities = [audit.entity(referral_id, "REFERRAL")]
    else:
        # The person's gaps concern other agencies' referrals too: operators only (need to know).
        journey = (await hub.peer_tables.get("journeys", entry["subject_id"]) or {}) if caller.is_operator else None
        view = status_view.render(entry, hub.clocks.get(referral_id), journey)
        entities = [audit.entity(entry["subject_id"], "SUBJECT"), audit.entity(referral_id, "REFERRAL")]
    await trail.record(
        hub, caller, REFERRAL, type_=audit.DISCLOSURE, subtype="referral.read", action="R", entities=entities
    )
    return answer(view)
