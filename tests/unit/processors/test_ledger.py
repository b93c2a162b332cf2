import base64
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from processors import ids
from processors.ledger import (
    LedgerEntry,
    RoutingPlan,
    UpdatePlan,
    UpdateRefused,
    assignment,
    assignment_from_template,
    check_update,
    plan_expiry,
    plan_routing,
    plan_update,
)
from processors.routing import route
from schemas.codec import codec_for
from tests.support.events import event, inbound

NOW = datetime(2025, 7, 15, 6, 31, 5, tzinfo=UTC)


def test_first_routing_records_every_destination_as_routed() -> None:
    plan = plan_routing(event(), None, NOW)
    assert plan.first_time
    assert plan.entry is not None
    assert {d: v["state"] for d, v in plan.entry["destinations"].items()} == {"SOCIAL": "ROUTED", "BUREAU": "ROUTED"}
    assert [a["destination"] for a in plan.assignments] == ["SOCIAL", "BUREAU"]
    assert [s["state"] for s in plan.statuses] == ["ROUTED", "ROUTED"]


def test_a_redelivered_event_yields_byte_identical_outputs() -> None:
    """After a crash the same event comes again, later: outputs must not change, byte for byte."""
    first_event = event()
    first = plan_routing(first_event, None, NOW)
    again = plan_routing(first_event, first.entry, NOW + timedelta(minutes=5))
    assert not again.first_time
    codec, status_codec = codec_for("assignment"), codec_for("status_change")
    assert [codec.encode(a) for a in again.assignments] == [codec.encode(a) for a in first.assignments]
    assert [status_codec.encode(s) for s in again.statuses] == [status_codec.encode(s) for s in first.statuses]


def test_an_older_version_never_overwrites_a_newer_one() -> None:
    newer = plan_routing(event(inbound(phone="0987654321"), version=2), None, NOW)
    stale = plan_routing(event(version=1), newer.entry, NOW)
    assert stale.entry == newer.entry
    assert stale.assignments == [] and stale.statuses == []


def test_an_amendment_makes_new_assignments_under_a_new_id() -> None:
    first = plan_routing(event(), None, NOW)
    amended = plan_routing(event(inbound(phone="0987654321"), version=2), first.entry, NOW)
    assert amended.first_time
    old_ids = {a["assignment_id"] for a in first.assignments}
    assert old_ids.isdisjoint({a["assignment_id"] for a in amended.assignments})
    assert amended.entry is not None and amended.entry["version"] == 2
    assert len(amended.entry["destinations"]["SOCIAL"]["history"]) == 2


# --- helpers for the closed loop beyond one answer


def _referral(kind: str = "CHILD_PROTECTION", *, source: str = "POLICE", version: int = 1, **attributes: str) -> Any:
    base = event(version=version)
    service_type = "EMPLOYMENT" if kind == "SERVICE" else None
    return {**base, "kind": kind, "source": source, "service_type": service_type, "attributes": attributes}


def _routed(referral: dict[str, Any]) -> LedgerEntry:
    plan = plan_routing(referral, None, NOW)
    assert plan.entry is not None
    return plan.entry


def _answer(
    partner: str, state: str, minutes: int, *, to: str | None = None, reason: str | None = None
) -> dict[str, Any]:
    return {
        "event_id": f"U-{partner}-{state}-{minutes}-{to}",
        "partner": partner,
        "state": state,
        "reason_code": reason,
        "redirect_to": to,
        "at": NOW + timedelta(minutes=minutes),
    }


def _states(entry: LedgerEntry) -> dict[str, str]:
    return {destination: delivery["state"] for destination, delivery in entry["destinations"].items()}


ASSIGNMENT, STATUS = codec_for("assignment"), codec_for("status_change")


def _bytes(plan: UpdatePlan | RoutingPlan) -> tuple[list[bytes], list[bytes]]:
    return [ASSIGNMENT.encode(a) for a in plan.assignments], [STATUS.encode(s) for s in plan.statuses]


