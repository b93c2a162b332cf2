"""Outbound adapters (回傳格式): canonical records → the bytes a partner pulls, in the partner's own format.

Rendering happens when a partner pulls (PARTNER_FORMATS.md, "Going back to the partner"): Kafka holds only
canonical events with personal data sealed, and the caller hands each renderer the assignment (or status
change) together with the personal dict it has already unsealed. Pure: no I/O, no clock, no randomness, so the
same input always renders to the same bytes and a partner can dedupe a re-pulled document on its bytes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from adapters.validation.roc_dates import TAIPEI

JSON_CONTENT_TYPE = "application/json"
"""RFC 8259: JSON is UTF-8 by definition, so no charset parameter."""


@dataclass(frozen=True)
class Rendered:
    """What a partner's pull returns: the media type and the body, ready for the HTTP response."""

    content_type: str
    body: bytes


def taipei(at: datetime) -> datetime:
    """``at`` in Asia/Taipei local time (partners read local time; Avro decodes timestamps as UTC)."""
    if at.tzinfo is None or at.utcoffset() is None:
        # A naive datetime has no meaning across partners: guessing its zone would shift a deadline silently.
        raise ValueError(f"timestamp {at.isoformat()} has no time zone")
    return at.astimezone(TAIPEI)


def taipei_iso(at: datetime) -> str:
    """ISO 8601 with ``+08:00`` to the second, as every partner format writes it (``2025-07-16T09:00:00+08:00``)."""
    return taipei(at).isoformat(timespec="seconds")


def taipei_date(at: datetime) -> date:
    """The calendar day ``at`` falls on in Taiwan (a UTC date would be a day early before 08:00)."""
    return taipei(at).date()


_SNAKE_PART = re.compile(r"_([a-z0-9])")


def camel(key: str) -> str:
    """``birth_date`` → ``birthDate``: canonical snake_case names in the camelCase the JSON partners use."""
    return _SNAKE_PART.sub(lambda match: match.group(1).upper(), key)


def json_bytes(value: Any) -> bytes:
    """Compact UTF-8 JSON with CJK as itself (not ``\\uXXXX``), keys in the order the renderer built them."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")
