"""How long the KPI report takes on 100k referrals' events (a benchmark, not a test: nothing here asserts a time).

    python -m tests.bench.kpi_report [--referrals 100000] [--broker]

Generates a half-year of events for N referrals as the hub writes them — each referral's canonical event (with a
sealed block of realistic size), its routings, answers and assignments, SLA events, and for every other person
a follow-up with monthly contacts, plus hours and break points — and Avro-encodes them with the hub's codecs.

* Without ``--broker``: times decoding and folding those bytes (what the report does with each record it reads)
  and building the report: the whole report but the network.
* With ``--broker``: starts its own broker (deploy/local/kafka.sh), writes the records onto the hub's topics
  and times ``refhub report`` end to end: reading every topic to its high-water marks, decoding, the report.

Prints one JSON document. The machine is shared (2 cores): figures are noisy, compare runs with care.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from processors.kpi.period import Period
from processors.kpi.report import build_report
from schemas.codec import codec_for
from streams.reports.source import FEEDS, _Fold
from streams.topology import ASSIGNMENTS

START = datetime(2031, 1, 1, tzinfo=UTC)
PERIOD = ("2031-01-01", "2031-06-30")
KINDS = ("YOUTH_DRUG_USE", "CHILD_PROTECTION", "DEFERRED_PROSECUTION", "PRE_RELEASE", "RECIDIVISM_PREVENTION",
         "SERVICE")  # fmt: skip
DESTINATIONS = {"YOUTH_DRUG_USE": ("SOCIAL",), "CHILD_PROTECTION": ("SOCIAL", "BUREAU"),
                "DEFERRED_PROSECUTION": ("HOSP_KSPH", "BUREAU"), "PRE_RELEASE": ("BUREAU",),
                "RECIDIVISM_PREVENTION": ("BUREAU",), "SERVICE": ("LABOUR",)}  # fmt: skip
TOPIC_OF = {feed.method: feed.topic for feed in FEEDS if feed.method != "add_assignment"}


def _at(rng: random.Random, days: float = 180) -> datetime:
    return START + timedelta(seconds=rng.uniform(0, days * 86400))


def events(count: int, seed: int = 7) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(topic, key, decoded record) for ``count`` referrals, about two per person."""
    rng = random.Random(seed)
    envelope = {"key_id": "S-x", "nonce": os.urandom(12), "ciphertext": os.urandom(400)}
    for n in range(count):
        kind = KINDS[n % len(KINDS)]
        referral_id, subject_id = f"R-{n:020d}", f"S-{n // 2:024d}"
        received = _at(rng)
        yield "referrals.events", referral_id, {
            "event_id": f"E-{n}", "referral_id": referral_id, "version": 1, "content_digest": "d", "kind": kind,
            "service_type": "EMPLOYMENT" if kind == "SERVICE" else None, "source": "POLICE", "partner_ref": str(n),
            "submission_id": "SUB", "record_no": 1, "format": "X", "occurred_at": received, "received_at": received,
            "subject_id": subject_id, "gender": "M", "district": "鳳山區", "postal_code": "830", "out_of_area": False,
            "legal_basis": "毒品危害防制條例第2條之1",
            "attributes": {"treatment_ordered": "Y", "expected_release_date": "2031-05-01"}, "flags": [],
            "personal": envelope,
        }  # fmt: skip
        for destination in DESTINATIONS[kind]:
            copy = kind == "CHILD_PROTECTION" and destination == "BUREAU"
            for step, state in enumerate(("ROUTED", "ACCEPTED", "IN_PROGRESS")[: 1 + n % 3]):
                yield "referrals.status", referral_id, {
                    "event_id": f"SC-{n}-{destination}-{state}", "referral_id": referral_id, "version": 1,
                    "kind": kind, "source": "POLICE", "destination": destination, "from_state": None,
                    "state": state, "at": received + timedelta(hours=step * 5),
                    "by": "HUB" if step == 0 else destination,
                    "reason_code": None, "rule": None,
                }  # fmt: skip
            yield f"assignments.{destination}", referral_id, {
                "assignment_id": f"A-{n}-{destination}", "referral_id": referral_id, "version": 1,
                "destination": destination, "copy": copy, "team": None, "priority": "NORMAL", "kind": kind,
                "service_type": None, "source": "POLICE", "partner_ref": str(n), "subject_id": subject_id,
                "gender": "M", "district": "鳳山區", "out_of_area": False, "occurred_at": received,
                "received_at": received, "routed_at": received, "rule": "X", "legal_basis": "X", "attributes": {},
                "personal": envelope,
            }  # fmt: skip
            if copy:
                continue
            for clock, kind_of_event in (("ACK_EXPIRY", "MET"), ("SV_ACK" if n % 4 else "CP_TRIAGE", "BREACH")):
                yield "sla.events", referral_id, {
                    "event_id": f"SE-{n}-{destination}-{clock}", "clock_id": f"C-{n}-{destination}-{clock}",
                    "clock": clock, "type": kind_of_event, "referral_id": referral_id, "kind": kind, "source": "POLICE",
                    "destination": destination, "subject_id": subject_id, "period": None, "started_at": received,
                    "warning_at": None, "due_at": received + timedelta(days=1), "at": received + timedelta(hours=3),
                    "late": False, "escalate_to": None, "basis": "",
                }  # fmt: skip
        if kind == "DEFERRED_PROSECUTION":
            yield "casework.treatment_hours", referral_id, {
                "event_id": f"H-{n}", "referral_id": referral_id, "subject_id": subject_id, "hours": 4.0,
                "period": "2031-03", "received_at": received, "partner_ref": f"H-{n}",
            }  # fmt: skip
        if n % 4 == 0:  # every other person (two referrals each) is in follow-up: an assessment and monthly contacts
            for month in range(6):
                at = START + timedelta(days=30 * month + rng.uniform(0, 29))
                yield "casework.contacts", subject_id, {
                    "event_id": f"CT-{n}-{month}", "subject_id": subject_id,
                    "mode": ("PHONE", "HOME", "FACE")[month % 3],
                    "reached": month % 5 != 4, "need_level": "MEDIUM" if month == 0 else None, "at": at,
                    "received_at": at, "partner_ref": f"C-{n}-{month}",
                }  # fmt: skip
        if n % 20 == 0:
            opened = _at(rng, 150)
            yield "protection.gaps", subject_id, {
                "event_id": f"G-{n}", "gap_id": f"GAP-{n}", "subject_id": subject_id, "gap_type": "BELOW_CADENCE",
                "status": "OPEN", "referral_id": None, "stage": "FOLLOW_UP", "period": None, "detail": "",
                "due_at": opened, "opened_at": opened, "closed_at": None, "closed_by": None, "at": opened,
            }  # fmt: skip