def _refused(update: dict[str, Any], entry: LedgerEntry) -> UpdateRefused:
    """Refused by the gateway's check and by the agent alike, and the entry is left as it was."""
    before = json.dumps(entry, sort_keys=True)
    with pytest.raises(UpdateRefused) as at_gateway:
        check_update(update, entry)
    with pytest.raises(UpdateRefused) as in_agent:
        plan_update(update, entry)
    assert at_gateway.value.code == in_agent.value.code
    assert in_agent.value.reason and "Traceback" not in in_agent.value.reason
    assert json.dumps(entry, sort_keys=True) == before
    return in_agent.value


# --- the template: assignments without the event


def test_the_template_is_json_and_makes_the_same_assignment_bytes_as_the_event() -> None:
    referral = event()
    entry = _routed(referral)
    template = json.loads(json.dumps(entry["template"]))  # as the ledger's changelog stores it
    assert template["occurred_at"] == referral["occurred_at"].isoformat()
    assert base64.b64decode(template["personal"]["ciphertext"]) == referral["personal"]["ciphertext"]
    for r in route(referral):
        from_event = ASSIGNMENT.encode(assignment(referral, r, NOW))
        assert ASSIGNMENT.encode(assignment_from_template(template, r, NOW)) == from_event


def test_an_assignment_from_the_event_is_what_it_always_was() -> None:
    referral = event()
    social = route(referral)[0]
    assert assignment(referral, social, NOW) == {
        "assignment_id": ids.assignment_id(referral["referral_id"], "SOCIAL", 1),
        "referral_id": referral["referral_id"],
        "version": 1,
        "destination": "SOCIAL",
        "copy": False,
        "team": None,
        "priority": "URGENT",
        "kind": "CHILD_PROTECTION",
        "service_type": None,
        "source": "POLICE",
        "partner_ref": "KPD-1140715-0031",
        "subject_id": "S-1",
        "gender": "M",
        "district": "鳳山區",
        "out_of_area": False,
        "occurred_at": referral["occurred_at"],
        "received_at": referral["received_at"],
        "routed_at": NOW,
        "rule": "CP-1",
        "legal_basis": "兒童及少年福利與權益保障法第53條",
        "attributes": {"children_ages": "3;7"},
        "personal": referral["personal"],
    }


def test_the_decisions_notes_are_merged_over_the_referrals_attributes() -> None:
    referral = _referral("YOUTH_DRUG_USE", source="SOCIAL", in_school="Y", drug_tier="1", proposed_dispatch="X")
    [social] = plan_routing(referral, None, NOW).assignments
    assert social["attributes"] == {
        "in_school": "Y",
        "drug_tier": "1",
        "proposed_dispatch": "EDU",
        "proposed_priority": "HIGH",
    }


def test_a_redelivered_lecture_is_rebuilt_from_the_ledger_not_from_a_moved_count() -> None:
    """The count of earlier lectures grows as notices arrive; a redelivery must still repeat the first bytes."""
    lecture = _referral("LECTURE", drug_tier="3")
    first = plan_routing(lecture, None, NOW, earlier_lectures=0)
    again = plan_routing(lecture, first.entry, NOW + timedelta(hours=1), earlier_lectures=3)
    assert first.assignments[0]["attributes"]["programme"] == "FIRST"
    assert _bytes(again) == _bytes(first)


# --- an amendment cancels what it no longer routes


def test_an_amendment_cancels_an_open_delivery_it_no_longer_routes() -> None:
    v1 = _routed(_referral("SERVICE", source="BUREAU", target="HOSP_KSPH", employment_need="Y"))
    assert set(_states(v1)) == {"HOSP_KSPH", "LABOUR"}
    later = NOW + timedelta(days=1)
    amended = plan_routing(_referral("SERVICE", source="BUREAU", version=2, target="HOSP_KSPH"), v1, later)
    assert amended.entry is not None
    assert _states(amended.entry) == {"HOSP_KSPH": "ROUTED", "LABOUR": "CANCELLED"}
    labour = amended.entry["destinations"]["LABOUR"]
    assert (labour["version"], labour["history"][-1]["by"], labour["history"][-1]["reason_code"]) == (
        1,
        "HUB",
        "AMENDED",
    )
    assert [a["destination"] for a in amended.assignments] == ["HOSP_KSPH"]
    [cancelled] = [s for s in amended.statuses if s["state"] == "CANCELLED"]
    assert (cancelled["destination"], cancelled["from_state"], cancelled["by"], cancelled["reason_code"]) == (
        "LABOUR",
        "ROUTED",
        "HUB",
        "AMENDED",
    )
    assert cancelled["at"] == later
    assert cancelled["event_id"] == ids.status_event_id(
        v1["referral_id"], "LABOUR", 1, f"CANCELLED@{later.isoformat()}"
    )


