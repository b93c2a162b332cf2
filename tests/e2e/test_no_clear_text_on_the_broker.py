"""Privacy from the first event: after a run, no national ID, name or phone is in any broker log segment."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from tests.support import police
from tests.support.processes import HubProcess
from tests.support.topics import wait_for

pytestmark = pytest.mark.broker


def _segment_bytes(log_dir: Path) -> bytes:
    """Every record batch the broker wrote: the ``*.log`` segment files (the preallocated index files hold
    only offsets and would make the scan read gigabytes of zeros)."""
    return b"".join(path.read_bytes() for path in sorted(log_dir.rglob("*.log")) if path.is_file())


def test_no_clear_text_personal_data_in_any_log_segment(hub: HubProcess) -> None:
    rng = random.Random(20251115)
    people = [police.person(rng) for _ in range(5)]
    refs = police.fresh_refs(len(people))
    rows = [police.child_protection_row(ref, who) for ref, who in zip(refs, people, strict=True)]
    rows[-1]["通報時間"] = "114/13/01 10:00"  # one dead letter, whose original bytes must be sealed too
    for row, phone in zip(rows, ("0911000111", "0922000222", "0933000333", "0944000444", "0955000555"), strict=True):
        row["聯絡電話"] = phone
    status, receipt = hub.post("/v1/submissions", police.to_csv(rows), "text/csv", hub.token("POLICE"))
    assert status == 202 and len(receipt["accepted"]) == 4 and len(receipt["rejected"]) == 1
    referral_ids = {row["referral_id"] for row in receipt["accepted"]}
    wait_for(hub.broker.bootstrap, "assignments.BUREAU", lambda m: m.value["referral_id"] in referral_ids, 4)
    wait_for(hub.broker.bootstrap, "referrals.dlq", lambda m: m.value["submission_id"] == receipt["submission_id"], 1)

    segments = b"".join(_segment_bytes(logs) for logs in hub.broker.log_dirs)
    # The test must be able to see what it looks for: partner references are stored in clear.
    assert refs[0].encode() in segments
    needles = [who.national_id for who in people] + [who.name for who in people] + [row["聯絡電話"] for row in rows]
    leaked = [
        needle
        for needle in needles
        for encoding in ("utf-8", "cp950")
        if needle.encode(encoding) in segments or needle.encode("utf-16-le") in segments
    ]
    assert leaked == []
    hub_log = hub.log_tail(10_000)
    assert not [needle for needle in needles if needle in hub_log]
