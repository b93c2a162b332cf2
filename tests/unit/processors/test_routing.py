import pytest

from processors.routing import DISPATCH, REDIRECT, NoRoute, RouteRefused, handed_on, route
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


# --- decisions carry notes into the assignment (Route.attributes)


def test_child_protection_from_the_bureau_goes_to_social_only() -> None:
    """The bureau found a client's children poorly cared for: it reports, it needs no copy of its own report."""
    routes = route({**event(), "source": "BUREAU"})
    assert [(r.destination, r.copy, r.priority, r.rule) for r in routes] == [("SOCIAL", False, "URGENT", "CP-BUREAU")]
    assert routes[0].legal_basis == "兒童及少年福利與權益保障法第53條"


def test_child_protection_from_the_police_still_copies_the_bureau() -> None:
    assert [r.destination for r in route({**event(), "source": "POLICE"})] == ["SOCIAL", "BUREAU"]


@pytest.mark.parametrize(
    ("attributes", "proposed"),
    [
        ({"in_school": "Y", "drug_tier": "1"}, ("EDU", "HIGH")),
        ({"in_school": "Y", "drug_tier": "2"}, ("EDU", "HIGH")),
        ({"in_school": "N", "drug_tier": "3"}, ("YOUTH_COUNSEL", "NORMAL")),
        ({"in_school": "N", "drug_tier": "4"}, ("YOUTH_COUNSEL", "NORMAL")),
        ({"drug_tier": "3"}, ("YOUTH_COUNSEL", "NORMAL")),
        ({"in_school": "Y"}, ("EDU", "HIGH")),
    ],
)
def test_youth_drug_use_proposes_the_dispatch_to_social(attributes: dict[str, str], proposed: tuple[str, str]) -> None:
    [social] = route(_event("YOUTH_DRUG_USE", **attributes))
    assert (social.destination, social.priority, social.rule) == ("SOCIAL", "URGENT", "YD-1")
    assert (social.attributes["proposed_dispatch"], social.attributes["proposed_priority"]) == proposed


@pytest.mark.parametrize(
    ("medical_need", "flagged"),
    [("HIGH", True), ("LOW", False), (None, False)],
)
def test_high_medical_need_without_a_treatment_order_is_flagged_for_the_bureau(
    medical_need: str | None, flagged: bool
) -> None:
    attributes = {"treatment_ordered": "N", "recidivism_risk": "LOW"}
    if medical_need:
        attributes["medical_need"] = medical_need
    [bureau] = route(_event("DEFERRED_PROSECUTION", **attributes))
    assert bureau.rule == "DP-1"
    assert bureau.attributes.get("flag") == ("HIGH_NEED_NO_TREATMENT_ORDER" if flagged else None)


def test_high_medical_need_with_a_treatment_order_is_not_flagged() -> None:
    routes = route(_event("DEFERRED_PROSECUTION", treatment_ordered="Y", medical_need="HIGH", hospital_code="HOSP_CSH"))
    assert [r.rule for r in routes] == ["DP-TREATMENT", "DP-TREATMENT"]
    assert all("flag" not in r.attributes for r in routes)


# --- the bureau's service referrals


def test_an_employment_need_is_also_referred_to_labour() -> None:
    routes = route(_event("SERVICE", target="HOSP_KSPH", employment_need="Y"))
    assert [(r.destination, r.rule) for r in routes] == [("HOSP_KSPH", "SV-1"), ("LABOUR", "SV-EMPLOYMENT")]
    assert routes[1].legal_basis


@pytest.mark.parametrize(
    "attributes",
    [{"target": "LABOUR", "employment_need": "Y"}, {"target": "HOSP_KSPH", "employment_need": "N"}, {"target": "EDU"}],
)
def test_labour_is_not_referred_twice_nor_without_a_need(attributes: dict[str, str]) -> None:
    routes = route(_event("SERVICE", **attributes))
    assert [r.destination for r in routes] == [attributes["target"]]
    assert [r.rule for r in routes] == ["SV-1"]


def _family_support(**criteria: str) -> dict[str, object]:
    return {**_event("SERVICE", target="SOCIAL", **criteria), "service_type": "FAMILY_SUPPORT"}


@pytest.mark.parametrize(
    "criteria",
    [
        {"apgar": "2"},
        {"apgar": "0", "family_conflict": "N"},
        {"family_conflict": "Y", "children_under_12": "Y"},
        {"family_conflict": "Y", "low_income_allowance": "Y"},
        {"family_conflict": "Y", "low_income_household": "Y"},
        {"family_conflict": "Y", "single_parent": "Y"},
        {"family_conflict": "Y", "grandparent_raised": "Y"},
        {"family_conflict": "Y", "pregnant_partner": "Y"},
        {"family_conflict": "Y", "disabled_member": "Y", "apgar": "7"},
    ],
)
def test_family_support_meeting_a_criterion_goes_to_social(criteria: dict[str, str]) -> None:
    [social] = route(_family_support(**criteria))
    assert (social.destination, social.rule) == ("SOCIAL", "SV-FAMILY")


@pytest.mark.parametrize(
    "criteria",
    [
        {},
        {"apgar": "3"},
        {"apgar": "8", "family_conflict": "Y"},
        {"family_conflict": "N", "children_under_12": "Y", "single_parent": "Y"},
        {"family_conflict": "Y", "children_under_12": "N"},
    ],
)
def test_family_support_meeting_no_criterion_is_refused_with_a_reason(criteria: dict[str, str]) -> None:
    with pytest.raises(RouteRefused) as refused:
        route(_family_support(**criteria))
    assert refused.value.rule_id == "SV-FAMILY"
    assert isinstance(refused.value, NoRoute)  # the router dead-letters it like any unroutable referral
    assert "APGAR" in refused.value.reason and "familySupport" in refused.value.reason


