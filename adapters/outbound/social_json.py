"""SOCIAL outbound (社會局): the hub's assignments as JSON in the social-affairs case system's own style.

camelCase English names, ISO 8601 times with ``+08:00``, one message per assignment with a ``type``
(PARTNER_FORMATS.md, "SOCIAL"):

* ``CHILD_PROTECTION_NOTICE`` — 兒少保護通報, with the children's ages and the venue type;
* ``FAMILY_SUPPORT_REFERRAL`` — 家庭支持服務轉介 (家支計畫), a SERVICE referral of type FAMILY_SUPPORT;
* ``YOUTH_DRUG_USE_DISPATCH`` — 兒少施用毒品通報 for SOCIAL to dispatch (派案), with the hub's proposed
  target ``dispatchTo`` (EDU if in school, YOUTH_COUNSEL if not) for SOCIAL to confirm or override;
* ``REFERRAL`` — any other kind addressed to SOCIAL;
* ``ERASURE_NOTICE`` — 塗銷通知: delete every copy of a referral under a juvenile court's erasure order
  (少年事件處理法第83條之1). No personal data, only ids::

    {"type": "ERASURE_NOTICE", "noticeId": "…", "referralId": "R-…", "assignmentIds": ["A-…"],
     "reasonCode": "ERASED", "legalBasis": "少年事件處理法第83條之1", "erasedAt": "2025-08-01T10:00:00+08:00"}

What a message holds is what SOCIAL's view (processors/privacy/views.toml) lets through — the registry filters
before this module runs: the subject block, and every other granted personal field (the officer to call back,
the raid case number, the school, the stated need…) and attribute as a camelCase key; the 家支計畫 criteria
together as ``familySupport`` in the bureau's own shape. As in SOCIAL's own messages, a fact the referral does
not carry is left out rather than sent as null; ``dispatchTo`` is the exception, always present on a dispatch
(null: no proposal, SOCIAL decides). ``source``/``sourceRef`` are the agency that sent the referral to the hub
and its reference; ``reporter`` is who first reported it, when that was someone else (a school reporting
through SOCIAL).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Any, Final

from adapters.outbound import JSON_CONTENT_TYPE, Rendered, camel, json_bytes, taipei_iso
from adapters.outbound.items import ErasureNoticeItem, OutboundItem
from processors.privacy.views import ERASED_MARKER
from processors.routing import FAMILY_CONDITIONS

DISPATCH_TARGETS: Final = frozenset({"EDU", "YOUTH_COUNSEL"})
"""Who a youth drug-use notice may be dispatched to: 教育局/校外會 (in school) or 少年輔導委員會 (not)."""

FAMILY_SUPPORT_CRITERIA: Final = ("apgar", "family_conflict", *FAMILY_CONDITIONS)
"""家支計畫 評估指標, as adapters/bureau_json.py names them: sent together as ``familySupport``."""

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


def _yes(value: str) -> bool:
    return value == "Y"


# Attributes SOCIAL's own messages write in a shape of their own; any other the view grants goes as camelCase text.
_ATTRIBUTE_SHAPES: Final[Mapping[str, tuple[str, Callable[[str], Any]]]] = MappingProxyType(
    {
        "in_school": ("inSchool", _yes),
        "children_ages": ("childrenAges", children_ages),
        "drug_tier": ("drugTier", int),  # SOCIAL writes the tier as a number
    }
)
_HANDLED_ELSEWHERE: Final = frozenset({"proposed_dispatch", "reporter", *FAMILY_SUPPORT_CRITERIA})
_SUBJECT_FIELDS: Final = ("name", "national_id", "birth_date", "phone")


def family_support(attributes: Mapping[str, str]) -> dict[str, Any]:
    """家支計畫 criteria in the bureau's own ``familySupport`` shape: APGAR a number, the conditions booleans."""
    return {
        camel(key): int(attributes[key]) if key == "apgar" else _yes(attributes[key])
        for key in FAMILY_SUPPORT_CRITERIA
        if key in attributes
    }


def social_message(assignment: Mapping[str, Any], personal: Mapping[str, Any]) -> dict[str, Any]:
    """One assignment as a SOCIAL message, from what SOCIAL's view lets through (the registry filters first)."""
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
        "sourceRef": assignment.get("partner_ref") or None,
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
    for key, (name, shape) in _ATTRIBUTE_SHAPES.items():
        if key in attributes:
            message[name] = shape(attributes[key])
    for key in sorted(set(attributes) - set(_ATTRIBUTE_SHAPES) - _HANDLED_ELSEWHERE):
        message[camel(key)] = attributes[key]
    criteria = family_support(attributes)
    if criteria:
        message["familySupport"] = criteria
    # Every other personal field the view grants (the officer to call back, the school, the stated need…).
    for key in sorted(set(personal) - {*_SUBJECT_FIELDS, "reporter", ERASED_MARKER}):
        if personal[key] not in (None, ""):
            message[camel(key)] = personal[key]
    subject = {key: value for key, value in message["subject"].items() if value is not None}
    if personal.get(ERASED_MARKER):
        # The subject's data key was shredded (塗銷): say so, rather than send what looks like a blank form.
        subject["erased"] = True
    message["subject"] = subject
    return {key: value for key, value in message.items() if value is not None or key == "dispatchTo"}


def erasure_notice_message(notice: Mapping[str, Any]) -> dict[str, Any]:
    """An erasure notice (塗銷通知) as a SOCIAL message: delete every copy of the referral; no personal data."""
    return {
        "type": "ERASURE_NOTICE",
        "noticeId": notice["notice_id"],
        "referralId": notice["referral_id"],
        "assignmentIds": list(notice["assignment_ids"]),
        "reasonCode": notice["reason_code"],
        "legalBasis": notice["legal_basis"],
        "erasedAt": taipei_iso(notice["at"]),
    }


def render_social(items: Sequence[OutboundItem]) -> Rendered:
    """SOCIAL's assignments and erasure notices: a JSON array of messages, in the order given."""
    messages = [
        erasure_notice_message(item.notice)
        if isinstance(item, ErasureNoticeItem)
        else social_message(item.assignment, item.personal)
        for item in items
    ]
    return Rendered(JSON_CONTENT_TYPE, json_bytes(messages))