def test_a_redelivered_amendment_repeats_its_cancellations() -> None:
    v1 = _routed(_referral("SERVICE", source="BUREAU", target="HOSP_KSPH", employment_need="Y"))
    v2 = _referral("SERVICE", source="BUREAU", version=2, target="HOSP_KSPH")
    first = plan_routing(v2, v1, NOW + timedelta(days=1))
    again = plan_routing(v2, first.entry, NOW + timedelta(days=2))
    assert not again.first_time and again.entry == first.entry
    assert _bytes(again) == _bytes(first)


def test_an_amendment_leaves_closed_deliveries_alone() -> None:
    v1 = _routed(_referral("SERVICE", source="BUREAU", target="HOSP_KSPH", employment_need="Y"))
    rejected = plan_update(_answer("LABOUR", "REJECTED", 5, reason="NOT_ELIGIBLE"), v1).entry
    amended = plan_routing(_referral("SERVICE", source="BUREAU", version=2, target="HOSP_KSPH"), rejected, NOW)
    assert amended.entry is not None and _states(amended.entry)["LABOUR"] == "REJECTED"
    assert all(s["state"] == "ROUTED" for s in amended.statuses)


def test_an_amendment_makes_social_dispatch_again() -> None:
    youth = _routed(_referral("YOUTH_DRUG_USE", source="SOCIAL", in_school="Y", drug_tier="2"))
    dispatched = plan_update(_answer("SOCIAL", "ACCEPTED", 5, to="EDU"), youth).entry
    amended = plan_routing(_referral("YOUTH_DRUG_USE", source="SOCIAL", version=2, in_school="Y"), dispatched, NOW)
    assert amended.entry is not None
    assert _states(amended.entry) == {"SOCIAL": "ROUTED", "EDU": "CANCELLED"}
    assert "dispatched_to" not in amended.entry


# --- 再轉: a partner hands the referral on


def test_a_redirect_closes_the_partners_delivery_and_opens_the_targets() -> None:
    entry = _routed(_referral("SERVICE", source="BUREAU", target="HOSP_KSPH"))
    plan = plan_update(_answer("HOSP_KSPH", "REDIRECTED", 30, to="HOSP_CSH", reason="REFERRED_ELSEWHERE"), entry)
    assert plan.changed
    assert _states(plan.entry) == {"HOSP_KSPH": "REDIRECTED", "HOSP_CSH": "ROUTED"}
    at = NOW + timedelta(minutes=30)
    [new] = plan.assignments
    assert new["assignment_id"] == ids.assignment_id(entry["referral_id"], "HOSP_CSH", 1)
    assert (new["destination"], new["version"], new["rule"], new["routed_at"]) == ("HOSP_CSH", 1, "REDIRECT", at)
    assert new["attributes"]["redirected_by"] == "HOSP_KSPH"
    assert new["legal_basis"] == "毒品危害防制條例第2條之1"
    redirected, routed = plan.statuses
    assert (redirected["destination"], redirected["state"], redirected["by"]) == (
        "HOSP_KSPH",
        "REDIRECTED",
        "HOSP_KSPH",
    )
    assert (routed["destination"], routed["from_state"], routed["state"], routed["by"], routed["rule"]) == (
        "HOSP_CSH",
        "SUBMITTED",
        "ROUTED",
        "HOSP_KSPH",
        "REDIRECT",
    )
    assert plan.entry["destinations"]["HOSP_KSPH"]["history"][-1]["redirect_to"] == "HOSP_CSH"


def test_a_repeated_redirect_resends_the_same_status_and_assignment_bytes() -> None:
    entry = _routed(_referral("SERVICE", source="BUREAU", target="HOSP_KSPH"))
    redirect = _answer("HOSP_KSPH", "REDIRECTED", 30, to="HOSP_CSH")
    first = plan_update(redirect, entry)
    again = plan_update(redirect, first.entry)
    assert not again.changed and again.entry == first.entry
    assert _bytes(again) == _bytes(first)
    check_update(redirect, first.entry)  # the gateway answers a repeat as a duplicate, not a refusal


