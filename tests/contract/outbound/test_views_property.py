"""Property: for any partner and any referral kind, no value of a field the partner's view does not grant appears
anywhere in the bytes it pulls — whatever the values are, and whatever else the record carries.

Every field holds a value of its own, framed ``⟦n:…⟧`` so no value is part of another; a granted field whose
format parses it (a drug tier, ages, APGAR, a dispatch target) gets a valid value instead, and only granted
fields are checked for being allowed. Fields outside the inventory and status-only fields are withheld too.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.bureau_json import SERVICE_TYPES
from adapters.outbound.items import AssignmentItem
from adapters.outbound.registry import render_assignments
from processors.privacy import declaration as decl
from processors.privacy.views import View, default_declaration, governed_clear_fields, view_for
from tests.contract.outbound import maximal

PARTNERS = (
    "SOCIAL", "BUREAU", "LABOUR", "HEALTH", "HOSP_KSPH", "HOSP_NEWCOMER", "EDU", "YOUTH_COUNSEL", "NGO_MUEN",
    "NGO_DPF", "PROS_KS",
)  # fmt: skip
# Granted fields a renderer reads as more than text: they get a valid value, and are not checked (they are granted).
PARSED: dict[str, str] = {"drug_tier": "2", "children_ages": "3;7", "apgar": "2"}
UNKNOWN_FIELDS = ("nickname", "x_internal_note")
"""Not in the inventory at all: default deny covers them too."""

DECLARATION = default_declaration()
PERSONAL_NAMES = [field.name for field in DECLARATION.inventory("personal")] + list(UNKNOWN_FIELDS)
ATTRIBUTE_NAMES = [field.name for field in DECLARATION.inventory("attributes")] + list(UNKNOWN_FIELDS)
CLEAR_NAMES = list(governed_clear_fields())

_TEXT = st.text(
    alphabet=st.characters(categories=("Lu", "Ll", "Nd", "Lo"), exclude_characters="⟦⟧", max_codepoint=0x9FFF),
    min_size=1,
    max_size=12,
)


def _cases() -> list[tuple[str, str, str | None]]:
    return [
        (partner, kind, service)
        for partner in PARTNERS
        for kind in decl.KINDS
        for service in (SERVICE_TYPES if kind == "SERVICE" else (None,))
    ]


def _value(number: int, text: str) -> str:
    return f"⟦{number}:{text}⟧"


def _record(view: View, texts: list[str]) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
    """(assignment, personal, {value: field} of every withheld field)."""
    values = iter(enumerate(texts))
    withheld: dict[str, str] = {}

    def fill(block: str, name: str, granted: bool) -> str:
        if granted and name in PARSED:
            return PARSED[name]
        if granted and name == "proposed_dispatch":
            return "EDU"
        number, text = next(values)
        value = _value(number, text)
        if not granted:
            withheld[value] = f"{block}.{name}"
        return value

    record = maximal.assignment(view.destination, view.kind, view.service_type)
    record["attributes"] = {name: fill("attributes", name, name in view.attributes) for name in ATTRIBUTE_NAMES}
    for name in CLEAR_NAMES:
        record[name] = fill("clear", name, name in view.clear)
    personal = {name: fill("personal", name, name in view.personal) for name in PERSONAL_NAMES}
    return record, personal, withheld


@settings(max_examples=300, deadline=None)
@given(
    case=st.sampled_from(_cases()),
    texts=st.lists(_TEXT, min_size=len(PERSONAL_NAMES) + len(ATTRIBUTE_NAMES) + len(CLEAR_NAMES) + 1),
)
def test_no_withheld_value_reaches_the_partner(case: tuple[str, str, str | None], texts: list[str]) -> None:
    partner, kind, service = case
    view = view_for(partner, kind, service)
    record, personal, withheld = _record(view, texts)
    body = render_assignments(partner, [AssignmentItem(record, personal)]).body.decode("utf-8-sig")
    leaked = [field for value, field in withheld.items() if value in body]
    assert not leaked, f"{partner} × {kind} × {service}: {leaked}"


def test_the_property_sees_granted_values_so_it_could_see_a_leak() -> None:
    # A check that cannot fail is no check: the same framing does show up when the view grants the field.
    view = view_for("LABOUR", "SERVICE", "EMPLOYMENT")
    record, personal, _ = _record(view, [f"t{i}" for i in range(200)])
    body = render_assignments("LABOUR", [AssignmentItem(record, personal)]).body.decode("utf-8-sig")
    assert personal["name"] in body and personal["need"] in body
    assert personal["national_id"] not in body
