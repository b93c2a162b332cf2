"""HOSP_* and HEALTH outbound: treatment referrals (戒癮治療轉介) as HL7 FHIR R4 JSON.

Each assignment is a ``Task`` (intent ``order``) whose ``focus`` is a ``ServiceRequest`` for the ``Patient``
(PARTNER_FORMATS.md, "HOSP_* and HEALTH"); hospitals answer by updating ``Task.status``, which maps onto the
lifecycle (``processors.lifecycle.FHIR_TASK_STATUS``). The resources travel in one ``Bundle`` of type
``collection``, referring to each other by ``urn:uuid:`` full URLs.

Those UUIDs are uuid5 of the assignment id, never random: the same assignment renders byte-identically on
every pull, so a hospital that pulls twice sees the same resources, not a second referral. FHIR JSON has no
``null``: an element the hub does not know is left out.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any, Final

from adapters.outbound import Rendered, json_bytes, taipei_iso
from processors.lifecycle import FHIR_TASK_STATUS, State

CONTENT_TYPE: Final = "application/fhir+json"
REFERRAL_IDENTIFIER_SYSTEM: Final = "urn:refhub:referral"
"""The hub's referral id as a FHIR identifier; the inbound FHIR adapter reads hospitals' replies by it."""
ASSIGNMENT_IDENTIFIER_SYSTEM: Final = "urn:refhub:assignment"
AGENCY_IDENTIFIER_SYSTEM: Final = "urn:refhub:agency"
NATIONAL_ID_SYSTEM: Final = "http://www.moi.gov.tw/"
"""內政部: the issuer of the 身分證統一編號."""

TREATMENT: Final = "戒癮治療"
# Fixed namespace for the uuid5s, so every deployment and every release derives the same UUIDs.
_NAMESPACE: Final = uuid.uuid5(uuid.NAMESPACE_URL, "urn:refhub:outbound:fhir")

_GENDER: Final[Mapping[str, str]] = MappingProxyType({"M": "male", "F": "female"})
# FHIR request priority (routine < urgent < asap < stat) for the hub's URGENT / HIGH / NORMAL.
_PRIORITY: Final[Mapping[str, str]] = MappingProxyType({"URGENT": "asap", "HIGH": "urgent", "NORMAL": "routine"})
# What a hospital is asked to do: treatment unless the referral names another service.
_SERVICE_TEXT: Final[Mapping[str | None, str]] = MappingProxyType({None: TREATMENT, "MEDICAL": TREATMENT})


def full_url(assignment_id: str, resource_type: str) -> str:
    """The ``urn:uuid:`` of one resource of one assignment."""
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, f'{assignment_id}/{resource_type}')}"


def _agency(code: str) -> dict[str, Any]:
    return {"identifier": {"system": AGENCY_IDENTIFIER_SYSTEM, "value": code}}


def _without_empty(resource: dict[str, Any]) -> dict[str, Any]:
    # FHIR forbids null and empty arrays/objects: drop what the hub does not know.
    return {key: value for key, value in resource.items() if value not in (None, [], {})}


def task(assignment: Mapping[str, Any], state: State) -> dict[str, Any]:
    """The ``Task``: the order to the hospital, carrying the delivery's lifecycle state as its status."""
    assignment_id = assignment["assignment_id"]
    return _without_empty(
        {
            "resourceType": "Task",
            "identifier": [
                {"system": REFERRAL_IDENTIFIER_SYSTEM, "value": assignment["referral_id"]},
                {"system": ASSIGNMENT_IDENTIFIER_SYSTEM, "value": assignment_id},
            ],
            "status": FHIR_TASK_STATUS[state],
            "intent": "order",
            "priority": _PRIORITY.get(assignment["priority"]),
            "focus": {"reference": full_url(assignment_id, "ServiceRequest")},
            "for": {"reference": full_url(assignment_id, "Patient")},
            "authoredOn": taipei_iso(assignment["routed_at"]),
            "requester": _agency(assignment["source"]),
            "owner": _agency(assignment["destination"]),
        }
    )


def service_request(assignment: Mapping[str, Any]) -> dict[str, Any]:
    """The ``ServiceRequest``: what is asked (戒癮治療 or the service type), why (the kind) and by what law."""
    assignment_id = assignment["assignment_id"]
    service_type = assignment.get("service_type")
    return _without_empty(
        {
            "resourceType": "ServiceRequest",
            "status": "active",
            "intent": "order",
            "priority": _PRIORITY.get(assignment["priority"]),
            "code": {"text": _SERVICE_TEXT.get(service_type, service_type)},
            "subject": {"reference": full_url(assignment_id, "Patient")},
            "authoredOn": taipei_iso(assignment["routed_at"]),
            "requester": _agency(assignment["source"]),
            "performer": [_agency(assignment["destination"])],
            "reasonCode": [{"text": assignment["kind"]}],
            "note": [{"text": f"法律依據：{assignment['legal_basis']}"}] if assignment.get("legal_basis") else [],
        }
    )


def patient(assignment: Mapping[str, Any], personal: Mapping[str, Any]) -> dict[str, Any]:
    """The ``Patient`` from the unsealed personal fields; the district as the address where it is in the city."""
    national_id = personal.get("national_id")
    name = personal.get("name")
    telecom = [
        {"system": system, "value": personal[key]}
        for system, key in (("phone", "phone"), ("email", "email"))
        if personal.get(key)
    ]
    district = assignment.get("district")
    address = [{"city": "高雄市", "district": district}] if district and not assignment.get("out_of_area") else []
    return _without_empty(
        {
            "resourceType": "Patient",
            "identifier": [{"system": NATIONAL_ID_SYSTEM, "value": national_id}] if national_id else [],
            "name": [{"text": name}] if name else [],
            "telecom": telecom,
            "gender": _GENDER.get(assignment.get("gender") or ""),
            "birthDate": personal.get("birth_date"),
            "address": address,
        }
    )


def bundle_entries(assignment: Mapping[str, Any], personal: Mapping[str, Any], state: State) -> list[dict[str, Any]]:
    """Task, ServiceRequest and Patient of one assignment, each with its ``fullUrl``."""
    assignment_id = assignment["assignment_id"]
    resources = (task(assignment, state), service_request(assignment), patient(assignment, personal))
    return [{"fullUrl": full_url(assignment_id, r["resourceType"]), "resource": r} for r in resources]


def render_treatment_referrals(
    items: Sequence[tuple[Mapping[str, Any], Mapping[str, Any]]],
    states: Mapping[str, State | str] | None = None,
) -> Rendered:
    """One ``collection`` Bundle holding every ``(assignment, personal)`` in the order given.

    ``states`` gives the delivery state per assignment id; an assignment not in it is ``requested``
    (ROUTED: the hospital has not yet answered).
    """
    known = states or {}
    entries: list[dict[str, Any]] = []
    for assignment, personal in items:
        state = State(known.get(assignment["assignment_id"], State.ROUTED))
        entries.extend(bundle_entries(assignment, personal, state))
    bundle = _without_empty({"resourceType": "Bundle", "type": "collection", "entry": entries})
    return Rendered(CONTENT_TYPE, json_bytes(bundle))


def render_treatment_referral(
    assignment: Mapping[str, Any], personal: Mapping[str, Any], state: State | str = State.ROUTED
) -> Rendered:
    """One assignment as a Bundle; ``Task.status`` from ``state`` (default ROUTED → ``requested``)."""
    return render_treatment_referrals([(assignment, personal)], {assignment["assignment_id"]: state})
