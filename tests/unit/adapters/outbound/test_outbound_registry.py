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
    assert "type" not in json.loads(render_assignments("EDU", [item]).body)[0]
    assert "assignmentId" in json.loads(render_assignments("PROS_KS", [item]).body)[0]


def test_a_hospital_gets_one_bundle_for_several_assignments() -> None:
    items = [(assignment(), personal()), (assignment(assignment_id="A-2"), personal())]
    rendered = render_assignments("HOSP_KSPH", items)
    doc = json.loads(rendered.body)
    assert doc["resourceType"] == "Bundle"
    assert len(doc["entry"]) == 6
    assert render_assignments("HOSP_KSPH", items) == rendered
