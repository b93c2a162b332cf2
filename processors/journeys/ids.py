"""Deterministic ids for journey clocks, break points and their events: the same facts always give the same
id, so a step re-applied after a crash re-emits byte-identical events and consumers dedupe on ``event_id``."""

from __future__ import annotations

import hashlib


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:24]


def clock_id(subject_id: str, clock: str, *anchors: str) -> str:
    """One clock per (person, clock, anchors): the referral and release date, or the period."""
    return "JC-" + _digest(subject_id, clock, *anchors)


def gap_id(clock: str) -> str:
    """A clock has at most one break point: its gap id follows from the clock id."""
    return "JG-" + _digest(clock)


def sla_event_id(clock: str, event_type: str) -> str:
    return "JE-" + _digest(clock, event_type)


def gap_event_id(gap: str, status: str) -> str:
    return "GE-" + _digest(gap, status)
