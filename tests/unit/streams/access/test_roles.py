"""streams/access/roles.py: every access level × every kind of caller, and the answer that leaks nothing."""

from __future__ import annotations

import pytest

from streams.access.credentials import Principal, Role
from streams.access.roles import Access, allowed, refusal

POLICE = Principal("POLICE", Role.PARTNER, "a" * 16)
SOCIAL = Principal("SOCIAL", Role.PARTNER, "b" * 16)
OPERATOR = Principal("OPERATOR", Role.OPERATOR, "c" * 16)

# (access, caller, the referral's source) → HTTP status (None: allowed)
MATRIX = [
    (Access.ANYONE, None, None, None),
    (Access.ANYONE, POLICE, None, None),
    (Access.ANYONE, OPERATOR, None, None),
    (Access.PARTNER, None, None, 401),
    (Access.PARTNER, POLICE, None, None),
    (Access.PARTNER, OPERATOR, None, 403),
    (Access.SOURCE, None, "POLICE", 401),
    (Access.SOURCE, POLICE, "POLICE", None),
    (Access.SOURCE, SOCIAL, "POLICE", 404),
    (Access.SOURCE, POLICE, None, 404),
    (Access.SOURCE, OPERATOR, "POLICE", None),
    (Access.SOURCE, OPERATOR, None, None),
    (Access.OPERATOR, None, None, 401),
    (Access.OPERATOR, POLICE, None, 403),
    (Access.OPERATOR, OPERATOR, None, None),
    (Access.PEER, None, None, 403),
    (Access.PEER, POLICE, None, 403),
    (Access.PEER, OPERATOR, None, 403),
]


@pytest.mark.parametrize(("access", "caller", "source", "status"), MATRIX)
def test_who_may_call(access: Access, caller: Principal | None, source: str | None, status: int | None) -> None:
    assert allowed(access, caller, source) is (status is None)
    assert refusal(access, caller, source) == status


def test_another_partners_referral_and_an_unknown_one_get_the_same_answer() -> None:
    assert refusal(Access.SOURCE, SOCIAL, "POLICE") == refusal(Access.SOURCE, SOCIAL, None) == 404


def test_the_matrix_covers_every_access_level() -> None:
    assert {row[0] for row in MATRIX} == set(Access)
