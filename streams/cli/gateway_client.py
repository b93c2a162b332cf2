"""How the partner and operator commands talk to the gateway: one HTTP call, its answer, or why it failed."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


class Unreachable(Exception):
    """No HTTP answer at all (refused, timed out, no such host)."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    headers: Mapping[str, str]

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def json(self) -> Any:
        """The body as JSON; an error body that is not JSON becomes ``{"error": "HTTP_<status>"}``."""
        try:
            return json.loads(self.body or b"{}")
        except ValueError:
            return {"error": f"HTTP_{self.status}", "reason": self.body[:200].decode(errors="replace")}


def call(
    url: str,
    path: str,
    token: str,
    *,
    body: bytes | None = None,
    content_type: str | None = None,
    timeout: float = 120,
) -> Answer:
    """``GET`` (or ``POST`` with a body) ``url + path`` with the bearer token; every HTTP status is an answer."""
    headers = {"Authorization": f"Bearer {token}"}
    if content_type is not None:
        headers["Content-Type"] = content_type
    request = urllib.request.Request(
        url.rstrip("/") + path, data=body, method="POST" if body is not None else "GET", headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return Answer(response.status, response.read(), dict(response.headers))
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.read(), dict(error.headers or {}))
    except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
        raise Unreachable(f"cannot reach {url}: {error}") from error
