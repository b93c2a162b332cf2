"""Audit events (稽核紀錄): the Avro record, and its mapping onto a FHIR R4 AuditEvent that a FHIR model accepts."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import fastavro
import pytest
from fhir.resources.R4B.auditevent import AuditEvent

from processors import audit
from schemas.catalogue import schema_json

AT = datetime(2025, 8, 1, 6, 0, tzinfo=UTC)


def disclosure() -> dict[str, object]:
    return audit.audit_event(
        event_id="AU-request-1",
        type_=audit.DISCLOSURE,
        subtype="outbox.assignments",
        action="R",
        recorded=AT,
        who=audit.agent("SOCIAL", "PARTNER", credential_id="tok_1", address="10.0.0.7"),
        purpose="兒童及少年福利與權益保障法第53條",
        entities=[
            audit.entity("S-youth", "SUBJECT", ["national_id", "name", "name"]),
            audit.entity("R-1", "REFERRAL"),
            audit.entity("A-1", "ASSIGNMENT"),
        ],
        observer="refhub@test",
        request_id="req-1",
    )


def test_the_record_fits_its_schema_and_keys_by_subject() -> None:
    event = disclosure()
    fastavro.schemaless_writer(io.BytesIO(), fastavro.parse_schema(schema_json("audit_event")), event)
    assert audit.key_of(event) == "S-youth"
    assert event["entities"][0]["fields"] == ["name", "national_id"], "field names once, sorted; never values"  # type: ignore[index]


@pytest.mark.parametrize("outcome", ["SUCCESS", "MINOR_FAILURE", "SERIOUS_FAILURE", "MAJOR_FAILURE"])
def test_every_event_maps_onto_a_valid_fhir_auditevent(outcome: str) -> None:
    event = {**disclosure(), "outcome": outcome, "outcome_desc": "FORBIDDEN"}
    resource = audit.to_fhir(event)
    parsed = AuditEvent.model_validate(resource)
    assert parsed.action == "R"
    assert parsed.outcome == audit.FHIR_OUTCOME[outcome]
    assert parsed.agent[0].requestor is True
    assert parsed.entity[0].detail[0].valueString == "name"
    assert resource["purposeOfEvent"][0]["text"] == "兒童及少年福利與權益保障法第53條"


def test_an_agents_decision_has_a_deterministic_id_and_the_hub_as_agent() -> None:
    first = audit.decided(
        "R-1", "1", type_=audit.ROUTING, subtype="route", action="C", recorded=AT, purpose="x", entities=[]
    )
    again = audit.decided(
        "R-1", "1", type_=audit.ROUTING, subtype="route", action="C", recorded=AT, purpose="x", entities=[]
    )
    other = audit.decided(
        "R-1", "2", type_=audit.ROUTING, subtype="route", action="C", recorded=AT, purpose="x", entities=[]
    )
    assert first == again and first["event_id"] != other["event_id"]
    assert first["agent"]["who"] == "HUB" and first["agent"]["requestor"] is False  # type: ignore[index]
    AuditEvent.model_validate(audit.to_fhir(first))
