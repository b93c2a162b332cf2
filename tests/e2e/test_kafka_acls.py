"""Kafka-side need to know on a real secured broker (SASL_SSL, SCRAM-SHA-512, StandardAuthorizer, deny by default).

Users hub (``refhub``), SOCIAL and LABOUR; the ACLs are exactly what ``refhub acl-plan`` prints, applied by Kafka's own
kafka-acls tool; the hub provisions its topics and runs through the secured listener; a police child-protection file
reaches SOCIAL, which reads ``assignments.SOCIAL`` with its own credentials and is refused ``assignments.LABOUR``
and ``referrals.events`` — and LABOUR the other way round.
"""

from __future__ import annotations

import asyncio
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiokafka.errors import TopicAuthorizationFailedError as AioTopicAuthorizationFailedError
from kafka import KafkaConsumer, TopicPartition
from kafka.errors import GroupAuthorizationFailedError, TopicAuthorizationFailedError

from schemas.codec import decode_any
from streams.topology import ALL_TOPICS, CHANGELOGS
from tests.support import police
from tests.support.processes import REPO, HubProcess
from tests.support.secured_broker import SecuredBroker, acls_command

pytestmark = pytest.mark.broker

HUB_USER, X, Y = "refhub", "SOCIAL", "LABOUR"
TIMINGS: dict[str, float] = {}


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecuredBroker]:
    broker = SecuredBroker(data_dir=tmp_path_factory.mktemp("kafka-secured"), users=(HUB_USER, "social", "labour"))
    broker.start()
    TIMINGS["broker start"] = broker.started_in
    try:
        yield broker
    finally:
        broker.stop()
        print("\ntimings (s): " + ", ".join(f"{name} {seconds:.1f}" for name, seconds in TIMINGS.items()))


def consumer(broker: SecuredBroker, user: str, **kwargs: Any) -> KafkaConsumer:
    return KafkaConsumer(
        bootstrap_servers=[broker.bootstrap],
        enable_auto_commit=False,
        request_timeout_ms=15000,
        **kwargs,
        **broker.security(user).kafka_python_options(),
    )


def end_offsets(broker: SecuredBroker, user: str, topic: str) -> dict[TopicPartition, int]:
    reader = consumer(broker, user, group_id=None)
    try:
        result: dict[TopicPartition, int] = reader.end_offsets([TopicPartition(topic, p) for p in range(3)])
        return result
    finally:
        reader.close()


async def subscribe_with_aiokafka(broker: SecuredBroker, user: str, topic: str) -> None:
    """Join a group under the partner's own prefix and read ``topic``, the way a case system on aiokafka would
    (aiokafka answers an unauthorized topic in a plain ``assign`` only with log lines and empty batches)."""
    from aiokafka import AIOKafkaConsumer

    reader = AIOKafkaConsumer(
        topic,
        bootstrap_servers=broker.bootstrap,
        group_id=f"partner.{user}.aiokafka-probe",
        auto_offset_reset="earliest",
        **broker.security(user).aiokafka_options(),
    )
    try:
        await reader.start()  # joins the group; a refused topic fails here
        await asyncio.wait_for(reader.getmany(timeout_ms=5000), 30)
    finally:
        await reader.stop()


