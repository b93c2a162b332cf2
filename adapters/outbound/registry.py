"""Which outbound format each partner pulls (回傳格式對照), the view it sees, and the dispatch to its renderer.

Need to know is enforced here, once for every format: :func:`render_assignments` filters each assignment
through the pulling partner's view (processors/privacy/views.toml) — personal fields, attributes and the governed
clear fields — before the format's renderer sees it, so no renderer can emit what the declaration does not
allow, whatever it was handed. Erasure notices (塗銷通知) pass through as they are: they carry no personal data.

PROS_* pull their monthly progress reports (處遇進度報告) as PROS_XML through
:func:`adapters.outbound.prosecutor_report_xml.render_progress_report`; prosecutors are sources, not
receivers, so any assignment or notice that does reach one is rendered in the common JSON. Status updates are the
common shape for every partner (:func:`adapters.outbound.common_status.render_status_updates`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from adapters.agencies import HOSPITALS
from adapters.outbound import Rendered
from adapters.outbound.common_status import render_assignments_json
from adapters.outbound.fhir import render_treatment_referrals
from adapters.outbound.items import AssignmentItem, ErasureNoticeItem, OutboundItem, Pair, as_item
from adapters.outbound.labour_csv import render_labour_referrals
from adapters.outbound.social_json import render_social
from processors.privacy.views import Bases, bases_of, disclosed_fields, restrict_assignment, view_for

Items = Sequence[OutboundItem | Pair]
"""What a pull renders, in topic order: tagged items, or ``(assignment, personal)`` pairs (assignments only)."""

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


_ASSIGNMENT_RENDERERS: Final[Mapping[str, Callable[[Sequence[OutboundItem]], Rendered]]] = MappingProxyType(
    {
        SOCIAL_JSON: render_social,
        LABOUR_CSV: render_labour_referrals,
        # One Bundle holding every assignment: a hospital's pull is one FHIR document.
        FHIR: render_treatment_referrals,
        COMMON_JSON: render_assignments_json,
        PROS_XML: render_assignments_json,
    }
)


def restrict(partner: str, item: OutboundItem) -> OutboundItem:
    """``item`` as ``partner``'s view lets it see it (an erasure notice unchanged: it holds no personal data)."""
    if isinstance(item, ErasureNoticeItem):
        return item
    assignment = item.assignment
    view = view_for(partner, assignment["kind"], assignment.get("service_type"))
    shown, personal = restrict_assignment(view, assignment, item.personal)
    return AssignmentItem(shown, personal)


def render_assignments(partner: str, items: Items) -> Rendered:
    """``partner``'s assignments and erasure notices, in topic order, in the partner's own format, each
    assignment filtered through the partner's view first."""
    shown = [restrict(partner, as_item(item)) for item in items]
    return _ASSIGNMENT_RENDERERS[outbound_format(partner)](shown)


@dataclass(frozen=True)
class Disclosure:
    """What one pulled assignment disclosed to the partner: the audit event's entity and its purpose of use."""

    referral_id: str
    assignment_id: str
    subject_id: str
    fields: list[str]
    """``personal.name``, ``attributes.drug_tier``, ``clear.partner_ref`` …: only fields that held a value."""
    bases: dict[str, Bases]


def disclosures(partner: str, items: Items) -> list[Disclosure]:
    """For the audit trail of a pull: what :func:`render_assignments` disclosed of each assignment (notices
    disclose nothing personal and are left out)."""
    out: list[Disclosure] = []
    for raw in items:
        item = as_item(raw)
        if isinstance(item, ErasureNoticeItem):
            continue
        assignment = item.assignment
        view = view_for(partner, assignment["kind"], assignment.get("service_type"))
        shown, personal = restrict_assignment(view, assignment, item.personal)
        names = disclosed_fields(view, personal, shown["attributes"], shown)
        out.append(
            Disclosure(
                assignment["referral_id"], assignment["assignment_id"], assignment["subject_id"], names,
                bases_of(view, names),
            )
        )  # fmt: skip
    return out
