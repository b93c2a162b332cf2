from datetime import UTC, datetime
from typing import Any

import pytest
from journey_builders import SUBJECT, contact, deferred, hours, pre_release, state, taipei

from processors.journeys.journey import apply_step
from processors.journeys.policy import JourneyPolicy
from processors.journeys.steps import InvalidStep, parse_step

NOW = taipei(2025, 7, 1, 9)


def _with(step: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**step, **changes}


def _attrs(step: dict[str, Any], **changes: str) -> dict[str, Any]:
    return {**step, "attributes": {**step["attributes"], **changes}}


@pytest.mark.parametrize(
    ("step", "message"),
    [
        (_with(contact("c", NOW), type="VISIT"), "type: 'VISIT' is not one of"),
        (_with(contact("c", NOW), step_id=""), "step_id: required"),
        (_with(contact("c", NOW), subject_id=None), "subject_id: required"),
        (_with(state("R-1", "BUREAU", "ACCEPTED", NOW), referral_id=None), "referral_id: required for a STATE step"),
        (_with(state("R-1", "BUREAU", "ACCEPTED", NOW), destination=None), "destination: required"),
        (_with(state("R-1", "BUREAU", "ACCEPTED", NOW), state="DONE"), "state: 'DONE' is not a lifecycle state"),
        (_with(deferred("R-1", NOW), kind=None), "kind: required for a REFERRED step"),
        (_with(contact("c", NOW), at=datetime(2025, 7, 1, 9)), "has no time zone"),
        (_with(contact("c", NOW), at="yesterday"), "at: 'yesterday' is not an ISO-8601 instant"),
        (_with(contact("c", NOW), at=1751331600000), "is not an instant"),
        (_attrs(contact("c", NOW), mode="EMAIL"), "attributes.mode: 'EMAIL' is not one of"),
        (_with(contact("c", NOW), attributes={"mode": "HOME"}), "attributes.reached: required"),
        (_attrs(contact("c", NOW), reached="true"), "attributes.reached: 'true' is not one of Y, N"),
        (_attrs(contact("c", NOW), need_level="URGENT"), "attributes.need_level: 'URGENT'"),
        (_attrs(pre_release("R-1", "2025-07-15", NOW), expected_release_date="114/07/15"), "is not a date"),
        (_attrs(pre_release("R-1", "2025-07-15", NOW), youth="yes"), "attributes.youth: 'yes'"),
        (_attrs(deferred("R-1", NOW), treatment_ordered="1"), "attributes.treatment_ordered"),
        (_attrs(hours("R-1", "2025-07", 8, NOW), period="2025-13"), "attributes.period: '2025-13'"),
        (_attrs(hours("R-1", "2025-07", 8, NOW), hours="eight"), "attributes.hours: 'eight' is not a number"),
        (_attrs(hours("R-1", "2025-07", 8, NOW), hours="0"), "attributes.hours: 0 must be"),
        (_attrs(hours("R-1", "2025-07", 8, NOW), hours="nan"), "must be a number more than zero"),
        (_with(contact("c", NOW), attributes={"mode": "HOME", "reached": True}), "attributes: must map strings"),
    ],
)
def test_a_malformed_step_is_refused_naming_the_field(step: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidStep) as refused:
        apply_step(None, step, JourneyPolicy(), NOW)
    assert message in str(refused.value)


def test_an_iso_string_or_a_utc_datetime_is_an_instant() -> None:
    # Avro decodes timestamp-millis as UTC datetimes; the JSON table holds ISO strings.
    assert parse_step(_with(contact("c", NOW), at="2025-07-01T09:00:00+08:00")).at == NOW
    assert parse_step(_with(contact("c", NOW), at=datetime(2025, 7, 1, 1, tzinfo=UTC))).at == NOW


def test_missing_attributes_and_nullable_fields_are_fine() -> None:
    step = parse_step(_with(contact("c", NOW), attributes={"mode": "FACE", "reached": "N", "need_level": ""}))
    assert (step.reached, step.home_visit, step.need_level, step.referral_id) == (False, False, None, None)


def test_a_step_for_another_person_is_refused() -> None:
    journey = apply_step(None, contact("c1", NOW), JourneyPolicy(), NOW).journey
    assert journey is not None and journey["subject_id"] == SUBJECT
    with pytest.raises(InvalidStep, match="subject_id"):
        apply_step(journey, _with(contact("c2", NOW), subject_id="S-ffffffffffffffffffffffff"), JourneyPolicy(), NOW)
