"""Maximal outbound inputs: an assignment of any kind for any destination with every attribute and every personal
field of the inventory (processors/privacy/views.toml) filled, so a golden shows exactly what a partner's view
lets through — and what it keeps back."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any, Final

from adapters.bureau_json import SERVICE_TYPES
from processors import ids
from processors.privacy import declaration as decl
from processors.privacy.views import default_declaration
from tests.contract.outbound.samples import fixture_referral_id

SUBJECT_ID: Final = "S-0d4f6a7b8c9e1a2b3c4d5e6f"

# kind → (source, partner reference, rule, legal basis, priority)
KIND_FACTS: Final[dict[str, tuple[str, str, str, str, str]]] = {
    "CHILD_PROTECTION": ("POLICE", "KPD-1140715-0031", "CP-1", "兒童及少年福利與權益保障法第53條", "URGENT"),
    "ADULT_USER": ("SOCIAL", "SW-114-000123", "AU-1", "毒品危害防制條例第2條之1", "NORMAL"),
    "YOUTH_DRUG_USE": ("SOCIAL", "Y-114-0042", "YD-1", "兒童及少年福利與權益保障法第53條", "URGENT"),
    "PRE_RELEASE": ("PRISON_KSWP", "KSWP114001231141015", "PR-PREGNANT", "毒品危害防制條例第2條之1", "HIGH"),
    "DEFERRED_PROSECUTION": ("PROS_KS", "雄檢114緩字第000123號", "DP-TREATMENT", "毒品危害防制條例第24條", "HIGH"),
    "RECIDIVISM_PREVENTION": ("POLICE", "KPD-1140716-0007", "RP-1", "毒品危害防制條例第2條之1", "NORMAL"),
    "SERVICE": ("BUREAU", "CM-114-07-0881", "SV-1", "毒品危害防制條例第2條之1", "NORMAL"),
    "LECTURE": ("POLICE", "KPD-1140719-0020", "LE-REPEAT", "毒品危害防制條例第11條之1", "NORMAL"),
    "JUDICIAL_YOUTH": ("JUV_COURT", "114年度少護字第12號", "JY-1", "少年事件處理法", "NORMAL"),
    "SELF_REFERRAL": ("PUBLIC", "SUB-20250715-0001", "SR-1", "毒品危害防制條例第2條之1", "NORMAL"),
}

ATTRIBUTES: Final[dict[str, str]] = {
    "drug_tier": "2",
    "venue_type": "住宅",
    "children_ages": "3;7",
    "consent": "Y",
    "deferral_start": "2025-07-15",
    "deferral_end": "2027-07-14",
    "treatment_ordered": "Y",
    "community_hours_required": "40",
    "medical_need": "HIGH",
    "recidivism_risk": "LOW",
    "designated_hospital": "凱旋醫院",
    "hospital_code": "HOSP_KSPH",
    "pregnant": "Y",
    "facility": "KSWP",
    "expected_release_date": "2025-10-15",
    "release_type": "2",
    "needs": "YNYNNNNN",
    "youth": "N",
    "in_school": "Y",
    "programme": "司法少年服務方案",
    "left_facility_on": "2025-07-31",
    "reporter": "EDU",
    "target": "LABOUR",
    "employment_need": "Y",
    "apgar": "2",
    "family_conflict": "Y",
    "children_under_12": "Y",
    "low_income_allowance": "N",
    "low_income_household": "Y",
    "single_parent": "Y",
    "grandparent_raised": "N",
    "pregnant_partner": "N",
    "disabled_member": "N",
    "proposed_dispatch": "EDU",
    "proposed_priority": "HIGH",
    "flag": "HIGH_NEED_NO_TREATMENT_ORDER",
    "handoff": "OUT_OF_AREA",
    "dispatched_by": "SOCIAL",
    "redirected_by": "HEALTH",
    "employed": "Y",
}

PERSONAL: Final[dict[str, str]] = {
    "national_id": "E200000132",
    "name": "林小雯",
    "birth_date": "1989-04-12",
    "phone": "0912000101",
    "email": "lin.xw@example.org",
    "officer": "陳正義",
    "raid_case_no": "雄警刑114字第0715號",
    "case_no": "114年度偵字第12345號",
    "conditions": "戒癮治療;向被害人道歉",
    "inmate_no": "11400123",
    "guardian_name": "林大同",
    "guardian_phone": "0911000222",
    "reason": "子女年幼，住處發現吸食器具",
    "worker": "張社工",
    "school": "高雄市立某國中",
    "reporter": "某國中輔導室",
    "need": "堆高機證照；可上夜班",
    "case_manager": "王個管",
    "subject": "家人吸毒求助",
    "content": "我哥哥最近又開始用了，想找戒癮門診",
    "note": "已電話聯繫",
    "reason_text": "目前無床位",
    "employer": "某物流公司",
}

FAMILY_REPRESENTATIVE: Final = {"HOSP_*": "HOSP_KSPH", "NGO_*": "NGO_MUEN", "PROS_*": "PROS_KS"}
NOTICE_PARTNERS: Final = ("SOCIAL", "EDU", "LABOUR", "HOSP_KSPH", "PROS_KS")
"""One partner per outbound format: SOCIAL JSON, common JSON, LABOUR CSV, FHIR, and what prosecutors get."""


def assignment(destination: str, kind: str, service_type: str | None = None) -> dict[str, Any]:
    """The Assignment record the router would build, before any view: every attribute the inventory knows."""
    source, partner_ref, rule, legal_basis, priority = KIND_FACTS[kind]
    referral_id = fixture_referral_id(source, partner_ref)
    attributes = dict(ATTRIBUTES)
    if destination == "YOUTH_COUNSEL":
        attributes |= {"in_school": "N", "proposed_dispatch": "YOUTH_COUNSEL"}
    if destination in ("EDU", "YOUTH_COUNSEL"):
        rule, priority = "DISPATCH", "HIGH"
    return {
        "assignment_id": ids.assignment_id(referral_id, destination, 1),
        "referral_id": referral_id,
        "version": 1,
        "destination": destination,
        "copy": destination == "BUREAU" and kind == "CHILD_PROTECTION",
        "team": "DISTRICT:鳳山區" if destination == "BUREAU" else None,
        "priority": priority,
        "kind": kind,
        "service_type": service_type,
        "source": source,
        "partner_ref": partner_ref,
        "subject_id": SUBJECT_ID,
        "gender": "F",
        "district": "鳳山區",
        "out_of_area": False,
        "occurred_at": datetime(2025, 7, 15, 6, 30, tzinfo=UTC),
        "received_at": datetime(2025, 7, 15, 6, 30, 41, tzinfo=UTC),
        "routed_at": datetime(2025, 7, 15, 6, 30, 42, tzinfo=UTC),
        "rule": rule,
        "legal_basis": legal_basis,
        "attributes": attributes,
        "personal": {"key_id": f"{SUBJECT_ID}#{destination}", "nonce": b"\x00" * 12, "ciphertext": b"sealed"},
    }


def erasure_notice(destination: str, kind: str = "CHILD_PROTECTION") -> dict[str, Any]:
    """The ErasureNotice telling ``destination`` to delete its copy of :func:`assignment`'s referral."""
    source, partner_ref, *_ = KIND_FACTS[kind]
    referral_id = fixture_referral_id(source, partner_ref)
    return {
        # A hash, as ids.* makes them: the order's number (a juvenile case number) must not reach the agencies.
        "notice_id": "N-" + hashlib.sha256(f"{referral_id}\x1f{destination}\x1fORDER".encode()).hexdigest()[:24],
        "referral_id": referral_id,
        "destination": destination,
        "assignment_ids": [
            ids.assignment_id(referral_id, destination, 1),
            ids.assignment_id(referral_id, destination, 2),
        ],
        "reason_code": "ERASED",
        "legal_basis": "少年事件處理法第83條之1",
        "at": datetime(2025, 8, 1, 2, 0, 5, tzinfo=UTC),
    }


def declared_cases(declaration: decl.Declaration | None = None) -> list[tuple[str, str, str | None]]:
    """(partner, kind, service type) for every declared view: a family by one representative code, a row for
    "any other service type" by the first service type no sibling row names."""
    source = declaration or default_declaration()
    cases: list[tuple[str, str, str | None]] = []
    for row in source.views:
        for pattern in row.partners:
            partner = FAMILY_REPRESENTATIVE.get(pattern, pattern)
            if row.service_types:
                cases += [(partner, row.kind, service) for service in row.service_types]
            elif row.kind == "SERVICE":
                named = {
                    service
                    for other in source.views
                    if other.kind == "SERVICE" and pattern in other.partners
                    for service in other.service_types
                }
                cases.append((partner, row.kind, next(s for s in SERVICE_TYPES if s not in named)))
            else:
                cases.append((partner, row.kind, None))
    return cases


def case_name(partner: str, kind: str, service_type: str | None) -> str:
    return "__".join(part for part in (partner, kind, service_type) if part)
