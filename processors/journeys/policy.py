"""The journey policy (貫穿式保護時限): how long each stage transition may take before it is a break point (斷點).

Defaults are DOMAIN.md's ("SLA clocks", "Pass-through protection"); a deployment overrides them in the
``[journey]`` table of the SLA policy file. Every key is optional; a missing key keeps its default, an
unknown key is an error (a typo must not silently leave the default in force)::

    [journey]
    first_contact_after_release = "P7D"   # 出監後社區首次聯繫 (ISO-8601 duration, fixed units only)
    treatment_start = "P14D"               # 緩起訴轉介後開始治療
    youth_followup_period_months = 3       # 少年離開矯正機關後的追蹤週期（月）
    youth_followup_periods = 4             # … 共幾期 (4 × 3 months = 1 year)
    warn_at = 0.8                          # WARNING at this share of the allowed time, 0 < warn_at < 1
    keep_closed_for = "P90D"               # closed clocks and gaps stay this long (re-sent steps find them)

    [journey.cadence.LOW]                  # 追輔模式: low / medium / high need
    contacts_per_month = 1
    home_visit_every_months = 3
    [journey.cadence.MEDIUM]
    contacts_per_month = 1
    home_visit_every_months = 2
    [journey.cadence.HIGH]
    contacts_per_month = 2
    home_visit_every_months = 1

A ``[journey.cadence.X]`` table may give one key only; the other keeps that level's default.
Durations are ISO-8601 with weeks, days, hours, minutes, seconds (``P7D``, ``PT24H``, ``P1DT12H``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from types import MappingProxyType
from typing import Any, Final

from processors.journeys.durations import parse_duration

NEED_LEVELS: Final = ("LOW", "MEDIUM", "HIGH")
NEED_LEVEL_NAMES: Final[Mapping[str, str]] = MappingProxyType({"LOW": "低", "MEDIUM": "中", "HIGH": "高"})


class JourneyPolicyError(ValueError):
    """A bad ``[journey]`` value: the message names the key, as written in the TOML file."""


@dataclass(frozen=True)
class Cadence:
    """One need level's follow-up cadence (追輔模式, 衛部心字第1121760500號函)."""

    contacts_per_month: int
    home_visit_every_months: int


def _default_cadence() -> Mapping[str, Cadence]:
    return MappingProxyType(
        {
            "LOW": Cadence(contacts_per_month=1, home_visit_every_months=3),
            "MEDIUM": Cadence(contacts_per_month=1, home_visit_every_months=2),
            "HIGH": Cadence(contacts_per_month=2, home_visit_every_months=1),
        }
    )


@dataclass(frozen=True)
class JourneyPolicy:
    first_contact_after_release: timedelta = timedelta(days=7)
    treatment_start: timedelta = timedelta(days=14)
    youth_followup_period_months: int = 3
    youth_followup_periods: int = 4
    cadence: Mapping[str, Cadence] = field(default_factory=_default_cadence)
    warn_at: float = 0.8
    keep_closed_for: timedelta = timedelta(days=90)

    def __post_init__(self) -> None:
        # Checked here too, so a policy built in code is held to the same rules as one read from TOML.
        for name in ("first_contact_after_release", "treatment_start", "keep_closed_for"):
            if getattr(self, name) <= timedelta(0):
                raise JourneyPolicyError(f"journey.{name}: must be longer than zero")
        for name in ("youth_followup_period_months", "youth_followup_periods"):
            if getattr(self, name) < 1:
                raise JourneyPolicyError(f"journey.{name}: must be at least 1")
        if not 0 < self.warn_at < 1:
            raise JourneyPolicyError(f"journey.warn_at: {self.warn_at!r} must lie between 0 and 1 (e.g. 0.8)")
        if set(self.cadence) != set(NEED_LEVELS):
            raise JourneyPolicyError(f"journey.cadence: needs exactly the levels {', '.join(NEED_LEVELS)}")
        for level, cadence in self.cadence.items():
            if cadence.contacts_per_month < 1 or cadence.home_visit_every_months < 1:
                raise JourneyPolicyError(f"journey.cadence.{level}: both values must be at least 1")
        object.__setattr__(self, "cadence", MappingProxyType(dict(self.cadence)))

    @property
    def longest_home_window(self) -> int:
        """Months of contacts the cadence may look back on, whatever the person's level becomes."""
        return max(cadence.home_visit_every_months for cadence in self.cadence.values())

    @classmethod
    def from_mapping(cls, m: Mapping[str, Any] | None) -> JourneyPolicy:
        """The policy from a parsed ``[journey]`` TOML table (``None`` or ``{}``: all defaults)."""
        table = dict(m or {})
        _refuse_unknown("journey", table, _TOP_KEYS)
        defaults = cls()
        return cls(
            first_contact_after_release=_duration(table, "first_contact_after_release", defaults),
            treatment_start=_duration(table, "treatment_start", defaults),
            youth_followup_period_months=_count(table, "journey", "youth_followup_period_months", defaults),
            youth_followup_periods=_count(table, "journey", "youth_followup_periods", defaults),
            cadence=_cadence(table.get("cadence"), defaults.cadence),
            warn_at=_share(table, defaults.warn_at),
            keep_closed_for=_duration(table, "keep_closed_for", defaults),
        )


