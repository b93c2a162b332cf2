"""Partner credentials: a bearer token identifies the partner; the body never does."""

from __future__ import annotations

import hmac
import tomllib
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Credential:
    code: str
    token: str
    operator: bool = False


class PartnerDirectory:
    def __init__(self, credentials: list[Credential]) -> None:
        self._credentials = credentials

    @classmethod
    def load(cls, path: Path) -> PartnerDirectory:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        credentials = [
            Credential(code=code, token=entry["token"], operator=bool(entry.get("operator", False)))
            for code, entry in data.get("partners", {}).items()
        ]
        return cls(credentials)

    def authenticate(self, token: str) -> Credential | None:
        # Compare every token in constant time so response time says nothing about near misses.
        found = None
        for credential in self._credentials:
            if hmac.compare_digest(credential.token.encode(), token.encode()):
                found = credential
        return found

    def token_for(self, code: str) -> str | None:
        for credential in self._credentials:
            if credential.code == code:
                return credential.token
        return None
