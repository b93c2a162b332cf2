"""Three workers of one hub, one code, one consumer group: whichever worker a partner reaches, the answer is the
one the key's owner gives (issue: scale out).

The workers are the session's (tests/conftest.py): three workers on the three-node cluster. Each test posts
through different workers and checks what a single worker would have guaranteed: a re-send is
a duplicate and an amendment is version 2, one national ID is one subject, a person's lecture notices are
counted once each, every worker answers for every referral, gauges sum without double counting, and a worker
killed with ``kill -9`` hands its keys over.
"""

from __future__ import annotations

import random
import re
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support import hospital, police
from tests.support.processes import HubProcess
from tests.support.topics import end_offsets_total, read_topic, wait_for
from tests.support.workers import Workers

pytestmark = pytest.mark.broker


def post_police(worker: HubProcess, rows: list[dict[str, str]]) -> dict[str, object]:
    code, receipt = worker.post("/v1/submissions", police.to_csv(rows), "text/csv", worker.token("POLICE"))
    assert code == 202, receipt
    assert isinstance(receipt, dict)
    return receipt


def referral_ids(receipt: dict[str, object]) -> list[str]:
    accepted = receipt["accepted"]
    assert isinstance(accepted, list)
    return [row["referral_id"] for row in accepted]


def routed(workers: Workers, ids: list[str], topic: str = "assignments.SOCIAL") -> None:
    wanted = set(ids)
    wait_for(workers.broker.bootstrap, topic, lambda m: m.value["referral_id"] in wanted, len(wanted), timeout=90)


def test_three_workers_share_the_partitions(workers: Workers) -> None:
    assert len(workers.alive()) == 3
    assert workers.partitions_held_once()


def test_every_worker_answers_for_every_referral(workers: Workers) -> None:
    rng = random.Random(9_101)
    rows = [police.child_protection_row(ref, police.person(rng)) for ref in police.fresh_refs(12)]
    ids = referral_ids(post_police(workers[0], rows))
    routed(workers, ids)
    for worker in workers:
        for referral_id in ids:
            code, view = worker.get(f"/v1/referrals/{referral_id}", worker.token("POLICE"))
            assert code == 200, (worker.url, referral_id, view)
            assert view["referral_id"] == referral_id


def test_a_resend_to_another_worker_is_a_duplicate_and_an_amendment_to_a_third_is_version_2(
    workers: Workers,
) -> None:
    rng = random.Random(9_202)
    rows = [police.child_protection_row(ref, police.person(rng)) for ref in police.fresh_refs(9)]
    first = post_police(workers[0], rows)
    ids = referral_ids(first)
    routed(workers, ids)
    again = post_police(workers[1], rows)
    assert [row["duplicate"] for row in again["accepted"]] == [True] * 9  # type: ignore[union-attr]
    assert referral_ids(again) == ids
    amended = [{**row, "行政區": "三民區"} for row in rows]
    third = post_police(workers[2], amended)
    assert referral_ids(third) == ids and third["rejected"] == []
    versions = {
        m.value["referral_id"]: m.value["version"]
        for m in wait_for(
            workers.broker.bootstrap,
            "referrals.events",
            lambda m: m.value["referral_id"] in set(ids) and m.value["version"] == 2,
            9,
            timeout=60,
        )
    }
    assert versions == dict.fromkeys(ids, 2)
    submissions = {first["submission_id"], again["submission_id"], third["submission_id"]}
    letters = [
        m for m in read_topic(workers.broker.bootstrap, "referrals.dlq") if m.value["submission_id"] in submissions
    ]
    assert letters == [], [m.value["code"] for m in letters]


def test_one_national_id_posted_to_three_workers_at_once_is_one_subject(workers: Workers) -> None:
    who = police.person(random.Random(9_303))
    refs = police.fresh_refs(6)
    with ThreadPoolExecutor(3) as pool:
        receipts = list(
            pool.map(
                lambda n: post_police(workers[n % 3], [police.child_protection_row(refs[n], who)]),
                range(6),
            )
        )
    ids = {i for receipt in receipts for i in referral_ids(receipt)}
    events = wait_for(workers.broker.bootstrap, "referrals.events", lambda m: m.value["referral_id"] in ids, 6)
    assert len({m.value["subject_id"] for m in events}) == 1


