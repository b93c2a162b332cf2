"""POST /v1/keys/release (金鑰發放): a case system that reads its own assignments topic gets the keys of its
own views, and nothing else.

Each key id names a subject and a destination (``S-…#SOCIAL``); a partner gets the key only of its own views of
people it was assigned. Anything else — another partner's view, a subject's own key, a person it never had, an
erased one — is answered the same way, as unknown. Every release is an audit event naming the people.
"""

from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING, Any

from aiohttp import web

from processors import audit
from processors.erasure.referrals import is_erased
from processors.privacy import envelopes
from streams.gateway import trail
from streams.gateway.auth import Caller
from streams.gateway.guard import answer, refusal
from streams.gateway.routes import KEY_RELEASE

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
    released: list[dict[str, str]] = []
    unknown: list[str] = []
    for key_id in key_ids:
        key = _view_key(hub, caller.partner, key_id)
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


def _view_key(hub: Hub, partner: str, key_id: str) -> bytes | None:
    view = envelopes.parse_view_key_id(key_id)
    if view is None or view[1] != partner:
        return None
    subject_id = view[0]
    if not _assigned(hub, subject_id, partner):
        return None
    subject_key = hub.vault.data_key(subject_id)
    return None if subject_key is None else envelopes.release_view_key(subject_key, key_id, partner)


def _assigned(hub: Hub, subject_id: str, partner: str) -> bool:
    """Whether ``partner`` was given a referral of this person (its own view exists only then)."""
    index: Any = hub.subject_index.get(subject_id) or {}
    for referral_id in index.get("referrals") or ():
        entry = hub.ledger.get(referral_id)
        if entry is not None and not is_erased(entry) and partner in entry["destinations"]:
            return True
    return False
