"""Operators' routes: replay after an adapter fix, the clock of a test deployment, and the audit trail query.

Each call is itself an audit event (type ADMIN): who ran it, and on what.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from aiohttp import web

from adapters import registry
from adapters.base import FieldError
from adapters.validation.national_id import validate_national_id
from processors import audit
from processors.erasure import subjects as erasure_subjects
from processors.privacy import pseudonyms
from schemas.codec import codec_for
from streams.cli.common import to_jsonable
from streams.gateway import trail
from streams.gateway.auth import Caller
from streams.gateway.guard import answer, refusal
from streams.gateway.reader import ReaderUnavailable
from streams.gateway.routes import AUDIT, CLOCK_MOVE, CLOCK_READ, REPLAY
from streams.peers.client import PeerUnavailable
from streams.peers.ownership import OwnerUnknown
from streams.topology import AUDIT_EVENTS

if TYPE_CHECKING:
    from streams.hub import Hub


async def replay(hub: Hub, caller: Caller, request: web.Request) -> web.StreamResponse:
    try:
        ask = json.loads(await request.read() or b"{}")
        partner = str(ask["partner"])
        since = datetime.fromisoformat(ask["since"]) if ask.get("since") else None
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return refusal(
            400, "INVALID_REQUEST", '請以 {"partner": "POLICE", "since": "2025-07-01T00:00:00+08:00"} 指定。'
        )
    if since is not None and since.tzinfo is None:
        return refusal(400, "INVALID_REQUEST", "since 必須含時區，例如 +08:00。")
    if not registry.adapters_for(partner):
        return refusal(404, "UNKNOWN_PARTNER", f"未知的單位代碼 {partner}。")
    await trail.record(
        hub, caller, REPLAY, type_=audit.ADMIN, subtype="admin.replay", action="E",
        entities=[audit.entity(partner, "PARTNER")],
    )  # fmt: skip
    summary = await hub.replayer.replay(partner, since)
    return answer(summary.as_json())


async def clock(hub: Hub, caller: Caller, request: web.Request) -> web.StreamResponse:
    await trail.record(hub, caller, CLOCK_READ, type_=audit.ADMIN, subtype="admin.clock.read", action="R", entities=[])
    return answer({"now": hub.clock.now().isoformat(), "movable": hub.clock.movable})


async def move_clock(hub: Hub, caller: Caller, request: web.Request) -> web.StreamResponse:
    if not hub.clock.movable:
        return refusal(409, "CLOCK_NOT_MOVABLE", "本系統使用實際時間，不能調整時鐘（僅測試環境可設定）。")
    try:
        seconds = float(json.loads(await request.read() or b"{}")["advance_seconds"])
        now = hub.clock.advance(timedelta(seconds=seconds))
    except (ValueError, KeyError, TypeError, OverflowError, RecursionError):
        return refusal(400, "INVALID_REQUEST", '請以 {"advance_seconds": 90000} 指定往後調整的秒數（不可為負）。')
    await trail.record(
        hub, caller, CLOCK_MOVE, type_=audit.ADMIN, subtype="admin.clock.move", action="U", entities=[],
        outcome_desc=f"advanced {seconds:g} s",
    )  # fmt: skip
    return answer({"now": now.isoformat(), "movable": True})


async def audit_trail(hub: Hub, caller: Caller, request: web.Request) -> web.StreamResponse:
    """GET /v1/audit?subject=NATIONAL_ID|S-…: every audit event about the person, as JSON lines.

    A national ID is resolved through the lookup key, and through the erasure orders that named it: after an
    erasure the trail still shows the erasure (pseudonymous ids and field names, never the person)."""
    asked = request.query.get("subject", "").strip()
    try:
        subject_ids = await _subjects(hub, asked)
        if subject_ids is None:
            return refusal(400, "INVALID_SUBJECT", "請以 subject=身分證統一編號 或 subject=S-… 指定個案。")
        index = await hub.peer_tables.get_many("subject-index", sorted(subject_ids))
    except (OwnerUnknown, PeerUnavailable):
        return refusal(503, "UNAVAILABLE", "系統正在調整工作節點，請稍後再試。", headers={"Retry-After": "2"})
    names = set(subject_ids)
    for subject_id in subject_ids:
        names.update(_referrals(index.get(subject_id)))
    await trail.record(
        hub, caller, AUDIT, type_=audit.ADMIN, subtype="audit.query", action="R",
        entities=[audit.entity(s, "SUBJECT") for s in sorted(subject_ids)],
    )  # fmt: skip
    codec = codec_for(AUDIT_EVENTS.schema)
    try:
        events, _ = await hub.reader.read(
            AUDIT_EVENTS.name, codec.decode, {}, None, lambda e: any(n["what"] in names for n in e["entities"])
        )
    except ReaderUnavailable:
        return refusal(503, "UNAVAILABLE", "系統暫時無法讀取稽核紀錄，請稍後再試。", headers={"Retry-After": "5"})
    events.sort(key=lambda e: e["recorded"])
    lines = "".join(json.dumps(to_jsonable(e), ensure_ascii=False) + "\n" for e in events)
    return web.Response(body=lines.encode(), headers={"Content-Type": "application/x-ndjson"})


async def _subjects(hub: Hub, asked: str) -> set[str] | None:
    if asked.startswith("S-") and asked[2:].isalnum() and len(asked) <= 64:
        return {asked}
    try:
        national_id = validate_national_id(asked)
    except FieldError:
        return None
    lookup_key = pseudonyms.lookup_key(hub.secrets.lookup_key, "NID", national_id)
    found = {s for s in [hub.vault.subject_for(lookup_key)] if s}
    orders: Any = (await hub.peer_tables.get("erasure-orders", lookup_key) or {}).get("orders") or {}
    found.update(record["subject_id"] for record in orders.values() if record.get("subject_id"))
    return found


def _referrals(index: Any) -> set[str]:
    if not index:
        return set()
    found = set(index.get(erasure_subjects.REFERRALS) or ())
    record = index.get(erasure_subjects.ERASURE)
    if record:
        found.update(record["pending"])
        found.update(record["done"])
    return found
