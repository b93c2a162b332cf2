"""The SLA policy table (時限管理政策表): which clocks a referral gets, how long each runs, what meets it.

The defaults live in ``default_policy.toml`` next to this module, the single source of the hub's deadlines; a
deployment may pass its own TOML file whose rows replace or add rows by clock name, and whose ``[journey]``
tables are merged over the defaults (the journey engine parses that part). A bad row is refused at start-up
with the file, the row and the field named: a silently wrong deadline is worse than a hub that will not start.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from importlib.resources import files
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final, Literal, cast

from processors.lifecycle import FORWARD, State
from processors.sla.clocks import ClockPolicy, Measure

Anchor = Literal["RECEIVED", "ROUTED", "RELEASE", "PERIOD_END"]
DueAnchor = Literal["RELEASE"]
OnDue = Literal["BREACH", "EXPIRE", "LATE_NOTICE"]
Recurrence = Literal["MONTHLY"]
Condition = Literal["out_of_area", "treatment_ordered"]

ANCHORS: Final = ("RECEIVED", "ROUTED", "RELEASE", "PERIOD_END")
DUE_ANCHORS: Final = ("RELEASE",)
MEASURES: Final = ("ELAPSED", "WORKING_DAYS")
ON_DUE: Final = ("BREACH", "EXPIRE", "LATE_NOTICE")
RECURRENCES: Final = ("MONTHLY",)
CONDITIONS: Final = ("out_of_area", "treatment_ordered")

KINDS: Final = frozenset(
    {
        "CHILD_PROTECTION",
        "ADULT_USER",
        "YOUTH_DRUG_USE",
        "PRE_RELEASE",
        "DEFERRED_PROSECUTION",
        "RECIDIVISM_PREVENTION",
        "SERVICE",
        "LECTURE",
        "JUDICIAL_YOUTH",
        "SELF_REFERRAL",
    }
)
EVERY: Final = "*"
"""In ``kinds``: every kind; in ``destinations``: every destination that is not an information copy (副知)."""
TREATING: Final = "@TREATING"
"""The treating destination of a deferred prosecution with a treatment order: any destination but BUREAU."""
BUREAU: Final = "BUREAU"

DISPATCHED: Final = "DISPATCHED"
"""Pseudo-state: SOCIAL's dispatch (派案) created the target's assignment."""
REPORTED: Final = "REPORTED"
"""Pseudo-state: the period's report arrived (the bureau's treatment hours for the month)."""
PSEUDO_STATES: Final = frozenset({DISPATCHED, REPORTED})

SUPERVISORS: Final = "<DEST>:SUPERVISOR"
"""Default escalation: the receiving agency's supervisors; ``<DEST>`` becomes the destination's code."""


_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
_AGENCY = re.compile(r"^[A-Z][A-Z0-9_]*$")
# Weeks, days, hours, minutes, seconds: no years or months, whose length depends on where they fall.
_DURATION = re.compile(
    r"^(?P<sign>-)?P(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)


class PolicyError(ValueError):
    """The policy table cannot be used; the message names the file, the row and the field."""


@dataclass(frozen=True)
class ClockRule:
    """One row of the table: one duty with a deadline (時限)."""

    clock: str
    description: str
    basis: str
    kinds: frozenset[str]
    destinations: frozenset[str]
    start: Anchor
    allowed: timedelta | int
    """Elapsed time (an offset from the due anchor when ``due`` is set), or a number of working days."""
    satisfied_by: frozenset[str]
    """States and pseudo-states, "X+" already expanded."""
    measure: Measure = "ELAPSED"
    due: DueAnchor | None = None
    warn_at: float | None = 0.8
    on_due: OnDue = "BREACH"
    recurring: Recurrence | None = None
    condition: Condition | None = None
    escalate_to: str = SUPERVISORS

    @property
    def timing(self) -> ClockPolicy:
        return ClockPolicy(self.clock, self.allowed, self.measure, self.warn_at)

    @property
    def decided_at(self) -> Literal["SUBMITTED", "ROUTED"] | None:
        """A clock met by receipt or routing itself is decided when the hub routes: on time or late, at once."""
        if State.SUBMITTED in self.satisfied_by:
            return "SUBMITTED"
        if State.ROUTED in self.satisfied_by:
            return "ROUTED"
        return None

    def applies(self, event: Mapping[str, Any], destination: str) -> bool:
        """Whether a (non-copy) delivery of this referral to ``destination`` gets this clock."""
        if EVERY not in self.kinds and event.get("kind") not in self.kinds:
            return False
        if self.condition is not None and not _holds(self.condition, event):
            return False
        return any(_names(selector, destination, event) for selector in self.destinations)

    def escalation(self, destination: str) -> str:
        return self.escalate_to.replace("<DEST>", destination)


def _holds(condition: Condition, event: Mapping[str, Any]) -> bool:
    if condition == "out_of_area":
        return bool(event.get("out_of_area"))
    return _treatment_ordered(event)


def _treatment_ordered(event: Mapping[str, Any]) -> bool:
    return (event.get("attributes") or {}).get("treatment_ordered") == "Y"


def _names(selector: str, destination: str, event: Mapping[str, Any]) -> bool:
    if selector == EVERY:
        return True
    if selector == TREATING:
        return destination != BUREAU and _treatment_ordered(event)
    return selector == destination


@dataclass(frozen=True)
class SlaPolicy:
    rules: tuple[ClockRule, ...]
    journey: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    """The ``[journey]`` section as read (defaults merged with the deployment's), for processors/journeys."""
    _by_name: Mapping[str, ClockRule] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {rule.clock: rule for rule in self.rules})

    def rule(self, clock: str) -> ClockRule | None:
        return self._by_name.get(clock)


