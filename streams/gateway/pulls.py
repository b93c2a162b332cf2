"""What partners pull (回傳): their assignments, their referrals' status, prosecutors' progress reports.

Each pull is one audit event naming every person whose data it carried and which fields; an empty page
discloses nothing and records nothing. Cursors are sealed to the partner and the stream
(streams/access/cursors.py): a partner can neither forge a position nor read another's, nor learn from it how
much the hub holds.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from aiohttp import web

from processors import audit
from streams.access.cursors import BadCursor
from streams.gateway import trail
from streams.gateway.auth import Caller
from streams.gateway.guard import refusal
from streams.gateway.outbox import MAX_BATCH, Page, Positions
from streams.gateway.reader import ReaderUnavailable
from streams.gateway.routes import ASSIGNMENTS, REPORTS, STATUS

if TYPE_CHECKING:
    from streams.hub import Hub

NEXT_CURSOR = "X-Refhub-Next-Cursor"
COUNT = "X-Refhub-Count"
_LIMIT = re.compile(r"[0-9]{1,4}")
_PERIOD = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")
_UNAVAILABLE = "系統暫時無法讀取資料，請稍後再試；未回傳任何資料，游標不變。"


def page_asked(hub: Hub, caller: Caller, request: web.Request, stream: str) -> tuple[int, Positions] | web.Response:
    """``limit`` and ``after`` of a pull: how many items, from which positions (the sealed cursor opened)."""
    text = request.query.get("limit", "100")
    # ASCII digits only: "²".isdigit() is True, and int("²") is a ValueError.
    if not _LIMIT.fullmatch(text) or not 0 < int(text) <= MAX_BATCH:
        return refusal(400, "INVALID_LIMIT", f"limit 須為 1 到 {MAX_BATCH} 的整數。")
    try:
        return int(text), hub.cursors.open(request.query.get("after"), caller.partner, stream)
    except BadCursor:
        return refusal(
            400, "INVALID_CURSOR", "after 參數無效，請使用上次回應的 X-Refhub-Next-Cursor，或省略以從頭讀取。"
        )


def _page(hub: Hub, caller: Caller, stream: str, page: Page) -> web.Response:
    # The content type goes in as a header: aiohttp refuses a charset in its content_type argument.
    return web.Response(
        body=page.body,
        headers={
            "Content-Type": page.content_type,
            NEXT_CURSOR: hub.cursors.seal(caller.partner, stream, page.positions),
            COUNT: str(page.count),
        },
    )


async def assignments(hub: Hub, caller: Caller, request: web.Request) -> web.StreamResponse:
    asked = page_asked(hub, caller, request, "assignments")
    if isinstance(asked, web.Response):
        return asked
    limit, start = asked
    try:
        page = await hub.outbox.assignments(caller.partner, start, limit)
    except ReaderUnavailable:
        return refusal(503, "UNAVAILABLE", _UNAVAILABLE, headers={"Retry-After": "5"})
    if page is None:
        return refusal(404, "NO_ASSIGNMENTS", "貴單位不接收派案。")
    if page.disclosed:
        await trail.record(
            hub,
            caller,
            ASSIGNMENTS,
            type_=audit.DISCLOSURE,
            subtype="outbox.assignments",
            action="R",
            purpose="；".join(sorted({b for d in page.disclosed for bases in d.bases.values() for b in bases})) or None,
            entities=[
                entity
                for d in page.disclosed
                for entity in (
                    audit.entity(d.subject_id, "SUBJECT", d.fields),
                    audit.entity(d.referral_id, "REFERRAL"),
                    audit.entity(d.assignment_id, "ASSIGNMENT"),
                )
            ],
        )
    return _page(hub, caller, "assignments", page)


async def status(hub: Hub, caller: Caller, request: web.Request) -> web.StreamResponse:
    asked = page_asked(hub, caller, request, "status")
    if isinstance(asked, web.Response):
        return asked
    limit, start = asked
    try:
        page = await hub.outbox.status_updates(caller.partner, start, limit)
    except ReaderUnavailable:
        return refusal(503, "UNAVAILABLE", _UNAVAILABLE, headers={"Retry-After": "5"})
    if page.referral_ids:
        await trail.record(
            hub,
            caller,
            STATUS,
            type_=audit.DISCLOSURE,
            subtype="outbox.status",
            action="R",
            entities=[audit.entity(r, "REFERRAL") for r in sorted(set(page.referral_ids))],
        )
    return _page(hub, caller, "status", page)


async def reports(hub: Hub, caller: Caller, request: web.Request) -> web.StreamResponse:
    if not caller.partner.startswith("PROS_"):
        return refusal(404, "NO_REPORTS", "處遇進度報告僅提供予地方檢察署。")
    period = request.query.get("period", "")
    if not _PERIOD.fullmatch(period):
        return refusal(400, "INVALID_PERIOD", "請以 period=YYYY-MM 指定月份，例如 2025-08。")
    try:
        made = await hub.reports.render(caller.partner, period)
    except ReaderUnavailable:
        return refusal(503, "UNAVAILABLE", _UNAVAILABLE, headers={"Retry-After": "5"})
    if made.disclosed:
        await trail.record(
            hub,
            caller,
            REPORTS,
            type_=audit.DISCLOSURE,
            subtype="outbox.reports",
            action="R",
            entities=[
                entity
                for referral_id, subject_id, fields in made.disclosed
                for entity in (audit.entity(subject_id, "SUBJECT", fields), audit.entity(referral_id, "REFERRAL"))
            ],
        )
    return web.Response(body=made.rendered.body, headers={"Content-Type": made.rendered.content_type})
