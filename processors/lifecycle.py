"""The closed loop (閉環) of one (referral, destination) pair: states, legal transitions, and the
standards partners already speak (HL7 FHIR ``Task.status``; SFAA social-welfare handling codes)."""

from __future__ import annotations

from enum import StrEnum


class State(StrEnum):
    SUBMITTED = "SUBMITTED"
    ROUTED = "ROUTED"
    DELIVERED = "DELIVERED"
    ACKNOWLEDGED = "ACKNOWLEDGED"
    ACCEPTED = "ACCEPTED"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"
    CLOSED = "CLOSED"
    REJECTED = "REJECTED"
    REDIRECTED = "REDIRECTED"
    CANCELLED = "CANCELLED"
    EXPIRED = "EXPIRED"


TERMINAL = frozenset({State.CLOSED, State.REJECTED, State.REDIRECTED, State.CANCELLED, State.EXPIRED})

FORWARD = (
    State.SUBMITTED,
    State.ROUTED,
    State.DELIVERED,
    State.ACKNOWLEDGED,
    State.ACCEPTED,
    State.IN_PROGRESS,
    State.COMPLETED,
    State.CLOSED,
)
"""The forward path, in order: a later state implies the earlier ones."""
_RANK = {state: rank for rank, state in enumerate(FORWARD)}

# A receiving partner may skip steps forward (a hospital that answers "accepted" has also received it);
# exits are allowed from any open state; nothing leaves a terminal state.
_EXITS = {State.REJECTED, State.REDIRECTED, State.CANCELLED, State.EXPIRED}


class IllegalTransition(ValueError):
    def __init__(self, current: State, wanted: State) -> None:
        super().__init__(f"{current} → {wanted}")
        self.current = current
        self.wanted = wanted


def check_transition(current: State | None, wanted: State) -> None:
    """Raise :class:`IllegalTransition` unless ``current → wanted`` is allowed."""
    if current is None:
        if wanted in (State.SUBMITTED, State.ROUTED):
            return
        raise IllegalTransition(State.SUBMITTED, wanted)
    if current in TERMINAL:
        raise IllegalTransition(current, wanted)
    if wanted in _EXITS:
        return
    if wanted in _RANK and _RANK[wanted] > _RANK[current]:
        return
    raise IllegalTransition(current, wanted)


FHIR_TASK_STATUS = {
    State.SUBMITTED: "requested",
    State.ROUTED: "requested",
    State.DELIVERED: "received",
    State.ACKNOWLEDGED: "received",
    State.ACCEPTED: "accepted",
    State.IN_PROGRESS: "in-progress",
    State.COMPLETED: "completed",
    State.CLOSED: "completed",
    State.REJECTED: "rejected",
    State.REDIRECTED: "cancelled",
    State.CANCELLED: "cancelled",
    State.EXPIRED: "failed",
}

# SFAA draft FHIR guide handling codes (社福轉介處理代碼).
SFAA_HANDLING_CODE = {
    State.SUBMITTED: "轉介等待中",
    State.ROUTED: "轉介等待中",
    State.DELIVERED: "轉介等待中",
    State.ACKNOWLEDGED: "轉介等待中",
    State.ACCEPTED: "受案",
    State.IN_PROGRESS: "受案",
    State.COMPLETED: "轉介完成",
    State.CLOSED: "轉介完成",
    State.REJECTED: "不受案",
    State.REDIRECTED: "再轉",
    State.CANCELLED: "退回",
    State.EXPIRED: "轉介失敗",
}
