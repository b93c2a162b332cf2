"""The credential directory every hub process keeps in memory, fed from ``partners.credentials``.

Pure: it holds the latest record of each credential and answers who a token or a certificate subject
is *now*. An expired or revoked credential stays in the directory (``refhub credentials list`` shows it)
but authenticates nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from streams.access import tokens
from streams.access.credentials import Credential, Kind, Principal


class CredentialStore:
    def __init__(self, credentials: Iterable[Credential] = ()) -> None:
        self._by_id: dict[str, Credential] = {}
        for credential in credentials:
            self.put(credential)

    def put(self, credential: Credential) -> None:
        self._by_id[credential.credential_id] = credential

    def remove(self, credential_id: str) -> None:
        """A tombstone on the topic: the credential is gone altogether."""
        self._by_id.pop(credential_id, None)

    def get(self, credential_id: str) -> Credential | None:
        return self._by_id.get(credential_id)

    def all(self) -> list[Credential]:
        return sorted(self._by_id.values(), key=lambda c: (c.partner, c.created, c.credential_id))

    def of_partner(self, partner: str) -> list[Credential]:
        """Oldest first."""
        return [c for c in self.all() if c.partner == partner]

    def live(self, partner: str, kind: Kind, now: datetime) -> list[Credential]:
        """The partner's live credentials of one kind, oldest first."""
        return [c for c in self.of_partner(partner) if c.kind is kind and c.is_live(now)]

    def authenticate(self, token: object, now: datetime) -> Principal | None:
        """The principal of a live token; None for anything else, malformed input included (never raises)."""
        credential_id = tokens.credential_id_of(token)
        if credential_id is None:
            return None
        assert isinstance(token, str)
        credential = self._by_id.get(credential_id)
        if credential is None or credential.kind is not Kind.TOKEN or credential.token_sha256 is None:
            return None
        if not tokens.matches(token, credential.token_sha256) or not credential.is_live(now):
            return None
        return credential.principal()

    def for_certificate(self, subject: str, now: datetime) -> Principal | None:
        """The principal of a live certificate credential with exactly this (canonical RFC 4514) subject."""
        found = [
            c
            for c in self._by_id.values()
            if c.kind is Kind.CERTIFICATE and c.certificate_subject == subject and c.is_live(now)
        ]
        # Issuing refuses a subject that is live elsewhere; should two ever coexist, trust neither.
        if len({c.partner for c in found}) != 1:
            return None
        return min(found, key=lambda c: c.created).principal()
