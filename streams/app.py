"""Builds the Faust app: one process runs the agents, the key vault and the HTTP gateway."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

import faust
from faust.sensors.prometheus import FaustMetrics, PrometheusMonitor
from prometheus_client import REGISTRY

from processors.journeys import journey as journey_logic
from processors.journeys.policy import JourneyPolicy
from processors.sla import referral_clocks
from processors.sla.calendar import WorkingCalendar
from processors.sla.policy import load_policy
from streams import answers, codecs, erasure, gauges, router, sla
from streams import journeys as journey_agents
from streams import lectures as lecture_agents
from streams.access.cursors import CursorSeal
from streams.access.follower import CredentialFollower
from streams.access.store import CredentialStore
from streams.access.tls import peer_ssl_context, server_ssl_context
from streams.audit import Auditor
from streams.clock import HubClock
from streams.due import OwnedDueIndex
from streams.gateway import guard, server, views
from streams.gateway.intake import Intake, Topics
from streams.gateway.outbox import Outbox
from streams.gateway.reader import TopicReader
from streams.gateway.replay import Replayer
from streams.gateway.reports import ProgressReports
from streams.hub import Hub
from streams.kafka_client import KafkaSecurity
from streams.peers.client import PeerClient
from streams.peers.intake import HubPeers
from streams.peers.ownership import Ownership
from streams.peers.seal import PeerSeal
from streams.peers.tables import PeerTables
from streams.recovery import HubTableManager
from streams.reports.source import ReportReader
from streams.secrets import load_secrets
from streams.settings import Settings
from streams.topology import (
    ALL_TOPICS,
    APP_ID,
    CONTACTS,
    DEAD_LETTERS,
    ERASURE_ORDERS,
    INBOUND_RAW,
    JOURNEY_STEPS,
    REFERRAL_EVENTS,
    REFERRAL_UPDATES,
    SECOND_SCHEMAS,
    TABLES,
    TREATMENT_HOURS,
    TopicSpec,
    alias,
)
from streams.vault import KeyVault

log = logging.getLogger(__name__)


def create_hub(settings: Settings) -> Hub:
    codecs.register_all()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    kafka_security = KafkaSecurity.from_settings(settings)
    # Faust's own default (web_host:web_port) unless the worker is reached by another name than it binds.
    advertised: dict[str, Any] = {"canonical_url": settings.canonical_url} if settings.canonical_url else {}
    app = faust.App(
        APP_ID,
        broker=[f"kafka://{server}" for server in settings.bootstrap_servers],
        broker_credentials=kafka_security.faust_credentials(),
        datadir=str(settings.data_dir / "faust"),
        store="memory://",
        topic_partitions=settings.partitions,
        topic_replication_factor=settings.replication_factor,
        topic_allow_declare=True,
        broker_session_timeout=settings.broker_session_timeout,
        broker_heartbeat_interval=1.0,
        consumer_auto_offset_reset="earliest",
        web=server.install(settings.header_timeout_seconds),
        web_host=settings.web_host,
        web_bind=settings.web_host,
        web_port=settings.web_port,
        **advertised,
        web_ssl_context=server_ssl_context(settings),
        web_tables_enabled=False,  # the built-in /table endpoint would serve ledger entries to anyone
        web_application_options={
            "client_max_size": settings.max_body_bytes,
            "middlewares": [guard.guard],
            "handler_args": {"keepalive_timeout": settings.keepalive_timeout_seconds},
        },
        producer_acks=-1,
        # A takeover restores from a standby copy kept warm on another worker, not from the whole changelog.
        table_standby_replicas=settings.standby_replicas,
        TableManager=HubTableManager,
        producer_max_request_size=4 * settings.max_body_bytes,
    )
    topics = {spec.name: _topic(app, spec) for spec in ALL_TOPICS}
    topics.update({alias(spec.name, schema): _topic(app, spec, schema) for spec, schema in SECOND_SCHEMAS})
    ledger = _table(app, settings, "referral-ledger")
    clocks = _table(app, settings, "sla-clocks")
    journeys = _table(app, settings, "journeys")
    lectures = _table(app, settings, "lecture-notices")
    subject_index = _table(app, settings, "subject-index")
    erasure_orders = _table(app, settings, "erasure-orders")
    clock = HubClock(movable=settings.movable_clock, offset_file=settings.data_dir / "clock-offset")
    policy = load_policy(settings.sla_policy_file)
    secrets = load_secrets(settings)

    async def send(topic: str, key: bytes, value: Any) -> None:
        future = await topics[topic].send(key=key, value=value)
        await future

    async def publish_raw(topic: str, key: bytes, value: bytes | None) -> None:
        future = await app.producer.send(topic, key, value, partition=None, timestamp=None, headers=None)
        await future

    def ledger_entry(referral_id: str) -> Any:
        return ledger.get(referral_id)

    vault = KeyVault(secrets, settings.bootstrap_servers, publish_raw, kafka_security.aiokafka_options())
    ownership = Ownership(app, settings.partitions)
    peer_seal = PeerSeal(secrets.peer_key)
    peer_client = PeerClient(peer_seal, ssl=peer_ssl_context(settings))
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
        max_record_bytes=settings.max_record_bytes,
        referral_key=secrets.referral_id_key,
        peers=HubPeers(ownership, peer_client, vault, secrets.lookup_key, lambda: int(app.consumer_generation_id or 0)),
    )
    peer_tables = PeerTables(ownership, peer_client, app.tables)
    reader = TopicReader(settings.bootstrap_servers, kafka_security.aiokafka_options())
    credentials = CredentialStore()
    hub = Hub(
        settings=settings,
        secrets=secrets,
        credentials=credentials,
        credential_follower=CredentialFollower(
            credentials, settings.bootstrap_servers, kafka_security.aiokafka_options()
        ),
        app=app,
        clock=clock,
        topics=topics,
        ledger=ledger,
        clocks=clocks,
        journeys=journeys,
        lectures=lectures,
        subject_index=subject_index,
        erasure_orders=erasure_orders,
        clock_index=OwnedDueIndex(REFERRAL_EVENTS.name, settings.partitions, referral_clocks.next_instant),
        journey_index=OwnedDueIndex(JOURNEY_STEPS.name, settings.partitions, journey_logic.next_instant),
        policy=policy,
        journey_policy=JourneyPolicy.from_mapping(policy.journey),
        calendar=WorkingCalendar(_dates(settings.calendar_days_off), _dates(settings.calendar_workdays)),
        vault=vault,
        intake=intake,
        outbox=Outbox(reader, vault),
        reader=reader,
        cursors=CursorSeal(secrets.cursor_key),
        replayer=Replayer(reader, vault, intake),
        reports=ProgressReports(
            reader, vault, lambda partner: peer_tables.scan("referral-ledger", {"source": partner})
        ),
        auditor=Auditor(send),
        kpi_reader=ReportReader(settings.bootstrap_servers, kafka_security.aiokafka_options()),
        send=send,
        ownership=ownership,
        peer_seal=peer_seal,
        peer_client=peer_client,
        peer_tables=peer_tables,
    )

    async def run_vault() -> None:
        await hub.vault.run()

    app.task(run_vault)

    async def follow_credentials() -> None:
        await hub.credential_follower.run()

    app.task(follow_credentials)

    # Faust's sensor, without the /metrics page setup_prometheus_sensors would add to the partners' port:
    # metrics are served on the operators' port (streams/cli/run.py).
    app.monitor = PrometheusMonitor(metrics=FaustMetrics.create(REGISTRY, "faust"))
    # Own partitions only: a standby copy of another worker's rows would be counted twice in Prometheus' sum.
    REGISTRY.register(
        gauges.TableGauges(
            lambda: [v for _, v in ownership.owned_items("referral-ledger")],
            lambda: [v for _, v in ownership.owned_items("journeys")],
        )
    )

    router.register_router(hub)
    answers.register_answers(hub)
    sla.register_clocks(hub)
    journey_agents.register_journeys(hub)
    erasure.register_erasure(hub)
    lecture_agents.register_lectures(hub)
    views.register(hub)
    return hub


def _table(app: faust.App, settings: Settings, name: str) -> Any:
    return app.Table(
        name,
        default=None,
        partitions=settings.partitions,
        # JSON keys: faust-streaming 0.15.3 decodes changelog keys with JSON during recovery whatever the
        # table's schema says, so a "raw" key would make every restart fail to restore the table.
        schema=faust.Schema(key_type=str, key_serializer="json", value_serializer="json"),
        help=TABLES[name],
    )


def _dates(text: str) -> list[date]:
    return [date.fromisoformat(part.strip()) for part in text.split(",") if part.strip()]


def _topic(app: faust.App, spec: TopicSpec, schema: str | None = None) -> Any:
    return app.topic(
        spec.name,
        key_serializer="raw",
        value_serializer=codecs.codec_name(schema or spec.schema),
        # Topics are provisioned from the declarative list (refhub topics --create), not by Faust.
        internal=False,
    )