def test_a_persons_lecture_notices_through_three_workers_are_counted_once_each(workers: Workers) -> None:
    who = police.person(random.Random(9_404))
    programmes = []
    for n, ref in enumerate(police.fresh_refs(3)):
        row = {**police.child_protection_row(ref, who), "類別": "講習", "毒品級別": "第三級", "子女年齡": ""}
        [referral_id] = referral_ids(post_police(workers[n], [row]))
        [assignment] = wait_for(
            workers.broker.bootstrap,
            "assignments.BUREAU",
            lambda m, r=referral_id: m.value["referral_id"] == r,  # type: ignore[misc]
            1,
            timeout=60,
        )
        programmes.append(assignment.value["attributes"]["programme"])
    assert programmes == ["FIRST", "REPEAT", "REPEAT"]


def test_a_hospitals_transaction_spanning_owners_is_all_or_nothing(workers: Workers) -> None:
    """The referrals' ledger entries live on different workers: one owner's refusal (an answer on a referral never
    sent to the hospital) must keep every other owner from writing its part; without that entry each writes its own."""
    ids = [hospital.deferred_prosecution(workers[n % 3]) for n in range(5)]
    rng = random.Random(9_707)
    not_theirs = referral_ids(
        post_police(workers[0], [police.child_protection_row(police.fresh_refs(1)[0], police.person(rng))])
    )
    routed(workers, not_theirs)
    good = [hospital.entry(referral_id, "accepted", "2025-07-25T09:00:00+08:00") for referral_id in ids]
    bad = hospital.entry(not_theirs[0], "accepted", "2025-07-25T09:00:00+08:00")
    before = end_offsets_total(workers.broker.bootstrap, "referrals.updates")
    token = workers.token(hospital.HOSPITAL)
    code, receipt = workers[1].post("/v1/submissions", hospital.transaction(*good, bad), "application/fhir+json", token)
    assert code == 202 and receipt["accepted"] == [], receipt
    assert [row["code"] for row in receipt["rejected"]] == ["TRANSACTION_FAILED"] * 5 + ["UNKNOWN_REFERRAL"]
    assert end_offsets_total(workers.broker.bootstrap, "referrals.updates") == before, "no owner wrote its part"

    code, receipt = workers[2].post("/v1/submissions", hospital.transaction(*good), "application/fhir+json", token)
    assert code == 202 and receipt["rejected"] == [] and len(receipt["accepted"]) == 5, receipt
    wanted = set(ids)
    found = wait_for(workers.broker.bootstrap, "referrals.updates", lambda m: m.value["referral_id"] in wanted, 5)
    assert {m.value["referral_id"] for m in found} == wanted


def open_social_deliveries(worker: HubProcess) -> float:
    with urllib.request.urlopen(worker.metrics_url, timeout=10) as response:
        text = response.read().decode()
    pattern = re.compile(r'^refhub_open_referrals\{[^}]*destination="SOCIAL"[^}]*\} ([0-9.e+]+)$', re.M)
    return sum(float(value) for value in pattern.findall(text))


def test_open_referral_gauges_sum_to_the_truth_across_workers(workers: Workers) -> None:
    """Each worker counts its own partitions: a standby copy counted too would add the same referral twice."""
    before = sum(open_social_deliveries(w) for w in workers)
    rng = random.Random(9_505)
    rows = [police.child_protection_row(ref, police.person(rng)) for ref in police.fresh_refs(10)]
    routed(workers, referral_ids(post_police(workers[1], rows)))
    import time

    deadline = time.monotonic() + 30
    while (total := sum(open_social_deliveries(w) for w in workers)) != before + 10:
        assert time.monotonic() < deadline, f"open SOCIAL deliveries {before} → {total}, expected +10"
        time.sleep(0.5)


def test_a_worker_killed_hands_its_keys_over(workers: Workers) -> None:
    rng = random.Random(9_606)
    rows = [police.child_protection_row(ref, police.person(rng)) for ref in police.fresh_refs(9)]
    ids = referral_ids(post_police(workers[0], rows))
    routed(workers, ids)
    workers[2].kill9()
    try:
        workers.wait_settled(timeout=120)
        for referral_id in ids:
            code, _ = workers[0].get(f"/v1/referrals/{referral_id}", workers.token("POLICE"))
            assert code == 200, referral_id
        later = [police.child_protection_row(ref, police.person(rng)) for ref in police.fresh_refs(6)]
        routed(workers, referral_ids(post_police(workers[1], later)))
    finally:
        workers[2].start(timeout=180)
        workers.wait_settled(timeout=120)
