"""What every answer of the gateway goes through: one JSON error shape, no stack trace, no cache, a request id.

Partners get ``{"error": CODE, "reason": 一句可據以處理的說明}`` for every refusal; each refusal is counted in
``refhub_refusals_total{reason}``; an unexpected failure is logged with an incident number and its exception
class and frames, never its message (a message can quote what a partner sent) and never a header.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import secrets
import traceback
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiohttp import web

from streams import logs, metrics

log = logging.getLogger(__name__)

REQUEST_ID = "X-Request-Id"
_CLIENT_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def error_body(code: str, reason: str, **extra: Any) -> bytes:
    return json.dumps({"error": code, "reason": reason, **extra}, ensure_ascii=False).encode()


def refusal(
    status: int, code: str, reason: str, headers: Mapping[str, str] | None = None, **extra: Any
) -> web.Response:
    """A refused request: JSON, counted by its code."""
    metrics.REFUSALS.labels(code).inc()
    return web.Response(
        status=status,
        body=error_body(code, reason, **extra),
        content_type="application/json",
        headers=dict(headers or {}),
    )


def request_id(request: web.Request) -> str:
    found = request.get("request_id")
    if isinstance(found, str):
        return found
    offered = request.headers.get(REQUEST_ID, "")
    chosen = offered if _CLIENT_REQUEST_ID.fullmatch(offered) else secrets.token_hex(8)
    request["request_id"] = chosen
    return chosen


_HTTP_ERRORS: Mapping[int, tuple[str, str]] = {
    404: ("NOT_FOUND", "查無此服務路徑，請參考 /openapi.json。"),
    405: ("METHOD_NOT_ALLOWED", "此路徑不接受這個 HTTP 方法，請參考 /openapi.json。"),
    413: ("TOO_LARGE", "檔案超過 10 MiB，請分批傳送。"),
}


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    rid = request_id(request)
    # Every line logged while answering carries the request id (and the submission id once intake makes one).
    with logs.correlated(request_id=rid):
        response = await _answered(request, handler, rid)
    # Answers may carry personal data: no cache, proxy or browser may keep any of them.
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers[REQUEST_ID] = rid
    return response


async def _answered(request: web.Request, handler: Handler, rid: str) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as http_error:
        code, reason = _HTTP_ERRORS.get(http_error.status, ("HTTP_ERROR", http_error.reason or ""))
        return refusal(http_error.status, code, reason)
    except asyncio.CancelledError:
        raise
    except Exception as failure:
        incident = secrets.token_hex(4)
        frames = "".join(traceback.format_tb(failure.__traceback__))
        log.error("request %s failed (incident %s): %s\n%s", rid, incident, type(failure).__name__, frames)
        metrics.REFUSALS.labels("INTERNAL_ERROR").inc()
        return web.Response(
            status=500,
            body=error_body(
                "INTERNAL_ERROR",
                f"系統暫時無法受理，請稍後重送；如持續發生請告知毒防局資訊人員事件編號 {incident}。",
                incident=incident,
            ),
            content_type="application/json",
        )


def answer(value: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> web.Response:
    """A JSON answer (UTF-8, Chinese kept as it is)."""
    return web.Response(
        status=status,
        body=json.dumps(value, ensure_ascii=False, default=str).encode(),
        content_type="application/json",
        headers=dict(headers or {}),
    )
