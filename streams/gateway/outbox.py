"""What partners pull (回傳): their assignments and the status of the referrals they sent.

Rendering happens here, at pull time, in the partner's own format: topics keep only canonical events with
personal data sealed. A cursor (partition → next offset, base64url JSON) lets a partner continue where it
stopped; the hub keeps no per-partner state.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from adapters.outbound.items import outbound_item
from adapters.outbound.registry import Disclosure, disclosures, render_assignments
from adapters.outbound.status_feed import render_status_feed
from processors.privacy import envelopes
from schemas.codec import decode_any
from streams.gateway.reader import TopicReader
from streams.topology import ASSIGNMENTS, STATUS_TOPICS
from streams.vault import KeyVault

MAX_BATCH = 500


class BadCursor(ValueError):
    pass


@dataclass(frozen=True)
class Page:
    content_type: str
    body: bytes
    next_cursor: str
    count: int
    disclosed: list[Disclosure] = field(default_factory=list)
    """What the page disclosed of whom, for the audit trail."""


def decode_cursor(cursor: str | None) -> dict[int, int]:
    if not cursor:
        return {}
    try:
        loaded = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        return {int(partition): int(offset) for partition, offset in loaded.items()}
    except (ValueError, binascii.Error, AttributeError) as error:
        raise BadCursor(str(error)) from error


def encode_cursor(positions: Mapping[int, int]) -> str:
    text = json.dumps({str(p): o for p, o in sorted(positions.items())}, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


class Outbox:
    def __init__(self, reader: TopicReader, vault: KeyVault) -> None:
        self._reader = reader
        self._vault = vault

    async def assignments(self, partner: str, cursor: str | None, limit: int) -> Page | None:
        """None when the partner receives no assignments."""
        spec = ASSIGNMENTS.get(partner)
        if spec is None:
            return None
        records, positions = await self._reader.read(spec.name, decode_any, decode_cursor(cursor), limit, _everything)
        # Assignments carry the partner's view, sealed for it; an erasure notice carries nobody.
        items = [
            outbound_item(record, self._personal(record["personal"]) if "personal" in record else None)
            for _, record in records
        ]
        rendered = render_assignments(partner, items)
        return Page(
            rendered.content_type, rendered.body, encode_cursor(positions), len(items), disclosures(partner, items)
        )

    async def status_updates(self, partner: str, cursor: str | None, limit: int) -> Page:
        """The partner's own status feed (status.<PARTNER>): what it reads is all it pays for."""
        spec = STATUS_TOPICS.get(partner)
        if spec is None:
            return Page("application/json", b"[]", encode_cursor(decode_cursor(cursor)), 0)
        records, positions = await self._reader.read(spec.name, decode_any, decode_cursor(cursor), limit, _everything)
        rendered = render_status_feed(records)
        return Page(rendered.content_type, rendered.body, encode_cursor(positions), len(records))

    def _personal(self, sealed: Mapping[str, Any]) -> dict[str, Any]:
        envelope = envelopes.Sealed.from_record(dict(sealed))
        # An erased subject's key is gone: the assignment stays, the person does not.
        opened = envelopes.open_envelope(envelope, self._vault.data_key) if envelope.key_id else None
        return opened if opened is not None else {"erased": True}


def _everything(_value: Any) -> bool:
    return True
