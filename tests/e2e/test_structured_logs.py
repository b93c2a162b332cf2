"""The hub's log on the real broker, as a collector reads it: JSON lines only (Faust's, mode's and aiokafka's too),
correlation ids that tie a submission, its referrals and the request together, and no personal data at all.

Its own broker and hub at log level info (the session hub logs at warn), so the log has every line a production
hub writes; output on stdout counts too, since a collector reads both streams.
"""

from __future__ import annotations

import json
import random
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from streams.logs import REDACTED
from tests.support import police
from tests.support.processes import HubProcess, on_own_broker
from tests.support.topics import wait_for

pytestmark = pytest.mark.broker

REQUEST_ID = "e2e-logs-0001"


@pytest.fixture(scope="module")
def logging_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubProcess]:
    with on_own_broker(
        tmp_path_factory.mktemp("kafka-logs"),
        lambda broker: HubProcess(
            broker=broker,
            work_dir=tmp_path_factory.mktemp("hub-logs"),
            extra_env={"REFHUB_LOG_FORMAT": "json", "REFHUB_LOG_LEVEL": "info"},
        ),
    ) as hub:
        yield hub


def post_submission(hub: HubProcess, body: bytes) -> tuple[int, dict[str, Any], str]:
    request = urllib.request.Request(
        hub.url + "/v1/submissions",
        data=body,
        method="POST",
        headers={
            "Content-Type": "text/csv; charset=cp950",
            "Authorization": f"Bearer {hub.token('POLICE')}",
            "X-Request-ID": REQUEST_ID,
        },
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.status, json.loads(response.read()), response.headers["X-Request-ID"]


def metric(hub: HubProcess, name: str) -> float:
    with urllib.request.urlopen(hub.metrics_url, timeout=10) as response:
        text = response.read().decode()
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(name))


def test_every_line_is_json_with_correlation_ids_and_no_personal_data(logging_hub: HubProcess) -> None:
    hub = logging_hub
    people = [police.person(random.Random(seed)) for seed in (101, 102)]
    rows = [police.child_protection_row(ref, who) for ref, who in zip(police.fresh_refs(2), people, strict=True)]
    status, receipt, echoed = post_submission(hub, police.to_csv(rows))
    assert status == 202 and receipt["rejected"] == [], receipt
    assert echoed == REQUEST_ID, "the gateway answers with the request id it was given"
    referral_ids = {row["referral_id"] for row in receipt["accepted"]}
    wait_for(hub.broker.bootstrap, "assignments.SOCIAL", lambda m: m.value["referral_id"] in referral_ids, 2, 60)
    redactions = metric(hub, "refhub_log_redactions_total")
    hub.stop()  # the shutdown's lines are part of the log too

    assert hub.log_path is not None
    text = hub.log_path.read_bytes().decode("utf-8")
    lines = text.splitlines()
    assert len(lines) > 20, text[-2000:]
    parsed: list[dict[str, Any]] = []
    for number, line in enumerate(lines, 1):
        try:
            value = json.loads(line)
        except ValueError:
            pytest.fail(f"line {number} of the hub's output is not JSON: {line[:300]!r}")
        assert isinstance(value, dict), line
        assert {"time", "level", "logger", "message"} <= set(value), line
        parsed.append(value)

    loggers = {line["logger"] for line in parsed}
    assert any(name.startswith("faust.") for name in loggers), sorted(loggers)
    assert any(name.startswith(("mode.", "aiokafka.")) for name in loggers), sorted(loggers)

    mine = [line for line in parsed if line.get("submission_id") == receipt["submission_id"]]
    gateway = [line for line in mine if line["logger"].startswith("streams.gateway.")]
    assert gateway, "the gateway's lines about the submission carry its id"
    assert all(line.get("request_id") == REQUEST_ID for line in gateway), gateway
    routed = {line["referral_id"] for line in parsed if line.get("referral_id") in referral_ids}
    assert routed == referral_ids, "each referral's routing is logged under its referral id"
    assert any(
        line.get("referral_id") in referral_ids and line.get("submission_id") == receipt["submission_id"]
        for line in parsed
    ), "an agent's line names both the referral and the submission it came in"

    for who in people:
        assert who.national_id not in text and who.national_id.lower() not in text
        assert who.name not in text
    assert "0912345678" not in text
    # Not even the backstop had anything to do: no log call formatted personal data.
    assert REDACTED not in text and redactions == 0
