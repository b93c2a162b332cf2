"""The common JSON shapes (共通格式): status updates for every partner, assignments for partners without a format.

Status updates close the loop (閉環): the source partner learns every transition of its referral at each
destination, in the shape of PARTNER_FORMATS.md "Status updates", with the state also given in the two
standards partners already speak (HL7 FHIR ``Task.status`` and the SFAA handling code, 社福轉介處理代碼).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from types import MappingProxyType
from typing import Any

from adapters.outbound import JSON_CONTENT_TYPE, Rendered, camel, json_bytes, taipei_iso
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
    out: dict[str, Any] = {}
    for key in _ASSIGNMENT_FIELDS:
        value = assignment[key] if key not in _DEFAULTS else assignment.get(key, _DEFAULTS[key])
        out[camel(key)] = taipei_iso(value) if key in _TIMESTAMPS else value
    attributes: Mapping[str, str] = assignment.get("attributes") or {}
    out["attributes"] = {camel(key): attributes[key] for key in sorted(attributes)}
    out["subject"] = subject_json(personal)
    return out


def render_assignments_json(items: Sequence[tuple[Mapping[str, Any], Mapping[str, Any]]]) -> Rendered:
    """Assignments for partners with no format of their own (EDU, YOUTH_COUNSEL, NGO_*, BUREAU): a JSON array
    of :func:`assignment_json`, one per ``(assignment, personal)`` pair, in the order given."""
    return Rendered(JSON_CONTENT_TYPE, json_bytes([assignment_json(a, p) for a, p in items]))
