"""streams/gateway/intake.py: an all-or-nothing submission (a FHIR transaction) across workers. Every owner checks
its records first and nobody writes; one refusal, by any owner, refuses the whole and only its dead letter is
written; when every record passes, the owners decide and write as for any submission."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from adapters.base import InboundRecord, InboundStatusUpdate, ParseResult, RecordRejection
from processors import all_or_nothing
from streams.gateway.intake import Intake, Submission, Topics
from streams.vault import SubjectKey

AT = datetime(2026, 12, 3, tzinfo=UTC)
TOPICS = Topics("raw", "events", "dlq", "updates", "contacts", "hours", "orders")


class Transaction:
    format = "transaction"
    content_types = frozenset({"application/fhir+json"})

    def __init__(self, records: Sequence[InboundRecord], rejected: Sequence[RecordRejection] = ()) -> None:
        self._result = ParseResult(accepted=list(records), rejected=list(rejected), atomic=True)

    def parse(self, body: bytes, partner: str, received_at: datetime) -> ParseResult:
        return self._result


class Owners:
    """Every referral but R-MINE is another worker's; the owner of R-BAD refuses it."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[int], bool]] = []

    def owner_of_referral(self, referral_id: str) -> str | None:
        return None if referral_id == "R-MINE" else f"http://w-{referral_id}"

    async def decide(
        self, owner: str, submission: Submission, records: Sequence[InboundRecord], check_only: bool = False
    ) -> tuple[list[dict[str, Any]], list[RecordRejection]]:
        self.calls.append((owner, [r.record_no for r in records], check_only))
        bad = [r for r in records if isinstance(r, InboundStatusUpdate) and r.referral_id == "R-BAD"]
        rows = [{"record": r.record_no, "referral_id": owner, "duplicate": False} for r in records if r not in bad]
        refused = [RecordRejection(r.record_no, "Task.status", "ILLEGAL_TRANSITION", "不能。", b"") for r in bad]
        return rows, refused

    async def subject(self, namespace: str, identifier: str) -> SubjectKey:
        raise AssertionError("no referral is made here")

    async def prepare_subjects(self, identities: Sequence[tuple[str, str]]) -> None:
        assert not identities, "no referral is made here"


class Vault:
    async def quarantine_key(self, key_id: str, names: Sequence[str] = ()) -> bytes:
        return b"k" * 32


def update(record_no: int, referral_id: str) -> InboundStatusUpdate:
    return InboundStatusUpdate(
        record_no=record_no, partner_ref=f"U-{record_no}", referral_id=referral_id, state="ACCEPTED", at=AT, raw=b"x"
    )


def run(adapter: Transaction, owners: Owners) -> tuple[dict[str, Any], list[tuple[str, dict[str, Any]]]]:
    written: list[tuple[str, dict[str, Any]]] = []

    async def send(topic: str, key: bytes, value: dict[str, Any]) -> None:
        written.append((topic, value))

    hub_intake = Intake(Vault(), send, lambda referral_id: None, TOPICS, b"s" * 32, now=lambda: AT, peers=owners)  # type: ignore[arg-type]
    return asyncio.run(hub_intake.submit("HOSP_KSPH", adapter, b"THE BUNDLE")), written


def test_one_owner_refusing_refuses_the_whole_and_nobody_writes_it() -> None:
    owners = Owners()
    receipt, written = run(Transaction([update(1, "R-A"), update(2, "R-BAD"), update(3, "R-B")]), owners)
    assert all(check_only for _, _, check_only in owners.calls), "only the check ran on the owners"
    assert receipt["accepted"] == []
    assert [(row["record"], row["code"]) for row in receipt["rejected"]] == [
        (1, all_or_nothing.CODE),
        (2, "ILLEGAL_TRANSITION"),
        (3, all_or_nothing.CODE),
    ]
    assert [(topic, value["record_no"], value["code"]) for topic, value in written] == [
        ("dlq", 0, all_or_nothing.CODE)
    ], "one dead letter, the whole body"


def test_a_refusal_at_parse_time_refuses_the_whole_before_any_owner_is_asked() -> None:
    owners = Owners()
    rejection = RecordRejection(2, "Bundle.entry.request", "MISSING_REQUEST", "缺少。", b"{}")
    receipt, written = run(Transaction([update(1, "R-A")], [rejection]), owners)
    assert owners.calls == [] and receipt["accepted"] == []
    assert [row["code"] for row in receipt["rejected"]] == [all_or_nothing.CODE, "MISSING_REQUEST"]
    assert len(written) == 1


def test_when_every_record_passes_the_owners_then_decide_for_real() -> None:
    owners = Owners()
    receipt, written = run(Transaction([update(1, "R-A"), update(2, "R-B")]), owners)
    assert sorted(owners.calls) == sorted(
        [
            ("http://w-R-A", [1], True),
            ("http://w-R-B", [2], True),
            ("http://w-R-A", [1], False),
            ("http://w-R-B", [2], False),
        ]
    )
    assert [row["record"] for row in receipt["accepted"]] == [1, 2] and receipt["rejected"] == []
    assert written == [], "the owners wrote their records; this worker had none"


def test_this_workers_own_check_counts_too() -> None:
    """R-MINE is not in this worker's ledger: its own check refuses it (UNKNOWN_REFERRAL), and so the whole."""
    owners = Owners()
    receipt, written = run(Transaction([update(1, "R-MINE"), update(2, "R-A")]), owners)
    assert owners.calls == [("http://w-R-A", [2], True)]
    assert [(row["record"], row["code"]) for row in receipt["rejected"]] == [
        (1, "UNKNOWN_REFERRAL"),
        (2, all_or_nothing.CODE),
    ]
    assert [value["record_no"] for _, value in written] == [0]
