"""Erasure that erases (塗銷, 少年事件處理法第83條之1), on the real broker.

A youth is referred by the juvenile court and by the police (a child-protection notice and a lecture notice),
one of the police rows about them is refused (a dead letter naming them), and another person is referred
beside them. Then the court orders the youth's records erased. The court gets ERASURE_COMPLETED within 60 s
with counts; no envelope of the youth on any topic opens with any key the hub holds, while the other person's
still do; every outbox and ``refhub status`` show the youth as erased; a replay skips them; a restart brings
nothing back; and once the log cleaner has run, the youth's wrapped data key is gone from the broker's log
segments.
"""

from __future__ import annotations

import json
import random
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaProducer

from tests.conftest import ARTIFACTS
from tests.support import police
from tests.support.envelopes import hub_keys, opened, scan_all
from tests.support.processes import HubProcess
from tests.support.topics import raw_records, read_topic, wait_for

pytestmark = pytest.mark.broker

COMPLETION_DEADLINE = 60.0


def token(hub: HubProcess, partner: str) -> str:
    return hub.token(partner)


def _post_json(hub: HubProcess, partner: str, body: Any) -> dict[str, Any]:
    status, receipt = hub.post(
        "/v1/submissions", json.dumps(body, ensure_ascii=False).encode(), "application/json", token(hub, partner)
    )
    assert status == 202, receipt
    return receipt  # type: ignore[no-any-return]


def _pull(hub: HubProcess, partner: str, what: str) -> bytes:
    import urllib.request

    pages = b""
    cursor = None
    while True:
        url = f"{hub.url}/v1/outbox/{what}?limit=500" + (f"&after={cursor}" if cursor else "")
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token(hub, partner)}"})
        with urllib.request.urlopen(request, timeout=60) as response:
            body = response.read()
            count = int(response.headers["X-Refhub-Count"])
            cursor = response.headers["X-Refhub-Next-Cursor"]
        pages += body
        if count == 0:
            return pages


def _items(hub: HubProcess, partner: str, what: str) -> list[dict[str, Any]]:
    """Every item the partner's outbox has, across pages (JSON formats only)."""
    import urllib.request

    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        url = f"{hub.url}/v1/outbox/{what}?limit=500" + (f"&after={cursor}" if cursor else "")
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token(hub, partner)}"})
        with urllib.request.urlopen(request, timeout=60) as response:
            page = json.loads(response.read())
            cursor = response.headers["X-Refhub-Next-Cursor"]
        if not page:
            return items
        items.extend(page)


def _service_programme(case_no: str, who: police.Person, phone: str) -> dict[str, Any]:
    return {
        "type": "SERVICE_PROGRAM",
        "caseNo": case_no,
        "issuedAt": "2025-07-15T10:00:00+08:00",
        "youth": {
            "name": who.name,
            "nationalId": who.national_id,
            "birthDate": "2009-05-01",
            "gender": "F",
            "district": "前金區",
            "inSchool": True,
        },
        "guardian": {"name": "監護人" + who.name, "phone": phone},
        "programme": "司法少年服務方案",
        "facility": "MYHS",
        "leftFacilityOn": "2025-07-31",
    }


def _order(order_no: str, national_id: str) -> dict[str, Any]:
    return {
        "type": "ERASURE_ORDER",
        "orderNo": order_no,
        "issuedAt": "2025-08-01T14:00:00+08:00",
        "nationalId": national_id,
        "legalBasis": "少年事件處理法第83條之1",
    }


def _segments(hub: HubProcess, topic: str) -> bytes:
    """Every replica's segments of the topic (on a cluster each node compacts its own)."""
    return b"".join(
        p.read_bytes() for logs in hub.broker.log_dirs for d in logs.glob(f"{topic}-*") for p in sorted(d.glob("*.log"))
    )


def _roll_segments(hub: HubProcess, topic: str) -> None:
    """Append a harmless tombstone to every partition, so the segment holding the erased key rolls and the
    cleaner may compact it (the active segment is never cleaned). The vault ignores tombstones of unknown keys."""
    producer = KafkaProducer(bootstrap_servers=hub.broker.bootstrap.split(","), acks="all")
    try:
        for partition in range(3):
            producer.send(topic, key=f"ROLL-{time.time_ns()}-{partition}".encode(), value=None, partition=partition)
        producer.flush()
    finally:
        producer.close()