_TOP_KEYS: Final = (
    "first_contact_after_release", "treatment_start", "youth_followup_period_months", "youth_followup_periods",
    "cadence", "warn_at", "keep_closed_for",
)  # fmt: skip
_CADENCE_KEYS: Final = ("contacts_per_month", "home_visit_every_months")


def _refuse_unknown(where: str, table: Mapping[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(table) - set(allowed))
    if unknown:
        raise JourneyPolicyError(f"{where}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(allowed)}")


def _duration(table: Mapping[str, Any], key: str, defaults: JourneyPolicy) -> timedelta:
    if key not in table:
        value: timedelta = getattr(defaults, key)
        return value
    text = table[key]
    if not isinstance(text, str):
        raise JourneyPolicyError(f'journey.{key}: {text!r} must be an ISO-8601 duration string such as "P7D"')
    try:
        return parse_duration(text)
    except ValueError as error:
        raise JourneyPolicyError(f"journey.{key}: {error}") from None


def _count(table: Mapping[str, Any], where: str, key: str, defaults: object) -> int:
    if key not in table:
        value: int = getattr(defaults, key)
        return value
    value = table[key]
    # TOML's true is a Python bool, which is an int: refuse it rather than read it as 1.
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise JourneyPolicyError(f"{where}.{key}: {value!r} must be a whole number of at least 1")
    return value


def _share(table: Mapping[str, Any], default: float) -> float:
    value = table.get("warn_at", default)
    if not isinstance(value, int | float) or isinstance(value, bool) or not 0 < value < 1:
        raise JourneyPolicyError(f"journey.warn_at: {value!r} must be a number between 0 and 1 (e.g. 0.8)")
    return float(value)


def _cadence(table: object, defaults: Mapping[str, Cadence]) -> Mapping[str, Cadence]:
    if table is None:
        return defaults
    if not isinstance(table, Mapping):
        raise JourneyPolicyError("journey.cadence: must be a table of need levels ([journey.cadence.LOW] …)")
    _refuse_unknown("journey.cadence", table, NEED_LEVELS)
    levels = dict(defaults)
    for level, row in table.items():
        where = f"journey.cadence.{level}"
        if not isinstance(row, Mapping):
            raise JourneyPolicyError(f"{where}: must be a table with {', '.join(_CADENCE_KEYS)}")
        _refuse_unknown(where, row, _CADENCE_KEYS)
        levels[level] = Cadence(
            contacts_per_month=_count(row, where, "contacts_per_month", defaults[level]),
            home_visit_every_months=_count(row, where, "home_visit_every_months", defaults[level]),
        )
    return MappingProxyType(levels)
