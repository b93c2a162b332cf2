"""The common JSON shapes (共通格式): status updates for every partner, assignments for partners without a format.

Status updates close the loop (閉環): the source partner learns every transition of its referral at each
destination, in the shape of PARTNER_FORMATS.md "Status updates", with the state also given in the two
standards partners already speak (HL7 FHIR ``Task.status`` and the SFAA handling code, 社福轉介處理代碼).

Assignments (EDU, YOUTH_COUNSEL, NGO_*, BUREAU, and PROS_* should one reach them) are a JSON array of items in
topic order, each with a ``type``:

* ``"ASSIGNMENT"`` — a referral to act on: the Assignment's fields in camelCase, ``attributes``, and the
  personal fields under ``subject`` (only what the partner's view allows: the registry filters first);
* ``"ERASURE_NOTICE"`` — delete your copy of this referral (塗銷, 少年事件處理法第83條之1)::

    {"type": "ERASURE_NOTICE", "noticeId": "…", "referralId": "R-…", "destination": "EDU",
     "assignmentIds": ["A-…"], "reasonCode": "ERASED", "legalBasis": "少年事件處理法第83條之1",
     "at": "2025-08-01T10:00:00+08:00"}

  No personal data: the ids say which copies to delete.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from types import MappingProxyType
from typing import Any

from adapters.outbound import JSON_CONTENT_TYPE, Rendered, camel, json_bytes, taipei_iso
from adapters.outbound.items import ErasureNoticeItem, OutboundItem
from processors.lifecycle import FHIR_TASK_STATUS, SFAA_HANDLING_CODE, State

# Assignment fields as the generic JSON names them, in output order. ``personal`` is the sealed envelope:
# never rendered (the caller passes the unsealed fields separately, and they go under ``subject``).
_ASSIGNMENT_FIELDS = (
    "assignment_id",
    "referral_id",
    "version",
    "destination",
    "copy",
    "team",
    "priority",
    "kind",
    "service_type",
    "source",
    "partner_ref",
    "subject_id",
    "gender",
    "district",
    "out_of_area",
    "occurred_at",
    "received_at",
    "routed_at",
    "rule",
    "legal_basis",
)
_TIMESTAMPS = frozenset({"occurred_at", "received_at", "routed_at"})
# The schema's defaults (assignment.avsc): a record built before these fields existed still renders.
_DEFAULTS: Mapping[str, Any] = MappingProxyType(
    {"copy": False, "team": None, "service_type": None, "gender": None, "district": None, "out_of_area": False}
)


def status_update(change: Mapping[str, Any]) -> dict[str, Any]:
    """One ``StatusChange`` record in the common status shape.

    ``status`` is the lifecycle state as it stands, including the hub's own states (ROUTED, REDIRECTED,
    EXPIRED…) beyond the six a partner may post: the source must learn these outcomes too.
    ``eventId`` is the deterministic event id, so a partner that pulls twice can drop the repeat.
    """
    state = State(change["state"])
    return {
        "eventId": change["event_id"],
        "referralId": change["referral_id"],
        "destination": change["destination"],
        "status": state.value,
        "reasonCode": change.get("reason_code"),
        "at": taipei_iso(change["at"]),
        "fhirStatus": FHIR_TASK_STATUS[state],
        "sfaaCode": SFAA_HANDLING_CODE[state],
    }


def render_status_updates(changes: Sequence[Mapping[str, Any]]) -> Rendered:
    """A JSON array of status updates, in the order given (the caller's log order is the partner's order)."""
    return Rendered(JSON_CONTENT_TYPE, json_bytes([status_update(change) for change in changes]))


def subject_json(personal: Mapping[str, Any]) -> dict[str, Any]:
    """The unsealed personal fields (個資) in camelCase, sorted by key: the dict's own order depends on which
    adapter built it, and the same person must render to the same bytes whichever it was."""
    return {camel(key): _plain(personal[key]) for key in sorted(personal)}


def _plain(value: Any) -> Any:
    # birth_date is an ISO string once unsealed, but a caller holding a ``date`` must not break the pull.
    return value.isoformat() if isinstance(value, date) else value


def assignment_json(assignment: Mapping[str, Any], personal: Mapping[str, Any]) -> dict[str, Any]:
    """One assignment (派案) in generic camelCase JSON, times in ``+08:00``, personal fields under ``subject``."""
    out: dict[str, Any] = {"type": "ASSIGNMENT"}
    for key in _ASSIGNMENT_FIELDS:
        value = assignment[key] if key not in _DEFAULTS else assignment.get(key, _DEFAULTS[key])
        out[camel(key)] = taipei_iso(value) if key in _TIMESTAMPS else value
    attributes: Mapping[str, str] = assignment.get("attributes") or {}
    out["attributes"] = {camel(key): attributes[key] for key in sorted(attributes)}
    out["subject"] = subject_json(personal)
    return out


def erasure_notice_json(notice: Mapping[str, Any]) -> dict[str, Any]:
    """One erasure notice (塗銷通知) in the common JSON: which copies to delete, and why."""
    return {
        "type": "ERASURE_NOTICE",
        "noticeId": notice["notice_id"],
        "referralId": notice["referral_id"],
        "destination": notice["destination"],
        "assignmentIds": list(notice["assignment_ids"]),
        "reasonCode": notice["reason_code"],
        "legalBasis": notice["legal_basis"],
        "at": taipei_iso(notice["at"]),
    }


def item_json(item: OutboundItem) -> dict[str, Any]:
    if isinstance(item, ErasureNoticeItem):
        return erasure_notice_json(item.notice)
    return assignment_json(item.assignment, item.personal)


def render_assignments_json(items: Sequence[OutboundItem]) -> Rendered:
    """Assignments and erasure notices for partners with no format of their own (EDU, YOUTH_COUNSEL, NGO_*,
    BUREAU): a JSON array of :func:`item_json`, in the order given."""
    return Rendered(JSON_CONTENT_TYPE, json_bytes([item_json(item) for item in items]))
