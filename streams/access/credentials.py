"""A credential and the principal it authenticates; the record on ``partners.credentials`` (schemas/credential.avsc).

A credential is either a bearer token (kept only as its SHA-256, see ``tokens``) or a client-certificate
subject for the gateway's mutual TLS; both carry the same partner, role, expiry and revocation, so issuing,
rotating and revoking work the same way for either.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

OPERATOR = "OPERATOR"
"""The operators' principal: the partner code of every operator credential."""


class Role(StrEnum):
    PARTNER = "PARTNER"
    OPERATOR = "OPERATOR"


class Kind(StrEnum):
    TOKEN = "TOKEN"
    CERTIFICATE = "CERTIFICATE"


class State(StrEnum):
    LIVE = "live"
    EXPIRED = "expired"
    REVOKED = "revoked"


@dataclass(frozen=True)
class Principal:
    """Who is calling, as the hub decides it: never from the request body."""

    partner: str
    role: Role
    credential_id: str

    @property
    def is_operator(self) -> bool:
        return self.role is Role.OPERATOR


@dataclass(frozen=True)
class Credential:
    credential_id: str
    partner: str
    role: Role
    kind: Kind
    created: datetime
    expires: datetime
    issued_by: str
    token_sha256: bytes | None = dataclasses.field(default=None, repr=False)
    certificate_subject: str | None = None
    revoked_at: datetime | None = None
    replaced_by: str | None = None

    def state(self, now: datetime) -> State:
        if self.revoked_at is not None and self.revoked_at <= now:
            return State.REVOKED
        if now >= self.expires:
            return State.EXPIRED
        return State.LIVE

    def is_live(self, now: datetime) -> bool:
        return self.state(now) is State.LIVE

    def principal(self) -> Principal:
        return Principal(self.partner, self.role, self.credential_id)

    def as_record(self) -> dict[str, Any]:
        return {
            "credential_id": self.credential_id,
            "partner": self.partner,
            "role": self.role.value,
            "kind": self.kind.value,
            "token_sha256": self.token_sha256,
            "certificate_subject": self.certificate_subject,
            "created": self.created,
            "expires": self.expires,
            "revoked_at": self.revoked_at,
            "replaced_by": self.replaced_by,
            "issued_by": self.issued_by,
        }

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Credential:
        return cls(
            credential_id=record["credential_id"],
            partner=record["partner"],
            role=Role(record["role"]),
            kind=Kind(record["kind"]),
            token_sha256=record.get("token_sha256"),
            certificate_subject=record.get("certificate_subject"),
            created=record["created"],
            expires=record["expires"],
            revoked_at=record.get("revoked_at"),
            replaced_by=record.get("replaced_by"),
            issued_by=record["issued_by"],
        )

    def listing(self, now: datetime) -> dict[str, Any]:
        """What ``refhub credentials list`` shows: everything but the hash."""
        shown = {
            "credential_id": self.credential_id,
            "partner": self.partner,
            "role": self.role.value,
            "kind": self.kind.value,
            "created": self.created.isoformat(),
            "expires": self.expires.isoformat(),
            "state": self.state(now).value,
        }
        if self.certificate_subject is not None:
            shown["certificate_subject"] = self.certificate_subject
        if self.revoked_at is not None:
            shown["revoked_at"] = self.revoked_at.isoformat()
        if self.replaced_by is not None:
            shown["replaced_by"] = self.replaced_by
        return shown
