"""The report as JSON: what ``GET /v1/reports/kpi`` answers with ``Accept: application/json``."""

from __future__ import annotations

import json
from typing import Any

from processors.kpi.model import Report, Row


def _row(row: Row, detail: bool) -> dict[str, Any]:
    found: dict[str, Any] = {
        "key": row.key,
        "label": row.label,
        "unit": row.unit,
        "numerator": row.numerator,
        "denominator": row.denominator,
        "value": row.value,
        "target": row.target,
        "passed": row.passed,
        "counts": dict(row.counts),
    }
    if detail:
        found["detail"] = {name: list(ids) for name, ids in row.detail.items()}
    return found


def document(report: Report, *, detail: bool = False) -> dict[str, Any]:
    return {
        "period": {"from": report.period.first.isoformat(), "to": report.period.last.isoformat()},
        "as_of": report.as_of.isoformat() if report.as_of else None,
        "notes": list(report.notes),
        "read": dict(report.read),
        "sections": [
            {
                "key": section.key,
                "title": section.title,
                "definition": section.definition,
                "columns": list(section.columns),
                "rows": [_row(row, detail) for row in section.rows],
            }
            for section in report.sections
        ],
    }


def render(report: Report, *, detail: bool = False) -> str:
    return json.dumps(document(report, detail=detail), ensure_ascii=False, indent=2) + "\n"
