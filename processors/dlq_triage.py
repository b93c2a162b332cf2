"""Dead-letter triage (退件分析) for the operator on duty: what was refused, why, for which partner, how often.

Pure: the dead letters come in as the decoded ``DeadLetter`` records of ``referrals.dlq`` (schemas/dead_letter.avsc),
and what goes out is JSON for ``refhub dlq`` and ``GET /v1/admin/dead-letters``. Nothing here shows a dead letter's
original bytes: they are the partner's record, personal data sealed under a key of their own; a triage view says
only whether they are stored and whether a replay can still open them (an erasure shreds the key).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

DEFAULT_WINDOW = timedelta(days=7)
"""How far back ``list`` looks when no ``since`` is given."""
GATEWAY_KEY_PREFIX = "Q-"
"""A dead letter the gateway wrote is sealed under its own quarantine key (``Q-<submission>/<record>``): those hold
the partner's own bytes. The agents' dead letters (an unroutable referral, an answer the ledger refused, a journey
step) hold the sealed personal block or nothing, and their record is on ``inbound.raw`` already."""


@dataclass(frozen=True)
class Filter:
    """Which dead letters an operator asks about: received in ``[since, until)``, optionally one partner or code."""

    since: datetime
    until: datetime
    partner: str | None = None
    code: str | None = None

    def keeps(self, letter: Mapping[str, Any]) -> bool:
        return (
            self.since <= letter["received_at"] < self.until
            and (self.partner is None or letter["partner"] == self.partner)
            and (self.code is None or letter["code"] == self.code)
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "partner": self.partner,
            "code": self.code,
        }


def distinct(letters: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """One per ``dead_letter_id`` (delivery is at least once: an agent's re-sent dead letter is the same one), the
    last written, in the order first seen."""
    latest: dict[str, Mapping[str, Any]] = {}
    for letter in letters:
        latest[letter["dead_letter_id"]] = letter
    return list(latest.values())


def counts(letters: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Partner × code: how many dead letters, the first and the last received, most frequent first."""
    groups: dict[tuple[str, str], list[datetime]] = {}
    for letter in distinct(letters):
        groups.setdefault((letter["partner"], letter["code"]), []).append(letter["received_at"])
    rows: list[dict[str, Any]] = [
        {
            "partner": partner,
            "code": code,
            "count": len(times),
            "first": min(times).isoformat(),
            "last": max(times).isoformat(),
        }
        for (partner, code), times in groups.items()
    ]
    rows.sort(key=lambda row: (-row["count"], row["partner"], row["code"]))
    return rows


def by_partner(rows: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """Each partner's total, from :func:`counts`' rows."""
    totals: dict[str, int] = {}
    for row in rows:
        totals[row["partner"]] = totals.get(row["partner"], 0) + row["count"]
    return dict(sorted(totals.items(), key=lambda item: (-item[1], item[0])))


def holds_partner_bytes(letter: Mapping[str, Any]) -> bool:
    """Whether the sealed original is the partner's own record (written by the gateway), so a replay can re-run it."""
    original = letter["original"]
    return str(original["key_id"]).startswith(GATEWAY_KEY_PREFIX) and bool(original["ciphertext"])


def item(letter: Mapping[str, Any]) -> dict[str, Any]:
    """A dead letter as the list shows it: what to tell the partner, never the original."""
    return {
        "dead_letter_id": letter["dead_letter_id"],
        "submission_id": letter["submission_id"],
        "record_no": letter["record_no"],
        "partner": letter["partner"],
        "format": letter["format"],
        "field": letter["field"],
        "code": letter["code"],
        "reason": letter["reason"],
        "received_at": letter["received_at"].isoformat(),
    }


def detail(letter: Mapping[str, Any], *, readable: bool) -> dict[str, Any]:
    """One dead letter in full, for an operator: the list's fields and what is known of the original — stored or
    not, its size, whether it can still be opened (``readable``: its key exists) and so replayed. Not its bytes."""
    original = letter["original"]
    stored = bool(original["key_id"]) and bool(original["ciphertext"])
    partner_bytes = holds_partner_bytes(letter)
    return {
        **item(letter),
        "whole_submission": letter["record_no"] == 0,
        "original": {
            "stored": stored,
            "partner_record": partner_bytes,
            # AES-GCM: the ciphertext is the plaintext and a 16-byte tag.
            "bytes": max(len(original["ciphertext"]) - 16, 0) if stored else 0,
            "readable": stored and readable,
            "shown": False,
        },
        "replayable": partner_bytes and readable,
    }


def page(letters: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """A page's items, newest first."""
    return [item(letter) for letter in sorted(distinct(letters), key=lambda d: d["received_at"], reverse=True)]