def test_family_support_criteria_apply_only_to_social() -> None:
    routes = route({**_event("SERVICE", target="NGO_DPF"), "service_type": "FAMILY_SUPPORT"})
    assert [(r.destination, r.rule) for r in routes] == [("NGO_DPF", "SV-1")]


def test_family_support_refusal_comes_before_the_employment_referral() -> None:
    with pytest.raises(RouteRefused):
        route(_family_support(employment_need="Y"))


# --- lectures: first offence and repeat go to different programmes (分流)


@pytest.mark.parametrize(
    ("earlier", "programme", "rule"),
    [(0, "FIRST", "LE-FIRST"), (1, "REPEAT", "LE-REPEAT"), (4, "REPEAT", "LE-REPEAT")],
)
def test_lectures_split_first_and_repeat(earlier: int, programme: str, rule: str) -> None:
    [bureau] = route(_event("LECTURE", drug_tier="3"), earlier_lectures=earlier)
    assert (bureau.destination, bureau.team, bureau.rule) == ("BUREAU", "DISTRICT:鳳山區", rule)
    assert bureau.attributes == {"programme": programme}
    assert bureau.legal_basis == "毒品危害防制條例第11條之1"


def test_a_lecture_without_a_count_is_a_first_offence() -> None:
    assert route(_event("LECTURE"))[0].rule == "LE-FIRST"


# --- subjects living outside the city: the bureau's hand-off desk, whatever the rule


def _out_of_area(kind: str, gender: str | None = "M", **attributes: str) -> dict[str, object]:
    return {**_event(kind, gender, **attributes), "out_of_area": True, "district": None}


@pytest.mark.parametrize(
    ("kind", "gender", "attributes"),
    [
        ("CHILD_PROTECTION", "M", {}),
        ("RECIDIVISM_PREVENTION", "M", {}),
        ("ADULT_USER", "M", {}),
        ("PRE_RELEASE", "F", {"pregnant": "Y"}),
        ("PRE_RELEASE", "M", {"youth": "Y"}),
        ("PRE_RELEASE", "F", {}),
        ("PRE_RELEASE", "M", {}),
        ("DEFERRED_PROSECUTION", "M", {"treatment_ordered": "Y", "medical_need": "LOW", "recidivism_risk": "LOW"}),
        ("DEFERRED_PROSECUTION", "M", {"medical_need": "HIGH", "recidivism_risk": "HIGH"}),
        ("SERVICE", "M", {"target": "BUREAU"}),
        ("JUDICIAL_YOUTH", "M", {}),
        ("SELF_REFERRAL", None, {}),
        ("LECTURE", "M", {}),
    ],
)
def test_every_bureau_assignment_of_an_out_of_area_subject_is_a_hand_off(
    kind: str, gender: str | None, attributes: dict[str, str]
) -> None:
    bureau = [r for r in route(_out_of_area(kind, gender, **attributes)) if r.destination == "BUREAU"]
    assert len(bureau) == 1
    assert (bureau[0].team, bureau[0].attributes["handoff"]) == ("OUT_OF_AREA_HANDOFF", "OUT_OF_AREA")


def test_the_hand_off_keeps_the_rules_own_notes_and_spares_other_agencies() -> None:
    dp = route(_out_of_area("DEFERRED_PROSECUTION", treatment_ordered="N", medical_need="HIGH"))
    assert dp[0].attributes == {"flag": "HIGH_NEED_NO_TREATMENT_ORDER", "handoff": "OUT_OF_AREA"}
    pregnant = route(_out_of_area("PRE_RELEASE", "F", pregnant="Y"))
    assert [(r.destination, "handoff" in r.attributes) for r in pregnant] == [("BUREAU", True), ("HEALTH", False)]


def test_subjects_in_the_city_are_no_hand_off() -> None:
    routes = route(_event("PRE_RELEASE", "F"))
    assert routes[0].team == "WOMEN" and "handoff" not in routes[0].attributes


# --- destinations a partner names (再轉 / 派案)


def test_a_redirect_to_the_bureau_gets_the_district_team_and_names_who_redirected() -> None:
    decision = handed_on(event(), "BUREAU", rule=REDIRECT, by="SOCIAL", legal_basis="法", priority="HIGH")
    assert (decision.destination, decision.team, decision.rule, decision.priority) == (
        "BUREAU",
        "DISTRICT:鳳山區",
        "REDIRECT",
        "HIGH",
    )
    assert decision.attributes == {"redirected_by": "SOCIAL"}


def test_a_dispatch_names_social_and_an_out_of_area_bureau_is_a_hand_off() -> None:
    dispatched = handed_on(event(), "EDU", rule=DISPATCH, by="SOCIAL", legal_basis="法", priority="NORMAL")
    assert (dispatched.team, dispatched.attributes) == (None, {"dispatched_by": "SOCIAL"})
    far = handed_on(_out_of_area("SERVICE"), "BUREAU", rule=REDIRECT, by="LABOUR", legal_basis="法", priority="NORMAL")
    assert (far.team, far.attributes) == ("OUT_OF_AREA_HANDOFF", {"redirected_by": "LABOUR", "handoff": "OUT_OF_AREA"})
