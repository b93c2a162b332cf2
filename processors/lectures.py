"""三四級毒品危害講習 分流: counting a person's lecture notices, to choose the first or the repeat programme.

The count is kept per person (subject id) and must be taken where that person's row lives: the notices arrive
keyed by referral, so they are re-keyed by subject (lectures.notices) and counted there, and the router then
routes the counted copy (lectures.counted). The count of a notice is its place in the person's list: a
redelivered or amended notice keeps its place, so routing it again gives the same programme.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Counted:
    notices: list[str]
    """The person's notices after this one, oldest first."""
    earlier: int
    """How many of them came before this one."""
    changed: bool


def count(notices: Sequence[str] | None, referral_id: str) -> Counted:
    listed = list(notices or ())
    if referral_id in listed:
        return Counted(listed, listed.index(referral_id), changed=False)
    return Counted([*listed, referral_id], len(listed), changed=True)
