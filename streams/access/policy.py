"""Issuing, rotating and revoking credentials, as pure decisions over the current directory.

At most two live credentials of a kind per partner: a rotation issues the new one while the old one runs
out its grace period, so a partner's systems switch over without a gap, and no third token can be left
lying around forgotten. Revocation is immediate. Each decision returns the records to write to
``partners.credentials`` (a change replaces the credential's record under its key) and, once, the clear
token of a new credential.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from adapters.agencies import ASSIGNMENT_AGENCIES
from adapters.registry import INBOUND
from streams.access import tokens
from streams.access.credentials import OPERATOR, Credential, Kind, Role
from streams.access.store import CredentialStore
from streams.access.subjects import canonical_subject

MAX_LIVE = 2
KNOWN_PRINCIPALS = frozenset({*INBOUND, *ASSIGNMENT_AGENCIES, OPERATOR})


class Refused(ValueError):
    """The change would break a rule; ``code`` for scripts, the message for the operator."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code


@dataclass(frozen=True)
class Change:
    subtype: str
    """credential.issue, credential.rotate or credential.revoke (the audit event's subtype)."""
    action: str
    """C, U or D (FHIR AuditEvent.action)."""
    credential: Credential
    """The credential the change is about: the new one, or the revoked one."""
    writes: tuple[Credential, ...]
    token: tokens.NewToken | None = None
    replaced: Credential | None = None


def role_for(partner: str, role: Role | None = None) -> Role:
    """Operators are the principal OPERATOR and nobody else is an operator."""
    if partner not in KNOWN_PRINCIPALS:
        raise Refused("UNKNOWN_PARTNER", f"unknown partner code {partner}")
    expected = Role.OPERATOR if partner == OPERATOR else Role.PARTNER
    if role is not None and role is not expected:
        raise Refused("WRONG_ROLE", f"{partner} can only hold the role {expected.value}")
    return expected


def issue(
    store: CredentialStore,
    partner: str,
    now: datetime,
    lifetime: timedelta,
    by: str,
    *,
    role: Role | None = None,
    certificate_subject: str | None = None,
) -> Change:
    role = role_for(partner, role)
    kind = Kind.CERTIFICATE if certificate_subject is not None else Kind.TOKEN
    if len(store.live(partner, kind, now)) >= MAX_LIVE:
        raise Refused(
            "TOO_MANY_LIVE",
            f"{partner} already has {MAX_LIVE} live {kind.value.lower()} credentials: rotate or revoke one first",
        )
    credential, token = _new(store, partner, role, now, lifetime, by, certificate_subject)
    return Change("credential.issue", "C", credential, (credential,), token)


def rotate(
    store: CredentialStore,
    partner: str,
    now: datetime,
    lifetime: timedelta,
    grace: timedelta,
    by: str,
    *,
    certificate_subject: str | None = None,
) -> Change:
    role = role_for(partner)
    kind = Kind.CERTIFICATE if certificate_subject is not None else Kind.TOKEN
    live = store.live(partner, kind, now)
    if not live:
        raise Refused("NOTHING_TO_ROTATE", f"{partner} has no live {kind.value.lower()} credential: issue one")
    if len(live) >= MAX_LIVE:
        raise Refused(
            "TOO_MANY_LIVE",
            f"{partner} already has {MAX_LIVE} live {kind.value.lower()} credentials (a rotation in its grace "
            "period?): revoke the one no longer used, then rotate",
        )
    if grace < timedelta(0):
        raise Refused("INVALID_GRACE", "the grace period cannot be negative")
    credential, token = _new(store, partner, role, now, lifetime, by, certificate_subject)
    old = live[0]
    retired = replace(old, expires=min(old.expires, now + grace), replaced_by=credential.credential_id)
    return Change("credential.rotate", "U", credential, (credential, retired), token, replaced=retired)


def revoke(store: CredentialStore, credential_id: str, now: datetime) -> Change:
    credential = store.get(credential_id)
    if credential is None:
        raise Refused("UNKNOWN_CREDENTIAL", f"no credential {credential_id}")
    if credential.revoked_at is not None:
        raise Refused("ALREADY_REVOKED", f"credential {credential_id} was revoked at {credential.revoked_at}")
    revoked = replace(credential, revoked_at=now)
    return Change("credential.revoke", "D", revoked, (revoked,))


def revoke_partner(store: CredentialStore, partner: str, now: datetime) -> list[Change]:
    """Every live credential of the partner, of both kinds (a leaked token: cut the partner off at once)."""
    role_for(partner)
    return [revoke(store, c.credential_id, now) for kind in Kind for c in store.live(partner, kind, now)]


def _new(
    store: CredentialStore,
    partner: str,
    role: Role,
    now: datetime,
    lifetime: timedelta,
    by: str,
    certificate_subject: str | None,
) -> tuple[Credential, tokens.NewToken | None]:
    if lifetime <= timedelta(0):
        raise Refused("INVALID_LIFETIME", "a credential must live for a positive time")
    token: tokens.NewToken | None = None
    subject: str | None = None
    if certificate_subject is None:
        token = tokens.new_token()
        credential_id = token.credential_id
    else:
        try:
            subject = canonical_subject(certificate_subject)
        except ValueError as error:
            raise Refused("INVALID_SUBJECT", str(error)) from None
        holder = store.for_certificate(subject, now)
        if holder is not None:
            raise Refused("SUBJECT_IN_USE", f"the subject {subject} is already live for {holder.partner}")
        credential_id = tokens.new_credential_id()
    credential = Credential(
        credential_id=credential_id,
        partner=partner,
        role=role,
        kind=Kind.TOKEN if token is not None else Kind.CERTIFICATE,
        created=now,
        expires=now + lifetime,
        issued_by=by,
        token_sha256=token.digest if token is not None else None,
        certificate_subject=subject,
    )
    return credential, token
