"""Pulling the monthly progress reports (處遇進度報告) a prosecutors' office is owed, rendered at pull time."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from adapters.outbound import Rendered
from adapters.outbound.prosecutor_report_xml import ProgressReport, progress_report_element
from processors.erasure.referrals import is_erased
from processors.privacy import envelopes
from processors.privacy.views import disclose, disclosed_fields, view_for
from processors.progress import hours_in_period, treatment_status
from schemas.codec import codec_for
from streams.gateway.reader import TopicReader
from streams.topology import REFERRAL_EVENTS, TREATMENT_HOURS
from streams.vault import KeyVault

SourceEntries = Callable[[str], Awaitable[list[Mapping[str, Any]]]]
"""partner → the ledger entries of the referrals it sent, from every worker (streams/peers/tables.py)."""


@dataclass(frozen=True)
class ReportPage:
    rendered: Rendered
    disclosed: list[tuple[str, str, list[str]]]
    """(referral id, subject id, fields) of each report, for the audit trail."""


class ProgressReports:
    def __init__(self, reader: TopicReader, vault: KeyVault, ledger: SourceEntries) -> None:
        self._reader = reader
        self._vault = vault
        self._ledger = ledger

    async def render(self, partner: str, period: str) -> ReportPage:
        entries = {
            e["referral_id"]: e
            for e in await self._ledger(partner)
            if e is not None and e["source"] == partner and e["kind"] == "DEFERRED_PROSECUTION" and not is_erased(e)
        }
        events, _ = await self._reader.read(
            REFERRAL_EVENTS.name,
            codec_for(REFERRAL_EVENTS.schema).decode,
            {},
            None,
            lambda value: value["referral_id"] in entries,
        )
        latest: dict[str, dict[str, Any]] = {}
        for event in events:
            if event["version"] >= latest.get(event["referral_id"], {"version": 0})["version"]:
                latest[event["referral_id"]] = event
        hours, _ = await self._reader.read(
            TREATMENT_HOURS.name,
            codec_for(TREATMENT_HOURS.schema).decode,
            {},
            None,
            lambda value: value["referral_id"] in entries and value["period"] == period,
        )
        root = ET.Element("處遇進度報告清單", {"期間": period})
        view = view_for(partner, "DEFERRED_PROSECUTION")
        disclosed: list[tuple[str, str, list[str]]] = []
        issued_at = datetime.now(UTC)
        for referral_id in sorted(latest):
            event = latest[referral_id]
            sealed = envelopes.Sealed.from_record(event["personal"])
            key = self._vault.data_key(sealed.key_id)
            if key is None:
                continue  # erased: nothing may be reported about this person any more
            personal = envelopes.unseal_json(key, sealed)
            status, gap = treatment_status(entries[referral_id])
            report = ProgressReport(
                referral_id=referral_id,
                case_no=str(personal.get("case_no", "")),
                partner_ref=event["partner_ref"],
                period=period,
                hours_attended=hours_in_period(hours, referral_id, period),
                hours_required=int(event["attributes"].get("community_hours_required", "0")),
                treatment_status=status,
                gap=gap,
                issued_at=issued_at,
            )
            root.append(progress_report_element(report, personal))
            shown, _ = disclose(view, personal, {})
            disclosed.append((referral_id, event["subject_id"], disclosed_fields(view, shown, {})))
        ET.indent(root, space="  ")
        body = '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
        return ReportPage(Rendered("application/xml; charset=utf-8", body.encode()), disclosed)
