"""Per-destination views: the declaration's rules that must hold, default deny, and the filter."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from adapters.agencies import ASSIGNMENT_AGENCIES, HOSPITALS
from processors import routing
from processors.privacy import declaration as decl
from processors.privacy import views
from processors.privacy.views import disclose, disclosed_fields, may_receive, restrict_assignment, view_for

ROOT = Path(__file__).resolve().parents[4]
DECLARATION = views.default_declaration()


def tags_of(view: views.View) -> set[str]:
    out: set[str] = set()
    for block in ("personal", "attributes"):
        for name in view.granted(block):
            out |= DECLARATION.fields[(block, name)].tags
    return out


def every_view_of(partner: str) -> list[views.View]:
    return [
        view_for(partner, kind, service)
        for kind in decl.KINDS
        for service in ((None, "EMPLOYMENT", "MEDICAL", "COUNSELLING", "RESIDENTIAL", "FAMILY_SUPPORT",
                         "FINANCIAL_AID", "AFTERCARE") if kind == "SERVICE" else (None,))
    ]  # fmt: skip


# -- what must hold -----------------------------------------------------------------------------------------


def test_labour_never_sees_drug_tier_case_numbers_or_criminal_history() -> None:
    for view in every_view_of("LABOUR"):
        assert not tags_of(view) & {"drug", "criminal", "case_number"}, view.declared_as
        assert "partner_ref" not in view.clear
        assert "drug_tier" not in view.attributes


def test_edu_sees_the_school_not_the_police_narrative() -> None:
    view = view_for("EDU", "YOUTH_DRUG_USE")
    assert "school" in view.personal
    for edu_view in every_view_of("EDU"):
        assert "police_narrative" not in tags_of(edu_view)
        assert not {"officer", "raid_case_no", "venue_type", "reason", "reporter"} & set(edu_view.personal)


def test_social_gets_what_a_child_protection_notice_needs() -> None:
    view = view_for("SOCIAL", "CHILD_PROTECTION")
    assert {"children_ages", "venue_type"} <= set(view.attributes)
    assert {"national_id", "name", "phone", "officer"} <= set(view.personal)


@pytest.mark.parametrize("hospital", [*HOSPITALS, "HEALTH", "HOSP_NEWCOMER"])
def test_a_hospital_gets_what_a_treatment_order_needs(hospital: str) -> None:
    view = view_for(hospital, "DEFERRED_PROSECUTION")
    assert {"deferral_start", "deferral_end", "treatment_ordered", "medical_need"} <= set(view.attributes)
    assert {"national_id", "name", "birth_date", "case_no", "conditions"} <= set(view.personal)
    assert "recidivism_risk" not in view.attributes  # the bureau's triage, not a medical fact


def test_every_grant_names_a_personal_data_act_exception() -> None:
    for row in DECLARATION.views:
        for grant in row.grants:
            assert any(basis.text.startswith("個人資料保護法第6條") for basis in grant.bases)


def test_every_destination_a_rule_names_has_a_declared_view() -> None:
    for rule in routing.RULES:
        service = "FAMILY_SUPPORT" if rule.rule_id == "SV-FAMILY" else "COUNSELLING"
        for target in rule.targets:
            if isinstance(target.destination, str):
                assert may_receive(target.destination, rule.kind, service), (rule.rule_id, target.destination)


@pytest.mark.parametrize(
    ("destination", "kind", "service_type"),
    [
        ("SOCIAL", "CHILD_PROTECTION", None),
        ("BUREAU", "CHILD_PROTECTION", None),
        ("SOCIAL", "YOUTH_DRUG_USE", None),
        ("EDU", "YOUTH_DRUG_USE", None),  # SOCIAL's dispatch
        ("YOUTH_COUNSEL", "YOUTH_DRUG_USE", None),
        ("HEALTH", "PRE_RELEASE", None),  # pregnant
        ("HOSP_KSPH", "DEFERRED_PROSECUTION", None),  # the named hospital
        ("HEALTH", "DEFERRED_PROSECUTION", None),  # unknown hospital name
        ("LABOUR", "SERVICE", "EMPLOYMENT"),
        ("LABOUR", "SERVICE", "MEDICAL"),  # an employment need on another service
        ("SOCIAL", "SERVICE", "FAMILY_SUPPORT"),
        ("HOSP_KMUH", "SERVICE", "MEDICAL"),
        ("NGO_MUEN", "SERVICE", "RESIDENTIAL"),
        ("NGO_MICHAEL", "SERVICE", "EMPLOYMENT"),
        *[("BUREAU", kind, None) for kind in decl.KINDS if kind not in ("SERVICE", "YOUTH_DRUG_USE")],
    ],
)
def test_every_flow_of_the_domain_has_a_declared_view(destination: str, kind: str, service_type: str | None) -> None:
    assert may_receive(destination, kind, service_type)


# -- lookup -------------------------------------------------------------------------------------------------


def test_undeclared_is_not_disclosed() -> None:
    view = view_for("EDU", "CHILD_PROTECTION")
    assert not view.declared
    assert disclose(view, {"name": "林小雯", "national_id": "E200000132"}, {"drug_tier": "2"}) == ({}, {})


def test_a_new_hospital_gets_its_familys_view() -> None:
    assert view_for("HOSP_NEWCOMER", "DEFERRED_PROSECUTION").declared_as == "HOSP_* × DEFERRED_PROSECUTION"
    assert not view_for("HOSP_", "DEFERRED_PROSECUTION").declared


def test_the_service_type_decides_what_labour_sees_of_the_need() -> None:
    assert "need" in view_for("LABOUR", "SERVICE", "EMPLOYMENT").personal
    assert "need" not in view_for("LABOUR", "SERVICE", "MEDICAL").personal
    assert view_for("LABOUR", "SERVICE", "MEDICAL").declared_as == "LABOUR × SERVICE × *"


def test_a_partners_own_row_beats_its_family_and_a_named_service_type_beats_any() -> None:
    text = """
