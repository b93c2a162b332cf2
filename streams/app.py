"""Builds the Faust app: one process runs the router agent, the key vault and the HTTP gateway."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import faust
from faust.sensors.prometheus import setup_prometheus_sensors
from prometheus_client import REGISTRY

from processors.journeys import journey as journey_logic
from processors.journeys.policy import JourneyPolicy
from processors.sla import referral_clocks
from processors.sla.calendar import WorkingCalendar
from processors.sla.policy import SlaPolicy, load_policy
from streams import codecs, gauges, sla
from streams.access.follower import CredentialFollower
from streams.access.store import CredentialStore
from streams.clock import HubClock
from streams.due import OwnedDueIndex
from streams.gateway.intake import Intake, Topics
from streams.gateway.outbox import Outbox
from streams.gateway.reader import TopicReader
from streams.gateway.replay import Replayer
from streams.gateway.reports import ProgressReports
from streams.recovery import HubTableManager
from streams.secrets import HubSecrets, load_secrets
from streams.settings import Settings
from streams.topology import (
    ALL_TOPICS,
    CONTACTS,
    DEAD_LETTERS,
    ERASURE_ORDERS,
    INBOUND_RAW,
    JOURNEY_STEPS,
    REFERRAL_EVENTS,
    REFERRAL_UPDATES,
    TREATMENT_HOURS,
    TopicSpec,
)
from streams.vault import KeyVault

log = logging.getLogger(__name__)


@dataclass
class Hub:
    """What the agents and views share."""

    settings: Settings
    secrets: HubSecrets
    credentials: CredentialStore
    """Who a token or client certificate is, now (followed from partners.credentials)."""
    credential_follower: CredentialFollower
    app: faust.App
    clock: HubClock
    topics: dict[str, Any]
    ledger: Any
    clocks: Any
    """sla-clocks: referral id → its SLA clocks (processors.sla.referral_clocks.ReferralClocks)."""
    journeys: Any
    """journeys: subject id → the person's journey (processors.journeys.journey.Journey)."""
    lectures: Any
    """lecture-notices: subject id → the lecture notices (講習通知) routed for that person, oldest first."""
    clock_index: OwnedDueIndex
    journey_index: OwnedDueIndex
    policy: SlaPolicy
    journey_policy: JourneyPolicy
    calendar: WorkingCalendar
    vault: KeyVault
    intake: Intake
    outbox: Outbox
    replayer: Replayer
    reports: ProgressReports
    send: Callable[[str, bytes, Any], Awaitable[None]]
    """Send and wait for the broker's acknowledgement."""


