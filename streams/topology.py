"""Every topic of the hub, declared once: name, partitions, clean-up policy, retention, schema.

``refhub topics --create`` provisions exactly this list; the Faust app builds its topic objects from it.
Faust's own changelog topics (tables) are declared by Faust and follow ``Settings.partitions``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from adapters.agencies import ASSIGNMENT_AGENCIES, REFERRAL_SOURCES  # one list for adapters, processors and topics

DAY_MS = 24 * 60 * 60 * 1000


@dataclass(frozen=True)
class TopicSpec:
    name: str
    schema: str
    doc: str
    compacted: bool = False
    retention_ms: int = 365 * DAY_MS
    config: dict[str, str] = field(default_factory=dict)

    def kafka_config(self, min_insync_replicas: int) -> dict[str, str]:
        config = {
            "cleanup.policy": "compact" if self.compacted else "delete",
            "min.insync.replicas": str(min_insync_replicas),
        }
        if not self.compacted:
            config["retention.ms"] = str(self.retention_ms)
        config.update(self.config)
        return config


# Erasure (crypto-shredding) tombstones these keys; compaction must actually remove the old values soon: the
# cleaner never touches the active segment, so segments roll (segment.ms, Settings.key_topics_segment_ms) and
# a record may wait at most max.compaction.lag.ms to be cleaned, and a little dirt is enough to start cleaning.
# The tombstones themselves go after a day (delete.retention.ms): a restarting reader sees them until then.
KEY_TOPIC_SEGMENT_MS = 60 * 60 * 1000
_PROMPT_COMPACTION = {
    "segment.ms": str(KEY_TOPIC_SEGMENT_MS),
    "max.compaction.lag.ms": str(KEY_TOPIC_SEGMENT_MS),
    "min.compaction.lag.ms": "0",
    "min.cleanable.dirty.ratio": "0.01",
    "delete.retention.ms": str(DAY_MS),
}

INBOUND_RAW = TopicSpec(
    "inbound.raw", "raw_record", "each accepted record's own bytes, sealed; for replay", retention_ms=3 * 365 * DAY_MS
)
REFERRAL_EVENTS = TopicSpec("referrals.events", "referral_event", "canonical referrals, key referral_id")
REFERRAL_STATUS = TopicSpec("referrals.status", "status_change", "every lifecycle transition, key referral_id")
DEAD_LETTERS = TopicSpec(
    "referrals.dlq", "dead_letter", "refused records with reason and sealed original", retention_ms=90 * DAY_MS
)
SUBJECT_LOOKUP = TopicSpec(
    "subjects.lookup", "subject_link", "HMAC(national ID) → subject id", compacted=True, config=_PROMPT_COMPACTION
)
SUBJECT_KEYS = TopicSpec(
    "subjects.keys", "data_key", "key id → wrapped data key", compacted=True, config=_PROMPT_COMPACTION
)
REFERRAL_UPDATES = TopicSpec("referrals.updates", "status_report", "partners' answers on referrals, key referral_id")
CONTACTS = TopicSpec("casework.contacts", "contact_event", "follow-up contacts, key subject_id")
TREATMENT_HOURS = TopicSpec("casework.treatment_hours", "treatment_hours", "community-treatment hours, key referral_id")
ERASURE_ORDERS = TopicSpec(
    "erasure.orders", "erasure_order", "juvenile record-erasure orders (塗銷), key lookup_key (HMAC of the national ID)"
)
ERASURE_SUBJECTS = TopicSpec(
    "erasure.subjects", "erasure_order", "an order forwarded to the person's subject partition, key subject_id"
)
ERASURE_STEPS = TopicSpec(
    "erasure.steps",
    "erasure_step",
    "erase one referral's ledger entry and clocks, key referral_id",
    retention_ms=30 * DAY_MS,
)
ERASURE_PROGRESS = TopicSpec(
    "erasure.progress",
    "erasure_progress",
    "one referral erased, reported back, key subject_id",
    retention_ms=30 * DAY_MS,
)
ERASURE_COMPLETIONS = TopicSpec(
    "erasure.completions", "erasure_completed", "ERASURE_COMPLETED answers to the courts, key order_no"
)
AUDIT_EVENTS = TopicSpec(
    "audit.events",
    "audit_event",
    "every disclosure, decision, erasure step, credential change and admin call (FHIR AuditEvent), key subject_id",
    retention_ms=5 * 365 * DAY_MS,
)
PARTNER_CREDENTIALS = TopicSpec(
    "partners.credentials",
    "credential",
    "partner and operator credentials (token hashes, certificate subjects), key credential_id",
    compacted=True,
    # Every hub process reads the whole topic before it serves: superseded versions should not pile up.
    config=_PROMPT_COMPACTION,
)
SLA_EVENTS = TopicSpec("sla.events", "sla_event", "SLA warnings, breaches, escalations, met, expired; key referral_id")
SLA_CHECKS = TopicSpec(
    "sla.checks", "clock_check", "the timer's nudges to the clock owner, key referral_id", retention_ms=7 * DAY_MS
)
JOURNEY_STEPS = TopicSpec("journeys.steps", "journey_step", "steps of each person's journey, key subject_id")
PROTECTION_GAPS = TopicSpec("protection.gaps", "protection_gap", "break points opened and closed, key subject_id")
LECTURE_NOTICES = TopicSpec(
    "lectures.notices",
    "referral_event",
    "lecture notices (講習通知) on their way to be counted, re-keyed by subject_id",
    retention_ms=30 * DAY_MS,
)
LECTURES_COUNTED = TopicSpec(
    "lectures.counted",
    "referral_event",
    "lecture notices counted on the person's partition (earlier_lectures set), back to the router; key referral_id",
    retention_ms=30 * DAY_MS,
)


def assignment_topic(agency: str) -> TopicSpec:
    return TopicSpec(f"assignments.{agency}", "assignment", f"work for {agency}, key referral_id")


ASSIGNMENTS = {agency: assignment_topic(agency) for agency in ASSIGNMENT_AGENCIES}
"""Each agency's work: assignments, and erasure notices (ErasureNotice) for copies it must delete."""


