"""Outbound registry: each partner pulls its own format."""

from __future__ import annotations

import json

import pytest

from adapters.outbound import registry
from adapters.outbound.registry import OUTBOUND_FORMAT, outbound_format, render_assignments
from tests.contract.outbound.samples import assignment, personal


@pytest.mark.parametrize(
    ("partner", "expected"),
    [
        ("SOCIAL", "SOCIAL_JSON"),
        ("LABOUR", "LABOUR_CSV"),
        ("PROS_KS", "PROS_XML"),
        ("PROS_CT", "PROS_XML"),
        ("PROS_MIL", "PROS_XML"),
        ("HEALTH", "FHIR"),
        ("HOSP_KSPH", "FHIR"),
        ("HOSP_AFZY", "FHIR"),
        ("HOSP_NEWCOMER", "FHIR"),
        ("EDU", "COMMON_JSON"),
        ("YOUTH_COUNSEL", "COMMON_JSON"),
        ("NGO_MORNINGSTAR", "COMMON_JSON"),
        ("BUREAU", "COMMON_JSON"),
        ("POLICE", "COMMON_JSON"),
    ],
)
def test_format_per_partner(partner: str, expected: str) -> None:
    assert outbound_format(partner) == expected


def test_every_listed_partner_has_a_renderer() -> None:
    assert set(OUTBOUND_FORMAT.values()) | {registry.COMMON_JSON} <= set(registry._ASSIGNMENT_RENDERERS)


def test_dispatch_by_partner() -> None:
    item = (assignment(), personal())
    assert json.loads(render_assignments("SOCIAL", [item]).body)[0]["type"] == "CHILD_PROTECTION_NOTICE"
    assert render_assignments("LABOUR", [item]).body.startswith(b"\xef\xbb\xbf")
    assert render_assignments("HOSP_KMUH", [item]).content_type == "application/fhir+json"
    assert json.loads(render_assignments("EDU", [item]).body)[0]["type"] == "ASSIGNMENT"
    assert "assignmentId" in json.loads(render_assignments("PROS_KS", [item]).body)[0]


def test_a_hospital_gets_one_bundle_for_several_assignments() -> None:
    items = [(assignment(), personal()), (assignment(assignment_id="A-2"), personal())]
    rendered = render_assignments("HOSP_KSPH", items)
    doc = json.loads(rendered.body)
    assert doc["resourceType"] == "Bundle"
    assert len(doc["entry"]) == 6
    assert render_assignments("HOSP_KSPH", items) == rendered


# -- need to know, enforced for every format ----------------------------------------------------------------


def everything() -> dict[str, str]:
    return {
        "national_id": "T120007753",
        "name": "陳大文",
        "phone": "0933123456",
        "need": "堆高機證照",
        "case_manager": "王個管",
        "officer": "警員甲",
        "raid_case_no": "雄警刑114字第0715號",
        "case_no": "114年度偵字第12345號",
        "inmate_no": "11400123",
    }


@pytest.mark.parametrize("partner", ["LABOUR", "SOCIAL", "HOSP_KSPH", "EDU", "NGO_MUEN", "PROS_KS"])
def test_no_format_emits_what_the_view_withholds(partner: str) -> None:
    record = assignment(
        destination=partner,
        kind="SERVICE",
        service_type="EMPLOYMENT",
        source="BUREAU",
        partner_ref="CM-114-07-0881",
        attributes={"employment_need": "Y", "drug_tier": "2", "conditions": "戒癮治療", "target": partner},
    )
    body = render_assignments(partner, [(record, everything())]).body.decode("utf-8-sig")
    for withheld in (
        "T120007753",
        "警員甲",
        "雄警刑114字第0715號",
        "114年度偵字第12345號",
        "11400123",
        "CM-114-07-0881",
    ):
        assert withheld not in body, (partner, withheld)
    assert "戒癮治療" not in body
    assert '"drugTier"' not in body


def test_labour_sees_its_employment_view_and_nothing_of_an_undeclared_kind() -> None:
    record = assignment(destination="LABOUR", kind="SERVICE", service_type="EMPLOYMENT", attributes={})
    body = render_assignments("LABOUR", [(record, everything())]).body.decode("utf-8-sig")
    assert "陳大文" in body and "堆高機證照" in body and "王個管" in body
    # A child-protection notice redirected to LABOUR: no view is declared, so no personal data is rendered.
    body = render_assignments("LABOUR", [(assignment(destination="LABOUR"), everything())]).body.decode("utf-8-sig")
    assert "陳大文" not in body and "0933123456" not in body


def test_an_erased_subject_stays_marked_through_the_view() -> None:
    [out] = json.loads(render_assignments("SOCIAL", [(assignment(), {"erased": True})]).body)
    assert out["subject"]["erased"] is True


def test_erasure_notices_pass_to_every_format_in_topic_order() -> None:
    from adapters.outbound.items import ErasureNoticeItem
    from tests.contract.outbound.samples import erasure_notice

    for partner in ("SOCIAL", "EDU", "LABOUR", "HOSP_KSPH", "PROS_KS"):
        items = [ErasureNoticeItem(erasure_notice(destination=partner)), (assignment(destination=partner), personal())]
        body = render_assignments(partner, items).body
        assert b"ERASED" in body or "塗銷".encode() in body, partner


def test_disclosures_name_what_a_pull_disclosed() -> None:
    from adapters.outbound.items import ErasureNoticeItem
    from tests.contract.outbound.samples import erasure_notice

    record = assignment(destination="LABOUR", kind="SERVICE", service_type="EMPLOYMENT", attributes={"drug_tier": "2"})
    [disclosure] = registry.disclosures("LABOUR", [(record, everything()), ErasureNoticeItem(erasure_notice())])
    assert disclosure.assignment_id == record["assignment_id"]
    assert disclosure.fields == ["personal.case_manager", "personal.name", "personal.need", "personal.phone"]
    assert "就業服務法第24條" in disclosure.bases["personal.name"]
