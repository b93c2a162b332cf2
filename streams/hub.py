"""What the agents and views of one hub process share (built by streams/app.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import faust

from processors.journeys.policy import JourneyPolicy
from processors.sla.calendar import WorkingCalendar
from processors.sla.policy import SlaPolicy
from streams.access.cursors import CursorSeal
from streams.access.follower import CredentialFollower
from streams.access.store import CredentialStore
from streams.audit import Auditor
from streams.clock import HubClock
from streams.due import OwnedDueIndex
from streams.gateway.intake import Intake
from streams.gateway.outbox import Outbox
from streams.gateway.reader import TopicReader
from streams.gateway.replay import Replayer
from streams.gateway.reports import ProgressReports
from streams.peers.client import PeerClient
from streams.peers.ownership import Ownership
from streams.peers.seal import PeerSeal
from streams.peers.tables import PeerTables
from streams.reports.source import ReportReader
from streams.secrets import HubSecrets
from streams.settings import Settings
from streams.vault import KeyVault


@dataclass
class Hub:
    settings: Settings
    secrets: HubSecrets
    credentials: CredentialStore
    """Who a token or client certificate is, now (followed from partners.credentials)."""
    credential_follower: CredentialFollower
    app: faust.App
    clock: HubClock
    topics: dict[str, Any]
    """Faust topic objects by name; a topic's second record type under ``topology.alias(name, schema)``."""
    ledger: Any
    """referral-ledger: referral id → its delivery ledger entry (processors.ledger), or an erased marker."""
    clocks: Any
    """sla-clocks: referral id → its SLA clocks (processors.sla.referral_clocks.ReferralClocks)."""
    journeys: Any
    """journeys: subject id → the person's journey (processors.journeys.journey.Journey)."""
    lectures: Any
    """lecture-notices: subject id → the lecture notices (講習通知) routed for that person, oldest first."""
    subject_index: Any
    """subject-index: subject id → the person's referrals, and once erased the erasure's record (processors.erasure)."""
    erasure_orders: Any
    """erasure-orders: lookup key → the erasure orders (塗銷) handled for that person."""
    clock_index: OwnedDueIndex
    journey_index: OwnedDueIndex
    policy: SlaPolicy
    journey_policy: JourneyPolicy
    calendar: WorkingCalendar
    vault: KeyVault
    intake: Intake
    outbox: Outbox
    reader: TopicReader
    """The gateway's topic reader (outbox pulls, replay, reports, audit queries)."""
    cursors: CursorSeal
    """Seals and opens partners' pull cursors."""
    replayer: Replayer
    reports: ProgressReports
    auditor: Auditor
    kpi_reader: ReportReader
    """Reads the topics for the KPI report (its own consumer: a report never holds up a partner's pull)."""
    send: Callable[[str, bytes, Any], Awaitable[None]]
    """Send and wait for the broker's acknowledgement."""
    ownership: Ownership
    """Which worker owns a table key (streams/peers)."""
    peer_seal: PeerSeal
    peer_client: PeerClient
    peer_tables: PeerTables
    """A key's row read from whichever worker owns it."""