def test_the_new_target_answers_on_its_own_clock() -> None:
    """Its ROUTED is not an answer: a target whose clock runs behind the redirecting partner's still counts."""
    entry = _routed(_referral("SERVICE", source="BUREAU", target="HOSP_KSPH"))
    redirected = plan_update(_answer("HOSP_KSPH", "REDIRECTED", 30, to="HOSP_CSH"), entry).entry
    acknowledged = plan_update(_answer("HOSP_CSH", "ACKNOWLEDGED", 20), redirected)
    assert acknowledged.changed and _states(acknowledged.entry)["HOSP_CSH"] == "ACKNOWLEDGED"


def test_a_redirect_back_to_the_bureau_reaches_its_district_team() -> None:
    entry = _routed(_referral("SERVICE", source="BUREAU", target="LABOUR"))
    [bureau] = plan_update(_answer("LABOUR", "REDIRECTED", 5, to="BUREAU"), entry).assignments
    assert (bureau["destination"], bureau["team"]) == ("BUREAU", "DISTRICT:鳳山區")


@pytest.mark.parametrize(
    ("update", "code"),
    [
        (_answer("SOCIAL", "REDIRECTED", 5), "REDIRECT_TARGET_REQUIRED"),
        (_answer("SOCIAL", "REDIRECTED", 5, to="SOCIAL"), "REDIRECT_TO_SELF"),
        (_answer("SOCIAL", "REDIRECTED", 5, to="BUREAU"), "TARGET_ALREADY_OPEN"),
        (_answer("SOCIAL", "REDIRECTED", 5, to="TAINAN_CENTRE"), "UNKNOWN_TARGET"),
        (_answer("SOCIAL", "REJECTED", 5, to="LABOUR", reason="OTHER"), "REDIRECT_CONFLICT"),
        (_answer("LABOUR", "REDIRECTED", 5, to="HEALTH"), "NOT_ADDRESSED_TO_YOU"),
    ],
)
def test_a_redirect_that_cannot_be_is_refused_and_changes_nothing(update: dict[str, Any], code: str) -> None:
    assert _refused(update, _routed(event())).code == code


def test_a_redirect_to_an_agency_that_already_answered_this_version_is_refused() -> None:
    entry = _routed(event())
    bureau_done = plan_update(_answer("BUREAU", "REJECTED", 5, reason="NOT_ELIGIBLE"), entry).entry
    refused = _refused(_answer("SOCIAL", "REDIRECTED", 10, to="BUREAU"), bureau_done)
    assert refused.code == "TARGET_ALREADY_ANSWERED" and "BUREAU" in refused.reason


def test_a_redirected_delivery_takes_no_further_answer() -> None:
    entry = _routed(_referral("SERVICE", source="BUREAU", target="HOSP_KSPH"))
    redirected = plan_update(_answer("HOSP_KSPH", "REDIRECTED", 30, to="HOSP_CSH"), entry).entry
    assert _refused(_answer("HOSP_KSPH", "ACCEPTED", 40), redirected).code == "ILLEGAL_TRANSITION"
    assert _refused(_answer("HOSP_KSPH", "REDIRECTED", 50, to="HOSP_EDAH"), redirected).code == "ILLEGAL_TRANSITION"


def test_a_stale_redirect_is_ignored_and_opens_nothing() -> None:
    entry = _routed(_referral("SERVICE", source="BUREAU", target="HOSP_KSPH"))
    accepted = plan_update(_answer("HOSP_KSPH", "ACCEPTED", 60), entry).entry
    stale = plan_update(_answer("HOSP_KSPH", "REDIRECTED", 30, to="HOSP_CSH"), accepted)
    assert not stale.changed and stale.assignments == [] and stale.statuses == []
    assert _states(stale.entry) == {"HOSP_KSPH": "ACCEPTED"}


# --- 派案: SOCIAL dispatches a youth drug-use notice


def _youth(**attributes: str) -> LedgerEntry:
    return _routed(_referral("YOUTH_DRUG_USE", source="SOCIAL", **(attributes or {"in_school": "N", "drug_tier": "4"})))


