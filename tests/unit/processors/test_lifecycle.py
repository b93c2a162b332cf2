import pytest

from processors.lifecycle import (
    FHIR_TASK_STATUS,
    SFAA_HANDLING_CODE,
    IllegalTransition,
    State,
    check_transition,
)


@pytest.mark.parametrize(
    ("current", "wanted"),
    [
        (None, State.ROUTED),
        (State.ROUTED, State.DELIVERED),
        (State.ROUTED, State.ACCEPTED),
        (State.ACKNOWLEDGED, State.REJECTED),
        (State.IN_PROGRESS, State.COMPLETED),
        (State.ROUTED, State.CANCELLED),
    ],
)
def test_allowed(current: State | None, wanted: State) -> None:
    check_transition(current, wanted)


@pytest.mark.parametrize(
    ("current", "wanted"),
    [
        (State.ACCEPTED, State.ACKNOWLEDGED),
        (State.COMPLETED, State.IN_PROGRESS),
        (State.REJECTED, State.ACCEPTED),
        (State.CLOSED, State.CANCELLED),
        (None, State.ACCEPTED),
        (State.ROUTED, State.ROUTED),
    ],
)
def test_refused(current: State | None, wanted: State) -> None:
    with pytest.raises(IllegalTransition):
        check_transition(current, wanted)


def test_every_state_maps_to_fhir_and_sfaa() -> None:
    assert set(FHIR_TASK_STATUS) == set(State) == set(SFAA_HANDLING_CODE)
    assert FHIR_TASK_STATUS[State.ACCEPTED] == "accepted"
    assert SFAA_HANDLING_CODE[State.REJECTED] == "不受案"