def encoded(count: int) -> list[tuple[str, bytes, bytes]]:
    schema_of = {
        **{spec.name: spec.schema for spec in TOPIC_OF.values()},
        **{s.name: s.schema for s in ASSIGNMENTS.values()},
    }
    return [(topic, key.encode(), codec_for(schema_of[topic]).encode(value)) for topic, key, value in events(count)]


def engine(records: list[tuple[str, bytes, bytes]]) -> dict[str, float]:
    by_topic: dict[str, list[bytes]] = {}
    for topic, _, value in records:
        by_topic.setdefault(topic, []).append(value)
    fold = _Fold()
    began = time.perf_counter()
    for topic, values in by_topic.items():
        fold.fold(topic, values)
    folded = time.perf_counter()
    report = build_report(fold.facts, Period.parse(*PERIOD), read=fold.read)
    built = time.perf_counter()
    return {
        "decode_and_fold_seconds": round(folded - began, 2),
        "build_report_seconds": round(built - folded, 2),
        "total_seconds": round(built - began, 2),
        "clients_in_follow_up": report.row("casework.clients").numerator,
        "referrals_in_period": report.row("referrals.total").numerator,
    }


def on_broker(records: list[tuple[str, bytes, bytes]]) -> dict[str, float]:
    from kafka import KafkaProducer

    from streams.provisioning import create_topics
    from streams.settings import Settings
    from tests.support.processes import REPO, Broker

    with tempfile.TemporaryDirectory() as scratch:
        broker = Broker(data_dir=Path(scratch) / "kafka")
        broker.start()
        try:
            create_topics(Settings(broker=broker.bootstrap))
            producer = KafkaProducer(bootstrap_servers=[broker.bootstrap], acks="all", linger_ms=20,
                                     batch_size=512 * 1024)  # fmt: skip
            began = time.monotonic()
            for topic, key, value in records:
                producer.send(topic, key=key, value=value)
            producer.flush(timeout=600)
            producer.close()
            written = time.monotonic() - began
            began = time.monotonic()
            done = subprocess.run(
                [sys.executable, "-m", "streams.cli.main", "report", "--from", PERIOD[0], "--to", PERIOD[1],
                 "--format", "json", "--broker", broker.bootstrap],
                cwd=REPO, capture_output=True, text=True, timeout=1800,
            )  # fmt: skip
            seconds = time.monotonic() - began
            if done.returncode != 0:
                raise SystemExit(done.stderr)
            read = json.loads(done.stdout)["read"]
            return {"write_seconds": round(written, 1), "refhub_report_seconds": round(seconds, 1),
                    "records_read": sum(read.values())}  # fmt: skip
        finally:
            broker.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--referrals", type=int, default=100_000)
    parser.add_argument("--broker", action="store_true", help="also time refhub report against a real broker")
    args = parser.parse_args()
    records = encoded(args.referrals)
    result: dict[str, Any] = {
        "referrals": args.referrals,
        "records": len(records),
        "records_by_topic": dict(
            Counter(topic.split(".")[0] if topic.startswith("assignments.") else topic for topic, _, _ in records)
        ),
        "bytes": sum(len(value) for _, _, value in records),
        "engine": engine(records),
    }
    if args.broker:
        result["broker"] = on_broker(records)
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