def test_an_erasure_order_erases_everything_and_answers_the_court(hub: HubProcess, tmp_path: Path) -> None:
    began = datetime.now(UTC).isoformat()
    rng = random.Random(8301)
    youth, other = police.person(rng), police.person(rng)
    youth_phone, other_phone = "0977123456", "0966123456"
    case_no = f"114年度少護字第{rng.randrange(10**6)}號"
    order_no = f"114年度少調字第{rng.randrange(10**6)}號"

    # -- what the hub holds about the youth (and about someone else) ----------------------------------------
    court = _post_json(hub, "JUV_COURT", [_service_programme(case_no, youth, youth_phone)])
    court_referral = court["accepted"][0]["referral_id"]
    cp_ref, lecture_ref, bad_ref, other_ref = police.fresh_refs(4)
    cp = police.child_protection_row(cp_ref, youth)
    cp["聯絡電話"] = youth_phone
    lecture = {**police.child_protection_row(lecture_ref, youth), "類別": "講習", "毒品級別": "第三級", "子女年齡": ""}
    refused = {**police.child_protection_row(bad_ref, youth), "行政區": "999"}
    beside = police.child_protection_row(other_ref, other)
    beside["聯絡電話"] = other_phone
    status, receipt = hub.post(
        "/v1/submissions", police.to_csv([cp, lecture, refused, beside]), "text/csv", token(hub, "POLICE")
    )
    assert status == 202 and len(receipt["accepted"]) == 3 and len(receipt["rejected"]) == 1, receipt
    police_referrals = {row["record"]: row["referral_id"] for row in receipt["accepted"]}
    youth_referrals = {court_referral, police_referrals[1], police_referrals[2]}
    other_referral = police_referrals[4]
    social = wait_for(
        hub.broker.bootstrap,
        "assignments.SOCIAL",
        lambda m: m.value["referral_id"] in {police_referrals[1], other_referral},
        2,
        timeout=30,
    )
    youth_subject = next(m.value["subject_id"] for m in social if m.value["referral_id"] == police_referrals[1])
    wait_for(hub.broker.bootstrap, "journeys.steps", lambda m: m.value["referral_id"] in youth_referrals, 3)
    # Before: the youth is readable where the hub keeps them (the test can see what it looks for).
    before = _pull(hub, "SOCIAL", "assignments")
    assert youth.name.encode() in before and youth.national_id.encode() in before
    wrapped = [
        value for key, value in raw_records(hub.broker.bootstrap, "subjects.keys") if key == youth_subject.encode()
    ]
    assert wrapped and wrapped[-1] is not None
    assert wrapped[-1] in _segments(hub, "subjects.keys")

    # -- the order --------------------------------------------------------------------------------------------
    posted = time.monotonic()
    order = _post_json(hub, "JUV_COURT", [_order(order_no, youth.national_id)])
    row = order["accepted"][0]
    assert row.get("received") is True and "acknowledged" not in row and "erased" not in json.dumps(row)
    answers = wait_for(
        hub.broker.bootstrap, "erasure.completions", lambda m: m.value["order_no"] == order_no, 1, timeout=90
    )
    waited = time.monotonic() - posted
    assert answers, "no ERASURE_COMPLETED"
    answer = answers[0].value
    latency = (answer["completed_at"] - answer["received_at"]).total_seconds()
    print(f"\nerasure latency: order received → ERASURE_COMPLETED {latency:.2f} s (posted → seen {waited:.2f} s)")
    assert latency <= COMPLETION_DEADLINE and waited <= COMPLETION_DEADLINE
    assert answer["outcome"] == "ERASED"
    erased = answer["erased"]
    assert erased["referrals"] == 3 and erased["data_keys"] == 1 and erased["lookup_links"] == 1
    assert erased["journeys"] == 1 and erased["lecture_notices"] == 1
    assert erased["quarantine_keys"] >= 2, "the dead letter naming the youth and the order's own bytes"
    assert erased["destinations_notified"] >= 3
    assert youth.national_id not in json.dumps(answer, default=str)

    # The court's own feed answers it; the source learns why nothing more will come; every destination is told.
    court_feed = [i for i in _items(hub, "JUV_COURT", "status") if i.get("type") == "ERASURE_COMPLETED"]
    assert [i["orderNo"] for i in court_feed if i["orderNo"] == order_no] == [order_no]
    police_feed = _items(hub, "POLICE", "status")
    erased_changes = [
        i for i in police_feed if i["referralId"] == police_referrals[1] and i.get("reasonCode") == "ERASED"
    ]
    assert {i["destination"] for i in erased_changes} == {"SOCIAL", "BUREAU"}
    after = _pull(hub, "SOCIAL", "assignments")
    for needle in (youth.name, youth.national_id, youth_phone):
        assert needle.encode() not in after
    assert other.name.encode() in after, "someone else's data must survive the order"
    notices = [i for i in _items(hub, "SOCIAL", "assignments") if i.get("type") == "ERASURE_NOTICE"]
    assert police_referrals[1] in {n["referralId"] for n in notices}

    # refhub status shows the erasure, not the person.
    for referral_id in youth_referrals:
        code, shown = hub.get(f"/v1/referrals/{referral_id}", token(hub, "OPERATOR"))
        assert code == 200 and shown["erased"] is True, shown
    shown_cli = hub.cli("status", police_referrals[1], "--url", hub.url)
    assert shown_cli.returncode == 0 and json.loads(shown_cli.stdout)["erased"] is True

    # -- nothing of the youth opens with any key the hub holds -----------------------------------------------
    keys = hub_keys(hub.broker.bootstrap, hub.work_dir / "secrets.json")
    assert youth_subject not in keys
    scan = scan_all(hub.broker.bootstrap)
    assert scan.envelopes is not None
    print(f"erasure scan: {scan.topics} topics, {scan.records} records, {len(scan.envelopes)} envelopes")
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "erasure.json").write_text(
        json.dumps(
            {
                "order_received_to_completed_seconds": round(latency, 3),
                "posted_to_completion_seen_seconds": round(waited, 3),
                "topics_scanned": scan.topics,
                "records_scanned": scan.records,
                "envelopes_found": len(scan.envelopes),
                "erased": erased,
            },
            indent=2,
        )
    )
    opened_texts = [(found.topic, text) for found in scan.envelopes if (text := opened(found.envelope, keys))]
    assert any(other.national_id.encode() in text for _, text in opened_texts), "the scan must see live data"
    leaks = [
        (topic, needle)
        for topic, text in opened_texts
        for needle in (youth.national_id, youth.name, youth_phone)
        if needle.encode() in text
    ]
    assert leaks == []
    youths = [f for f in scan.envelopes if f.envelope.key_id.split("#")[0] == youth_subject]
    assert youths and not [f for f in youths if opened(f.envelope, keys)]

    # -- replay skips them; a re-send is refused; a new record is a new person ------------------------------
    replayed = hub.cli("replay", "--partner", "POLICE", "--since", began, "--url", hub.url)
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr
    summary = json.loads(replayed.stdout)
    assert summary["unreadable"] >= 3, "the youth's two raw records and their dead letter are shredded"
    assert summary["accepted"] == 0, summary
    status, again = hub.post("/v1/submissions", police.to_csv([cp]), "text/csv", token(hub, "POLICE"))
    assert status == 202 and again["rejected"] and again["rejected"][0]["code"] == "ERASED"
    time.sleep(2)
    resurrected = [
        m for m in read_topic(hub.broker.bootstrap, "journeys.steps") if m.value["subject_id"] == youth_subject
    ]
    assert all(m.value["type"] != "REFERRED" or m.value["referral_id"] in youth_referrals for m in resurrected)

    # -- a restart resurrects nothing --------------------------------------------------------------------------
    hub.stop()
    hub.start()
    for referral_id in youth_referrals:
        code, shown = hub.get(f"/v1/referrals/{referral_id}", token(hub, "OPERATOR"))
        assert code == 200 and shown["erased"] is True
    after_restart = _pull(hub, "SOCIAL", "assignments")
    assert youth.name.encode() not in after_restart and other.name.encode() in after_restart

    # -- the audit trail still shows who saw the youth's data, and the erasure, never the person -------------
    trail = hub.cli("audit", "--subject", youth.national_id, "--url", hub.url)
    assert trail.returncode == 0, trail.stdout + trail.stderr
    events = [json.loads(line) for line in trail.stdout.splitlines()]
    assert {"DISCLOSURE", "ROUTING", "ERASURE"} <= {e["type"] for e in events}
    assert {"erase.keys", "erase.subject", "erase.referral", "erase.completed"} <= {e["subtype"] for e in events}
    pulled = [e for e in events if e["subtype"] == "outbox.assignments" and e["agent"]["who"] == "SOCIAL"]
    assert pulled and any("personal.name" in n["fields"] for e in pulled for n in e["entities"])
    assert youth.national_id not in trail.stdout and youth.name not in trail.stdout

    # -- an order for a person the hub never saw ---------------------------------------------------------------
    stranger = police.person(rng)
    stranger_order = f"114年度少調字第{rng.randrange(10**6)}號"
    _post_json(hub, "JUV_COURT", [_order(stranger_order, stranger.national_id)])
    nothing = wait_for(
        hub.broker.bootstrap, "erasure.completions", lambda m: m.value["order_no"] == stranger_order, 1, timeout=60
    )
    assert nothing and nothing[0].value["outcome"] == "NOTHING_HELD"

    # -- the log cleaner removes the wrapped key from the segments ---------------------------------------------
    deadline = time.monotonic() + 120
    while wrapped[-1] in _segments(hub, "subjects.keys"):
        assert time.monotonic() < deadline, "the cleaner never compacted the erased key away"
        time.sleep(3)
        _roll_segments(hub, "subjects.keys")

    hub_log = hub.log_tail(20_000)
    assert youth.national_id not in hub_log and youth.name not in hub_log
