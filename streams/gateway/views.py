"""HTTP endpoints of the gateway. Partners get JSON answers they can act on; never a stack trace."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import secrets
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from faust import web

from adapters import registry
from processors.erasure.referrals import is_erased
from streams.access import tokens
from streams.access.credentials import Principal
from streams.gateway import openapi, status_view
from streams.gateway.intake import RecordTooLarge
from streams.gateway.outbox import MAX_BATCH, BadCursor

if TYPE_CHECKING:
    from streams.hub import Hub

log = logging.getLogger(__name__)

BROKER_PROBE_SECONDS = 3.0
PERIOD = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


def _error(view: web.View, status: int, code: str, reason: str) -> web.Response:
    return view.json({"error": code, "reason": reason}, status=status)


def _credential(hub: Hub, request: web.Request) -> Principal | None:
    """The caller from its bearer token; None for no, a malformed or a dead token (never raises). Expiry goes by
    the wall clock, not the hub's: a test deployment's moved clock must not expire (or revive) credentials."""
    token = tokens.bearer_token(request.headers.get("Authorization"))
    return hub.credentials.authenticate(token, datetime.now(UTC)) if token else None


def register(hub: Hub) -> None:
    app = hub.app

    @app.page("/v1/submissions")
    class Submissions(web.View):
        """POST a partner's own file; the answer is the receipt (202) once every record is durable."""

        async def post(self, request: web.Request) -> web.Response:
            incident = secrets.token_hex(4)
            try:
                return await self._post(request)
            except Exception:
                log.exception("submission failed (incident %s)", incident)
                return _error(
                    self,
                    500,
                    "INTERNAL_ERROR",
                    f"系統暫時無法受理，請稍後重送；如持續發生請告知毒防局資訊人員事件編號 {incident}。",
                )

        async def _post(self, request: web.Request) -> web.Response:
            credential = _credential(hub, request)
            if credential is None:
                return _error(self, 401, "UNAUTHENTICATED", "憑證無效或未提供，請確認貴單位的介接金鑰。")
            length = request.headers.get("Content-Length")
            if length is not None and length.isdigit() and int(length) > hub.settings.max_body_bytes:
                return _too_large(self)
            adapter = registry.select(credential.partner, request.headers.get("Content-Type", ""))
            if adapter is None:
                allowed = sorted({t for a in registry.adapters_for(credential.partner) for t in a.content_types})
                return _error(
                    self,
                    415,
                    "UNSUPPORTED_MEDIA_TYPE",
                    f"貴單位應以下列格式傳送：{', '.join(allowed) or '（尚未開通）'}。",
                )
            try:
                body = await request.read()
            except Exception as exc:  # aiohttp raises HTTPRequestEntityTooLarge past client_max_size
                if getattr(exc, "status", None) == 413:
                    return _too_large(self)
                raise
            if len(body) > hub.settings.max_body_bytes:
                return _too_large(self)
            if not hub.vault.ready.is_set() or not _has_partitions(hub):
                # Until the tables are restored the gateway cannot tell an amendment from a first submission.
                return _error(self, 503, "NOT_READY", "系統啟動中，請稍後重送。")
            try:
                receipt = await hub.intake.submit(credential.partner, adapter, body)
            except RecordTooLarge as too_large:
                return self.json(too_large.answer(), status=413)
            return self.json(receipt, status=202)

    @app.page("/v1/referrals/{referral_id}")
    class Referral(web.View):
        """Operators and the source partner read a referral's per-destination state."""

        async def get(self, request: web.Request, referral_id: str) -> web.Response:
            credential = _credential(hub, request)
            if credential is None:
                return _error(self, 401, "UNAUTHENTICATED", "憑證無效或未提供。")
            entry = hub.ledger.get(referral_id)
            if entry is None or not (credential.is_operator or credential.partner == entry["source"]):
                return _error(self, 404, "UNKNOWN_REFERRAL", f"查無轉介編號 {referral_id}。")
            if is_erased(entry):
                return self.json(status_view.erased(entry))
            journey = hub.journeys.get(entry["subject_id"]) or {} if credential.is_operator else None
            return self.json(status_view.render(entry, hub.clocks.get(referral_id), journey))

    @app.page("/v1/outbox/assignments")
    class OutboxAssignments(web.View):
        """A receiving partner pulls its assignments, rendered in its own format."""

        async def get(self, request: web.Request) -> web.Response:
            return await _pull(self, hub, request, assignments=True)

    @app.page("/v1/outbox/status")
    class OutboxStatus(web.View):
        """A sending partner pulls every state change of the referrals it sent (closed loop)."""

        async def get(self, request: web.Request) -> web.Response:
            return await _pull(self, hub, request, assignments=False)

    @app.page("/v1/outbox/reports")
    class OutboxReports(web.View):
        """A prosecutors' office pulls the month's progress reports on its deferred-prosecution cases."""

        async def get(self, request: web.Request) -> web.Response:
            credential = _credential(hub, request)
            if credential is None:
                return _error(self, 401, "UNAUTHENTICATED", "憑證無效或未提供，請確認貴單位的介接金鑰。")
            if not credential.partner.startswith("PROS_"):
                return _error(self, 404, "NO_REPORTS", "處遇進度報告僅提供予地方檢察署。")
            period = request.query.get("period", "")
            if not PERIOD.fullmatch(period):
                return _error(self, 400, "INVALID_PERIOD", "請以 period=YYYY-MM 指定月份，例如 2025-08。")
            rendered = await hub.reports.render(credential.partner, period)
            return self.bytes(rendered.body, headers={"Content-Type": rendered.content_type})

    @app.page("/v1/admin/replay")
    class Replay(web.View):
        """Operators re-run a partner's stored records through the current adapters (after a fix)."""

        async def post(self, request: web.Request) -> web.Response:
            credential = _credential(hub, request)
            if credential is None or not credential.is_operator:
                return _error(self, 401, "UNAUTHENTICATED", "需要維運人員憑證。")
            try:
                ask = json.loads(await request.read() or b"{}")
                partner = str(ask["partner"])
                since = datetime.fromisoformat(ask["since"]) if ask.get("since") else None
            except (ValueError, KeyError, TypeError):
                return _error(
                    self,
                    400,
                    "INVALID_REQUEST",
                    '請以 {"partner": "POLICE", "since": "2025-07-01T00:00:00+08:00"} 指定。',
                )
            if since is not None and since.tzinfo is None:
                return _error(self, 400, "INVALID_REQUEST", "since 必須含時區，例如 +08:00。")
            if not registry.adapters_for(partner):
                return _error(self, 404, "UNKNOWN_PARTNER", f"未知的單位代碼 {partner}。")
            summary = await hub.replayer.replay(partner, since)
            return self.json(summary.as_json())

    @app.page("/v1/admin/clock")
    class Clock(web.View):
        """Test deployments move the hub's clock forward, so a test can walk a referral past its deadlines."""

        async def get(self, request: web.Request) -> web.Response:
            return self.json({"now": hub.clock.now().isoformat(), "movable": hub.clock.movable})

        async def post(self, request: web.Request) -> web.Response:
            credential = _credential(hub, request)
            if credential is None or not credential.is_operator:
                return _error(self, 401, "UNAUTHENTICATED", "需要維運人員憑證。")
            if not hub.clock.movable:
                return _error(self, 409, "CLOCK_NOT_MOVABLE", "本系統使用實際時間，不能調整時鐘（僅測試環境可設定）。")
            try:
                seconds = float(json.loads(await request.read() or b"{}")["advance_seconds"])
                now = hub.clock.advance(timedelta(seconds=seconds))
            except (ValueError, KeyError, TypeError):
                return _error(
                    self, 400, "INVALID_REQUEST", '請以 {"advance_seconds": 90000} 指定往後調整的秒數（不可為負）。'
                )
            return self.json({"now": now.isoformat(), "movable": True})

    @app.page("/openapi.json")
    class OpenApi(web.View):
        """The gateway's OpenAPI description."""

        async def get(self, request: web.Request) -> web.Response:
            return self.json(openapi.document())

    @app.page("/healthz")
    class Health(web.View):
        """200 only when the broker answers and this worker holds its partitions."""

        async def get(self, request: web.Request) -> web.Response:
            checks = {
                "broker": await _broker_reachable(hub),
                "partitions": _has_partitions(hub),
                "vault": hub.vault.ready.is_set(),
                "credentials": hub.credential_follower.ready.is_set(),
            }
            return self.json(
                {"ok": all(checks.values()), "checks": checks}, status=200 if all(checks.values()) else 503
            )