def test_socials_dispatch_creates_the_targets_assignment_and_records_the_dispatch() -> None:
    entry = _youth(in_school="Y", drug_tier="1")
    plan = plan_update(_answer("SOCIAL", "ACCEPTED", 45, to="EDU"), entry)
    assert _states(plan.entry) == {"SOCIAL": "ACCEPTED", "EDU": "ROUTED"}
    [edu] = plan.assignments
    assert (edu["destination"], edu["rule"], edu["priority"], edu["copy"]) == ("EDU", "DISPATCH", "HIGH", False)
    assert edu["attributes"]["dispatched_by"] == "SOCIAL"
    assert edu["legal_basis"] == "兒童及少年福利與權益保障法第53條"
    assert [(s["destination"], s["state"], s["by"], s["rule"]) for s in plan.statuses] == [
        ("SOCIAL", "ACCEPTED", "SOCIAL", None),
        ("EDU", "ROUTED", "SOCIAL", "DISPATCH"),
    ]
    assert (plan.entry.get("dispatched_to"), plan.entry.get("dispatched_at")) == (
        "EDU",
        (NOW + timedelta(minutes=45)).isoformat(),
    )


def test_social_may_override_the_proposal_and_the_tier_sets_the_priority() -> None:
    [counsel] = plan_update(_answer("SOCIAL", "ACKNOWLEDGED", 5, to="YOUTH_COUNSEL"), _youth()).assignments
    assert (counsel["destination"], counsel["priority"]) == ("YOUTH_COUNSEL", "NORMAL")


def test_a_repeated_dispatch_resends_the_same_bytes() -> None:
    dispatch = _answer("SOCIAL", "ACCEPTED", 45, to="EDU")
    first = plan_update(dispatch, _youth())
    progressed = plan_update(_answer("EDU", "ACKNOWLEDGED", 50), first.entry).entry
    again = plan_update(dispatch, progressed)
    assert not again.changed
    assert _bytes(again) == _bytes(first)


def test_confirming_the_same_target_again_moves_social_only() -> None:
    dispatched = plan_update(_answer("SOCIAL", "ACCEPTED", 45, to="EDU"), _youth()).entry
    confirmed = plan_update(_answer("SOCIAL", "IN_PROGRESS", 90, to="EDU"), dispatched)
    assert confirmed.changed and confirmed.assignments == []
    assert [(s["destination"], s["state"]) for s in confirmed.statuses] == [("SOCIAL", "IN_PROGRESS")]
    assert confirmed.entry.get("dispatched_at") == dispatched.get("dispatched_at")


def test_a_second_dispatch_elsewhere_is_refused() -> None:
    dispatched = plan_update(_answer("SOCIAL", "ACCEPTED", 45, to="EDU"), _youth()).entry
    refused = _refused(_answer("SOCIAL", "IN_PROGRESS", 90, to="YOUTH_COUNSEL"), dispatched)
    assert refused.code == "ALREADY_DISPATCHED" and "EDU" in refused.reason


def test_social_dispatches_again_once_the_first_target_refused() -> None:
    dispatched = plan_update(_answer("SOCIAL", "ACCEPTED", 45, to="EDU"), _youth()).entry
    refused_by_edu = plan_update(_answer("EDU", "REJECTED", 60, reason="NOT_ELIGIBLE"), dispatched).entry
    again = plan_update(_answer("SOCIAL", "IN_PROGRESS", 90, to="YOUTH_COUNSEL"), refused_by_edu)
    assert [a["destination"] for a in again.assignments] == ["YOUTH_COUNSEL"]
    assert again.entry.get("dispatched_to") == "YOUTH_COUNSEL"
    # EDU's assignment id for this version is spent: the same target cannot be sent the notice twice.
    assert _refused(_answer("SOCIAL", "IN_PROGRESS", 90, to="EDU"), refused_by_edu).code == "TARGET_ALREADY_ANSWERED"


@pytest.mark.parametrize(
    ("entry", "update"),
    [
        (lambda: _routed(event()), _answer("SOCIAL", "ACCEPTED", 5, to="EDU")),  # not a youth drug-use notice
        (_youth, _answer("SOCIAL", "ACCEPTED", 5, to="LABOUR")),  # not a dispatch target
    ],
)
def test_only_social_dispatches_only_youth_notices_only_to_edu_or_counsel(
    entry: Callable[[], LedgerEntry], update: dict[str, Any]
) -> None:
    assert _refused(update, entry()).code == "DISPATCH_NOT_ALLOWED"


