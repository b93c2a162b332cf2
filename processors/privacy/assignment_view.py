"""One destination's assignment as it goes on ``assignments.<AGENCY>``: its view, sealed for it alone.

The router builds the assignment from the referral (every attribute, the referral's subject envelope) and
calls :func:`seal_for_destination` before sending it: the attributes shrink to the destination's view, a
governed clear field it may not see (``partner_ref``) is blanked, and the subject envelope is replaced by a view
envelope holding only the personal fields of the view, sealed under the destination's view key
(:func:`processors.privacy.envelopes.seal_view`). Deterministic: the same assignment and subject key give the
same record, byte for byte, so a re-sent assignment is identical (the delivery rule).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from processors.privacy import envelopes
from processors.privacy.views import (
    ERASED_MARKER,
    View,
    disclosed_fields,
    governed_clear_fields,
    restrict_assignment,
    view_for,
)

WITHHELD_CLEAR: str = ""
"""What a governed clear field the view does not grant holds in the Avro record (``partner_ref`` is a string)."""


@dataclass(frozen=True)
class DestinationAssignment:
    record: dict[str, Any]
    """The ``Assignment`` Avro record for the destination's topic."""
    view: View
    disclosed: list[str]
    """The fields it discloses (``personal.name``, ``attributes.drug_tier``, ``clear.partner_ref``): the audit
    trail's ``entity.detail`` for this routing decision."""


def seal_for_destination(
    assignment: Mapping[str, Any], personal: Mapping[str, Any], subject_key: bytes
) -> DestinationAssignment:
    """``assignment`` (as the ledger builds it) restricted to its destination's view, personal fields sealed.

    ``personal`` is the referral's unsealed personal block and ``subject_key`` the subject's data key. The view
    envelope's context is the assignment id, which already names the referral, the destination and the version.
    """
    destination = assignment["destination"]
    view = view_for(destination, assignment["kind"], assignment.get("service_type"))
    shown, shown_personal = restrict_assignment(view, assignment, personal)
    shown_personal.pop(ERASED_MARKER, None)  # a marker for renderers, never sealed as if it were data
    for name in governed_clear_fields():
        if name in shown and name not in view.clear:
            shown[name] = WITHHELD_CLEAR
    sealed = envelopes.seal_view(
        subject_key, assignment["subject_id"], destination, shown_personal, context=assignment["assignment_id"]
    )
    shown["personal"] = sealed.as_record()
    disclosed = disclosed_fields(view, shown_personal, shown["attributes"], shown)
    return DestinationAssignment(shown, view, disclosed)
