"""The hub's own Prometheus metrics (Faust's sensor adds its ``refhub_*`` consumer/producer ones)."""

from __future__ import annotations

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
