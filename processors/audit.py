"""The audit trail (稽核軌跡): one event per disclosure, decision, erasure step, credential change and admin call.

Shaped after HL7 FHIR R4 ``AuditEvent`` (who = ``agent``, what = ``entity`` with the fields disclosed as
``detail``, why = ``purposeOfEvent``, when = ``recorded``, ``outcome``) so that :func:`to_fhir` maps one onto
the other field by field. Events name people only by their pseudonymous subject id and fields only by name:
the trail says who saw what about whom without becoming a second copy of the data.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Final, Literal

from processors import ids

Action = Literal["C", "R", "U", "D", "E"]
Outcome = Literal["SUCCESS", "MINOR_FAILURE", "SERIOUS_FAILURE", "MAJOR_FAILURE"]
EntityType = Literal["SUBJECT", "REFERRAL", "ASSIGNMENT", "ORDER", "CREDENTIAL", "PARTNER", "SUBMISSION", "OTHER"]

DISCLOSURE: Final = "DISCLOSURE"
ROUTING: Final = "ROUTING"
STATUS_CHANGE: Final = "STATUS_CHANGE"
ERASURE: Final = "ERASURE"
CREDENTIAL: Final = "CREDENTIAL"
ADMIN: Final = "ADMIN"
KEY_RELEASE: Final = "KEY_RELEASE"
REFUSAL: Final = "REFUSAL"

HUB: Final = "HUB"

FHIR_OUTCOME: Final[Mapping[str, str]] = {
    "SUCCESS": "0",
    "MINOR_FAILURE": "4",
    "SERIOUS_FAILURE": "8",
    "MAJOR_FAILURE": "12",
}
# FHIR audit-entity-type: 1 Person, 2 System Object, 4 Other.
_FHIR_ENTITY_TYPE: Final[Mapping[str, str]] = {"SUBJECT": "1", "PARTNER": "1", "OTHER": "4"}
TYPE_SYSTEM: Final = "urn:refhub:audit-event-type"
SUBTYPE_SYSTEM: Final = "urn:refhub:audit-event-subtype"


def entity(what: str, type_: EntityType, fields: Iterable[str] = ()) -> dict[str, Any]:
    return {"what": what, "type": type_, "fields": sorted(set(fields))}


def agent(
    who: str, role: str, *, credential_id: str | None = None, address: str | None = None, requestor: bool = True
) -> dict[str, Any]:
    return {"who": who, "role": role, "credential_id": credential_id, "address": address, "requestor": requestor}


HUB_AGENT: Final[Mapping[str, Any]] = agent(HUB, HUB, requestor=False)
"""The hub's own agents deciding (routing, clocks, erasure): FHIR agent.requestor false."""


def audit_event(
    *,
    event_id: str,
    type_: str,
    subtype: str,
    action: Action,
    recorded: datetime,
    who: Mapping[str, Any],
    purpose: str,
    entities: Iterable[Mapping[str, Any]],
    observer: str,
    outcome: Outcome = "SUCCESS",
    outcome_desc: str | None = None,
    request_id: str | None = None,
) -> dict[str, Any]:
    """The ``AuditEvent`` Avro record (schemas/audit_event.avsc)."""
    return {
        "event_id": event_id,
        "type": type_,
        "subtype": subtype,
        "action": action,
        "recorded": recorded,
        "outcome": outcome,
        "outcome_desc": outcome_desc,
        "purpose": purpose,
        "agent": dict(who),
        "observer": observer,
        "request_id": request_id,
        "entities": [dict(e) for e in entities],
    }