def status_topic(partner: str) -> TopicSpec:
    return TopicSpec(
        f"status.{partner}", "status_change", f"what became of the referrals {partner} sent, key referral_id"
    )


STATUS_TOPICS = {partner: status_topic(partner) for partner in REFERRAL_SOURCES}
"""Each source partner's closed-loop feed: its referrals' status changes (and, for a court, ERASURE_COMPLETED), so a
partner reads only its own (need to know) and a pull costs what it reads, not the size of referrals.status."""

ALL_TOPICS: tuple[TopicSpec, ...] = (
    INBOUND_RAW,
    REFERRAL_EVENTS,
    REFERRAL_STATUS,
    DEAD_LETTERS,
    SUBJECT_LOOKUP,
    SUBJECT_KEYS,
    REFERRAL_UPDATES,
    CONTACTS,
    TREATMENT_HOURS,
    ERASURE_ORDERS,
    SLA_EVENTS,
    SLA_CHECKS,
    JOURNEY_STEPS,
    PROTECTION_GAPS,
    ERASURE_SUBJECTS,
    ERASURE_STEPS,
    ERASURE_PROGRESS,
    ERASURE_COMPLETIONS,
    AUDIT_EVENTS,
    PARTNER_CREDENTIALS,
    LECTURE_NOTICES,
    LECTURES_COUNTED,
    *ASSIGNMENTS.values(),
    *STATUS_TOPICS.values(),
)


TABLES: dict[str, str] = {
    "referral-ledger": "Delivery ledger: per referral, per destination state and history (or an erased marker).",
    "sla-clocks": "SLA clocks per referral, on the referral's partition.",
    "journeys": "One journey per person (pseudonymous subject id) and its gaps.",
    "lecture-notices": "Lecture notices per person, for the first/repeat programme; on the person's partition.",
    "subject-index": "Per person: their referrals; once erased, the erasure.",
    "erasure-orders": "Per person (lookup key): the erasure orders handled.",
}
"""The Faust tables (streams/app.py), by name: Faust declares a compacted changelog ``refhub-<name>-changelog`` for
each, which the ACL plan (streams/acls.py) must grant too."""


APP_ID = "refhub"
"""Faust's app id: its consumer group, and the prefix of the topics Faust names itself."""


def changelog_topic(table: str) -> str:
    return f"{APP_ID}-{table}-changelog"


CHANGELOGS: tuple[TopicSpec, ...] = tuple(
    TopicSpec(changelog_topic(name), "json", f"changelog of the {name} table: {doc}", compacted=True)
    for name, doc in TABLES.items()
)
"""Provisioned with the other topics rather than left to Faust: a changelog Faust creates at start-up is missing
from the consumer's first metadata, and the table's first write then fails its partition check
(PartitionsMismatch: 0 partitions) until the metadata is refreshed minutes later."""


def alias(topic: str, schema: str) -> str:
    """The name under which the app keeps a topic's second record type: assignments.<AGENCY> also carries
    ErasureNotice records, a court's status.<PARTNER> its ErasureCompleted answers."""
    return f"{topic}@{schema}"


SECOND_SCHEMAS: tuple[tuple[TopicSpec, str], ...] = (
    *((spec, "erasure_notice") for spec in ASSIGNMENTS.values()),
    *((spec, "erasure_completed") for spec in STATUS_TOPICS.values()),
)
"""Topics that carry a second record type (Avro single-object encoding names each record's schema)."""
