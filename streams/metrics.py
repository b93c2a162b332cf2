"""The hub's own Prometheus metrics (Faust's sensor adds its ``refhub_*`` consumer/producer ones)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from prometheus_client import Counter, Histogram

SUBMISSIONS = Counter(
    "refhub_submissions",
    "Partner submissions by outcome (accepted, partial, rejected, refused)",
    ["partner", "outcome"],
)
RECORDS = Counter(
    "refhub_records", "Records in submissions by outcome (accepted, duplicate, rejected)", ["partner", "outcome"]
)
ROUTED = Counter("refhub_routed_referrals", "Assignments made, by referral kind and target", ["kind", "target"])
DEAD_LETTERS = Counter("refhub_dead_letters", "Records sent to the dead-letter topic", ["partner", "reason"])
RECEIPT_TO_ASSIGNMENT = Histogram(
    "refhub_receipt_to_assignment_seconds",
    "From the hub receiving a referral to its assignment being sent",
    ["kind"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300),
)
SLA_EVENTS = Counter(
    "refhub_sla_events",
    "SLA clock events (WARNING, BREACH, ESCALATION, MET, EXPIRED, LATE_NOTICE) by clock and responsible partner",
    ["clock", "partner", "type"],
)


def count_sla_event(event: Mapping[str, Any]) -> None:
    SLA_EVENTS.labels(event["clock"], event.get("destination") or "", event["type"]).inc()


GAP_EVENTS = Counter(
    "refhub_protection_gap_events", "Break points (斷點) opened and closed, by type", ["gap_type", "status"]
)
_ANSWER_BUCKETS = (60, 300, 900, 3600, 4 * 3600, 8 * 3600, 24 * 3600, 3 * 86400, 7 * 86400, 14 * 86400, 30 * 86400)
TIME_TO_ACKNOWLEDGE = Histogram(
    "refhub_time_to_acknowledge_seconds",
    "From routing to the receiving partner's first answer (acknowledge, accept or reject)",
    ["partner"],
    buckets=_ANSWER_BUCKETS,
)
TIME_TO_ACCEPT = Histogram(
    "refhub_time_to_accept_seconds",
    "From routing to the receiving partner's acceptance",
    ["partner"],
    buckets=_ANSWER_BUCKETS,
)
ERASURES_COMPLETED = Counter(
    "refhub_erasures_completed", "Erasure orders (塗銷) answered with ERASURE_COMPLETED, by outcome", ["outcome"]
)
ERASED_REFERRALS = Counter("refhub_erased_referrals", "Referrals erased under a court's order")
REFUSALS = Counter(
    "refhub_refusals",
    "Requests the gateway refused (unauthenticated, forbidden, not found, rate limited, malformed …), by reason",
    ["reason"],
)
AUDIT_EVENTS = Counter("refhub_audit_events", "Audit events recorded, by type", ["type"])
LOG_REDACTIONS = Counter(
    "refhub_log_redactions",
    "Parts of log lines shaped like personal data and replaced before writing (above zero: a log call to fix)",
    ["logger"],
)