[basis.LAW]
text = "某法第1條"
about = "x"
pdpa_exception = true
[personal.name]
term = "姓名"
origin = "x"
tags = ["identity"]
[personal.phone]
term = "電話"
origin = "x"
tags = ["contact"]
[[view]]
partners = ["NGO_*"]
kind = "SERVICE"
need = "family, any service"
[[view.grant]]
basis = ["LAW"]
personal = ["name"]
[[view]]
partners = ["NGO_MUEN"]
kind = "SERVICE"
need = "own, any service"
[[view.grant]]
basis = ["LAW"]
personal = ["phone"]
[[view]]
partners = ["NGO_*"]
kind = "SERVICE"
service_types = ["RESIDENTIAL"]
need = "family, residential"
[[view.grant]]
basis = ["LAW"]
personal = ["name", "phone"]
"""
    small = decl.parse(text)
    assert set(view_for("NGO_MUEN", "SERVICE", "COUNSELLING", small).personal) == {"phone"}
    assert set(view_for("NGO_DPF", "SERVICE", "COUNSELLING", small).personal) == {"name"}
    # Partner first: NGO_MUEN's own row wins even over its family's residential row.
    assert set(view_for("NGO_MUEN", "SERVICE", "RESIDENTIAL", small).personal) == {"phone"}
    assert set(view_for("NGO_DPF", "SERVICE", "RESIDENTIAL", small).personal) == {"name", "phone"}


# -- the filter ---------------------------------------------------------------------------------------------


def test_disclose_keeps_only_the_views_fields_and_the_erased_marker() -> None:
    view = view_for("LABOUR", "SERVICE", "EMPLOYMENT")
    personal = {"name": "陳大文", "national_id": "T120007753", "need": "堆高機", "erased": True}
    attributes = {"employment_need": "Y", "drug_tier": "2", "target": "LABOUR"}
    assert disclose(view, personal, attributes) == (
        {"name": "陳大文", "need": "堆高機", "erased": True},
        {"employment_need": "Y"},
    )


def test_restrict_assignment_withholds_partner_ref_where_the_view_does_not_grant_it() -> None:
    assignment: dict[str, Any] = {"kind": "SERVICE", "partner_ref": "CM-114-07-0881", "attributes": {"apgar": "2"}}
    shown, _ = restrict_assignment(view_for("LABOUR", "SERVICE", "EMPLOYMENT"), assignment, {})
    assert shown["partner_ref"] is None
    assert shown["attributes"] == {}
    assert assignment["partner_ref"] == "CM-114-07-0881"  # the input is not changed
    shown, _ = restrict_assignment(view_for("SOCIAL", "CHILD_PROTECTION"), {**assignment, "kind": "CP"}, {})
    assert shown["partner_ref"] == "CM-114-07-0881"


def test_disclosed_fields_name_what_was_disclosed_for_the_audit_trail() -> None:
    view = view_for("HOSP_KSPH", "DEFERRED_PROSECUTION")
    names = disclosed_fields(
        view,
        {"name": "王小明", "case_no": "114年度偵字第12345號", "officer": "x", "phone": ""},
        {"deferral_end": "2027-07-14", "recidivism_risk": "HIGH"},
        {"partner_ref": "雄檢114緩字第000123號"},
    )
    assert names == ["attributes.deferral_end", "clear.partner_ref", "personal.case_no", "personal.name"]
    bases = views.bases_of(view, names)
    assert "刑事訴訟法第253條之2" in bases["personal.case_no"]
    assert bases["personal.name"] == ("毒品危害防制條例第24條", "個人資料保護法第6條第1項第2款")


# -- the inventory ------------------------------------------------------------------------------------------


def _golden_keys() -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    referral: set[tuple[str, str]] = set()
    status: set[tuple[str, str]] = set()
    for path in (ROOT / "tests" / "contract").rglob("*.expected.json"):
        if "outbound" in path.parts:
            continue
        for record in json.loads(path.read_text(encoding="utf-8")).get("accepted", []):
            into = referral if record.get("type") == "InboundReferral" else status
            into |= {("attributes", key) for key in record.get("attributes", {})}
            into |= {("personal", key) for key in record.get("personal_extra", {})}
    return referral, status


def test_every_field_an_adapter_sends_is_in_the_inventory_with_its_scope() -> None:
    referral, status = _golden_keys()
    assert referral and status
    for key in referral:
        assert key in DECLARATION.fields and DECLARATION.fields[key].scope == "referral", key
    for key in status - referral:
        assert key in DECLARATION.fields and DECLARATION.fields[key].scope == "status", key


def test_every_attribute_the_router_adds_is_in_the_inventory() -> None:
    event: dict[str, Any] = {"kind": "YOUTH_DRUG_USE", "attributes": {"in_school": "Y"}, "out_of_area": True}
    added = {key for r in routing.route(event) for key in r.attributes}
    added |= {key for r in routing.route({"kind": "DEFERRED_PROSECUTION", "attributes": {"medical_need": "HIGH"}})
              for key in r.attributes}  # fmt: skip
    added |= {key for r in routing.route({"kind": "LECTURE", "out_of_area": True}) for key in r.attributes}
    for rule in (routing.DISPATCH, routing.REDIRECT):
        added |= set(routing.handed_on({}, "EDU", rule=rule, by="SOCIAL", legal_basis="x", priority="HIGH").attributes)
    assert added == {"proposed_dispatch", "proposed_priority", "flag", "programme", "handoff", "dispatched_by",
                     "redirected_by"}  # fmt: skip
    assert all(("attributes", key) in DECLARATION.fields for key in added)


def test_every_clear_field_of_the_assignment_record_is_classified() -> None:
    schema = json.loads((ROOT / "schemas" / "assignment.avsc").read_text(encoding="utf-8"))
    names = {field["name"] for field in schema["fields"]} - {"attributes", "personal"}
    assert {field.name for field in DECLARATION.inventory("clear")} == names
    assert views.governed_clear_fields() == ("partner_ref",)


def test_the_declarations_kinds_are_the_schemas() -> None:
    schema = json.loads((ROOT / "schemas" / "assignment.avsc").read_text(encoding="utf-8"))
    [kind] = [field["type"] for field in schema["fields"] if field["name"] == "kind"]
    assert set(decl.KINDS) == set(kind["symbols"]) - {"ERASURE_ORDER", "UNKNOWN"}


def test_every_declared_family_or_code_is_a_partner_that_receives_something() -> None:
    for row in DECLARATION.views:
        for pattern in row.partners:
            assert pattern == "PROS_*" or any(decl.matches(pattern, code) for code in ASSIGNMENT_AGENCIES)


# -- a bad declaration is refused ---------------------------------------------------------------------------

_HEAD = """
[basis.LAW]
text = "某法第1條"
about = "x"
[basis.PDPA]
text = "個人資料保護法第6條第1項第2款"
about = "x"
pdpa_exception = true
[personal.name]
term = "姓名"
origin = "x"
tags = ["identity"]
[personal.note]
term = "備註"
origin = "x"
tags = ["narrative"]
scope = "status"
[clear.partner_ref]
governed = true
why = "x"
[clear.kind]
why = "x"
"""


def _view(**fields: str) -> str:
    row = {"partners": '["SOCIAL"]', "kind": '"CHILD_PROTECTION"', "need": '"x"'} | fields
    body = "\n".join(f"{key} = {value}" for key, value in row.items() if key not in ("basis", "grant"))
    grant = fields.get("grant", 'personal = ["name"]')
    basis = fields.get("basis", '["LAW", "PDPA"]')
    return f"{_HEAD}\n[[view]]\n{body}\n[[view.grant]]\nbasis = {basis}\n{grant}\n"


_SECOND_ROW = """
[[view]]
partners = ["SOCIAL"]
kind = "CHILD_PROTECTION"
need = "x"
[[view.grant]]
basis = ["PDPA"]
personal = ["name"]
"""


def test_a_good_small_declaration_parses() -> None:
    assert set(view_for("SOCIAL", "CHILD_PROTECTION", None, decl.parse(_view())).personal) == {"name"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (_view(grant='personal = ["nickname"]'), "nickname"),
        (_view(grant='personal = ["note"]'), "note"),  # a status-only field
        (_view(grant='clear = ["kind"]'), "kind"),  # not governed
        (_view(grant='attributes = ["name"]'), "name"),  # a personal field is not an attribute
        (_view(kind='"ERASURE_ORDER"'), "kind"),
        (_view(service_types='["EMPLOYMENT"]'), "service type"),
        (_view(kind='"SERVICE"', service_types='["GARDENING"]'), "service_types"),
        (_view(partners='["POLICEMEN"]'), "partner"),
        (_view(partners='["ZZZ_*"]'), "partner"),
        (_view(basis='["LAW"]'), "個人資料保護法第6條"),
        (_view(basis='["STATUTE"]'), "basis"),
        (_view(grant='personal = ["name", "name"]'), "twice"),
        (_view(grant="personal = []"), "at least one field"),
        (_view() + _SECOND_ROW, "already declared"),
        (_view(colour='"red"'), "unknown key"),
        ("[basis", "not TOML"),
    ],
)
def test_a_bad_declaration_is_refused_naming_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(decl.DeclarationError, match=message):
        decl.parse(text)
