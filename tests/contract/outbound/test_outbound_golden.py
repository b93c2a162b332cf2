"""Outbound golden cases: a canonical JSON input (assignments + unsealed personal fields, status changes, or a
progress report) rendered to a partner's format, byte for byte against the expected file beside it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from adapters.outbound import Rendered
from adapters.outbound.common_status import render_status_updates
from adapters.outbound.prosecutor_report_xml import ProgressReport, render_progress_report
from adapters.outbound.registry import render_assignments
from tests.contract.golden import check_bytes
from tests.contract.outbound.samples import revive

CASES = Path(__file__).parent / "cases"


def load(name: str) -> dict[str, Any]:
    value = revive(json.loads((CASES / f"{name}.input.json").read_text(encoding="utf-8")))
    assert isinstance(value, dict)
    return value


def assignments(case: dict[str, Any]) -> Rendered:
    return render_assignments(case["partner"], [(item["assignment"], item["personal"]) for item in case["items"]])


@pytest.mark.parametrize(
    ("name", "suffix", "content_type"),
    [
        ("social_child_protection", "json", "application/json"),
        ("social_dispatch_and_family_support", "json", "application/json"),
        ("labour_employment", "csv", "text/csv; charset=utf-8"),
        ("hosp_treatment", "json", "application/fhir+json"),
        ("bureau_common", "json", "application/json"),
    ],
)
def test_assignments_render_as_recorded(name: str, suffix: str, content_type: str) -> None:
    rendered = assignments(load(name))
    assert rendered.content_type == content_type
    check_bytes(CASES / f"{name}.expected.{suffix}", rendered.body)


def test_status_updates_render_as_recorded() -> None:
    rendered = render_status_updates(load("status_updates")["changes"])
    check_bytes(CASES / "status_updates.expected.json", rendered.body)


def test_progress_report_renders_as_recorded() -> None:
    case = load("pros_progress_report")
    rendered = render_progress_report(ProgressReport(**case["report"]), case["personal"])
    assert rendered.content_type == "application/xml; charset=utf-8"
    check_bytes(CASES / "pros_progress_report.expected.xml", rendered.body)
