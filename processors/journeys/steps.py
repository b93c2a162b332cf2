"""Journey steps (歷程事件): what moves a person's journey, one record per thing that happened.

A step is a mapping with these fields (schemas/journey_step.avsc):

============== ============================ =========================================================
field          type                         meaning
============== ============================ =========================================================
step_id        str                          deterministic from what caused it; a repeat changes nothing
subject_id     str                          pseudonymous subject (the journey's key)
type           REFERRED | STATE | CONTACT | what happened
               TREATMENT_HOURS | CHECK
referral_id    str | None                   REFERRED, STATE, TREATMENT_HOURS: the referral
kind           str | None                   the referral's kind (REFERRED: required)
destination    str | None                   STATE: whose delivery changed
state          str | None                   STATE: the delivery's new lifecycle state
at             tz-aware datetime or ISO     when it happened (CHECK: ignored, ``now`` is used)
               string with an offset
attributes     dict[str, str]               non-identifying facts, below
============== ============================ =========================================================

Attributes read, by type (others are ignored):

* REFERRED — ``expected_release_date`` (``YYYY-MM-DD``, PRE_RELEASE), ``youth`` (``Y``/``N``: from a
  juvenile facility), ``treatment_ordered`` (``Y``/``N``, DEFERRED_PROSECUTION), ``hospital_code``,
  ``deferral_start``/``deferral_end`` (``YYYY-MM-DD``), ``destinations`` (comma-joined routed
  destinations), ``source`` (the sending agency, copied onto SLA events when present).
* CONTACT — ``mode`` (PHONE, HOME, FACE, NETWORK, OTHER), ``reached`` (``Y``/``N``), optional
  ``need_level`` (LOW, MEDIUM, HIGH).
* TREATMENT_HOURS — ``period`` (``YYYY-MM``), ``hours`` (a number > 0).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from types import MappingProxyType
from typing import Any, Final, Literal, cast

from processors.journeys.policy import NEED_LEVELS
from processors.lifecycle import State

StepType = Literal["REFERRED", "STATE", "CONTACT", "TREATMENT_HOURS", "CHECK"]
STEP_TYPES: Final = ("REFERRED", "STATE", "CONTACT", "TREATMENT_HOURS", "CHECK")
CONTACT_MODES: Final = ("PHONE", "HOME", "FACE", "NETWORK", "OTHER")
YES_NO: Final = ("Y", "N")
_PERIOD = re.compile(r"\d{4}-(0[1-9]|1[0-2])", re.ASCII)

# Facts about a referral the journey keeps (a whitelist: nothing else of the referral is stored).
REFERRAL_FACTS: Final = (
    "expected_release_date", "youth", "treatment_ordered", "hospital_code", "deferral_start", "deferral_end",
    "destinations",
)  # fmt: skip
_DATE_FACTS: Final = ("expected_release_date", "deferral_start", "deferral_end")
_FLAG_FACTS: Final = ("youth", "treatment_ordered")


class InvalidStep(ValueError):
    """The step cannot be applied; the message says which field and why (for the dead-letter topic)."""


@dataclass(frozen=True)
class Step:
    step_id: str
    subject_id: str
    type: StepType
    referral_id: str | None
    kind: str | None
    destination: str | None
    state: State | None
    at: datetime
    attributes: Mapping[str, str]

    @property
    def reached(self) -> bool:
        return self.attributes.get("reached") == "Y"

    @property
    def home_visit(self) -> bool:
        return self.attributes.get("mode") == "HOME"

    @property
    def need_level(self) -> str | None:
        return self.attributes.get("need_level") or None

    @property
    def label(self) -> str:
        """How a gap names the step that closed it."""
        return f"{self.type}/{self.step_id}"


def parse_step(step: Mapping[str, Any]) -> Step:
    """Check a step's fields for its type; :class:`InvalidStep` names the first one that is wrong."""
    step_type = step.get("type")
    if step_type not in STEP_TYPES:
        raise InvalidStep(f"type: {step_type!r} is not one of {', '.join(STEP_TYPES)}")
    attributes = _attributes(step.get("attributes"))
    parsed = Step(
        step_id=_text(step, "step_id", required=True) or "",
        subject_id=_text(step, "subject_id", required=True) or "",
        type=cast(StepType, step_type),
        referral_id=_text(step, "referral_id", required=step_type in ("REFERRED", "STATE", "TREATMENT_HOURS")),
        kind=_text(step, "kind", required=step_type == "REFERRED"),
        destination=_text(step, "destination", required=step_type == "STATE"),
        state=_state(step.get("state")) if step_type == "STATE" else None,
        at=_instant(step.get("at")),
        attributes=MappingProxyType(attributes),
    )
    if parsed.type == "REFERRED":
        _check_referral_facts(attributes)
    elif parsed.type == "CONTACT":
        _one_of(attributes, "mode", CONTACT_MODES, required=True)
        _one_of(attributes, "reached", YES_NO, required=True)
        _one_of(attributes, "need_level", NEED_LEVELS, required=False)
    elif parsed.type == "TREATMENT_HOURS":
        _check_hours(attributes)
    return parsed


