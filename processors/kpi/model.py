"""The report's shape: sections of rows, each row a numerator over a denominator against a target.

A row carries the ids behind its figures (``detail``: named lists of pseudonymous referral or subject ids), so a
reviewer can check any figure; renderers print them only when asked (``--detail``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from processors.kpi.period import Period

Unit = Literal["percent", "per_client", "count"]
"""How a row's value reads: a share (numerator ÷ denominator), an average per client, or a plain count."""


@dataclass(frozen=True)
class Row:
    key: str
    """Stable machine name, e.g. ``youth_dispatch`` or ``sla.SOCIAL.YD_DISPATCH``."""
    label: str
    numerator: float
    denominator: int | None = None
    """None for a plain count."""
    target: float | None = None
    """A share (0.99 for 99 %) for percent rows; None where the programme sets none."""
    unit: Unit = "percent"
    counts: Mapping[str, int | float] = field(default_factory=dict)
    """Further columns of the row's section (e.g. met late, breached, open), by column name."""
    detail: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """The ids behind the figures, by what they are (e.g. ``met`` / ``not met`` / ``excluded: moved away``)."""

    @property
    def value(self) -> float | None:
        if self.unit == "count":
            return self.numerator
        if not self.denominator:
            return None
        return self.numerator / self.denominator

    @property
    def passed(self) -> bool | None:
        """Whether the value reaches the target; None without a target or without a denominator."""
        value = self.value
        if self.target is None or value is None:
            return None
        # Compared in whole basis points: 99 of 100 is 99 %, not a float a hair below it.
        return round(value * 10_000) >= round(self.target * 10_000)


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    definition: str
    """What the rows count, in the programme's terms (shown under the title)."""
    rows: tuple[Row, ...]
    columns: tuple[str, ...] = ()
    """Names of the rows' further ``counts`` columns, in order."""


@dataclass(frozen=True)
class Report:
    period: Period
    as_of: datetime | None
    """The latest instant the hub had recorded when the topics were read: follow-up months end there."""
    sections: tuple[Section, ...]
    notes: tuple[str, ...] = ()
    """What the reader must know to read the figures (e.g. people left out after an erasure order)."""
    read: Mapping[str, int] = field(default_factory=dict)
    """Records read per topic (up to the high-water marks taken when the read began)."""

    def section(self, key: str) -> Section:
        return next(section for section in self.sections if section.key == key)

    def row(self, key: str) -> Row:
        return next(row for section in self.sections for row in section.rows if row.key == key)

    def targeted(self) -> list[Row]:
        """The indicators the programme sets a target for, in the report's order."""
        return [row for section in self.sections for row in section.rows if row.target is not None]
