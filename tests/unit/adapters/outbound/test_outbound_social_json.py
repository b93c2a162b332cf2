"""SOCIAL outbound: child-protection notices, family-support referrals and youth drug-use dispatches."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import pytest

from adapters.outbound.items import AssignmentItem, ErasureNoticeItem
from adapters.outbound.registry import render_assignments
from adapters.outbound.social_json import DISPATCH_TARGETS, render_social
from tests.contract.outbound.samples import REFERRAL_ID, assignment, erasure_notice, personal, tagged


def message(record: dict[str, Any], fields: dict[str, Any] | None = None) -> dict[str, Any]:
    [out] = json.loads(render_social(tagged((record, personal() if fields is None else fields))).body)
    assert isinstance(out, dict)
    return out


def test_child_protection_notice() -> None:
    out = message(assignment())
    assert out["type"] == "CHILD_PROTECTION_NOTICE"
    assert (out["referralId"], out["assignmentId"]) == (REFERRAL_ID, assignment()["assignment_id"])
    assert out["reportedAt"] == "2025-07-15T14:30:00+08:00"
    assert out["receivedAt"] == "2025-07-15T14:30:41+08:00"
    assert out["subject"] == {
        "name": "林小雯",
        "nationalId": "E200000132",
        "birthDate": "1989-04-12",
        "gender": "F",
        "phone": "0912000101",
        "district": "鳳山區",
    }
    assert out["childrenAges"] == [3, 7]
    assert out["venueType"] == "住宅"
    assert out["drugTier"] == 2
    assert (out["priority"], out["legalBasis"]) == ("URGENT", "兒童及少年福利與權益保障法第53條")
    assert (out["source"], out["sourceRef"], out["officer"]) == ("POLICE", "KPD-1140715-0031", "陳正義")
    for absent in ("dispatchTo", "reporter", "inSchool"):
        assert absent not in out


def test_family_support_referral() -> None:
    record = assignment(
        kind="SERVICE",
        service_type="FAMILY_SUPPORT",
        source="BUREAU",
        priority="NORMAL",
        attributes={},
        legal_basis="毒品危害防制條例第2條之1",
    )
    out = message(record, personal(officer=None, case_manager="王個管", need="家庭功能評估"))
    assert out["type"] == "FAMILY_SUPPORT_REFERRAL"
    assert (out["kind"], out["serviceType"]) == ("SERVICE", "FAMILY_SUPPORT")
    assert (out["caseManager"], out["need"]) == ("王個管", "家庭功能評估")
    # Facts the referral does not carry are left out, as in SOCIAL's own messages.
    for absent in ("childrenAges", "venueType", "drugTier", "officer", "dispatchTo"):
        assert absent not in out


@pytest.mark.parametrize("target", ["EDU", "YOUTH_COUNSEL"])
def test_youth_drug_use_dispatch_names_the_proposed_target(target: str) -> None:
    record = assignment(kind="YOUTH_DRUG_USE", attributes={"proposed_dispatch": target, "drug_tier": "3"})
    out = message(record)
    assert out["type"] == "YOUTH_DRUG_USE_DISPATCH"
    assert out["dispatchTo"] == target
    assert out["drugTier"] == 3


def test_youth_dispatch_without_a_proposal_says_so_with_null() -> None:
    out = message(assignment(kind="YOUTH_DRUG_USE", attributes={}))
    assert out["dispatchTo"] is None


@pytest.mark.parametrize(("in_school", "target"), [("Y", "EDU"), ("N", "YOUTH_COUNSEL")])
def test_youth_dispatch_follows_schooling_when_the_router_proposed_nothing(in_school: str, target: str) -> None:
    out = message(assignment(kind="YOUTH_DRUG_USE", attributes={"in_school": in_school, "drug_tier": "3"}))
    assert out["dispatchTo"] == target
    assert out["inSchool"] is (in_school == "Y")


def test_the_routers_proposal_wins_over_schooling() -> None:
    record = assignment(kind="YOUTH_DRUG_USE", attributes={"in_school": "Y", "proposed_dispatch": "YOUTH_COUNSEL"})
    assert message(record)["dispatchTo"] == "YOUTH_COUNSEL"


def test_the_first_reporter_is_named_when_the_sender_passed_it_on() -> None:
    record = assignment(kind="YOUTH_DRUG_USE", source="SOCIAL", attributes={"in_school": "Y", "reporter": "EDU"})
    out = message(record)
    assert (out["source"], out["reporter"]) == ("SOCIAL", "EDU")
    out = message(assignment(kind="YOUTH_DRUG_USE", attributes={}), personal(reporter="某國中輔導室", school="某國中"))
    assert (out["reporter"], out["school"]) == ("某國中輔導室", "某國中")


def test_an_erased_subject_is_marked_not_left_blank() -> None:
    out = message(assignment(), {"erased": True})
    assert out["subject"] == {"gender": "F", "district": "鳳山區", "erased": True}


def test_dispatch_targets_agree_with_the_inbound_social_adapter() -> None:
    if not (Path(__file__).resolve().parents[4] / "adapters" / "social_json.py").exists():
        pytest.skip("adapters/social_json.py (inbound SOCIAL) does not exist yet")
    inbound = importlib.import_module("adapters.social_json")
    assert frozenset(inbound.DISPATCH_TARGETS) == DISPATCH_TARGETS


def test_youth_dispatch_to_an_unknown_agency_is_refused() -> None:
    with pytest.raises(ValueError, match="proposed_dispatch"):
        render_social(
            tagged((assignment(kind="YOUTH_DRUG_USE", attributes={"proposed_dispatch": "POLICE"}), personal()))
        )


def test_any_other_kind_is_a_plain_referral() -> None:
    assert message(assignment(kind="PRE_RELEASE", attributes={}))["type"] == "REFERRAL"
    assert message(assignment(kind="SERVICE", service_type="FINANCIAL_AID"))["type"] == "REFERRAL"


def test_unknown_subject_fields_are_left_out_not_null() -> None:
    out = message(assignment(gender=None, district=None, out_of_area=True), {"national_id": "E200000132"})
    assert out["subject"] == {"nationalId": "E200000132"}
    assert out["outOfArea"] is True


def test_personal_extras_beyond_need_to_know_are_not_sent() -> None:
    # SOCIAL's view of a child-protection notice (processors/privacy/views.toml), applied by the registry.
    body = render_assignments("SOCIAL", [(assignment(), personal(inmate_no="11400123", email="x@example.org"))]).body
    assert b"11400123" not in body
    assert b"example.org" not in body
    assert "陳正義".encode() in body  # the officer to call back is SOCIAL's to see


def test_every_personal_field_it_is_given_is_rendered_as_camel_case() -> None:
    # The view decides what arrives; the format renders all of it (no second allow-list to drift from the first).
    out = message(assignment(), personal(raid_case_no="雄警刑114字第0715號", guardian_phone="0911000222"))
    assert (out["raidCaseNo"], out["guardianPhone"], out["officer"]) == ("雄警刑114字第0715號", "0911000222", "陳正義")


def test_family_support_criteria_go_together_in_the_bureaus_shape() -> None:
    record = assignment(
        kind="SERVICE",
        service_type="FAMILY_SUPPORT",
        attributes={"apgar": "2", "family_conflict": "Y", "single_parent": "N", "redirected_by": "NGO_MUEN"},
    )
    out = message(record)
    assert out["familySupport"] == {"apgar": 2, "familyConflict": True, "singleParent": False}
    assert out["redirectedBy"] == "NGO_MUEN"
    assert "apgar" not in out


def test_an_erasure_notice_is_a_message_of_its_own_without_personal_data() -> None:
    notice = erasure_notice()
    [out] = json.loads(render_social([ErasureNoticeItem(notice)]).body)
    assert out == {
        "type": "ERASURE_NOTICE",
        "noticeId": notice["notice_id"],
        "referralId": REFERRAL_ID,
        "assignmentIds": [assignment()["assignment_id"]],
        "reasonCode": "ERASED",
        "legalBasis": "少年事件處理法第83條之1",
        "erasedAt": "2025-08-01T10:00:05+08:00",
    }


def test_notices_and_assignments_keep_topic_order() -> None:
    items = [AssignmentItem(assignment(), personal()), ErasureNoticeItem(erasure_notice())]
    assert [m["type"] for m in json.loads(render_social(items).body)] == ["CHILD_PROTECTION_NOTICE", "ERASURE_NOTICE"]


def test_rendering_is_deterministic_and_utf8() -> None:
    items = tagged((assignment(), personal()), (assignment(kind="YOUTH_DRUG_USE", attributes={}), personal()))
    first = render_social(items)
    assert first == render_social(items)
    assert first.content_type == "application/json"
    assert "鳳山區".encode() in first.body
    assert [m["type"] for m in json.loads(first.body)] == ["CHILD_PROTECTION_NOTICE", "YOUTH_DRUG_USE_DISPATCH"]
