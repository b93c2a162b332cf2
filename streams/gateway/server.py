"""The gateway's HTTP server: aiohttp as Faust runs it, with the guards a public endpoint needs.

Faust builds the aiohttp application and runner itself; this driver (registered as ``refhub://``) keeps all of
that and changes only what aiohttp does before a request reaches a view:

* a client has ``header_timeout`` seconds from the first byte of a request to the end of its headers (a
  connection sending its headers one byte at a time was once held open for a minute without an answer);
* a request aiohttp cannot parse is answered in JSON, and logged by status and error class only — aiohttp's
  own "Error handling request" line quoted the raw header, bearer token included;
* no ``Server`` header with versions in it;
* none of Faust's built-in pages (``/``, ``/router/``, ``/table/``, statistics).

The handler class is pinned to aiohttp 3.14 (pyproject.toml): it extends ``RequestHandler`` at three points.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, ClassVar

from aiohttp import web
from aiohttp.web_protocol import RequestHandler
from aiohttp.web_request import BaseRequest
from aiohttp.web_server import Server
from faust.web.drivers import aiohttp as faust_aiohttp

from streams import metrics

log = logging.getLogger(__name__)

SERVER_NAME = "refhub"

_TIMEOUT_BODY = json.dumps(
    {"error": "REQUEST_TIMEOUT", "reason": "請求標頭傳送逾時，連線已關閉；請確認網路後重送。"}, ensure_ascii=False
).encode()
REQUEST_TIMEOUT = (
    b"HTTP/1.1 408 Request Timeout\r\nContent-Type: application/json\r\nConnection: close\r\n"
    b"Cache-Control: no-store\r\nServer: " + SERVER_NAME.encode() + b"\r\n"
    b"Content-Length: " + str(len(_TIMEOUT_BODY)).encode() + b"\r\n\r\n" + _TIMEOUT_BODY
)


class GuardedRequestHandler(RequestHandler):
    header_timeout: float = 10.0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._awaiting_headers = True
        self._header_deadline: asyncio.TimerHandle | None = None
        super().connection_made(transport)

    def data_received(self, data: bytes) -> None:
        before = self._request_count
        super().data_received(data)
        if self._request_count > before:
            # The headers of a request are complete; the next request's clock starts after this response.
            self._awaiting_headers = False
            self._cancel_deadline()
        elif self._awaiting_headers and data and self._header_deadline is None:
            self._header_deadline = self._loop.call_later(self.header_timeout, self._headers_too_slow)

    async def finish_response(self, request: BaseRequest, resp: web.StreamResponse, start_time: float | None) -> Any:
        try:
            return await super().finish_response(request, resp, start_time)
        finally:
            self._awaiting_headers = True

    def connection_lost(self, exc: BaseException | None) -> None:
        self._cancel_deadline()
        super().connection_lost(exc)

    def _cancel_deadline(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def _headers_too_slow(self) -> None:
        self._header_deadline = None
        if self.transport is None or not self._awaiting_headers:
            return
        metrics.REFUSALS.labels("REQUEST_TIMEOUT").inc()
        log.warning("closed a connection whose request headers took over %.0f s", self.header_timeout)
        self.transport.write(REQUEST_TIMEOUT)
        self.force_close()

    def handle_error(
        self,
        request: BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        # Never aiohttp's own line: its message quotes the bytes that failed to parse (a header, a token).
        kind = type(exc).__name__ if exc is not None else "-"
        if status >= 500:
            log.error("request failed before reaching a view: HTTP %s (%s)", status, kind)
            code, reason = "INTERNAL_ERROR", "系統暫時無法受理，請稍後重送。"
        else:
            log.warning("refused a malformed request: HTTP %s (%s)", status, kind)
            code, reason = "MALFORMED_REQUEST", "請求格式不符 HTTP 規範（標頭或請求列有誤），未予受理。"
        metrics.REFUSALS.labels(code).inc()
        if request.writer.output_size > 0:
            raise ConnectionError("the response had started: the connection is closed instead")
        body = json.dumps({"error": code, "reason": reason}, ensure_ascii=False).encode()
        response = web.Response(status=status, body=body, content_type="application/json")
        response.headers["Cache-Control"] = "no-store"
        # This answer never reaches the app's on_response_prepare: without it aiohttp names itself and its version.
        response.headers["Server"] = SERVER_NAME
        response.force_close()
        return response


class GuardedServer(Server):
    def __call__(self) -> RequestHandler:
        return GuardedRequestHandler(self, loop=self._loop, **self._kwargs)


class GuardedRunner(web.AppRunner):
    async def _make_server(self) -> Server:
        server = await super()._make_server()
        # The same server with our protocol class: everything else about it stays aiohttp's.
        server.__class__ = GuardedServer
        return server


class HubWeb(faust_aiohttp.Web):
    """Faust's aiohttp driver with the guarded runner (``web="refhub://"``), serving the declared routes only.

    None of Faust's own pages either: its ``/router/`` answered anyone the worker's partition assignment and every
    table changelog's name (``/router/list/`` a 500), and its production index ``/`` an unlisted 200."""

    default_blueprints: ClassVar[list[tuple[str, Any]]] = []
    production_blueprints: ClassVar[list[tuple[str, Any]]] = []
    debug_blueprints: ClassVar[list[tuple[str, Any]]] = []
    optional_blueprints: ClassVar[list[tuple[str, Any]]] = []

    def __init__(self, app: Any, **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        self._runner = GuardedRunner(self.web_app, access_log=None)
        self.web_app.on_response_prepare.append(_server_header)


async def _server_header(request: web.Request, response: web.StreamResponse) -> None:
    response.headers["Server"] = SERVER_NAME


def install(header_timeout: float) -> str:
    """Register the driver with Faust; returns the ``web`` URL to configure the app with."""
    from faust.web import drivers

    GuardedRequestHandler.header_timeout = header_timeout
    drivers.DRIVERS.aliases["refhub"] = f"{__name__}:HubWeb"
    return "refhub://"
