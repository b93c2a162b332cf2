"""Which outbound format each partner pulls (回傳格式對照), and the dispatch to its renderer.

PROS_* pull their monthly progress reports (處遇進度報告) as PROS_XML through
:func:`adapters.outbound.prosecutor_report_xml.render_progress_report`; prosecutors are sources, not
receivers, so any assignment that does reach one is rendered in the common JSON. Status updates are the
common shape for every partner (:func:`adapters.outbound.common_status.render_status_updates`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Any, Final

from adapters.agencies import HOSPITALS
from adapters.outbound import Rendered
from adapters.outbound.common_status import render_assignments_json
from adapters.outbound.fhir import render_treatment_referrals
from adapters.outbound.labour_csv import render_labour_referrals
from adapters.outbound.social_json import render_social

Items = Sequence[tuple[Mapping[str, Any], Mapping[str, Any]]]

COMMON_JSON: Final = "COMMON_JSON"
SOCIAL_JSON: Final = "SOCIAL_JSON"
LABOUR_CSV: Final = "LABOUR_CSV"
PROS_XML: Final = "PROS_XML"
FHIR: Final = "FHIR"

_PROSECUTORS: Final = ("PROS_KS", "PROS_CT", "PROS_MIL")

OUTBOUND_FORMAT: Final[Mapping[str, str]] = MappingProxyType(
    {
        "SOCIAL": SOCIAL_JSON,
        "LABOUR": LABOUR_CSV,
        "HEALTH": FHIR,
        **dict.fromkeys(HOSPITALS, FHIR),
        **dict.fromkeys(_PROSECUTORS, PROS_XML),
    }
)
"""The partners with a format of their own (DOMAIN.md codes); everyone else pulls COMMON_JSON."""

# A hospital or prosecutors' office added to the network later keeps its family's format without an edit here:
# a new hospital silently given common JSON would receive referrals its system cannot read.
_FAMILY_FORMAT: Final = (("HOSP_", FHIR), ("PROS_", PROS_XML))


def outbound_format(partner: str) -> str:
    """The format ``partner`` pulls: its own entry, its family's (``HOSP_*``, ``PROS_*``), else COMMON_JSON."""
    if partner in OUTBOUND_FORMAT:
        return OUTBOUND_FORMAT[partner]
    for prefix, family_format in _FAMILY_FORMAT:
        if partner.startswith(prefix):
            return family_format
    return COMMON_JSON


_ASSIGNMENT_RENDERERS: Final[Mapping[str, Callable[[Items], Rendered]]] = MappingProxyType(
    {
        SOCIAL_JSON: render_social,
        LABOUR_CSV: render_labour_referrals,
        # One Bundle holding every assignment: a hospital's pull is one FHIR document.
        FHIR: render_treatment_referrals,
        COMMON_JSON: render_assignments_json,
        PROS_XML: render_assignments_json,
    }
)


def render_assignments(partner: str, items: Items) -> Rendered:
    """``partner``'s assignments, each ``(assignment, personal)``, in the partner's own format."""
    return _ASSIGNMENT_RENDERERS[outbound_format(partner)](items)
