"""The gate every request passes (認證與授權): who is calling, whether they may, and how often.

The caller is who its bearer token or verified client certificate says, never what the body says. Refusals
leak nothing: no or a bad credential → 401; a partner on an operators' route (or the reverse) → 403; a referral
a partner did not send answers 404 exactly like one that does not exist (the route decides, with
:meth:`Caller.may_see`). A partner over its rate → 429 with ``Retry-After``. Expiry goes by the wall clock, not
the hub's: a test deployment's moved clock must neither expire nor revive a credential.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from processors import audit
from streams.access import tls, tokens
from streams.access.credentials import Principal, Role
from streams.access.rate_limit import RateLimiter
from streams.access.roles import Access
from streams.access.store import CredentialStore
from streams.gateway.guard import refusal, request_id
from streams.gateway.routes import Route
from streams.peers.client import is_forwarded
from streams.peers.seal import PeerSeal

_UNAUTHENTICATED = "憑證無效、已撤銷、已過期或未提供，請確認貴單位的介接金鑰。"


@dataclass(frozen=True)
class Caller:
    principal: Principal | None
    request_id: str
    address: str | None

    @property
    def partner(self) -> str:
        assert self.principal is not None, "only routes that require a credential ask for the partner"
        return self.principal.partner

    @property
    def is_operator(self) -> bool:
        return self.principal is not None and self.principal.is_operator

    def may_see(self, source: str | None) -> bool:
        """A SOURCE route: operators, and the partner that sent the referral."""
        return self.is_operator or (self.principal is not None and source is not None and source == self.partner)

    def agent(self) -> dict[str, Any]:
        """The FHIR AuditEvent agent of this request."""
        if self.principal is None:
            return audit.agent("ANONYMOUS", "ANYONE", address=self.address)
        return audit.agent(
            self.principal.partner,
            self.principal.role.value,
            credential_id=self.principal.credential_id,
            address=self.address,
        )


class Gatekeeper:
    def __init__(
        self,
        credentials: CredentialStore,
        limiter: RateLimiter,
        *,
        client_certificates: bool,
        peer_seal: PeerSeal | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._peer_seal = peer_seal
        self._credentials = credentials
        self._limiter = limiter
        self._client_certificates = client_certificates
        self._clock = clock

    def admit(self, request: web.Request, route: Route) -> Caller | web.Response:
        """The caller, or the refusal to answer with."""
        rid = request_id(request)
        address = request.remote
        headers = request.headers.getall("Authorization", [])
        if len(headers) > 1:
            # Which one would count is a guess an attacker could steer (one proxy keeps the first, another the last).
            return refusal(400, "DUPLICATE_AUTHORIZATION", "請求只能帶一個 Authorization 標頭。")
        principal, problem = self._principal(request, headers[0] if headers else None)
        if route.access in (Access.ANYONE, Access.PEER):
            return Caller(None, rid, address)  # a peer's signature covers its body: its route checks it
        if problem is not None:
            return problem
        if principal is None:
            return refusal(401, "UNAUTHENTICATED", _UNAUTHENTICATED, headers={"WWW-Authenticate": "Bearer"})
        # A request another worker passed on was counted where the partner sent it.
        forwarded = self._peer_seal is not None and is_forwarded(request, self._peer_seal)
        wait = None if forwarded else self._limiter.take(principal, self._clock())
        if wait is not None:
            seconds = max(1, math.ceil(wait))
            return refusal(
                429,
                "RATE_LIMITED",
                f"貴單位短時間內的請求過多，請於 {seconds} 秒後再試。",
                headers={"Retry-After": str(seconds)},
            )
        if route.access is Access.PARTNER and principal.role is not Role.PARTNER:
            return refusal(403, "FORBIDDEN", "此服務僅供合作單位以自身憑證使用。")
        if route.access is Access.OPERATOR and principal.role is not Role.OPERATOR:
            return refusal(403, "FORBIDDEN", "此服務僅供毒防局維運人員使用。")
        return Caller(principal, rid, address)

    def _principal(self, request: web.Request, header: str | None) -> tuple[Principal | None, web.Response | None]:
        now = datetime.now(UTC)
        by_token = None
        if header is not None:
            token = tokens.bearer_token(header)
            by_token = self._credentials.authenticate(token, now) if token else None
        by_certificate = None
        if self._client_certificates:
            by_certificate = tls.principal_for_certificate(
                tls.peer_certificate(request.transport), self._credentials, now
            )
        if by_token is not None and by_certificate is not None and by_token.partner != by_certificate.partner:
            return None, refusal(
                401, "CREDENTIAL_MISMATCH", "用戶端憑證與介接金鑰屬於不同單位，請只使用貴單位自己的憑證。"
            )
        if header is not None and by_token is None:
            # A token was offered and is not good: never fall back on the certificate, so the answer says so.
            return None, None
        return by_token or by_certificate, None
