"""The operators' page: every section's table, and each indicator against its target in a chart."""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from processors.kpi.model import Report
from streams.reports.render import as_of, chart, number, result, target, value

_ENVIRONMENT = Environment(
    loader=PackageLoader("streams.reports.render", "templates"),
    autoescape=select_autoescape(("html", "j2")),
    trim_blocks=True,
    lstrip_blocks=True,
)
_ENVIRONMENT.filters.update(value=value, target=target, result=result, number=number)


def render(report: Report, *, detail: bool = False) -> str:
    return _ENVIRONMENT.get_template("kpi.html.j2").render(
        report=report,
        detail=detail,
        as_of=as_of(report),
        # pygal's own SVG, made from the report's numbers and the hub's own labels: markup, not text.
        chart=Markup(chart.svg(report)),
    )