def create_hub(settings: Settings) -> Hub:
    codecs.register_all()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    app = faust.App(
        "refhub",
        broker=[f"kafka://{server}" for server in settings.bootstrap_servers],
        datadir=str(settings.data_dir / "faust"),
        store="memory://",
        topic_partitions=settings.partitions,
        topic_replication_factor=settings.replication_factor,
        topic_allow_declare=True,
        broker_session_timeout=settings.broker_session_timeout,
        broker_heartbeat_interval=1.0,
        consumer_auto_offset_reset="earliest",
        web_host=settings.web_host,
        web_bind=settings.web_host,
        web_port=settings.web_port,
        web_tables_enabled=False,  # the built-in /table endpoint would serve ledger entries to anyone
        web_application_options={"client_max_size": settings.max_body_bytes},
        producer_acks=-1,
        TableManager=HubTableManager,
        producer_max_request_size=4 * settings.max_body_bytes,
    )
    topics = {spec.name: _topic(app, spec) for spec in ALL_TOPICS}
    ledger = _table(
        app, settings, "referral-ledger", "Delivery ledger: per referral, per destination state and history."
    )
    clocks = _table(app, settings, "sla-clocks", "SLA clocks per referral, on the referral's partition.")
    journeys = _table(app, settings, "journeys", "One journey per person (pseudonymous subject id) and its gaps.")
    lectures = _table(app, settings, "lecture-notices", "Lecture notices per person, for the first/repeat programme.")
    clock = HubClock(movable=settings.movable_clock, offset_file=settings.data_dir / "clock-offset")
    policy = load_policy(settings.sla_policy_file)
    secrets = load_secrets(settings)

    async def send(topic: str, key: bytes, value: Any) -> None:
        future = await topics[topic].send(key=key, value=value)
        await future

    async def publish_raw(topic: str, key: bytes, value: bytes) -> None:
        future = await app.producer.send(topic, key, value, partition=None, timestamp=None, headers=None)
        await future

    def ledger_entry(referral_id: str) -> Any:
        return ledger.get(referral_id)

    vault = KeyVault(secrets, settings.bootstrap_servers, publish_raw)
    intake = Intake(
        vault,
        send,
        ledger_entry,
        Topics(
            raw=INBOUND_RAW.name,
            events=REFERRAL_EVENTS.name,
            dead_letters=DEAD_LETTERS.name,
            updates=REFERRAL_UPDATES.name,
            contacts=CONTACTS.name,
            treatment_hours=TREATMENT_HOURS.name,
            erasure_orders=ERASURE_ORDERS.name,
        ),
        secrets.lookup_key,
        now=clock.now,
    )
    reader = TopicReader(settings.bootstrap_servers)
    credentials = CredentialStore()
    hub = Hub(
        settings=settings,
        secrets=secrets,
        credentials=credentials,
        credential_follower=CredentialFollower(credentials, settings.bootstrap_servers),
        app=app,
        clock=clock,
        topics=topics,
        ledger=ledger,
        clocks=clocks,
        journeys=journeys,
        lectures=lectures,
        clock_index=OwnedDueIndex(REFERRAL_EVENTS.name, settings.partitions, referral_clocks.next_instant),
        journey_index=OwnedDueIndex(JOURNEY_STEPS.name, settings.partitions, journey_logic.next_instant),
        policy=policy,
        journey_policy=JourneyPolicy.from_mapping(policy.journey),
        calendar=WorkingCalendar(_dates(settings.calendar_days_off), _dates(settings.calendar_workdays)),
        vault=vault,
        intake=intake,
        outbox=Outbox(reader, vault),
        replayer=Replayer(reader, vault, intake),
        reports=ProgressReports(reader, vault, lambda: list(ledger.values())),
        send=send,
    )

    async def run_vault() -> None:
        await hub.vault.run()

    app.task(run_vault)

    async def follow_credentials() -> None:
        await hub.credential_follower.run()

    app.task(follow_credentials)

    setup_prometheus_sensors(app, name_prefix="faust")
    REGISTRY.register(gauges.TableGauges(lambda: list(ledger.values()), lambda: list(journeys.values())))

    from streams.answers import register_answers
    from streams.gateway import views
    from streams.journeys import register_journeys
    from streams.router import register_router

    register_router(hub)
    register_answers(hub)
    sla.register_clocks(hub)
    register_journeys(hub)
    views.register(hub)
    return hub


def _table(app: faust.App, settings: Settings, name: str, help_text: str) -> Any:
    return app.Table(
        name,
        default=None,
        partitions=settings.partitions,
        # JSON keys: faust-streaming 0.15.3 decodes changelog keys with JSON during recovery whatever the
        # table's schema says, so a "raw" key would make every restart fail to restore the table.
        schema=faust.Schema(key_type=str, key_serializer="json", value_serializer="json"),
        help=help_text,
    )


def _dates(text: str) -> list[date]:
    return [date.fromisoformat(part.strip()) for part in text.split(",") if part.strip()]


def _topic(app: faust.App, spec: TopicSpec) -> Any:
    return app.topic(
        spec.name,
        key_serializer="raw",
        value_serializer=codecs.codec_name(spec.schema),
        # Topics are provisioned from the declarative list (refhub topics --create), not by Faust.
        internal=False,
    )