async def _pull(view: web.View, hub: Hub, request: web.Request, *, assignments: bool) -> web.Response:
    incident = secrets.token_hex(4)
    try:
        return await _pull_page(view, hub, request, assignments=assignments)
    except Exception:
        log.exception("pull failed (incident %s)", incident)
        return _error(view, 500, "INTERNAL_ERROR", f"系統暫時無法提供資料，請稍後再試；事件編號 {incident}。")


async def _pull_page(view: web.View, hub: Hub, request: web.Request, *, assignments: bool) -> web.Response:
    credential = _credential(hub, request)
    if credential is None:
        return _error(view, 401, "UNAUTHENTICATED", "憑證無效或未提供，請確認貴單位的介接金鑰。")
    limit_text = request.query.get("limit", "100")
    if not limit_text.isdigit() or not 0 < int(limit_text) <= MAX_BATCH:
        return _error(view, 400, "INVALID_LIMIT", f"limit 須為 1 到 {MAX_BATCH} 的整數。")
    cursor = request.query.get("after")
    try:
        if assignments:
            page = await hub.outbox.assignments(credential.partner, cursor, int(limit_text))
            if page is None:
                return _error(view, 404, "NO_ASSIGNMENTS", "貴單位不接收派案。")
        else:
            page = await hub.outbox.status_updates(credential.partner, cursor, int(limit_text))
    except BadCursor:
        return _error(view, 400, "INVALID_CURSOR", "after 參數無效，請使用上次回應的 X-Refhub-Next-Cursor。")
    # The content type goes in as a header: aiohttp refuses a charset in its content_type argument.
    headers = {
        "Content-Type": page.content_type,
        "X-Refhub-Next-Cursor": page.next_cursor,
        "X-Refhub-Count": str(page.count),
    }
    return view.bytes(page.body, headers=headers)


def _too_large(view: web.View) -> web.Response:
    return _error(view, 413, "TOO_LARGE", "檔案超過 10 MiB，請分批傳送。")


async def _broker_reachable(hub: Hub) -> bool:
    try:
        producer: Any = hub.app.producer
        client = producer._ensure_producer().client
        await asyncio.wait_for(client.fetch_all_metadata(), BROKER_PROBE_SECONDS)
    except Exception:
        return False
    return True


def _has_partitions(hub: Hub) -> bool:
    app: Any = hub.app
    try:
        assigned = app.consumer.assignment()
    except Exception:
        return False
    return bool(assigned) and not app.rebalancing and app.tables.recovery.completed.is_set()
