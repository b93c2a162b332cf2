"""SOCIAL outbound (社會局): the hub's assignments as JSON in the social-affairs case system's own style.

camelCase English names, ISO 8601 times with ``+08:00``, one message per assignment with a ``type``
(PARTNER_FORMATS.md, "SOCIAL"):

* ``CHILD_PROTECTION_NOTICE`` — 兒少保護通報, with the children's ages and the venue type;
* ``FAMILY_SUPPORT_REFERRAL`` — 家庭支持服務轉介 (家支計畫), a SERVICE referral of type FAMILY_SUPPORT;
* ``YOUTH_DRUG_USE_DISPATCH`` — 兒少施用毒品通報 for SOCIAL to dispatch (派案), with the hub's proposed
  target ``dispatchTo`` (EDU if in school, YOUTH_COUNSEL if not) for SOCIAL to confirm or override;
* ``REFERRAL`` — any other kind addressed to SOCIAL.

As in SOCIAL's own messages, a fact the referral does not carry is left out rather than sent as null;
``dispatchTo`` is the exception, always present on a dispatch (null: no proposal, SOCIAL decides).
``source``/``sourceRef`` are the agency that sent the referral to the hub and its reference; ``reporter`` is
who first reported it, when that was someone else (a school reporting through SOCIAL).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any, Final

from adapters.outbound import JSON_CONTENT_TYPE, Rendered, camel, json_bytes, taipei_iso

DISPATCH_TARGETS: Final = frozenset({"EDU", "YOUTH_COUNSEL"})
"""Who a youth drug-use notice may be dispatched to: 教育局/校外會 (in school) or 少年輔導委員會 (not)."""

# Personal extras SOCIAL needs to act: the reporting officer (承辦人) to call back, a guardian, the school, the
# bureau's case manager and the stated need. Anything else unsealed (an inmate number…) is not SOCIAL's to see.
_PERSONAL_EXTRAS: Final = ("raid_case_no", "officer", "guardian_name", "school", "case_manager", "need")

_BY_SCHOOLING: Final[Mapping[str, str]] = MappingProxyType({"Y": "EDU", "N": "YOUTH_COUNSEL"})

_TYPE_BY_KIND: Final[Mapping[str, str]] = MappingProxyType(
    {"CHILD_PROTECTION": "CHILD_PROTECTION_NOTICE", "YOUTH_DRUG_USE": "YOUTH_DRUG_USE_DISPATCH"}
)


def message_type(kind: str, service_type: str | None) -> str:
    """The SOCIAL ``type`` of an assignment of this referral kind."""
    if kind == "SERVICE" and service_type == "FAMILY_SUPPORT":
        return "FAMILY_SUPPORT_REFERRAL"
    return _TYPE_BY_KIND.get(kind, "REFERRAL")


def children_ages(text: str) -> list[int]:
    """子女年齡 ``3;7`` (the canonical attribute) → ``[3, 7]``."""
    return [int(age) for age in text.split(";") if age.strip()]


def dispatch_target(attributes: Mapping[str, str]) -> str | None:
    """The proposed 派案 target: the router's ``proposed_dispatch`` when it set one, else DOMAIN.md's rule on
    ``in_school`` (Y → EDU, N → YOUTH_COUNSEL), else None (SOCIAL decides).

    Checked, because a typo here would send a child's case to an agency that never reads it.
    """
    target = attributes.get("proposed_dispatch") or _BY_SCHOOLING.get(attributes.get("in_school", ""))
    if target is not None and target not in DISPATCH_TARGETS:
        raise ValueError(f"proposed_dispatch {target!r} is not one of {sorted(DISPATCH_TARGETS)}")
    return target


def social_message(assignment: Mapping[str, Any], personal: Mapping[str, Any]) -> dict[str, Any]:
    """One assignment as a SOCIAL message."""
    kind = assignment["kind"]
    service_type = assignment.get("service_type")
    kind_type = message_type(kind, service_type)
    attributes: Mapping[str, str] = assignment.get("attributes") or {}
    message: dict[str, Any] = {
        "type": kind_type,
        "referralId": assignment["referral_id"],
        "assignmentId": assignment["assignment_id"],
        "version": assignment["version"],
        "kind": kind,
        "serviceType": service_type,
        "source": assignment["source"],
        "sourceRef": assignment["partner_ref"],
        # Who first reported it, when the sender passed it on: an agency code, or a sealed free-text name.
        "reporter": attributes.get("reporter") or personal.get("reporter"),
        "reportedAt": taipei_iso(assignment["occurred_at"]),
        "receivedAt": taipei_iso(assignment["received_at"]),
        "routedAt": taipei_iso(assignment["routed_at"]),
        "priority": assignment["priority"],
        "copy": assignment.get("copy", False),
        "legalBasis": assignment["legal_basis"],
        "subjectId": assignment["subject_id"],
        "subject": {
            "name": personal.get("name"),
            "nationalId": personal.get("national_id"),
            "birthDate": personal.get("birth_date"),
            "gender": assignment.get("gender"),
            "phone": personal.get("phone"),
            "district": assignment.get("district"),
        },
        "outOfArea": assignment.get("out_of_area", False),
    }
    if kind_type == "YOUTH_DRUG_USE_DISPATCH":
        message["dispatchTo"] = dispatch_target(attributes)
    if attributes.get("in_school") in _BY_SCHOOLING:
        message["inSchool"] = attributes["in_school"] == "Y"
    if "children_ages" in attributes:
        message["childrenAges"] = children_ages(attributes["children_ages"])
    if "drug_tier" in attributes:
        message["drugTier"] = int(attributes["drug_tier"])  # SOCIAL writes the tier as a number
    if "venue_type" in attributes:
        message["venueType"] = attributes["venue_type"]
    for key in _PERSONAL_EXTRAS:
        if personal.get(key):
            message[camel(key)] = personal[key]
    subject = {key: value for key, value in message["subject"].items() if value is not None}
    if personal.get("erased"):
        # The subject's data key was shredded (塗銷): say so, rather than send what looks like a blank form.
        subject["erased"] = True
    message["subject"] = subject
    return {key: value for key, value in message.items() if value is not None or key == "dispatchTo"}


def render_social(items: Sequence[tuple[Mapping[str, Any], Mapping[str, Any]]]) -> Rendered:
    """SOCIAL's assignments: a JSON array of :func:`social_message`, in the order given."""
    return Rendered(JSON_CONTENT_TYPE, json_bytes([social_message(a, p) for a, p in items]))
