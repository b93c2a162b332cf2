"""The report as Markdown tables, one per section (what `refhub report` prints by default)."""

from __future__ import annotations

from processors.kpi.model import Report, Section
from streams.reports.render import as_of, number, result, target, value

HEAD = ("indicator", "numerator", "denominator", "value", "target", "result")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _section(section: Section, detail: bool) -> list[str]:
    head = (*HEAD, *section.columns)
    lines = [f"## {section.title}", "", f"_{section.definition}_", ""]
    lines.append("| " + " | ".join(head) + " |")
    lines.append("|" + "|".join("---" if i == 0 else "---:" for i in range(len(head))) + "|")
    for row in section.rows:
        cells = [
            row.label,
            number(row.numerator),
            number(row.denominator),
            value(row),
            target(row),
            result(row),
            *(number(row.counts.get(column)) if column in row.counts else "" for column in section.columns),
        ]
        lines.append("| " + " | ".join(_cell(cell) for cell in cells) + " |")
    if not section.rows:
        lines.append("| (nothing in this period) |" + " |" * (len(head) - 1))
    if detail:
        listed = [(row, name, ids) for row in section.rows for name, ids in row.detail.items() if ids]
        if listed:
            lines.append("")
            lines.extend(f"- `{row.key}` {name}: {', '.join(ids)}" for row, name, ids in listed)
    return [*lines, ""]


def render(report: Report, *, detail: bool = False) -> str:
    lines = [f"# 成果指標 KPI report {report.period}", "", f"As of the hub's latest record: {as_of(report)}.", ""]
    lines.extend(f"> {note}" for note in report.notes)
    lines.append("")
    for section in report.sections:
        lines.extend(_section(section, detail))
    return "\n".join(lines).rstrip() + "\n"
