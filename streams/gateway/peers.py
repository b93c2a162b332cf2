"""The routes between workers (Access.PEER): records handed to their owner, subjects made by the owner of the
lookup key, table rows read from their owner. Each call must carry a peer's signature over its very body; a
partner or an operator, whatever their credential, is refused alike.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from streams.gateway.auth import Caller
from streams.gateway.guard import answer, refusal
from streams.gateway.health import serving
from streams.gateway.intake import EarlierCopyNotWritten
from streams.peers import intake as peer_intake
from streams.peers import tables as peer_tables
from streams.peers.client import PeerUnavailable, is_forwarded
from streams.peers.ownership import OwnerUnknown

if TYPE_CHECKING:
    from streams.hub import Hub

PEERS_ONLY = "此路徑僅供本平台工作節點之間使用。"


async def records(hub: Hub, caller: Caller, request: web.Request) -> web.StreamResponse:
    async def decide(payload: Any) -> Any:
        submission, handed = peer_intake.submission_from_wire(payload)
        if not hub.intake.owns(submission, handed):
            raise OwnerUnknown("not the owner of every record any more")
        rows, rejected = await hub.intake.decide(submission, handed, [], check_only=payload.get("check_only") is True)
        return {
            "accepted": rows,
            "rejected": [
                {"record_no": r.record_no, "field": r.field, "code": r.code, "reason": r.reason} for r in rejected
            ],
        }

    return await _peer_call(hub, request, decide)


async def subjects(hub: Hub, caller: Caller, request: web.Request) -> web.StreamResponse:
    async def made(payload: Any) -> Any:
        lookup_keys = payload.get("lookup_keys") if isinstance(payload, dict) else None
        if not isinstance(lookup_keys, list) or not 0 < len(lookup_keys) <= peer_intake.MAX_SUBJECTS_PER_CALL:
            raise ValueError("no lookup keys")
        for lookup_key in lookup_keys:
            if not isinstance(lookup_key, str) or not lookup_key.isascii() or len(lookup_key) > 128:
                raise ValueError("not a lookup key")
            if hub.ownership.owner(peer_intake.LOOKUPS, lookup_key) is not None:
                raise OwnerUnknown("not the owner of this lookup key any more")
        generation = int(hub.app.consumer_generation_id or 0)
        subjects = await asyncio.gather(*(hub.vault.subject_by_lookup(key, generation) for key in lookup_keys))
        return {"subjects": [hub.vault.export(s, key) for s, key in zip(subjects, lookup_keys, strict=True)]}

    return await _peer_call(hub, request, made)


async def tables(hub: Hub, caller: Caller, request: web.Request) -> web.StreamResponse:
    async def read(payload: Any) -> Any:
        return peer_tables.answer_here(hub.ownership, hub.app.tables, payload)

    return await _peer_call(hub, request, read)


async def _peer_call(hub: Hub, request: web.Request, handle: Callable[[Any], Awaitable[Any]]) -> web.StreamResponse:
    body = await request.read()
    if not is_forwarded(request, hub.peer_seal, body):
        return refusal(403, "PEERS_ONLY", PEERS_ONLY)
    if not serving(hub):
        return refusal(503, "NOT_READY", "工作節點啟動中。", headers={"Retry-After": "2"})
    try:
        payload = json.loads(body)
        return answer(await handle(payload))
    except (OwnerUnknown, PeerUnavailable, EarlierCopyNotWritten):
        return refusal(503, "NOT_THE_OWNER", "負責此資料的工作節點正在交接，請稍後重送。", headers={"Retry-After": "2"})
    except (ValueError, KeyError, TypeError) as bad:
        return refusal(400, "INVALID_REQUEST", f"peer call refused: {type(bad).__name__}")


async def at_owner(hub: Hub, request: web.Request, table: str, key: str) -> web.StreamResponse | None:
    """The owner's answer to a partner's request about ``key``, or None when this worker owns it (or the request
    was passed here by a peer already: it is never passed on twice)."""
    if is_forwarded(request, hub.peer_seal):
        return None
    try:
        owner = hub.ownership.owner(table, key)
        if owner is None:
            return None
        return await hub.peer_client.forward(owner, request)
    except (OwnerUnknown, PeerUnavailable, EarlierCopyNotWritten):
        return refusal(503, "UNAVAILABLE", "系統正在調整工作節點，請稍後再試。", headers={"Retry-After": "2"})
