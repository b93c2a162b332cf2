"""HOSP_* / HEALTH outbound: FHIR R4 Bundle of Task + ServiceRequest + Patient."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import pytest

from adapters.outbound import fhir
from adapters.outbound.fhir import REFERRAL_IDENTIFIER_SYSTEM, render_treatment_referral, render_treatment_referrals
from processors.lifecycle import FHIR_TASK_STATUS, State
from tests.contract.outbound.samples import NATIONAL_ID, REFERRAL_ID, assignment, personal, tagged

REPO = Path(__file__).resolve().parents[4]


def treatment(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "destination": "HOSP_KSPH",
        "kind": "DEFERRED_PROSECUTION",
        "source": "PROS_KS",
        "partner_ref": "雄檢114緩字第000123號",
        "priority": "HIGH",
        "gender": "M",
        "attributes": {},
        "legal_basis": "毒品危害防制條例第24條",
    }
    return assignment(**(fields | overrides))


def bundle(body: bytes) -> dict[str, Any]:
    value = json.loads(body)
    assert isinstance(value, dict)
    return value


def resources(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found = {entry["resource"]["resourceType"]: entry["resource"] for entry in doc["entry"]}
    assert len(found) == len(doc["entry"])
    return found


def references(value: Any) -> list[str]:
    if isinstance(value, dict):
        own = [value["reference"]] if isinstance(value.get("reference"), str) else []
        return own + [ref for item in value.values() for ref in references(item)]
    if isinstance(value, list):
        return [ref for item in value for ref in references(item)]
    return []


def no_nulls_or_empties(value: Any) -> bool:
    if isinstance(value, dict):
        return bool(value) and all(no_nulls_or_empties(item) for item in value.values())
    if isinstance(value, list):
        return bool(value) and all(no_nulls_or_empties(item) for item in value)
    return value is not None and value != ""


def test_bundle_structure() -> None:
    rendered = render_treatment_referral(treatment(), personal())
    assert rendered.content_type == "application/fhir+json"
    doc = bundle(rendered.body)
    assert (doc["resourceType"], doc["type"]) == ("Bundle", "collection")
    assert [e["resource"]["resourceType"] for e in doc["entry"]] == ["Task", "ServiceRequest", "Patient"]
    assert all(e["fullUrl"].startswith("urn:uuid:") for e in doc["entry"])
    assert no_nulls_or_empties(doc)


def test_every_reference_resolves_inside_the_bundle() -> None:
    doc = bundle(render_treatment_referral(treatment(), personal()).body)
    urls = {entry["fullUrl"]: entry["resource"]["resourceType"] for entry in doc["entry"]}
    found = resources(doc)
    assert urls[found["Task"]["focus"]["reference"]] == "ServiceRequest"
    assert urls[found["Task"]["for"]["reference"]] == "Patient"
    assert urls[found["ServiceRequest"]["subject"]["reference"]] == "Patient"
    assert set(references(doc)) <= set(urls)


def test_task() -> None:
    record = treatment()
    task = resources(bundle(render_treatment_referral(record, personal()).body))["Task"]
    assert task["status"] == "requested"
    assert task["intent"] == "order"
    assert task["priority"] == "urgent"
    assert task["identifier"] == [
        {"system": "urn:refhub:referral", "value": REFERRAL_ID},
        {"system": "urn:refhub:assignment", "value": record["assignment_id"]},
    ]
    assert task["authoredOn"] == "2025-07-15T14:31:02+08:00"
    assert task["owner"] == {"identifier": {"system": "urn:refhub:agency", "value": "HOSP_KSPH"}}
    assert task["requester"] == {"identifier": {"system": "urn:refhub:agency", "value": "PROS_KS"}}


@pytest.mark.parametrize("state", list(State))
def test_task_status_follows_the_delivery_state(state: State) -> None:
    task = resources(bundle(render_treatment_referral(treatment(), personal(), state).body))["Task"]
    assert task["status"] == FHIR_TASK_STATUS[state]


def test_state_may_be_given_by_name() -> None:
    doc = bundle(render_treatment_referral(treatment(), personal(), "ACCEPTED").body)
    assert resources(doc)["Task"]["status"] == "accepted"


def test_service_request() -> None:
    request = resources(bundle(render_treatment_referral(treatment(), personal()).body))["ServiceRequest"]
    assert (request["status"], request["intent"]) == ("active", "order")
    assert request["code"] == {"text": "戒癮治療"}
    assert request["reasonCode"] == [{"text": "DEFERRED_PROSECUTION"}]
    assert request["performer"] == [{"identifier": {"system": "urn:refhub:agency", "value": "HOSP_KSPH"}}]


def test_service_request_names_another_service_type() -> None:
    record = treatment(kind="SERVICE", service_type="COUNSELLING")
    request = resources(bundle(render_treatment_referral(record, personal()).body))["ServiceRequest"]
    assert request["code"] == {"text": "COUNSELLING"}
    assert request["reasonCode"] == [{"text": "SERVICE"}]


def test_patient() -> None:
    patient = resources(bundle(render_treatment_referral(treatment(), personal(email="a@example.org")).body))["Patient"]
    assert patient["identifier"] == [{"system": "http://www.moi.gov.tw/", "value": NATIONAL_ID}]
    assert patient["name"] == [{"text": "林小雯"}]
    assert patient["gender"] == "male"
    assert patient["birthDate"] == "1989-04-12"
    assert patient["telecom"] == [
        {"system": "phone", "value": "0912000101"},
        {"system": "email", "value": "a@example.org"},
    ]
    assert patient["address"] == [{"city": "高雄市", "district": "鳳山區"}]


def test_patient_with_little_known_has_no_empty_elements() -> None:
    record = treatment(gender=None, district=None, out_of_area=True)
    doc = bundle(render_treatment_referral(record, {"name": "林小雯"}).body)
    assert resources(doc)["Patient"] == {"resourceType": "Patient", "name": [{"text": "林小雯"}]}
    assert no_nulls_or_empties(doc)


def test_same_assignment_renders_byte_identically_and_another_differs() -> None:
    first = render_treatment_referral(treatment(), personal())
    assert render_treatment_referral(treatment(), personal()) == first
    other = render_treatment_referral(treatment(assignment_id="A-other"), personal())
    first_urls = {e["fullUrl"] for e in bundle(first.body)["entry"]}
    assert first_urls.isdisjoint(e["fullUrl"] for e in bundle(other.body)["entry"])


def test_several_assignments_share_one_bundle_without_clashing_urls() -> None:
    items = tagged(
        (treatment(), personal()), (treatment(assignment_id="A-2", referral_id="R-2"), personal(name="王小明"))
    )
    doc = bundle(render_treatment_referrals(items, {"A-2": State.ACCEPTED}).body)
    assert len(doc["entry"]) == 6
    assert len({e["fullUrl"] for e in doc["entry"]}) == 6
    urls = {e["fullUrl"] for e in doc["entry"]}
    assert set(references(doc)) <= urls
    tasks = [e["resource"] for e in doc["entry"] if e["resource"]["resourceType"] == "Task"]
    assert [t["status"] for t in tasks] == ["requested", "accepted"]
    assert render_treatment_referrals(items, {"A-2": State.ACCEPTED}).body == json.dumps(
        doc, ensure_ascii=False, separators=(",", ":")
    ).encode("utf-8")


def test_uuids_are_version_5() -> None:
    url = fhir.full_url("A-72221bea6d5f3ab311890adc", "Task")
    assert url[len("urn:uuid:") :][14] == "5"


def test_referral_identifier_system_agrees_with_the_inbound_fhir_adapter() -> None:
    if not (REPO / "adapters" / "fhir_task.py").exists():
        pytest.skip("adapters/fhir_task.py (inbound FHIR) does not exist yet")
    inbound = importlib.import_module("adapters.fhir_task")
    assert inbound.REFERRAL_IDENTIFIER_SYSTEM == REFERRAL_IDENTIFIER_SYSTEM


# -- what the view lets through, and erasure notices --------------------------------------------------------


def _coded(system: str, code: str, value: str) -> dict[str, Any]:
    return {"type": {"coding": [{"system": system, "code": code}]}, "valueString": value}


def test_granted_attributes_and_extra_personal_fields_travel_as_task_inputs() -> None:
    period = {"deferral_start": "2025-07-15", "deferral_end": "2027-07-14"}
    record = treatment(attributes={"treatment_ordered": "Y", **period})
    personal = {"name": "王小明", "case_no": "114年度偵字第12345號", "conditions": "戒癮治療"}
    found = resources(bundle(render_treatment_referral(record, personal).body))
    assert found["Task"]["input"] == [
        _coded(fhir.ATTRIBUTE_SYSTEM, "deferral_end", "2027-07-14"),
        _coded(fhir.ATTRIBUTE_SYSTEM, "deferral_start", "2025-07-15"),
        _coded(fhir.ATTRIBUTE_SYSTEM, "treatment_ordered", "Y"),
        _coded(fhir.PERSONAL_SYSTEM, "case_no", "114年度偵字第12345號"),
        _coded(fhir.PERSONAL_SYSTEM, "conditions", "戒癮治療"),
    ]
    assert found["ServiceRequest"]["occurrencePeriod"] == {"start": "2025-07-15", "end": "2027-07-14"}
    assert "input" not in resources(bundle(render_treatment_referral(treatment(), {"name": "x"}).body))["Task"]


def test_an_erasure_notice_cancels_each_original_task_and_carries_no_person() -> None:
    from adapters.outbound.items import AssignmentItem, ErasureNoticeItem
    from tests.contract.outbound.samples import erasure_notice

    first, second = treatment(), treatment(assignment_id="A-v2")
    notice = erasure_notice(destination="HOSP_KSPH", assignment_ids=[first["assignment_id"], "A-v2"])
    doc = bundle(render_treatment_referrals([AssignmentItem(first, personal()), ErasureNoticeItem(notice)]).body)
    cancelled = doc["entry"][3:]
    assert [entry["fullUrl"] for entry in cancelled] == [
        fhir.full_url(first["assignment_id"], "Task"),
        fhir.full_url(second["assignment_id"], "Task"),
    ]
    assert cancelled[0]["fullUrl"] == doc["entry"][0]["fullUrl"]  # the same Task, now cancelled
    task = cancelled[0]["resource"]
    assert task["status"] == "cancelled"
    assert task["statusReason"]["coding"] == [{"system": fhir.REASON_SYSTEM, "code": "ERASED"}]
    assert "少年事件處理法第83條之1" in task["statusReason"]["text"]
    assert {"system": fhir.NOTICE_IDENTIFIER_SYSTEM, "value": notice["notice_id"]} in task["identifier"]
    assert task["lastModified"] == "2025-08-01T10:00:05+08:00"
    assert {entry["resource"]["resourceType"] for entry in cancelled} == {"Task"}
    assert "for" not in task and "focus" not in task
    assert no_nulls_or_empties(doc)
