"""Per partner × kind: a maximal assignment (every attribute and personal field filled) rendered in the partner's
format, byte for byte against ``views/<partner>__<kind>[__<service>].expected.*``; and each format's erasure
notice against ``notices/<partner>.expected.*``.

A golden is written only with ``REFHUB_UPDATE_GOLDEN=1``; a missing one fails. A new [[view]] row in
processors/privacy/views.toml makes a new case here, so it cannot go unrecorded.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.outbound.items import AssignmentItem, ErasureNoticeItem, OutboundItem
from adapters.outbound.prosecutor_report_xml import ProgressReport, render_progress_report
from adapters.outbound.registry import outbound_format, render_assignments
from processors.privacy.views import default_declaration, view_for
from tests.contract.golden import check_bytes
from tests.contract.outbound import maximal

HERE = Path(__file__).parent
SUFFIX = {"LABOUR_CSV": "csv", "PROS_XML": "xml"}


def suffix(partner: str) -> str:
    return SUFFIX.get(outbound_format(partner), "json")


def progress_report(kind: str) -> bytes:
    """What PROS_* get of a deferred prosecution: the monthly 處遇進度報告, filtered through their view."""
    record = maximal.assignment("PROS_KS", kind)
    report = ProgressReport(
        referral_id=record["referral_id"],
        case_no=maximal.PERSONAL["case_no"],
        partner_ref=record["partner_ref"],
        period="2025-08",
        hours_attended=12.5,
        hours_required=40,
        treatment_status="治療中",
        gap=None,
        issued_at=record["routed_at"],
    )
    return render_progress_report(report, maximal.PERSONAL).body


@pytest.mark.parametrize(
    ("partner", "kind", "service_type"),
    maximal.declared_cases(),
    ids=[maximal.case_name(*case) for case in maximal.declared_cases()],
)
def test_each_partners_view_of_each_kind_renders_as_recorded(partner: str, kind: str, service_type: str | None) -> None:
    assert view_for(partner, kind, service_type).declared
    if outbound_format(partner) == "PROS_XML":
        body = progress_report(kind)
    else:
        item = (maximal.assignment(partner, kind, service_type), maximal.PERSONAL)
        body = render_assignments(partner, [item]).body
    check_bytes(HERE / "views" / f"{maximal.case_name(partner, kind, service_type)}.expected.{suffix(partner)}", body)


@pytest.mark.parametrize("partner", maximal.NOTICE_PARTNERS)
def test_each_formats_erasure_notice_renders_as_recorded(partner: str) -> None:
    kinds = [kind for p, kind, _ in maximal.declared_cases() if p == partner and outbound_format(p) != "PROS_XML"]
    items: list[OutboundItem] = []
    if kinds:
        # Topic order: the assignment, then the notice telling the partner to delete it.
        kind = kinds[0]
        service = next(s for p, k, s in maximal.declared_cases() if (p, k) == (partner, kind))
        items.append(AssignmentItem(maximal.assignment(partner, kind, service), maximal.PERSONAL))
        items.append(ErasureNoticeItem(maximal.erasure_notice(partner, kind)))
    else:
        items.append(ErasureNoticeItem(maximal.erasure_notice(partner)))
    body = render_assignments(partner, items).body
    check_bytes(
        HERE / "notices" / f"{partner}.expected.{'json' if suffix(partner) == 'xml' else suffix(partner)}", body
    )


def test_the_maximal_input_fills_every_field_of_the_inventory() -> None:
    declaration = default_declaration()
    assert set(maximal.PERSONAL) == {field.name for field in declaration.inventory("personal")}
    assert set(maximal.ATTRIBUTES) == {field.name for field in declaration.inventory("attributes")}


def test_no_golden_is_left_over_from_a_view_that_no_longer_exists() -> None:
    expected = {f"{maximal.case_name(*case)}.expected.{suffix(case[0])}" for case in maximal.declared_cases()}
    on_disk = {path.name for path in (HERE / "views").glob("*.expected.*")}
    assert on_disk == expected, "delete the goldens of views that were removed from processors/privacy/views.toml"
