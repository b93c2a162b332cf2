"""Retention on a real broker with the hub's clock moved forward: a closed referral's ledger entry and clocks
leave the tables once its retention has passed (a small retired marker stays), its events stay on the topics, a
re-send of the same record is still a duplicate, changed content and answers are refused with RETIRED, and a
kill -9 and restart (tables on RocksDB) brings the same answers back.

Own broker and hub: the clock moves 31 days here, which would expire every other test's referrals.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.support import police
from tests.support.movable_clock import own_hub
from tests.support.processes import HubProcess
from tests.support.topics import raw_records, read_topic, wait_for

pytestmark = pytest.mark.broker

DAY = 24 * 3600.0


@pytest.fixture(scope="module")
def retiring_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubProcess]:
    with own_hub(tmp_path_factory, "retention") as hub:  # tables on RocksDB, the default store
        yield hub


def submit(hub: HubProcess, partner: str, body: bytes, content_type: str) -> dict[str, Any]:
    code, receipt = hub.post("/v1/submissions", body, content_type, hub.token(partner))
    assert code == 202, receipt
    return dict(receipt)


def answer(hub: HubProcess, partner: str, referral_id: str, state: str, at: datetime, **extra: str) -> dict[str, Any]:
    message = {"type": "STATUS", "referralId": referral_id, "status": state, "at": at.isoformat(), **extra}
    return submit(hub, partner, json.dumps(message).encode(), "application/json")


def referral(hub: HubProcess, referral_id: str) -> dict[str, Any]:
    code, view = hub.get(f"/v1/referrals/{referral_id}", hub.token("POLICE"))
    assert code == 200, view
    return dict(view)


def until(predicate: Any, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.3)
    raise AssertionError("timed out")


def last_values(hub: HubProcess, table: str, key: str) -> list[bytes | None]:
    """Every changelog record of one key of one table, oldest first (None: a tombstone)."""
    wanted = json.dumps(key).encode()
    return [value for k, value in raw_records(hub.broker.bootstrap, f"refhub-{table}-changelog") if k == wanted]


def test_a_closed_referral_is_retired_after_its_retention_and_a_resend_stays_a_duplicate(
    retiring_hub: HubProcess,
) -> None:
    hub = retiring_hub
    rng = random.Random(30)
    closing_ref, open_ref = police.fresh_refs(2)
    rows = [
        police.child_protection_row(closing_ref, police.person(rng)),
        police.child_protection_row(open_ref, police.person(rng)),
    ]
    body = police.to_csv(rows)
    receipt = submit(hub, "POLICE", body, "text/csv")
    closing, still_open = (row["referral_id"] for row in receipt["accepted"])
    wait_for(hub.broker.bootstrap, "referrals.status", lambda m: m.value["referral_id"] in (closing, still_open), 4)

    began = datetime.fromisoformat(referral(hub, closing)["destinations"]["SOCIAL"]["history"][0]["at"])
    for partner, state, minutes, extra in [
        ("SOCIAL", "ACKNOWLEDGED", 10, {}),
        ("SOCIAL", "ACCEPTED", 20, {}),
        ("BUREAU", "REJECTED", 30, {"reasonCode": "REFERRED_ELSEWHERE"}),
        ("SOCIAL", "COMPLETED", 60, {}),
    ]:
        assert answer(hub, partner, closing, state, began + timedelta(minutes=minutes), **extra)["rejected"] == []
    until(lambda: {d["state"] for d in referral(hub, closing)["destinations"].values()} == {"COMPLETED", "REJECTED"})
    assert last_values(hub, "sla-clocks", closing)[-1] is not None, "the closed referral's clocks are still held"

    code, clock = hub.post(
        "/v1/admin/clock", json.dumps({"advance_seconds": 31 * DAY}).encode(), "application/json", hub.token("OPERATOR")
    )
    assert code == 200, clock
    until(lambda: referral(hub, closing).get("retired") is True)

    view = referral(hub, closing)
    assert view["destinations"] == {
        "BUREAU": {"state": "REJECTED", "assignment_id": view["destinations"]["BUREAU"]["assignment_id"]},
        "SOCIAL": {"state": "COMPLETED", "assignment_id": view["destinations"]["SOCIAL"]["assignment_id"]},
    }
    assert view["clocks"] == [] and "history" not in json.dumps(view)
    # The rows left the tables: the clocks' last changelog record is a tombstone, the ledger's is the marker.
    assert last_values(hub, "sla-clocks", closing)[-1] is None
    marker = json.loads(last_values(hub, "referral-ledger", closing)[-1] or b"null")
    assert set(marker) == {"referral_id", "kind", "source", "version", "digest", "destinations", "retired"}
    # The open one expired on day 30 (terminal, but closed only a day ago): it stays.
    other = referral(hub, still_open)
    assert "retired" not in other and other["destinations"]["SOCIAL"]["state"] == "EXPIRED"

    # Its events are still on the topics.
    assert [m for m in read_topic(hub.broker.bootstrap, "referrals.events") if m.value["referral_id"] == closing]
    closed = [m for m in read_topic(hub.broker.bootstrap, "referrals.status") if m.value["referral_id"] == closing]
    assert {m.value["state"] for m in closed} >= {"ROUTED", "ACCEPTED", "REJECTED", "COMPLETED"}

    # The same file again: both duplicates, nothing routed again.
    assignments_before = len(
        [m for m in read_topic(hub.broker.bootstrap, "assignments.SOCIAL") if m.value["referral_id"] == closing]
    )
    again = submit(hub, "POLICE", body, "text/csv")
    assert [row["duplicate"] for row in again["accepted"]] == [True, True] and again["rejected"] == []
    # Changed content for the retired referral is no amendment; an answer on it is refused.
    amended = police.to_csv([{**rows[0], "子女年齡": "4;8"}])
    refused = submit(hub, "POLICE", amended, "text/csv")
    assert refused["accepted"] == [] and [r["code"] for r in refused["rejected"]] == ["RETIRED"]
    assert "結案並封存" in refused["rejected"][0]["reason"]
    late = answer(hub, "SOCIAL", closing, "IN_PROGRESS", began + timedelta(days=2))
    assert [r["code"] for r in late["rejected"]] == ["RETIRED"]
    time.sleep(3)  # the router would have had ample time to route a re-send as new
    assignments_after = [
        m for m in read_topic(hub.broker.bootstrap, "assignments.SOCIAL") if m.value["referral_id"] == closing
    ]
    assert len(assignments_after) == assignments_before == 1

    # kill -9 and a restart: the RocksDB tables come back as they were.
    hub.kill9()
    hub.start()
    until(lambda: hub.get(f"/v1/referrals/{closing}", hub.token("POLICE"))[0] == 200)
    assert referral(hub, closing) == view
    assert referral(hub, still_open)["destinations"]["SOCIAL"]["state"] == "EXPIRED"
    again = submit(hub, "POLICE", body, "text/csv")
    assert [row["duplicate"] for row in again["accepted"]] == [True, True]
