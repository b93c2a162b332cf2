"""Each indicator against its target as an inline SVG bar chart (pygal: pure Python, no script, no network)."""

from __future__ import annotations

import pygal
from pygal.style import Style

from processors.kpi.model import Report

STYLE = Style(
    background="white",
    plot_background="white",
    foreground="#222",
    foreground_strong="#111",
    foreground_subtle="#888",
    colors=("#1f6fb2", "#c0392b"),
    font_family="'Noto Sans CJK TC', 'Noto Sans TC', sans-serif",
    label_font_size=13,
    major_label_font_size=13,
    legend_font_size=13,
    value_font_size=12,
)


def svg(report: Report) -> str:
    """Every indicator with a programme target: its value beside the target, in percent (no bar: no data)."""
    rows = report.targeted()
    chart = pygal.HorizontalBar(
        style=STYLE,
        js=[],  # no tooltip script: the page loads nothing from anywhere
        disable_xml_declaration=True,
        width=900,
        height=110 + 46 * len(rows),
        range=(0, 100),
        y_labels=[0, 20, 40, 60, 80, 100],
        print_values=True,
        value_formatter=lambda v: f"{v:.1f} %",
        legend_at_bottom=True,
        truncate_label=60,
        margin=12,
    )
    chart.x_labels = [row.label for row in rows]
    chart.add("實際 value", [None if row.value is None else round(row.value * 100, 1) for row in rows])
    chart.add("目標 target", [(row.target or 0.0) * 100 for row in rows])
    rendered: str = chart.render(is_unicode=True)
    return rendered
