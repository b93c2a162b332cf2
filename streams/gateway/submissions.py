"""POST /v1/submissions (收件): a partner's own file in, a receipt out once every record is durable."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from aiohttp import web

from adapters import registry
from streams import metrics
from streams.gateway.auth import Caller
from streams.gateway.guard import answer, refusal
from streams.gateway.health import serving
from streams.gateway.intake import EarlierCopyNotWritten, RecordTooLarge
from streams.peers.client import PeerUnavailable
from streams.peers.ownership import OwnerUnknown

if TYPE_CHECKING:
    from streams.hub import Hub

TOO_LARGE = "檔案超過 10 MiB，請分批傳送。"

log = logging.getLogger(__name__)


async def post(hub: Hub, caller: Caller, request: web.Request) -> web.StreamResponse:
    length = request.headers.get("Content-Length")
    if length is not None and length.isascii() and length.isdigit() and int(length) > hub.settings.max_body_bytes:
        return refusal(413, "TOO_LARGE", TOO_LARGE)
    adapter = registry.select(caller.partner, request.headers.get("Content-Type", ""))
    if adapter is None:
        allowed = sorted({t for a in registry.adapters_for(caller.partner) for t in a.content_types})
        return refusal(
            415, "UNSUPPORTED_MEDIA_TYPE", f"貴單位應以下列格式傳送：{', '.join(allowed) or '（尚未開通）'}。"
        )
    try:
        # A client trickling its body must not hold a connection (and this worker's memory) for ever.
        body = await asyncio.wait_for(request.read(), hub.settings.body_timeout_seconds)
    except TimeoutError:
        return refusal(408, "REQUEST_TIMEOUT", "檔案傳送逾時，請確認網路後重送。")
    except web.HTTPRequestEntityTooLarge:
        return refusal(413, "TOO_LARGE", TOO_LARGE)
    if len(body) > hub.settings.max_body_bytes:
        return refusal(413, "TOO_LARGE", TOO_LARGE)
    if not serving(hub):
        # Until the tables are restored the gateway cannot tell an amendment from a first submission.
        return refusal(503, "NOT_READY", "系統啟動中，請稍後重送。", headers={"Retry-After": "5"})
    try:
        receipt = await hub.intake.submit(caller.partner, adapter, body)
    except RecordTooLarge as too_large:
        metrics.REFUSALS.labels("RECORD_TOO_LARGE").inc()
        return answer(too_large.answer(), status=413)
    except (OwnerUnknown, PeerUnavailable, EarlierCopyNotWritten):
        # A rebalance, an owner that did not answer, or an earlier copy whose write failed: nothing of this file
        # is receipted, and whatever was written is recognised as a duplicate when the partner sends again.
        metrics.REFUSALS.labels("RETRY").inc()
        return refusal(
            503, "RETRY", "系統正在調整工作節點，本次傳送未受理，請稍後重送同一檔案。", headers={"Retry-After": "2"}
        )
    accepted, rejected = receipt.get("accepted") or [], receipt.get("rejected") or []
    log.info(
        "submission %s from %s (%s): %d accepted, %d of them duplicates, %d rejected",
        receipt.get("submission_id"),
        caller.partner,
        adapter.format,
        len(accepted),
        sum(1 for row in accepted if row.get("duplicate")),
        len(rejected),
    )
    return answer(receipt, status=202)
