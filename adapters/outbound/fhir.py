"""HOSP_* and HEALTH outbound: treatment referrals (戒癮治療轉介) as HL7 FHIR R4 JSON.

Each assignment is a ``Task`` (intent ``order``) whose ``focus`` is a ``ServiceRequest`` for the ``Patient``
(PARTNER_FORMATS.md, "HOSP_* and HEALTH"); hospitals answer by updating ``Task.status``, which maps onto the
lifecycle (``processors.lifecycle.FHIR_TASK_STATUS``). The resources travel in one ``Bundle`` of type
``collection``, referring to each other by ``urn:uuid:`` full URLs.

Those UUIDs are uuid5 of the assignment id, never random: the same assignment renders byte-identically on
every pull, so a hospital that pulls twice sees the same resources, not a second referral. FHIR JSON has no
``null``: an element the hub does not know is left out.

What the resources hold is what the hospital's view lets through (processors/privacy/views.toml; the registry
filters before this module runs): the identity and contact fields in the ``Patient``, the deferral period as the
``ServiceRequest.occurrencePeriod``, and every other granted attribute or personal field (附命條件, 案號, the
stated need…) as a ``Task.input`` coded ``urn:refhub:attribute`` / ``urn:refhub:personal`` with the field's name.

An **erasure notice** (塗銷通知, 少年事件處理法第83條之1) is the original ``Task`` again — same ``fullUrl``, so
the hospital's system sees an update of the order it holds — with ``status`` ``cancelled``, a ``statusReason``
coded ``ERASED`` (``urn:refhub:reason``) naming the basis, and the notice id as a third identifier: one Task per
assignment id the notice names, and no ``Patient`` or ``ServiceRequest`` (a notice carries no personal data).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any, Final

from adapters.outbound import Rendered, json_bytes, taipei_iso
from adapters.outbound.items import AssignmentItem, ErasureNoticeItem, OutboundItem
from processors.lifecycle import FHIR_TASK_STATUS, State

CONTENT_TYPE: Final = "application/fhir+json"
REFERRAL_IDENTIFIER_SYSTEM: Final = "urn:refhub:referral"
"""The hub's referral id as a FHIR identifier; the inbound FHIR adapter reads hospitals' replies by it."""
ASSIGNMENT_IDENTIFIER_SYSTEM: Final = "urn:refhub:assignment"
NOTICE_IDENTIFIER_SYSTEM: Final = "urn:refhub:erasure-notice"
REASON_SYSTEM: Final = "urn:refhub:reason"
ATTRIBUTE_SYSTEM: Final = "urn:refhub:attribute"
PERSONAL_SYSTEM: Final = "urn:refhub:personal"
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


_PATIENT_FIELDS: Final = frozenset({"national_id", "name", "phone", "email", "birth_date"})
_PERIOD: Final = ("deferral_start", "deferral_end")


def _input(system: str, key: str, value: Any) -> dict[str, Any]:
    return {"type": {"coding": [{"system": system, "code": key}]}, "valueString": str(value)}


def task_inputs(assignment: Mapping[str, Any], personal: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every granted attribute and non-``Patient`` personal field as a ``Task.input``, sorted by name."""
    attributes: Mapping[str, str] = assignment.get("attributes") or {}
    inputs = [_input(ATTRIBUTE_SYSTEM, key, attributes[key]) for key in sorted(attributes) if attributes[key]]
    extras = sorted(key for key in personal if key not in _PATIENT_FIELDS and key != "erased")
    inputs += [_input(PERSONAL_SYSTEM, key, personal[key]) for key in extras if personal[key] not in (None, "")]
    return inputs


def task(assignment: Mapping[str, Any], state: State, personal: Mapping[str, Any] | None = None) -> dict[str, Any]:
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
            "input": task_inputs(assignment, personal or {}),
        }
    )


def erasure_task(notice: Mapping[str, Any], assignment_id: str) -> dict[str, Any]:
    """The ``Task`` of ``assignment_id`` cancelled by an erasure notice: delete the order and what came with it."""
    basis = notice["legal_basis"]
    return _without_empty(
        {
            "resourceType": "Task",
            "identifier": [
                {"system": REFERRAL_IDENTIFIER_SYSTEM, "value": notice["referral_id"]},
                {"system": ASSIGNMENT_IDENTIFIER_SYSTEM, "value": assignment_id},
                {"system": NOTICE_IDENTIFIER_SYSTEM, "value": notice["notice_id"]},
            ],
            "status": "cancelled",
            "statusReason": {
                "coding": [{"system": REASON_SYSTEM, "code": notice["reason_code"]}],
                "text": f"塗銷：依{basis}刪除本轉介之全部資料",
            },
            "intent": "order",
            "lastModified": taipei_iso(notice["at"]),
            "owner": _agency(notice["destination"]),
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
            "occurrencePeriod": _deferral_period(assignment.get("attributes") or {}),
            "reasonCode": [{"text": assignment["kind"]}],
            "note": [{"text": f"法律依據：{assignment['legal_basis']}"}] if assignment.get("legal_basis") else [],
        }
    )


def _deferral_period(attributes: Mapping[str, str]) -> dict[str, str] | None:
    """緩起訴期間: the treatment the order asks for must be completed within it."""
    start, end = (attributes.get(key) for key in _PERIOD)
    return _without_empty({"start": start, "end": end}) or None


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
    resources = (task(assignment, state, personal), service_request(assignment), patient(assignment, personal))
    return [{"fullUrl": full_url(assignment_id, r["resourceType"]), "resource": r} for r in resources]


def erasure_entries(notice: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One cancelled ``Task`` per assignment the notice names, each under its original ``fullUrl``."""
    return [
        {"fullUrl": full_url(assignment_id, "Task"), "resource": erasure_task(notice, assignment_id)}
        for assignment_id in notice["assignment_ids"]
    ]


def render_treatment_referrals(
    items: Sequence[OutboundItem], states: Mapping[str, State | str] | None = None
) -> Rendered:
    """One ``collection`` Bundle holding every assignment and erasure notice in the order given.

    ``states`` gives the delivery state per assignment id; an assignment not in it is ``requested``
    (ROUTED: the hospital has not yet answered).
    """
    known = states or {}
    entries: list[dict[str, Any]] = []
    for item in items:
        if isinstance(item, ErasureNoticeItem):
            entries.extend(erasure_entries(item.notice))
            continue
        state = State(known.get(item.assignment["assignment_id"], State.ROUTED))
        entries.extend(bundle_entries(item.assignment, item.personal, state))
    bundle = _without_empty({"resourceType": "Bundle", "type": "collection", "entry": entries})
    return Rendered(CONTENT_TYPE, json_bytes(bundle))


def render_treatment_referral(
    assignment: Mapping[str, Any], personal: Mapping[str, Any], state: State | str = State.ROUTED
) -> Rendered:
    """One assignment as a Bundle; ``Task.status`` from ``state`` (default ROUTED → ``requested``)."""
    return render_treatment_referrals([AssignmentItem(assignment, personal)], {assignment["assignment_id"]: state})
