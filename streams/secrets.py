"""The deployment's two secrets: the HMAC key of the subject lookup table and the master key that wraps
every data key. Local development makes them on first start; production mounts the file from a vault."""

from __future__ import annotations

import base64
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class HubSecrets:
    lookup_key: bytes
    master_key: bytes

    @property
    def current_master_version(self) -> int:
        return 1

    def master_key_for(self, version: int) -> bytes:
        if version != 1:
            raise KeyError(f"no master key version {version}")
        return self.master_key


def load_or_create(path: Path) -> HubSecrets:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fresh = {
            "lookup_key": base64.b64encode(secrets.token_bytes(32)).decode(),
            "master_key": base64.b64encode(secrets.token_bytes(32)).decode(),
        }
        # O_EXCL: two processes starting at once must not write two different key pairs.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                json.dump(fresh, handle)
    loaded = json.loads(path.read_text())
    return HubSecrets(
        lookup_key=base64.b64decode(loaded["lookup_key"]),
        master_key=base64.b64decode(loaded["master_key"]),
    )