def apply_planned_acls(broker: SecuredBroker) -> str:
    plan = subprocess.run(
        [
            sys.executable,
            "-m",
            "streams.cli.main",
            "acl-plan",
            "--hub-principal",
            f"User:{HUB_USER}",
            "--partner",
            X,
            "--partner",
            Y,
            "--kafka-acls-command",
            acls_command(),
            "--bootstrap-server",
            broker.bootstrap,
            "--command-config",
            str(broker.admin_config),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    applied = broker.run_acl_script(plan.stdout)
    assert applied.returncode == 0, applied.stderr[-3000:]
    return plan.stdout


def test_partner_reads_its_own_topic_and_is_refused_the_others(secured: SecuredBroker, tmp_path: Path) -> None:
    from streams.provisioning import create_topics

    hub_settings = secured.settings(HUB_USER)

    # Deny by default: before any ACL the hub's own user may not even create its topics.
    with pytest.raises(TopicAuthorizationFailedError):
        create_topics(hub_settings)

    began = time.monotonic()
    script = apply_planned_acls(secured)
    runs = script.count(f"{acls_command()} --bootstrap-server")
    TIMINGS[f"acls applied ({runs} kafka-acls runs)"] = time.monotonic() - began
    assert "--allow-principal User:social" in script and "--allow-principal User:labour" in script

    began = time.monotonic()
    created = create_topics(hub_settings)
    TIMINGS["topics provisioned"] = time.monotonic() - began
    assert sorted(created) == sorted(spec.name for spec in (*ALL_TOPICS, *CHANGELOGS))

    hub = HubProcess(
        broker=secured,
        work_dir=tmp_path,
        extra_env={**secured.client_env(HUB_USER), "REFHUB_LOG_LEVEL": "info"},
    )
    TIMINGS["hub healthy"] = hub.start(timeout=180)
    try:
        refs = police.fresh_refs(2)
        rng = random.Random(8)
        body = police.to_csv([police.child_protection_row(ref, police.person(rng)) for ref in refs])
        submitted = time.monotonic()
        status, receipt = hub.post("/v1/submissions", body, "text/csv; charset=cp950", hub.token("POLICE"))
        assert status == 202, receipt
        referral_ids = {row["referral_id"] for row in receipt["accepted"]}
        assert len(referral_ids) == 2

        # X reads its own work through a consumer group under its own prefix, as a case system would.
        social = consumer(secured, "social", group_id="partner.social.case-system", auto_offset_reset="earliest")
        try:
            assert social.topics() == {"assignments.SOCIAL", "status.SOCIAL"}, "metadata shows only its own topics"
            social.subscribe(["assignments.SOCIAL"])
            found: dict[str, dict[str, Any]] = {}
            deadline = time.monotonic() + 60
            while set(found) != referral_ids and time.monotonic() < deadline:
                for records in social.poll(timeout_ms=1000).values():
                    for record in records:
                        _, value = decode_any(record.value)
                        if value.get("referral_id") in referral_ids:
                            found[value["referral_id"]] = value
            TIMINGS["receipt → SOCIAL read its assignments"] = time.monotonic() - submitted
            assert set(found) == referral_ids, hub.log_tail()
            assert {value["kind"] for value in found.values()} == {"CHILD_PROTECTION"}
            social.commit()
        finally:
            social.close()

        # X is refused Y's topic and the hub's canonical events: offsets (kafka-python) and a group read (aiokafka).
        for topic in ("assignments.LABOUR", "referrals.events"):
            with pytest.raises(TopicAuthorizationFailedError):
                end_offsets(secured, "social", topic)
            with pytest.raises(AioTopicAuthorizationFailedError):
                asyncio.run(subscribe_with_aiokafka(secured, "social", topic))
        asyncio.run(subscribe_with_aiokafka(secured, "social", "assignments.SOCIAL"))  # the same call, allowed
        assert sum(end_offsets(secured, HUB_USER, "referrals.events").values()) >= 2, "the refused topic has data"

        # A group outside its prefix (here the hub's own) is refused too.
        intruder = consumer(secured, "social", group_id="refhub", auto_offset_reset="earliest")
        try:
            intruder.subscribe(["assignments.SOCIAL"])
            with pytest.raises(GroupAuthorizationFailedError):
                intruder.poll(timeout_ms=10000)
        finally:
            intruder.close()

        # Y reads its own (empty here) topic and is refused X's, which holds the child-protection work.
        assert set(end_offsets(secured, "labour", "assignments.LABOUR")) == {
            TopicPartition("assignments.LABOUR", p) for p in range(3)
        }
        with pytest.raises(TopicAuthorizationFailedError):
            end_offsets(secured, "labour", "assignments.SOCIAL")
    finally:
        hub.stop()

    assert hub.log_path is not None
    log = hub.log_path.read_text(errors="replace")
    assert '"level": "INFO"' in log or "[INFO]" in log, "an info-level log to look through"
    refusals = [line for line in log.splitlines() if "not authorized" in line or "AuthorizationFailed" in line]
    assert not refusals, f"the planned ACLs left the hub short: {refusals[:5]}"
    for user, password in secured.passwords.items():
        assert password not in log, f"{user}'s password in the hub's log"
