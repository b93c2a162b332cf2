"""What partners pull (回傳): their assignments and the status of the referrals they sent.

Rendering happens here, at pull time, in the partner's own format: topics keep only canonical events with
personal data sealed. Each partner reads a topic of its own (``assignments.<AGENCY>``, ``status.<PARTNER>``),
so a pull costs what the partner reads. Positions (partition → next offset) come in and go out as plain
numbers; the gateway seals them into the partner's cursor (streams/access/cursors.py), so the hub keeps no
per-partner state and a partner can neither forge a position nor learn anything from it.
"""

from __future__ import annotations

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

Positions = dict[int, int]


@dataclass(frozen=True)
class Page:
    content_type: str
    body: bytes
    positions: Positions
    """Where the next page starts."""
    count: int
    disclosed: list[Disclosure] = field(default_factory=list)
    """What the page disclosed of whom, for the audit trail."""
    referral_ids: list[str] = field(default_factory=list)
    """The referrals the page is about (status changes carry no personal data, but say how a case stands)."""


class Outbox:
    def __init__(self, reader: TopicReader, vault: KeyVault) -> None:
        self._reader = reader
        self._vault = vault

    async def assignments(self, partner: str, start: Positions, limit: int) -> Page | None:
        """None when the partner receives no assignments."""
        spec = ASSIGNMENTS.get(partner)
        if spec is None:
            return None
        records, positions = await self._reader.read(spec.name, decode_any, start, limit, _everything)
        # Assignments carry the partner's view, sealed for it; an erasure notice carries nobody.
        items = [
            outbound_item(record, self._personal(record["personal"]) if "personal" in record else None)
            for _, record in records
        ]
        rendered = render_assignments(partner, items)
        return Page(
            rendered.content_type,
            rendered.body,
            positions,
            len(items),
            disclosures(partner, items),
            [record["referral_id"] for _, record in records],
        )

    async def status_updates(self, partner: str, start: Positions, limit: int) -> Page:
        """The partner's own status feed (status.<PARTNER>): what it reads is all it pays for."""
        spec = STATUS_TOPICS.get(partner)
        if spec is None:
            return Page("application/json", b"[]", dict(start), 0)
        records, positions = await self._reader.read(spec.name, decode_any, start, limit, _everything)
        rendered = render_status_feed(records)
        referral_ids = [record["referral_id"] for _, record in records if "referral_id" in record]
        return Page(rendered.content_type, rendered.body, positions, len(records), referral_ids=referral_ids)

    def _personal(self, sealed: Mapping[str, Any]) -> dict[str, Any]:
        envelope = envelopes.Sealed.from_record(dict(sealed))
        # An erased subject's key is gone: the assignment stays, the person does not.
        opened = envelopes.open_envelope(envelope, self._vault.data_key) if envelope.key_id else None
        return opened if opened is not None else {"erased": True}


def _everything(_value: Any) -> bool:
    return True