def _text(step: Mapping[str, Any], name: str, *, required: bool) -> str | None:
    value = step.get(name)
    if value is None or value == "":
        if required:
            raise InvalidStep(f"{name}: required for a {step.get('type')} step")
        return None
    if not isinstance(value, str):
        raise InvalidStep(f"{name}: {value!r} is not a string")
    return value


def _state(value: object) -> State:
    try:
        return State(str(value))
    except ValueError:
        raise InvalidStep(f"state: {value!r} is not a lifecycle state") from None


def _instant(value: object) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise InvalidStep(f"at: {value!r} is not an ISO-8601 instant") from None
    if not isinstance(value, datetime):
        raise InvalidStep(f"at: {value!r} is not an instant")
    if value.tzinfo is None or value.utcoffset() is None:
        # A naive time would be read in whatever zone the worker runs in: refuse it.
        raise InvalidStep(f"at: {value.isoformat()} has no time zone")
    return value


def _attributes(value: object) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise InvalidStep("attributes: must map strings to strings")
    return dict(value)


def _one_of(attributes: Mapping[str, str], name: str, allowed: tuple[str, ...], *, required: bool) -> None:
    value = attributes.get(name)
    if value is None or value == "":
        if required:
            raise InvalidStep(f"attributes.{name}: required, one of {', '.join(allowed)}")
        return
    if value not in allowed:
        raise InvalidStep(f"attributes.{name}: {value!r} is not one of {', '.join(allowed)}")


def _check_referral_facts(attributes: Mapping[str, str]) -> None:
    for name in _DATE_FACTS:
        if attributes.get(name):
            try:
                date.fromisoformat(attributes[name])
            except ValueError:
                raise InvalidStep(f"attributes.{name}: {attributes[name]!r} is not a date (YYYY-MM-DD)") from None
    for name in _FLAG_FACTS:
        _one_of(attributes, name, YES_NO, required=False)


def _check_hours(attributes: Mapping[str, str]) -> None:
    period = attributes.get("period", "")
    if not _PERIOD.fullmatch(period):
        raise InvalidStep(f"attributes.period: {period!r} is not a month (YYYY-MM)")
    try:
        hours = float(attributes.get("hours", ""))
    except ValueError:
        raise InvalidStep(f"attributes.hours: {attributes.get('hours')!r} is not a number") from None
    if not (math.isfinite(hours) and hours > 0):
        raise InvalidStep(f"attributes.hours: {hours:g} must be a number more than zero")


def referral_facts(attributes: Mapping[str, str]) -> dict[str, str]:
    """The subset of a REFERRED step's attributes the journey keeps (non-empty values only)."""
    return {name: attributes[name] for name in REFERRAL_FACTS if attributes.get(name)}