# --- the hub expires what was never acknowledged


def test_an_unacknowledged_delivery_expires() -> None:
    entry = _routed(event())
    at = NOW + timedelta(days=30)
    plan = plan_expiry(entry, "BUREAU", at)
    assert plan.changed and plan.assignments == []
    assert _states(plan.entry) == {"SOCIAL": "ROUTED", "BUREAU": "EXPIRED"}
    [status] = plan.statuses
    assert (status["from_state"], status["state"], status["by"], status["reason_code"], status["at"]) == (
        "ROUTED",
        "EXPIRED",
        "HUB",
        "NOT_ACKNOWLEDGED",
        at,
    )


def test_a_repeated_expiry_resends_the_same_bytes_whatever_the_clock_says() -> None:
    first = plan_expiry(_routed(event()), "BUREAU", NOW + timedelta(days=30))
    again = plan_expiry(first.entry, "BUREAU", NOW + timedelta(days=31))
    assert not again.changed and again.entry == first.entry
    assert _bytes(again) == _bytes(first)


@pytest.mark.parametrize("state", ["ACKNOWLEDGED", "ACCEPTED", "REJECTED"])
def test_an_acknowledged_or_closed_delivery_does_not_expire(state: str) -> None:
    answered = plan_update(_answer("BUREAU", state, 5, reason="OTHER"), _routed(event())).entry
    plan = plan_expiry(answered, "BUREAU", NOW + timedelta(days=30))
    assert not plan.changed and plan.statuses == [] and plan.entry == answered


def test_an_expiry_for_another_version_or_destination_is_a_no_op() -> None:
    entry = _routed(event())
    assert not plan_expiry(entry, "BUREAU", NOW + timedelta(days=30), version=2).changed
    assert not plan_expiry(entry, "LABOUR", NOW + timedelta(days=30)).changed


def test_a_late_answer_after_expiry_is_refused() -> None:
    expired = plan_expiry(_routed(event()), "BUREAU", NOW + timedelta(days=30)).entry
    assert _refused(_answer("BUREAU", "ACKNOWLEDGED", 60 * 24 * 31), expired).code == "ILLEGAL_TRANSITION"


# --- idempotence and order of ordinary answers


def test_an_earlier_answer_repeated_after_a_later_one_repeats_its_own_bytes() -> None:
    entry = _routed(event())
    acknowledged = plan_update(_answer("SOCIAL", "ACKNOWLEDGED", 5), entry)
    accepted = plan_update(_answer("SOCIAL", "ACCEPTED", 10), acknowledged.entry)
    again = plan_update(_answer("SOCIAL", "ACKNOWLEDGED", 5), accepted.entry)
    assert not again.changed
    assert _bytes(again) == _bytes(acknowledged)
    assert again.statuses[0]["from_state"] == "ROUTED"


def test_an_entry_written_before_templates_were_kept_still_repeats_its_routing() -> None:
    referral = event()
    first = plan_routing(referral, None, NOW)
    assert first.entry is not None
    legacy: Any = {key: value for key, value in first.entry.items() if key != "template"}
    legacy["destinations"] = {
        d: {key: value for key, value in delivery.items() if key != "route"}
        for d, delivery in first.entry["destinations"].items()
    }
    again = plan_routing(referral, legacy, NOW + timedelta(minutes=5))
    assert again.entry is legacy and _bytes(again) == _bytes(first)
    refused = _refused(_answer("SOCIAL", "REDIRECTED", 5, to="NGO_DPF"), legacy)
    assert refused.code == "CANNOT_HAND_ON"


def test_a_redelivered_cancellation_by_the_source_rebuilds_its_status_changes() -> None:
    entry = _routed(_referral())
    cancel = _answer("POLICE", "CANCELLED", 5, reason="OTHER")
    first = plan_update(cancel, entry)
    assert first.changed and _states(first.entry) == {"SOCIAL": "CANCELLED", "BUREAU": "CANCELLED"}
    again = plan_update(cancel, first.entry)
    assert not again.changed
    assert _bytes(again) == _bytes(first), "after a crash the same cancellation re-sends the same bytes"
