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
    key: str = "referral_id"
    """What the record key is (UTF-8 bytes): it decides the partition, so every record of one key is in order."""

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
    "inbound.raw",
    "raw_record",
    "each accepted record's own bytes, sealed; for replay",
    retention_ms=3 * 365 * DAY_MS,
    key="its canonical event's key: referral_id (subject_id for a contact, lookup_key for an erasure order)",
)
REFERRAL_EVENTS = TopicSpec("referrals.events", "referral_event", "canonical referrals, key referral_id")
REFERRAL_STATUS = TopicSpec("referrals.status", "status_change", "every lifecycle transition, key referral_id")
DEAD_LETTERS = TopicSpec(
    "referrals.dlq",
    "dead_letter",
    "refused records with reason and sealed original",
    retention_ms=90 * DAY_MS,
    key="submission_id (the hub's own refusal of a journey step: the step id)",
)
SUBJECT_LOOKUP = TopicSpec(
    "subjects.lookup",
    "subject_link",
    "HMAC(national ID) → subject id",
    compacted=True,
    config=_PROMPT_COMPACTION,
    key="lookup_key: HMAC-SHA256 of the national ID under the deployment's lookup key",
)
SUBJECT_KEYS = TopicSpec(
    "subjects.keys",
    "data_key",
    "key id → wrapped data key",
    compacted=True,
    config=_PROMPT_COMPACTION,
    key="key id: the subject_id, or a quarantine key's id (a refused record's)",
)
REFERRAL_UPDATES = TopicSpec("referrals.updates", "status_report", "partners' answers on referrals, key referral_id")
CONTACTS = TopicSpec("casework.contacts", "contact_event", "follow-up contacts, key subject_id", key="subject_id")
TREATMENT_HOURS = TopicSpec("casework.treatment_hours", "treatment_hours", "community-treatment hours, key referral_id")
ERASURE_ORDERS = TopicSpec(
    "erasure.orders", "erasure_order", "juvenile record-erasure orders (塗銷), key lookup_key (HMAC of the national ID)"
)
ERASURE_SUBJECTS = TopicSpec(
    "erasure.subjects",
    "erasure_order",
    "an order forwarded to the person's subject partition, key subject_id",
    key="subject_id",
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
    key="subject_id",
)
ERASURE_COMPLETIONS = TopicSpec(
    "erasure.completions", "erasure_completed", "ERASURE_COMPLETED answers to the courts, key order_no", key="order_no"
)
AUDIT_EVENTS = TopicSpec(
    "audit.events",
    "audit_event",
    "every disclosure, decision, erasure step, credential change and admin call (FHIR AuditEvent), key subject_id",
    retention_ms=5 * 365 * DAY_MS,
    key="the first subject_id the event names (one person's trail stays in order), else its event_id",
)
PARTNER_CREDENTIALS = TopicSpec(
    "partners.credentials",
    "credential",
    "partner and operator credentials (token hashes, certificate subjects), key credential_id",
    compacted=True,
    # Every hub process reads the whole topic before it serves: superseded versions should not pile up.
    config=_PROMPT_COMPACTION,
    key="credential_id",
)
SLA_EVENTS = TopicSpec(
    "sla.events",
    "sla_event",
    "SLA warnings, breaches, escalations, met, expired; key referral_id",
    key="referral_id (a journey's own clocks: subject_id)",
)
SLA_CHECKS = TopicSpec(
    "sla.checks", "clock_check", "the timer's nudges to the clock owner, key referral_id", retention_ms=7 * DAY_MS
)
JOURNEY_STEPS = TopicSpec(
    "journeys.steps", "journey_step", "steps of each person's journey, key subject_id", key="subject_id"
)
PROTECTION_GAPS = TopicSpec(
    "protection.gaps", "protection_gap", "break points opened and closed, key subject_id", key="subject_id"
)
LECTURE_NOTICES = TopicSpec(
    "lectures.notices",
    "referral_event",
    "lecture notices (講習通知) on their way to be counted, re-keyed by subject_id",
    retention_ms=30 * DAY_MS,
    key="subject_id",
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
        f"status.{partner}",
        "status_change",
        f"what became of the referrals {partner} sent, key referral_id",
        key="referral_id (a court's ERASURE_COMPLETED answer: order_no)",
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

TABLE_KEYS: dict[str, str] = {
    "referral-ledger": "referral_id",
    "sla-clocks": "referral_id",
    "journeys": "subject_id",
    "lecture-notices": "subject_id",
    "subject-index": "subject_id",
    "erasure-orders": "lookup_key",
}
"""What each table is keyed by (its changelog's key, JSON-encoded)."""


APP_ID = "refhub"
"""Faust's app id: its consumer group, and the prefix of the topics Faust names itself."""


def changelog_topic(table: str) -> str:
    return f"{APP_ID}-{table}-changelog"


CHANGELOGS: tuple[TopicSpec, ...] = tuple(
    TopicSpec(
        changelog_topic(name), "json", f"changelog of the {name} table: {doc}", compacted=True, key=TABLE_KEYS[name]
    )
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


# -- Who writes each topic and who reads it (the AsyncAPI document's producers and consumers) ------------------


@dataclass(frozen=True)
class Component:
    name: str
    kind: str
    """``agent`` / ``timer`` (Faust, by the name it registers), ``gateway``, ``task`` (a hub process's background
    reader), ``cli`` (an operator's command), ``faust`` (Faust's own machinery) or ``partner`` (outside the hub)."""
    doc: str


GATEWAY = Component(
    "gateway",
    "gateway",
    "The partners' HTTP gateway: intake (POST /v1/submissions) writes; pulls, progress reports, replay and the audit "
    "trail read (streams/gateway/).",
)
KEY_VAULT = Component(
    "key-vault",
    "task",
    "Each hub process's key vault: follows the key topics and writes new keys and tombstones for the gateway's "
    "intake and the erasure agents (streams/vault.py).",
)
CREDENTIAL_FOLLOWER = Component(
    "credential-follower", "task", "Each hub process follows the credentials (streams/access/follower.py)."
)
CREDENTIALS_CLI = Component(
    "refhub credentials",
    "cli",
    "refhub credentials issue|rotate|revoke|list, and refhub run's local development tokens (streams/access/admin.py).",
)
TABLE_RECOVERY = Component(
    "table-recovery", "faust", "Faust restoring a table from its changelog when a worker starts or takes a partition."
)
PARTNER_SYSTEM = Component(
    "partner",
    "partner",
    "A partner's own case system reading its own topic from Kafka directly (the ACL plan, streams/acls.py, grants it "
    "that topic alone), instead of pulling it over HTTP.",
)


def _agent(name: str, doc: str) -> Component:
    return Component(name, "agent", doc)


ROUTER = _agent("route-referrals", "Routes canonical referrals to the agencies that must act (streams/router.py).")
ROUTE_LECTURES = _agent(
    "route-lectures", "Routes lecture notices once counted on the person's partition (streams/router.py)."
)
COUNT_LECTURES = _agent(
    "count-lectures", "Counts a person's lecture notices (講習通知) on the person's partition (streams/lectures.py)."
)
ANSWERS = _agent("apply-answers", "Applies partners' answers to the delivery ledger (streams/answers.py).")
CHECK_CLOCKS = _agent("check-clocks", "Turns due SLA clocks into warnings, breaches, expiries (streams/sla.py).")
TREATMENT = _agent("record-treatment-hours", "Meets the monthly progress-report clock (streams/sla.py).")
FOLLOW_JOURNEYS = _agent("follow-journeys", "Follows each person's journey, opens and closes break points.")
CONTACTS_AGENT = _agent("record-contacts", "Records follow-up contacts on the person's journey (streams/journeys.py).")
ERASE_ORDERS = _agent("erase-orders", "An erasure order (塗銷): shreds the person's keys (streams/erasure.py).")
ERASE_SUBJECTS = _agent("erase-subjects", "Removes the person's journey, asks each referral's owner to erase it.")
ERASE_REFERRALS = _agent("erase-referrals", "Erases one referral's ledger entry and clocks, notifies its destinations.")
COMPLETE_ERASURES = _agent(
    "complete-erasures", "Answers the court with ERASURE_COMPLETED when the last referral is done."
)
SLA_TICK = Component(
    "sla-tick", "timer", "Each worker's timer: nudges the owners of clocks and journeys falling due (streams/sla.py)."
)

AGENTS: tuple[Component, ...] = (
    ROUTER,
    ROUTE_LECTURES,
    COUNT_LECTURES,
    ANSWERS,
    CHECK_CLOCKS,
    TREATMENT,
    FOLLOW_JOURNEYS,
    CONTACTS_AGENT,
    ERASE_ORDERS,
    ERASE_SUBJECTS,
    ERASE_REFERRALS,
    COMPLETE_ERASURES,
)
COMPONENTS: tuple[Component, ...] = (
    GATEWAY,
    KEY_VAULT,
    CREDENTIAL_FOLLOWER,
    CREDENTIALS_CLI,
    *AGENTS,
    SLA_TICK,
    TABLE_RECOVERY,
    PARTNER_SYSTEM,
)


@dataclass(frozen=True)
class Flow:
    producers: tuple[Component, ...]
    consumers: tuple[Component, ...]
    note: str = ""
    """Why nobody in the hub reads it, where that is so."""


_STATUS_WRITERS = (
    ROUTER,
    ROUTE_LECTURES,
    ANSWERS,
    CHECK_CLOCKS,
    ERASE_ORDERS,
    ERASE_SUBJECTS,
    ERASE_REFERRALS,
    COMPLETE_ERASURES,
)
_FOR_OPERATORS = "No agent reads it: it is the hub's record for operators (refhub consume) and reports."

FLOWS: dict[str, Flow] = {
    INBOUND_RAW.name: Flow((GATEWAY,), (GATEWAY,)),
    REFERRAL_EVENTS.name: Flow((GATEWAY,), (ROUTER, GATEWAY)),
    REFERRAL_STATUS.name: Flow((ROUTER, ROUTE_LECTURES, ANSWERS, CHECK_CLOCKS, ERASE_REFERRALS), (), _FOR_OPERATORS),
    DEAD_LETTERS.name: Flow((GATEWAY, ROUTER, ROUTE_LECTURES, ANSWERS, FOLLOW_JOURNEYS, CONTACTS_AGENT), (GATEWAY,)),
    SUBJECT_LOOKUP.name: Flow((KEY_VAULT,), (KEY_VAULT,)),
    SUBJECT_KEYS.name: Flow((KEY_VAULT,), (KEY_VAULT,)),
    REFERRAL_UPDATES.name: Flow((GATEWAY,), (ANSWERS,)),
    CONTACTS.name: Flow((GATEWAY,), (CONTACTS_AGENT,)),
    TREATMENT_HOURS.name: Flow((GATEWAY,), (TREATMENT, GATEWAY)),
    ERASURE_ORDERS.name: Flow((GATEWAY,), (ERASE_ORDERS,)),
    SLA_EVENTS.name: Flow(
        (ROUTER, ROUTE_LECTURES, ANSWERS, CHECK_CLOCKS, TREATMENT, FOLLOW_JOURNEYS, CONTACTS_AGENT), (), _FOR_OPERATORS
    ),
    SLA_CHECKS.name: Flow((SLA_TICK,), (CHECK_CLOCKS,)),
    JOURNEY_STEPS.name: Flow((ROUTER, ROUTE_LECTURES, ANSWERS, CHECK_CLOCKS, TREATMENT, SLA_TICK), (FOLLOW_JOURNEYS,)),
    PROTECTION_GAPS.name: Flow((FOLLOW_JOURNEYS, CONTACTS_AGENT), (), _FOR_OPERATORS),
    ERASURE_SUBJECTS.name: Flow((ERASE_ORDERS,), (ERASE_SUBJECTS,)),
    ERASURE_STEPS.name: Flow((ERASE_SUBJECTS, FOLLOW_JOURNEYS, CONTACTS_AGENT), (ERASE_REFERRALS,)),
    ERASURE_PROGRESS.name: Flow((ERASE_REFERRALS,), (COMPLETE_ERASURES,)),
    ERASURE_COMPLETIONS.name: Flow(
        (ERASE_ORDERS, ERASE_SUBJECTS, COMPLETE_ERASURES),
        (),
        "No agent reads it: the court reads its answers on status.JUV_COURT; this is the hub-wide record.",
    ),
    AUDIT_EVENTS.name: Flow(
        (
            GATEWAY,
            CREDENTIALS_CLI,
            ROUTER,
            ROUTE_LECTURES,
            ANSWERS,
            CHECK_CLOCKS,
            ERASE_ORDERS,
            ERASE_SUBJECTS,
            ERASE_REFERRALS,
            COMPLETE_ERASURES,
        ),
        (GATEWAY,),
    ),
    # route_one is one function for both: a counted copy never goes round again (earlier_lectures is set).
    LECTURE_NOTICES.name: Flow((ROUTER, ROUTE_LECTURES), (COUNT_LECTURES,)),
    LECTURES_COUNTED.name: Flow((COUNT_LECTURES,), (ROUTE_LECTURES,)),
    PARTNER_CREDENTIALS.name: Flow((CREDENTIALS_CLI,), (CREDENTIAL_FOLLOWER, CREDENTIALS_CLI)),
    **{
        spec.name: Flow((ROUTER, ROUTE_LECTURES, ANSWERS, ERASE_REFERRALS), (GATEWAY, PARTNER_SYSTEM))
        for spec in ASSIGNMENTS.values()
    },
    **{spec.name: Flow(_STATUS_WRITERS, (GATEWAY, PARTNER_SYSTEM)) for spec in STATUS_TOPICS.values()},
    changelog_topic("referral-ledger"): Flow(
        (ROUTER, ROUTE_LECTURES, ANSWERS, CHECK_CLOCKS, ERASE_REFERRALS), (TABLE_RECOVERY,)
    ),
    changelog_topic("sla-clocks"): Flow(
        (ROUTER, ROUTE_LECTURES, ANSWERS, CHECK_CLOCKS, TREATMENT, ERASE_REFERRALS), (TABLE_RECOVERY,)
    ),
    changelog_topic("journeys"): Flow(
        (FOLLOW_JOURNEYS, CONTACTS_AGENT, ERASE_SUBJECTS, COMPLETE_ERASURES), (TABLE_RECOVERY,)
    ),
    changelog_topic("lecture-notices"): Flow((COUNT_LECTURES, ERASE_SUBJECTS), (TABLE_RECOVERY,)),
    changelog_topic("subject-index"): Flow(
        (FOLLOW_JOURNEYS, CONTACTS_AGENT, ERASE_SUBJECTS, COMPLETE_ERASURES), (TABLE_RECOVERY,)
    ),
    changelog_topic("erasure-orders"): Flow((ERASE_ORDERS,), (TABLE_RECOVERY,)),
}
"""Every topic (ALL_TOPICS and CHANGELOGS): the components that write it and those that read it. A partner's system
reads only its own assignments.<AGENCY> or status.<PARTNER>. tests/unit/streams/test_flows.py checks the agents'
and the timer's part against their code and the app Faust builds."""
