"""What an agency's assignment topic holds, as the outbound renderers take it: assignments and erasure notices.

``assignments.<AGENCY>`` carries two record types in one order: an ``Assignment`` (派案, with the personal fields
the caller has unsealed beside it) and an ``ErasureNotice`` (塗銷通知, schemas/erasure_notice.avsc): the hub
tells the agency to delete its copy of a referral under a juvenile court's erasure order (少年事件處理法第83條之1).
A notice carries no personal data. Renderers receive both, tagged, in topic order, and render each in the
partner's own format.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

ERASED: Final = "ERASED"
"""An erasure notice's reason code."""


@dataclass(frozen=True)
class AssignmentItem:
    """One assignment (the Avro record) and its unsealed personal fields (``{"erased": True}`` once shredded)."""

    assignment: Mapping[str, Any]
    personal: Mapping[str, Any]


@dataclass(frozen=True)
class ErasureNoticeItem:
    """One ``ErasureNotice`` record: delete every copy of ``referral_id`` (its ``assignment_ids``)."""

    notice: Mapping[str, Any]

    def __post_init__(self) -> None:
        reason = self.notice.get("reason_code")
        if reason != ERASED:
            raise ValueError(f"erasure notice {self.notice.get('notice_id')!r} has reason code {reason!r}, not ERASED")


OutboundItem = AssignmentItem | ErasureNoticeItem
Pair = tuple[Mapping[str, Any], Mapping[str, Any]]
"""``(assignment, personal)``: how callers passed assignments before notices shared the topic."""


def is_erasure_notice(record: Mapping[str, Any]) -> bool:
    """An ``ErasureNotice`` record has a ``notice_id``; an ``Assignment`` never does."""
    return "notice_id" in record


def outbound_item(record: Mapping[str, Any], personal: Mapping[str, Any] | None = None) -> OutboundItem:
    """A record read off ``assignments.<AGENCY>``, tagged: a notice by its ``notice_id``, else an assignment."""
    if is_erasure_notice(record):
        return ErasureNoticeItem(record)
    return AssignmentItem(record, personal if personal is not None else {})


def as_item(item: OutboundItem | Pair) -> OutboundItem:
    if isinstance(item, AssignmentItem | ErasureNoticeItem):
        return item
    assignment, personal = item
    return outbound_item(assignment, personal)