def decided(
    *parts: str,
    type_: str,
    subtype: str,
    action: Action,
    recorded: datetime,
    purpose: str,
    entities: Iterable[Mapping[str, Any]],
    observer: str = HUB,
    who: Mapping[str, Any] = HUB_AGENT,
) -> dict[str, Any]:
    """An audit event of the hub's own agents: its id is derived from ``parts`` (the decision's own ids), so a
    redelivered message re-sends the same event, and its time is the decision's, not the redelivery's. ``who``
    is the hub itself, or the partner whose answer the agent applied."""
    return audit_event(
        event_id=ids.audit_event_id(type_, subtype, *parts),
        type_=type_,
        subtype=subtype,
        action=action,
        recorded=recorded,
        who=who,
        purpose=purpose,
        entities=entities,
        observer=observer,
    )


def key_of(event: Mapping[str, Any]) -> str:
    """audit.events key: the first subject the event names (one person's trail stays in order), else its id."""
    for named in event["entities"]:
        if named["type"] == "SUBJECT":
            return str(named["what"])
    return str(event["event_id"])


def names(event: Mapping[str, Any], what: str) -> bool:
    return any(named["what"] == what for named in event["entities"])


def to_fhir(event: Mapping[str, Any]) -> dict[str, Any]:
    """The event as a FHIR R4 ``AuditEvent`` resource (JSON), for a system that keeps its trail in FHIR."""
    recorded: datetime = event["recorded"]
    who = event["agent"]
    fhir_agent: dict[str, Any] = {
        "who": {"identifier": {"system": "urn:refhub:principal", "value": who["who"]}},
        "requestor": bool(who["requestor"]),
        "role": [{"text": who["role"]}],
    }
    if who.get("credential_id"):
        fhir_agent["altId"] = who["credential_id"]
    if who.get("address"):
        fhir_agent["network"] = {"address": who["address"], "type": "2"}  # 2 = IP address
    resource: dict[str, Any] = {
        "resourceType": "AuditEvent",
        "id": _fhir_id(event["event_id"]),
        "type": {"system": TYPE_SYSTEM, "code": event["type"]},
        "subtype": [{"system": SUBTYPE_SYSTEM, "code": event["subtype"]}],
        "action": event["action"],
        "recorded": recorded.isoformat(),
        "outcome": FHIR_OUTCOME[event["outcome"]],
        "purposeOfEvent": [{"text": event["purpose"]}],
        "agent": [fhir_agent],
        "source": {"observer": {"display": event["observer"]}},
        "entity": [_fhir_entity(named) for named in event["entities"]],
    }
    if event.get("outcome_desc"):
        resource["outcomeDesc"] = event["outcome_desc"]
    if event.get("request_id"):
        resource["extension"] = [{"url": "urn:refhub:request-id", "valueString": event["request_id"]}]
    return resource


def _fhir_entity(named: Mapping[str, Any]) -> dict[str, Any]:
    entity_type = _FHIR_ENTITY_TYPE.get(named["type"], "2")
    fhir: dict[str, Any] = {
        "what": {"identifier": {"system": f"urn:refhub:{named['type'].lower()}", "value": named["what"]}},
        "type": {"system": "http://terminology.hl7.org/CodeSystem/audit-entity-type", "code": entity_type},
    }
    if named["fields"]:
        fhir["detail"] = [{"type": "disclosed-field", "valueString": field} for field in named["fields"]]
    return fhir


def _fhir_id(event_id: str) -> str:
    # FHIR ids are [A-Za-z0-9\-\.]{1,64}.
    return "".join(c if c.isalnum() or c in "-." else "-" for c in event_id)[:64]


def status_change(status: Mapping[str, Any], subject_id: str, purpose: str) -> dict[str, Any]:
    """A lifecycle transition (狀態異動) as an audit event: who moved which delivery of whose referral to what."""
    by = status["by"]
    return decided(
        status["event_id"],
        type_=STATUS_CHANGE,
        subtype=f"status.{str(status['state']).lower()}",
        action="U",
        recorded=status["at"],
        purpose=purpose,
        entities=[
            entity(subject_id, "SUBJECT"),
            entity(status["referral_id"], "REFERRAL"),
            entity(status["destination"], "PARTNER"),
        ],
        who=HUB_AGENT if by == HUB else agent(by, "PARTNER"),
    )
