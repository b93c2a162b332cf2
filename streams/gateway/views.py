"""The gateway's routes wired to Faust's web server: each declared route (streams/gateway/routes.py) passes the
gate (who is calling, may they, how often) before its handler runs. Partners get JSON answers they can act on;
never a stack trace (streams/gateway/guard.py)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from itertools import groupby
from typing import TYPE_CHECKING, Any

from aiohttp import web as aiohttp_web
from faust import web

from streams import logs
from streams.access.rate_limit import RateLimiter
from streams.access.roles import Access
from streams.gateway import admin, dlq, health, keys, kpi, peers, pulls, referrals, routes, submissions
from streams.gateway.auth import Caller, Gatekeeper
from streams.gateway.routes import ROUTES, Route

if TYPE_CHECKING:
    from streams.hub import Hub

Handler = Callable[..., Awaitable[aiohttp_web.StreamResponse]]

log = logging.getLogger(__name__)

HANDLERS: dict[Route, Handler] = {
    routes.SUBMISSIONS: submissions.post,
    routes.REFERRAL: referrals.get,
    routes.ASSIGNMENTS: pulls.assignments,
    routes.STATUS: pulls.status,
    routes.REPORTS: pulls.reports,
    routes.KEY_RELEASE: keys.release,
    routes.REPLAY: admin.replay,
    routes.CLOCK_READ: admin.clock,
    routes.CLOCK_MOVE: admin.move_clock,
    routes.AUDIT: admin.audit_trail,
    routes.KPI_REPORT: kpi.kpi_report,
    routes.DLQ_LIST: dlq.list_dead_letters,
    routes.DLQ_SHOW: dlq.show_dead_letter,
    routes.DLQ_REPLAY: dlq.replay_dead_letter,
    routes.OPENAPI: health.openapi_document,
    routes.ASYNCAPI: health.asyncapi_document,
    routes.HEALTH: health.healthz,
    routes.READY: health.readyz,
    routes.PEER_RECORDS: peers.records,
    routes.PEER_SUBJECTS: peers.subjects,
    routes.PEER_TABLES: peers.tables,
}


def register(hub: Hub) -> None:
    settings = hub.settings
    gate = Gatekeeper(
        hub.credentials,
        RateLimiter(settings.rate_limit_per_second, settings.rate_limit_burst),
        client_certificates=settings.web_tls_client_ca_file is not None,
        peer_seal=hub.peer_seal,
    )
    for path, declared in groupby(sorted(ROUTES, key=lambda r: r.path), key=lambda r: r.path):
        methods = {route.method.lower(): _method(hub, gate, route, HANDLERS[route]) for route in declared}
        view = type(f"Route{path.replace('/', '_').replace('{', '').replace('}', '')}", (web.View,), methods)
        hub.app.page(path)(view)


def _method(hub: Hub, gate: Gatekeeper, route: Route, handler: Handler) -> Callable[..., Awaitable[Any]]:
    async def method(self: web.View, request: aiohttp_web.Request, **match: str) -> aiohttp_web.StreamResponse:
        caller = gate.admit(request, route)
        if isinstance(caller, Caller):
            logs.bind(referral_id=match.get("referral_id"))
            response = await handler(hub, caller, request, **match)
        else:
            response = caller
        # The declared path, never the one requested (a client can put anything in a path or a query string);
        # probes of /healthz only at debug level.
        who = caller.principal.partner if isinstance(caller, Caller) and caller.principal else "-"
        level = logging.DEBUG if route.access is Access.ANYONE else logging.INFO
        log.log(level, "%s %s: %s (%s)", route.method, route.path, response.status, who)
        return response

    method.__name__ = route.method.lower()
    return method
