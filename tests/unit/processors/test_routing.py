import pytest

from processors.routing import NoRoute, route
from tests.support.events import event, inbound


def test_child_protection_goes_to_social_with_a_copy_to_the_bureau_district_team() -> None:
    routes = route(event())
    assert [(r.destination, r.copy, r.priority) for r in routes] == [
        ("SOCIAL", False, "URGENT"),
        ("BUREAU", True, "URGENT"),
    ]
    assert routes[1].team == "DISTRICT:鳳山區"
    assert {r.rule for r in routes} == {"CP-1"}
    assert all(r.legal_basis == "兒童及少年福利與權益保障法第53條" for r in routes)


def test_out_of_area_subjects_go_to_the_hand_off_desk() -> None:
    routes = route(event(inbound(district=None, out_of_area=True)))
    assert routes[1].team == "OUT_OF_AREA_HANDOFF"


def test_a_kind_without_a_rule_is_never_dropped_silently() -> None:
    with pytest.raises(NoRoute):
        route({**event(), "kind": "UNKNOWN"})


def _event(kind: str, gender: str | None = "M", **attributes: str) -> dict[str, object]:
    return {**event(), "kind": kind, "gender": gender, "attributes": attributes}


@pytest.mark.parametrize(
    ("kind", "gender", "attributes", "expected"),
    [
        ("PRE_RELEASE", "F", {"pregnant": "Y"}, [("BUREAU", "WOMEN", "PR-PREGNANT"), ("HEALTH", None, "PR-PREGNANT")]),
        ("PRE_RELEASE", "M", {"youth": "Y"}, [("BUREAU", "YOUTH", "PR-YOUTH")]),
        ("PRE_RELEASE", "F", {"pregnant": "N"}, [("BUREAU", "WOMEN", "PR-WOMEN")]),
        ("PRE_RELEASE", "M", {}, [("BUREAU", "DISTRICT:鳳山區", "PR-1")]),
        (
            "DEFERRED_PROSECUTION",
            "M",
            {"treatment_ordered": "Y", "hospital_code": "HOSP_KSPH", "medical_need": "HIGH", "recidivism_risk": "LOW"},
            [("HOSP_KSPH", None, "DP-TREATMENT"), ("BUREAU", "RANT:HIGH/LOW", "DP-TREATMENT")],
        ),
        (
            "DEFERRED_PROSECUTION",
            "M",
            {"treatment_ordered": "Y"},
            [("HEALTH", None, "DP-TREATMENT"), ("BUREAU", "DISTRICT:鳳山區", "DP-TREATMENT")],
        ),
        ("DEFERRED_PROSECUTION", "M", {"treatment_ordered": "N"}, [("BUREAU", "DISTRICT:鳳山區", "DP-1")]),
        ("SERVICE", "M", {"target": "LABOUR"}, [("LABOUR", None, "SV-1")]),
        ("YOUTH_DRUG_USE", "M", {"in_school": "Y"}, [("SOCIAL", None, "YD-1")]),
        ("ADULT_USER", "F", {}, [("BUREAU", "DISTRICT:鳳山區", "AU-1")]),
        ("JUDICIAL_YOUTH", "F", {}, [("BUREAU", "YOUTH", "JY-1")]),
        ("SELF_REFERRAL", None, {}, [("BUREAU", "DISTRICT:鳳山區", "SR-1")]),
    ],
)
def test_rules_by_kind(
    kind: str, gender: str | None, attributes: dict[str, str], expected: list[tuple[str, str | None, str]]
) -> None:
    routes = route(_event(kind, gender, **attributes))
    assert [(r.destination, r.team, r.rule) for r in routes] == expected
    assert all(r.legal_basis for r in routes)


def test_triage_raises_priority() -> None:
    high = route(_event("DEFERRED_PROSECUTION", medical_need="LOW", recidivism_risk="HIGH"))
    low = route(_event("DEFERRED_PROSECUTION", medical_need="LOW", recidivism_risk="LOW"))
    assert [r.priority for r in high] == ["HIGH"] and [r.priority for r in low] == ["NORMAL"]


def test_a_service_referral_without_a_target_is_not_dropped() -> None:
    with pytest.raises(NoRoute):
        route(_event("SERVICE"))
