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
