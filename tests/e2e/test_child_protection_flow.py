"""A police child-protection file, end to end on the real broker: receipt → SOCIAL + BUREAU assignments."""

from __future__ import annotations

import random

import pytest

from tests.support import police
from tests.support.processes import HubProcess
from tests.support.topics import wait_for

pytestmark = pytest.mark.broker


def submit(hub: HubProcess, body: bytes) -> tuple[int, dict]:  # type: ignore[type-arg]
    return hub.post("/v1/submissions", body, "text/csv; charset=cp950", hub.token("POLICE"))


def test_file_to_assignments_on_social_and_bureau(hub: HubProcess) -> None:
    rng = random.Random(1)
    refs = police.fresh_refs(3)
    status, receipt = submit(hub, police.to_csv([police.child_protection_row(r, police.person(rng)) for r in refs]))
    assert status == 202, receipt
    assert receipt["rejected"] == []
    assert [row["record"] for row in receipt["accepted"]] == [1, 2, 3]
    assert not any(row["duplicate"] for row in receipt["accepted"])
    referral_ids = {row["referral_id"] for row in receipt["accepted"]}

    for agency, copy in (("SOCIAL", False), ("BUREAU", True)):
        found = wait_for(
            hub.broker.bootstrap,
            f"assignments.{agency}",
            lambda m: m.value["referral_id"] in referral_ids,
            3,
            timeout=30,
        )
        assert {m.value["referral_id"] for m in found} == referral_ids
        for message in found:
            assert message.value["kind"] == "CHILD_PROTECTION"
            assert message.value["copy"] is copy
            assert message.value["rule"] == "CP-1"
            assert message.key == message.value["referral_id"].encode()

    statuses = wait_for(
        hub.broker.bootstrap, "referrals.status", lambda m: m.value["referral_id"] in referral_ids, 6, timeout=30
    )
    assert {(m.value["destination"], m.value["state"]) for m in statuses} == {
        ("SOCIAL", "ROUTED"),
        ("BUREAU", "ROUTED"),
    }

    referral_id = sorted(referral_ids)[0]
    code, shown = hub.get(f"/v1/referrals/{referral_id}", hub.token("OPERATOR"))
    assert code == 200
    assert shown["kind"] == "CHILD_PROTECTION"
    assert {d: v["state"] for d, v in shown["destinations"].items()} == {"SOCIAL": "ROUTED", "BUREAU": "ROUTED"}


def test_bad_rows_go_to_the_dead_letter_topic_and_good_rows_still_route(hub: HubProcess) -> None:
    rng = random.Random(2)
    good_ref, bad_id_ref, bad_date_ref = police.fresh_refs(3)
    bad_id = police.child_protection_row(bad_id_ref, police.person(rng))
    bad_id["身分證統一編號"] = bad_id["身分證統一編號"][:-1] + str((int(bad_id["身分證統一編號"][-1]) + 1) % 10)
    bad_date = police.child_protection_row(bad_date_ref, police.person(rng))
    bad_date["通報時間"] = "114/02/30 09:00"
    rows = [police.child_protection_row(good_ref, police.person(rng)), bad_id, bad_date]
    status, receipt = submit(hub, police.to_csv(rows))
    assert status == 202
    assert [row["record"] for row in receipt["accepted"]] == [1]
    rejected = {row["record"]: row for row in receipt["rejected"]}
    assert set(rejected) == {2, 3}
    assert (rejected[2]["field"], rejected[2]["code"]) == ("身分證統一編號", "INVALID_CHECKSUM")
    assert rejected[3]["field"] == "通報時間"
    assert bad_id["身分證統一編號"] not in rejected[2]["reason"], "an ID must be masked in a reason"
    assert all(row["reason"] for row in rejected.values())

    letters = wait_for(
        hub.broker.bootstrap,
        "referrals.dlq",
        lambda m: m.value["submission_id"] == receipt["submission_id"],
        2,
        timeout=30,
    )
    assert {(m.value["record_no"], m.value["code"]) for m in letters} == {
        (2, "INVALID_CHECKSUM"),
        (3, rejected[3]["code"]),
    }
    for letter in letters:
        assert letter.value["original"]["ciphertext"], "the original bytes travel sealed"
        assert bad_id["身分證統一編號"].encode() not in letter.raw

    good_id = receipt["accepted"][0]["referral_id"]
    assert wait_for(hub.broker.bootstrap, "assignments.SOCIAL", lambda m: m.value["referral_id"] == good_id, 1)


def test_the_same_file_twice_makes_one_assignment_per_referral(hub: HubProcess) -> None:
    rng = random.Random(3)
    refs = police.fresh_refs(2)
    body = police.to_csv([police.child_protection_row(r, police.person(rng)) for r in refs])
    _, first = submit(hub, body)
    referral_ids = {row["referral_id"] for row in first["accepted"]}
    wait_for(hub.broker.bootstrap, "assignments.SOCIAL", lambda m: m.value["referral_id"] in referral_ids, 2)
    _, second = submit(hub, body)
    assert [(r["referral_id"], r["duplicate"]) for r in second["accepted"]] == [
        (r["referral_id"], True) for r in first["accepted"]
    ]
    # A third copy of the same records in another order is still the same referrals.
    same_people = random.Random(3)
    rows = [police.child_protection_row(r, police.person(same_people)) for r in refs]
    _, third = submit(hub, police.to_csv(rows[::-1]))
    assert all(row["duplicate"] for row in third["accepted"])
    for agency in ("SOCIAL", "BUREAU"):
        found = wait_for(
            hub.broker.bootstrap,
            f"assignments.{agency}",
            lambda m: m.value["referral_id"] in referral_ids,
            99,
            timeout=5,
        )
        assert sorted(m.value["referral_id"] for m in found) == sorted(referral_ids)
