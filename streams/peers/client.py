"""Calling another worker: a signed request to the owner of a key, with a short deadline.

A peer that does not answer in time is treated like an owner mid-rebalance: the partner gets 503 with
``Retry-After`` and sends again; nothing was receipted, so nothing is lost.
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp
from aiohttp import web
from yarl import URL

from streams.peers.seal import HEADER, PeerSeal

FORWARDED = "X-Refhub-Forwarded"
"""Set on a request one worker passes to another: the owner answers it itself and never passes it on again."""
TIMEOUT_SECONDS = 20.0
_HOP_HEADERS = frozenset(
    h.lower() for h in ("Host", "Content-Length", "Connection", "Keep-Alive", "Transfer-Encoding", HEADER, FORWARDED)
)


class PeerUnavailable(Exception):
    """The owner did not answer (down, restarting, or not the owner any more)."""


class PeerClient:
    def __init__(self, seal: PeerSeal, ssl: Any = None) -> None:
        self._seal = seal
        self._ssl = ssl
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT_SECONDS))
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def post_json(self, base: str, path: str, payload: Any) -> Any:
        """POST a JSON body to a worker's internal route; its JSON answer (2xx only)."""
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json", HEADER: self._seal.sign("POST", path, body), FORWARDED: "1"}
        try:
            async with self._client().post(URL(base).with_path(path), data=body, headers=headers, ssl=self._ssl) as r:
                if r.status // 100 != 2:
                    raise PeerUnavailable(f"{base}{path} answered {r.status}")
                return await r.json()
        except (aiohttp.ClientError, TimeoutError) as failed:
            raise PeerUnavailable(f"{base}{path}: {type(failed).__name__}") from None

    async def forward(self, base: str, request: web.Request, body: bytes = b"") -> web.Response:
        """Pass a partner's request to the worker that owns its key, and its answer back unchanged."""
        path_qs = request.rel_url.path_qs
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_HEADERS}
        headers[HEADER] = self._seal.sign(request.method, path_qs, body)
        headers[FORWARDED] = "1"
        url = URL(base).join(URL(path_qs))
        try:
            async with self._client().request(
                request.method, url, data=body or None, headers=headers, ssl=self._ssl
            ) as r:
                kept = {k: v for k, v in r.headers.items() if k.lower() in _ANSWER_HEADERS}
                return web.Response(status=r.status, body=await r.read(), headers=kept)
        except (aiohttp.ClientError, TimeoutError) as failed:
            raise PeerUnavailable(f"{base}{path_qs}: {type(failed).__name__}") from None


_ANSWER_HEADERS = frozenset(("content-type", "retry-after", "x-request-id", "www-authenticate", "link"))


def is_forwarded(request: web.Request, seal: PeerSeal, body: bytes = b"") -> bool:
    """A request another worker of this hub signed and passed on (never a partner's own header)."""
    return FORWARDED in request.headers and seal.verify(
        request.headers.get(HEADER), request.method, request.rel_url.path_qs, body
    )
