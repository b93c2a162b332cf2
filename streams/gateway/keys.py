"""POST /v1/keys/release (金鑰發放): a case system that reads its own assignments topic gets the keys of its
own views, and nothing else.

Each key id names a subject and a destination (``S-…#SOCIAL``); a partner gets the key only of its own views of
people it was assigned. Anything else — another partner's view, a subject's own key, a person it never had, an
erased one — is answered the same way, as unknown. Every release is an audit event naming the people.
"""

from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING

from aiohttp import web

from processors import audit
from processors.erasure.referrals import is_erased
from processors.privacy import envelopes
from streams.gateway import trail
from streams.gateway.auth import Caller
from streams.gateway.guard import answer, refusal
from streams.gateway.routes import KEY_RELEASE
from streams.peers.client import PeerUnavailable
from streams.peers.ownership import OwnerUnknown

if TYPE_CHECKING:
    from streams.hub import Hub

MAX_KEYS = 500
ALGORITHM = "AES-256-GCM-SIV"


async def release(hub: Hub, caller: Caller, request: web.Request) -> web.StreamResponse:
    key_ids = _key_ids(await request.read())
    if key_ids is None:
        return refusal(
            400, "INVALID_REQUEST", f'請以 {{"key_ids": ["S-…#{caller.partner}"]}} 指定，最多 {MAX_KEYS} 個。'
        )
    try:
        assigned = await _assigned(hub, caller.partner, key_ids)
    except (OwnerUnknown, PeerUnavailable):
        return refusal(503, "UNAVAILABLE", "系統正在調整工作節點，請稍後再試。", headers={"Retry-After": "2"})
    released: list[dict[str, str]] = []
    unknown: list[str] = []
    for key_id in key_ids:
        key = _view_key(hub, caller.partner, key_id, assigned)
        if key is None:
            unknown.append(key_id)
        else:
            released.append({"keyId": key_id, "key": base64.b64encode(key).decode(), "algorithm": ALGORITHM})
    if released:
        await trail.record(
            hub,
            caller,
            KEY_RELEASE,
            type_=audit.KEY_RELEASE,
            subtype="keys.release",
            action="R",
            entities=[audit.entity(k["keyId"].split("#")[0], "SUBJECT", ["view_key"]) for k in released],
        )
    return answer({"keys": released, "unknown": unknown})


def _key_ids(body: bytes) -> list[str] | None:
    try:
        asked = json.loads(body or b"{}")
    except (ValueError, RecursionError):  # RecursionError: brackets nested too deep for the parser
        return None
    ids = asked.get("key_ids") if isinstance(asked, dict) else None
    # ASCII only: an id is echoed in "unknown", and a lone surrogate (\ud800) cannot be encoded into the answer.
    if not isinstance(ids, list) or not 0 < len(ids) <= MAX_KEYS or not all(_text(i) for i in ids):
        return None
    return list(dict.fromkeys(ids))


def _text(key_id: object) -> bool:
    return isinstance(key_id, str) and key_id.isascii() and key_id.isprintable()


def _view_key(hub: Hub, partner: str, key_id: str, assigned: set[str]) -> bytes | None:
    view = envelopes.parse_view_key_id(key_id)
    if view is None or view[1] != partner or view[0] not in assigned:
        return None
    subject_key = hub.vault.data_key(view[0])
    return None if subject_key is None else envelopes.release_view_key(subject_key, key_id, partner)


async def _assigned(hub: Hub, partner: str, key_ids: list[str]) -> set[str]:
    """The subjects among ``key_ids`` the partner was given a referral of (its own view exists only then); the
    person's index and the referrals' ledger entries are read from the workers that own them."""
    views = [envelopes.parse_view_key_id(key_id) for key_id in key_ids]
    subjects = sorted({view[0] for view in views if view is not None and view[1] == partner})
    index = await hub.peer_tables.get_many("subject-index", subjects)
    listed = {subject: list((index.get(subject) or {}).get("referrals") or ()) for subject in subjects}
    entries = await hub.peer_tables.get_many("referral-ledger", [r for refs in listed.values() for r in refs])
    return {
        subject
        for subject, referral_ids in listed.items()
        if any(
            (entry := entries.get(r)) is not None and not is_erased(entry) and partner in entry["destinations"]
            for r in referral_ids
        )
    }
