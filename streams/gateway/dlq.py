"""Operators' dead-letter triage (退件分析) over HTTP: what was refused, why, for which partner, how many of each
reason; one dead letter in full; and its replay through the current adapters after a fix (streams/gateway/replay.py).

Reads go through the gateway's topic reader, paged with the same sealed cursors as the partners' outbox. The
original bytes are never shown (processors/dlq_triage.py says why); a replay opens them inside the hub only. Each
call is an audit event (type ADMIN) naming what it looked at.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

from aiohttp import web

from processors import audit, dlq_triage, ids
from schemas.codec import codec_for
from streams.gateway import trail
from streams.gateway.auth import Caller
from streams.gateway.guard import answer, refusal
from streams.gateway.pulls import COUNT, NEXT_CURSOR, page_asked
from streams.gateway.reader import ReaderUnavailable
from streams.gateway.routes import DLQ_LIST, DLQ_REPLAY, DLQ_SHOW
from streams.topology import DEAD_LETTERS

if TYPE_CHECKING:
    from streams.hub import Hub

STREAM = "dead-letters"
"""The cursor's stream name: a cursor of this list is no cursor of any other pull."""
_CODE = re.compile(r"[A-Z][A-Z0-9_]{0,63}")
_PARTNER = re.compile(r"[A-Z][A-Z0-9_]{0,31}")
_RECORD = re.compile(r"[0-9]{1,6}")
_SUBMISSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
_UNAVAILABLE = "系統暫時無法讀取退件資料，請稍後再試。"


def _asked(
    hub: Hub, caller: Caller, request: web.Request
) -> tuple[dlq_triage.Filter, int, dict[int, int]] | web.Response:
    query = request.query
    try:
        now = hub.clock.now()
        since = _time(query.get("since")) or now - dlq_triage.DEFAULT_WINDOW
        until = _time(query.get("until")) or now
    except ValueError:
        return refusal(400, "INVALID_WINDOW", "since、until 須為含時區的 ISO 時間，例如 2025-07-01T00:00:00+08:00。")
    partner, code = query.get("partner") or None, query.get("code") or None
    if (partner and not _PARTNER.fullmatch(partner)) or (code and not _CODE.fullmatch(code)):
        return refusal(400, "INVALID_REQUEST", "partner 與 code 須為代碼，例如 partner=POLICE&code=INVALID_CHECKSUM。")
    page = page_asked(hub, caller, request, STREAM)
    if isinstance(page, web.Response):
        return page
    limit, start = page
    return dlq_triage.Filter(since, until, partner, code), limit, start


def _time(text: str | None) -> datetime | None:
    if not text:
        return None
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError("no offset")
    return moment


async def list_dead_letters(hub: Hub, caller: Caller, request: web.Request) -> web.StreamResponse:
    """GET /v1/admin/dead-letters: counts by partner × code over the window, and a page of its dead letters."""
    asked = _asked(hub, caller, request)
    if isinstance(asked, web.Response):
        return asked
    window, limit, start = asked
    decode = codec_for(DEAD_LETTERS.schema).decode
    try:
        everything, _ = await hub.reader.read(DEAD_LETTERS.name, decode, {}, None, window.keeps)
        letters, positions = await hub.reader.read(DEAD_LETTERS.name, decode, start, limit, window.keeps)
    except ReaderUnavailable:
        return refusal(503, "UNAVAILABLE", _UNAVAILABLE, headers={"Retry-After": "5"})
    counts = dlq_triage.counts(everything)
    items = dlq_triage.page(letters)
    await trail.record(
        hub, caller, DLQ_LIST, type_=audit.ADMIN, subtype="dlq.list", action="R",
        entities=[audit.entity(window.partner, "PARTNER")] if window.partner else [],
        outcome_desc=f"{len(items)} of {sum(row['count'] for row in counts)} dead letters",
    )  # fmt: skip
    body = {"window": window.as_json(), "counts": counts, "by_partner": dlq_triage.by_partner(counts), "items": items}
    return answer(
        body, headers={NEXT_CURSOR: hub.cursors.seal(caller.partner, STREAM, positions), COUNT: str(len(items))}
    )


def _dead_letter_id(match: dict[str, str]) -> str | None:
    submission_id, record_no = match.get("submission_id", ""), match.get("record_no", "")
    if not _SUBMISSION.fullmatch(submission_id) or not _RECORD.fullmatch(record_no):
        return None
    return ids.dead_letter_id(submission_id, int(record_no))


def _no_such(dead_letter_id: str) -> web.Response:
    return refusal(404, "UNKNOWN_DEAD_LETTER", f"查無退件 {dead_letter_id}（保留 90 天），請以 refhub dlq list 查詢。")


def _bad_id() -> web.Response:
    return refusal(400, "INVALID_DEAD_LETTER_ID", "退件編號格式為 送件編號/筆次，例如 SUB-20250715093000-1a2b3c4d/2。")


async def show_dead_letter(hub: Hub, caller: Caller, request: web.Request, **match: str) -> web.StreamResponse:
    """GET /v1/admin/dead-letters/{submission_id}/{record_no}: one dead letter in full, the original's bytes not."""
    dead_letter_id = _dead_letter_id(match)
    if dead_letter_id is None:
        return _bad_id()
    try:
        found, _ = await hub.reader.read(
            DEAD_LETTERS.name,
            codec_for(DEAD_LETTERS.schema).decode,
            {},
            None,
            lambda letter: letter["dead_letter_id"] == dead_letter_id,
        )
    except ReaderUnavailable:
        return refusal(503, "UNAVAILABLE", _UNAVAILABLE, headers={"Retry-After": "5"})
    if not found:
        return _no_such(dead_letter_id)
    letter = found[-1]
    key_id = letter["original"]["key_id"]
    readable = bool(key_id) and hub.vault.data_key(key_id) is not None
    await trail.record(
        hub, caller, DLQ_SHOW, type_=audit.ADMIN, subtype="dlq.show", action="R",
        entities=[audit.entity(dead_letter_id, "SUBMISSION"), audit.entity(letter["partner"], "PARTNER")],
    )  # fmt: skip
    return answer(dlq_triage.detail(letter, readable=readable))


async def replay_dead_letter(hub: Hub, caller: Caller, request: web.Request, **match: str) -> web.StreamResponse:
    """POST /v1/admin/dead-letters/{submission_id}/{record_no}/replay: the original through the current adapters,
    as a submission of its own (the same replay as POST /v1/admin/replay, for one dead letter)."""
    dead_letter_id = _dead_letter_id(match)
    if dead_letter_id is None:
        return _bad_id()
    await trail.record(
        hub, caller, DLQ_REPLAY, type_=audit.ADMIN, subtype="dlq.replay", action="E",
        entities=[audit.entity(dead_letter_id, "SUBMISSION")],
    )  # fmt: skip
    try:
        replayed = await hub.replayer.replay_dead_letter(dead_letter_id)
    except ReaderUnavailable:
        return refusal(503, "UNAVAILABLE", _UNAVAILABLE, headers={"Retry-After": "5"})
    if replayed is None:
        return _no_such(dead_letter_id)
    summary, receipt = replayed
    body: dict[str, Any] = {"dead_letter_id": dead_letter_id, "summary": summary.as_json(), "receipt": receipt}
    return answer(body)
