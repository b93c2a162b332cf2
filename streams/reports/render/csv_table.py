"""The report as one CSV table (UTF-8 with a BOM, so a spreadsheet opens the Chinese labels as they are)."""

from __future__ import annotations

import csv
import io
import json

from processors.kpi.model import Report
from streams.reports.render import result

COLUMNS = (
    "section", "key", "label", "unit", "numerator", "denominator", "value", "target", "result", "counts", "detail",
)  # fmt: skip


def render(report: Report, *, detail: bool = False) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for section in report.sections:
        for row in section.rows:
            writer.writerow(
                (
                    section.key,
                    row.key,
                    row.label,
                    row.unit,
                    f"{row.numerator:g}",
                    "" if row.denominator is None else row.denominator,
                    "" if row.value is None else f"{row.value:.6g}",
                    "" if row.target is None else f"{row.target:g}",
                    result(row),
                    json.dumps(dict(row.counts), ensure_ascii=False) if row.counts else "",
                    "; ".join(f"{name}: {' '.join(ids)}" for name, ids in row.detail.items() if ids) if detail else "",
                )
            )
    return "\ufeff" + out.getvalue()
