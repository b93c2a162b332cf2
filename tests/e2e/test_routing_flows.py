"""Routing decisions that need the hub's own memory or the gateway's judgement, on the real broker: the
lecture programme (first vs repeat offence), the family-support criteria, and the employment referral."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from tests.support import police
from tests.support.processes import HubProcess
from tests.support.topics import wait_for

pytestmark = pytest.mark.broker


def lecture_row(ref: str, who: police.Person) -> dict[str, str]:
    return {**police.child_protection_row(ref, who), "類別": "講習", "毒品級別": "第三級", "子女年齡": ""}


def routed_to_bureau(hub: HubProcess, referral_id: str) -> dict[str, Any]:
    [message] = wait_for(
        hub.broker.bootstrap, "assignments.BUREAU", lambda m: m.value["referral_id"] == referral_id, 1, timeout=60
    )
    return dict(message.value)


def test_a_second_lecture_notice_for_the_same_person_goes_to_the_repeat_programme(hub: HubProcess) -> None:
    who = police.person(random.Random(404))
    first_ref, second_ref = police.fresh_refs(2)
    code, first = hub.post(
        "/v1/submissions", police.to_csv([lecture_row(first_ref, who)]), "text/csv", hub.token("POLICE")
    )
    assert code == 202 and first["rejected"] == [], first
    first_assignment = routed_to_bureau(hub, first["accepted"][0]["referral_id"])
    assert (first_assignment["rule"], first_assignment["attributes"]["programme"]) == ("LE-FIRST", "FIRST")

    code, second = hub.post(
        "/v1/submissions", police.to_csv([lecture_row(second_ref, who)]), "text/csv", hub.token("POLICE")
    )
    assert code == 202 and second["rejected"] == [], second
    second_assignment = routed_to_bureau(hub, second["accepted"][0]["referral_id"])
    assert (second_assignment["rule"], second_assignment["attributes"]["programme"]) == ("LE-REPEAT", "REPEAT")
    assert second_assignment["subject_id"] == first_assignment["subject_id"]


def service_referral(ref: str, **changes: Any) -> dict[str, Any]:
    rng = random.Random(ref)
    who = police.person(rng)
    referral = {
        "type": "SERVICE_REFERRAL",
        "ref": ref,
        "subject": {"name": who.name, "nationalId": who.national_id, "birthDate": "1990-01-02", "district": "鳳山區"},
        "service": "FAMILY_SUPPORT",
        "target": "SOCIAL",
        "need": "家庭支持",
        "at": "2025-07-21T14:00:00+08:00",
        "familySupport": {"apgar": 6, "familyConflict": False},
        "employmentNeed": False,
    }
    referral.update(changes)
    return referral


def test_family_support_without_any_criterion_is_refused_at_once_and_an_employment_need_also_reaches_labour(
    hub: HubProcess,
) -> None:
    refused_ref, employment_ref = (f"KDPB-SR-E2E-{random.randrange(10**9)}-{n}" for n in (1, 2))
    code, receipt = hub.post(
        "/v1/submissions",
        json.dumps([service_referral(refused_ref)]).encode(),
        "application/json",
        hub.token("BUREAU"),
    )
    assert code == 202 and receipt["accepted"] == []
    [rejection] = receipt["rejected"]
    assert rejection["code"] == "ROUTE_REFUSED" and rejection["field"] == "familySupport"
    assert "APGAR" in rejection["reason"] or "家庭" in rejection["reason"], rejection["reason"]

    body = json.dumps(
        [
            service_referral(
                employment_ref, service="COUNSELLING", target="NGO_MUEN", familySupport=None, employmentNeed=True
            )
        ]
    ).encode()
    code, receipt = hub.post("/v1/submissions", body, "application/json", hub.token("BUREAU"))
    assert code == 202 and receipt["rejected"] == [], receipt
    referral_id = receipt["accepted"][0]["referral_id"]
    for agency, rule in (("NGO_MUEN", "SV-1"), ("LABOUR", "SV-EMPLOYMENT")):
        [message] = wait_for(
            hub.broker.bootstrap,
            f"assignments.{agency}",
            lambda m: m.value["referral_id"] == referral_id,
            1,
            timeout=60,
        )
        assert message.value["rule"] == rule
