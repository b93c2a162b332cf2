"""The report written out: Markdown (a clerk's table), CSV (a spreadsheet), JSON (machines), HTML (the operators'
page, each indicator against its target in a chart). Every renderer shows the same figures, formatted here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Final, Literal

from processors.kpi.model import Report, Row
from processors.sla.calendar import TAIPEI

Format = Literal["md", "csv", "json", "html"]
FORMATS: Final = ("md", "csv", "json", "html")
MEDIA_TYPES: Final = {
    "md": "text/markdown; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "html": "text/html; charset=utf-8",
}


def value(row: Row) -> str:
    found = row.value
    if found is None:
        return "—"
    if row.unit == "percent":
        return f"{found * 100:.1f} %"
    if row.unit == "per_client":
        return f"{found:.2f}"
    return f"{found:g}"


def target(row: Row) -> str:
    return "—" if row.target is None else f"{row.target * 100:g} %"


def result(row: Row) -> str:
    return {True: "pass", False: "fail", None: "—"}[row.passed]


def as_of(report: Report) -> str:
    """The hub's latest record, in Taipei time (the bureau's own clock)."""
    if report.as_of is None:
        return "no record"
    return report.as_of.astimezone(TAIPEI).isoformat(timespec="seconds")


def number(found: float | int | None) -> str:
    return "—" if found is None else f"{found:g}"


def render(report: Report, fmt: Format, *, detail: bool = False) -> str:
    from streams.reports.render import csv_table, html_page, json_document, markdown

    writers: dict[str, Callable[..., str]] = {
        "md": markdown.render,
        "csv": csv_table.render,
        "json": json_document.render,
        "html": html_page.render,
    }
    return writers[fmt](report, detail=detail)
