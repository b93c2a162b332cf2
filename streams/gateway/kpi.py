"""``GET /v1/reports/kpi?from=…&to=…`` (operators): the programme's indicators for a period, read from the topics.

An HTML page (each indicator against its target in a chart), or JSON with ``Accept: application/json``;
``&detail=1`` lists the pseudonymous ids behind each figure. The call is an audit event (type ADMIN).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from processors import audit
from processors.kpi.period import InvalidPeriod, Period
from streams.gateway import trail
from streams.gateway.auth import Caller
from streams.gateway.guard import refusal
from streams.gateway.routes import KPI_REPORT
from streams.reports.render import MEDIA_TYPES, Format, render
from streams.reports.source import ReportUnavailable

if TYPE_CHECKING:
    from streams.hub import Hub


def _wants_json(request: web.Request) -> bool:
    accepted = [part.split(";")[0].strip().lower() for part in request.headers.get("Accept", "").split(",")]
    return "application/json" in accepted and "text/html" not in accepted[: accepted.index("application/json")]


async def kpi_report(hub: Hub, caller: Caller, request: web.Request) -> web.StreamResponse:
    try:
        period = Period.parse(request.query.get("from", ""), request.query.get("to", ""))
    except InvalidPeriod:
        return refusal(
            400, "INVALID_PERIOD", "請以 from=2025-01-01&to=2025-06-30 指定期間（西元年-月-日，迄日不得早於起日）。"
        )
    detail = request.query.get("detail", "") in ("1", "true", "yes")
    await trail.record(
        hub, caller, KPI_REPORT, type_=audit.ADMIN, subtype="report.kpi", action="R", entities=[],
        outcome_desc=f"{period.first.isoformat()}..{period.last.isoformat()}{' detail' if detail else ''}",
    )  # fmt: skip
    try:
        report = await hub.kpi_reader.report(period, hub.journey_policy.cadence)
    except ReportUnavailable:
        return refusal(503, "UNAVAILABLE", "系統暫時無法讀取事件紀錄，請稍後再試。", headers={"Retry-After": "5"})
    fmt: Format = "json" if _wants_json(request) else "html"
    return web.Response(body=render(report, fmt, detail=detail).encode(), headers={"Content-Type": MEDIA_TYPES[fmt]})