DEFAULT_POLICY: Final = "default_policy.toml"


def load_policy(path: Path | None = None) -> SlaPolicy:
    """The default table, with the rows of the deployment's file at ``path`` replacing or adding by name."""
    text = files("processors.sla").joinpath(DEFAULT_POLICY).read_text(encoding="utf-8")
    rules, journey = _parse_document(_parse_toml(text, DEFAULT_POLICY), DEFAULT_POLICY)
    if path is not None:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise PolicyError(f"{path}: cannot read the SLA policy file: {error.strerror or error}") from None
        overrides, journey_overrides = _parse_document(_parse_toml(text, str(path)), str(path))
        by_name = {rule.clock: rule for rule in overrides}
        known = {rule.clock for rule in rules}
        rules = [by_name.get(rule.clock, rule) for rule in rules] + [r for r in overrides if r.clock not in known]
        journey = _merge(journey, journey_overrides)
    return SlaPolicy(tuple(rules), MappingProxyType(journey))


def _parse_toml(text: str, origin: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise PolicyError(f"{origin}: not valid TOML: {error}") from None


def _parse_document(document: Mapping[str, Any], origin: str) -> tuple[list[ClockRule], dict[str, Any]]:
    unknown = sorted(set(document) - {"clock", "journey"})
    if unknown:
        raise PolicyError(f"{origin}: unknown top-level key(s) {', '.join(unknown)}: only [[clock]] and [journey]")
    rows = document.get("clock", [])
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise PolicyError(f"{origin}: 'clock' must be an array of tables ([[clock]] rows)")
    journey = document.get("journey", {})
    if not isinstance(journey, dict):
        raise PolicyError(f"{origin}: 'journey' must be a table ([journey])")
    rules: list[ClockRule] = []
    seen: set[str] = set()
    for number, row in enumerate(rows, start=1):
        rule = _Row(origin, number, row).rule()
        if rule.clock in seen:
            raise PolicyError(f"{origin}: [[clock]] row {number} ({rule.clock}): clock name used twice in this file")
        seen.add(rule.clock)
        rules.append(rule)
    return rules, journey


def _merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        below = merged.get(key)
        merged[key] = _merge(below, value) if isinstance(below, dict) and isinstance(value, dict) else value
    return merged


_FIELDS: Final = frozenset(
    {
        "name",
        "description",
        "basis",
        "kinds",
        "destinations",
        "condition",
        "start",
        "due",
        "allowed",
        "measure",
        "warn_at",
        "satisfied_by",
        "on_due",
        "recurring",
        "escalate_to",
    }
)


class _Row:
    """Reads one ``[[clock]]`` row, naming the row and field in every complaint."""

    def __init__(self, origin: str, number: int, row: Mapping[str, Any]) -> None:
        self.origin = origin
        self.number = number
        self.row = row
        name = row.get("name")
        self.label = f"{origin}: [[clock]] row {number}" + (f" ({name})" if isinstance(name, str) else "")

    def error(self, name: str, problem: str) -> PolicyError:
        return PolicyError(f"{self.label}: field '{name}': {problem}")

    def text(self, name: str, *, default: str | None = None) -> str:
        value = self.row.get(name, default)
        if value is None:
            raise self.error(name, "missing")
        if not isinstance(value, str) or not value.strip():
            raise self.error(name, f"expected a non-empty string, got {value!r}")
        return value

    def choice(self, name: str, choices: Sequence[str], *, default: str | None = None) -> str:
        value = self.text(name, default=default)
        if value not in choices:
            raise self.error(name, f"{value!r} is not one of {', '.join(choices)}")
        return value

    def optional_choice(self, name: str, choices: Sequence[str]) -> str | None:
        return self.choice(name, choices) if name in self.row else None

    def strings(self, name: str) -> list[str]:
        value = self.row.get(name)
        if value is None:
            raise self.error(name, "missing")
        if not isinstance(value, list) or not value or not all(isinstance(item, str) for item in value):
            raise self.error(name, f"expected a non-empty list of strings, got {value!r}")
        return cast(list[str], value)

    def rule(self) -> ClockRule:
        unknown = sorted(set(self.row) - _FIELDS)
        if unknown:
            raise self.error(unknown[0], f"unknown field (known: {', '.join(sorted(_FIELDS))})")
        clock = self.text("name")
        if not _NAME.match(clock):
            raise self.error("name", f"{clock!r}: use upper case letters, digits and underscores (e.g. CP_TRIAGE)")
        measure = cast(Measure, self.choice("measure", MEASURES, default="ELAPSED"))
        due = cast(DueAnchor | None, self.optional_choice("due", DUE_ANCHORS))
        start = cast(Anchor, self.choice("start", ANCHORS))
        recurring = cast(Recurrence | None, self.optional_choice("recurring", RECURRENCES))
        satisfied_by = self._satisfied_by()
        on_due = cast(OnDue, self.choice("on_due", ON_DUE, default="BREACH"))
        self._check_consistent(start, due, measure, recurring, satisfied_by, on_due)
        return ClockRule(
            clock=clock,
            description=self.text("description"),
            basis=self.text("basis"),
            kinds=self._kinds(),
            destinations=self._destinations(),
            start=start,
            allowed=self._allowed(measure, offset=due is not None),
            satisfied_by=satisfied_by,
            measure=measure,
            due=due,
            warn_at=self._warn_at(),
            on_due=on_due,
            recurring=recurring,
            condition=cast(Condition | None, self.optional_choice("condition", CONDITIONS)),
            escalate_to=self.text("escalate_to", default=SUPERVISORS),
        )

    def _kinds(self) -> frozenset[str]:
        kinds = self.strings("kinds")
        if EVERY in kinds and len(kinds) > 1:
            raise self.error("kinds", '"*" already means every kind: list nothing else with it')
        unknown = [kind for kind in kinds if kind != EVERY and kind not in KINDS]
        if unknown:
            raise self.error("kinds", f"unknown referral kind {unknown[0]!r} (known: {', '.join(sorted(KINDS))})")
        return frozenset(kinds)

    def _destinations(self) -> frozenset[str]:
        destinations = self.strings("destinations")
        for selector in destinations:
            if selector not in (EVERY, TREATING) and not _AGENCY.match(selector):
                raise self.error("destinations", f"{selector!r} is not an agency code, {EVERY!r} or {TREATING!r}")
        return frozenset(destinations)

    def _allowed(self, measure: Measure, *, offset: bool) -> timedelta | int:
        value = self.row.get("allowed")
        if value is None:
            raise self.error("allowed", "missing")
        if measure == "WORKING_DAYS":
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise self.error("allowed", f"WORKING_DAYS needs a whole number of days ≥ 1, got {value!r}")
            return value
        if not isinstance(value, str):
            raise self.error("allowed", f"ELAPSED needs an ISO 8601 duration such as 'PT24H' or 'P14D', got {value!r}")
        duration = parse_duration(value)
        if duration is None:
            raise self.error(
                "allowed", f"{value!r} is not an ISO 8601 duration in weeks/days/hours/minutes/seconds ('PT24H')"
            )
        if not offset and duration <= timedelta(0):
            raise self.error("allowed", f"{value!r}: a clock needs a positive allowed time")
        return duration

    def _warn_at(self) -> float | None:
        value = self.row.get("warn_at", 0.8)
        if value is False:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1:
            raise self.error("warn_at", f"expected a fraction between 0 and 1 (e.g. 0.8) or false, got {value!r}")
        return float(value)

    def _satisfied_by(self) -> frozenset[str]:
        states: set[str] = set()
        for token in self.strings("satisfied_by"):
            if token.endswith("+"):
                if token[:-1] not in FORWARD:
                    raise self.error(
                        "satisfied_by", f"{token!r}: '+' follows a state of the forward path ({', '.join(FORWARD)})"
                    )
                states.update(state.value for state in FORWARD[FORWARD.index(State(token[:-1])) :])
            elif token in State.__members__ or token in PSEUDO_STATES:
                states.add(token)
            else:
                known = ", ".join([*State.__members__, *sorted(PSEUDO_STATES)])
                raise self.error("satisfied_by", f"unknown state {token!r} (known: {known}, or 'STATE+')")
        return frozenset(states)

    def _check_consistent(
        self,
        start: Anchor,
        due: DueAnchor | None,
        measure: Measure,
        recurring: Recurrence | None,
        satisfied_by: frozenset[str],
        on_due: OnDue,
    ) -> None:
        if due is not None and measure != "ELAPSED":
            raise self.error("due", "a due anchor takes an ELAPSED offset in 'allowed', not working days")
        if recurring is not None:
            if start != "PERIOD_END":
                raise self.error("start", "a recurring clock starts at PERIOD_END")
            if due is not None:
                raise self.error("due", "a recurring clock is due 'allowed' after its period ends")
            if satisfied_by != {REPORTED}:
                raise self.error("satisfied_by", "a recurring clock is met by its period's report: ['REPORTED']")
        elif start == "PERIOD_END":
            raise self.error("start", "PERIOD_END needs a recurring clock (recurring = 'MONTHLY')")
        elif REPORTED in satisfied_by:
            raise self.error("satisfied_by", "REPORTED meets a period: only recurring clocks have periods")
        if on_due == "EXPIRE" and satisfied_by & {State.SUBMITTED, State.ROUTED}:
            raise self.error("on_due", "a clock decided at routing (met by SUBMITTED or ROUTED) cannot expire")


def parse_duration(text: str) -> timedelta | None:
    """An ISO 8601 duration in weeks, days, hours, minutes and seconds ("PT24H", "P14D", "-P30D"), or None."""
    match = _DURATION.match(text)
    if match is None or text.endswith("T"):
        return None
    parts = match.groupdict()
    if all(parts[unit] is None for unit in ("weeks", "days", "hours", "minutes", "seconds")):
        return None
    duration = timedelta(
        weeks=int(parts["weeks"] or 0),
        days=int(parts["days"] or 0),
        hours=int(parts["hours"] or 0),
        minutes=int(parts["minutes"] or 0),
        seconds=float(parts["seconds"] or 0),
    )
    return -duration if parts["sign"] else duration
