"""Who may call a route: every route declares one ``Access``, and one pure function decides.

The answer for a refusal is chosen so it leaks nothing: no credential → 401; a partner asking for a
referral it did not send → 404, the same answer as for a referral that does not exist (``refusal`` gives
it); a partner on an operators' route, or an operator on a partners' route → 403.
"""

from __future__ import annotations

from enum import StrEnum

from streams.access.credentials import Principal, Role


class Access(StrEnum):
    ANYONE = "ANYONE"
    """No credential needed: health, the OpenAPI document."""
    PARTNER = "PARTNER"
    """An authenticated partner acting as itself: submissions, its outbox."""
    SOURCE = "SOURCE"
    """The partner that sent the referral, or an operator: a referral's status."""
    OPERATOR = "OPERATOR"
    """Operators only: replay, the clock of a test deployment, audit queries."""
    PEER = "PEER"
    """Another worker of this hub only, by a signed request (streams/peers/seal.py): never a credential."""


def allowed(access: Access, principal: Principal | None, source: str | None = None) -> bool:
    """``source``: the referral's source partner, None when the referral is unknown (then only an operator
    passes a SOURCE check; the route answers 404 by the referral's absence)."""
    if access is Access.ANYONE:
        return True
    if principal is None:
        return False
    if access is Access.PARTNER:
        return principal.role is Role.PARTNER
    if access is Access.SOURCE:
        return principal.role is Role.OPERATOR or (source is not None and principal.partner == source)
    if access is Access.PEER:
        return False  # a credential never opens a route between workers: only the peers' signature does
    return principal.role is Role.OPERATOR


def refusal(access: Access, principal: Principal | None, source: str | None = None) -> int | None:
    """None when allowed; otherwise the HTTP status to answer (401, 403, or 404 for SOURCE)."""
    if allowed(access, principal, source):
        return None
    if access is Access.PEER:
        return 403  # no credential would help: the same answer to everyone
    if principal is None:
        return 401
    return 404 if access is Access.SOURCE else 403
