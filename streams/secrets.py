"""The deployment's secrets: the HMAC key of the subject lookup table and the master keys that wrap every
data key, plus keys derived from them.

Only local development ever makes them (on first start, mode 0600). Anywhere else they come from the
secrets file a vault mounts or from the environment, and a start without them fails, naming what is
missing: a hub that quietly made itself a fresh master key could not unwrap one data key on the topics,
and a fresh lookup key would link every known person to a new, second subject.

Master keys have versions so the master key can rotate: the current version wraps new data keys, every
listed version still unwraps (each wrapped key names its version). The lookup key never rotates — it is
what makes a national ID find its subject — so the keys that must stay stable for the life of the
deployment (cursor sealing, keyed referral ids) are derived from it with HKDF, each under its own label.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from streams.settings import Settings

KEY_BYTES = 32


class SecretsError(RuntimeError):
    """The deployment's secrets are missing or unusable; the message names what, never a key's bytes."""


class MissingSecrets(SecretsError):
    pass


class UnknownMasterKey(KeyError):
    """A wrapped key names a master key version this deployment does not list."""


@dataclass(frozen=True)
class HubSecrets:
    lookup_key: bytes = field(repr=False)
    master_keys: Mapping[int, bytes] = field(repr=False)
    current_master_version: int = 1

    def __post_init__(self) -> None:
        if len(self.lookup_key) != KEY_BYTES:
            raise SecretsError(f"the lookup key must be {KEY_BYTES} bytes")
        for version, key in self.master_keys.items():
            if len(key) != KEY_BYTES:
                raise SecretsError(f"master key version {version} must be {KEY_BYTES} bytes")
        if self.current_master_version not in self.master_keys:
            raise MissingSecrets(f"the current master key version {self.current_master_version} is not listed")

    @property
    def master_key(self) -> bytes:
        """The current master key (the one that wraps new data keys)."""
        return self.master_keys[self.current_master_version]

    def master_key_for(self, version: int) -> bytes:
        try:
            return self.master_keys[version]
        except KeyError:
            raise UnknownMasterKey(f"no master key version {version}") from None

    @cached_property
    def cursor_key(self) -> bytes:
        """Seals partners' pull cursors (streams/access/cursors.py): stable, so a cursor survives a restart."""
        return derive(self.lookup_key, b"refhub/cursor/v1")

    @cached_property
    def referral_id_key(self) -> bytes:
        """Keys referral ids, so nobody outside can compute one from a sender and its reference; stable for the
        life of the deployment because a replay must find the same id."""
        return derive(self.lookup_key, b"refhub/referral-id/v1")

    @cached_property
    def peer_key(self) -> bytes:
        """Signs requests between the workers of one hub (streams/peers/seal.py)."""
        return derive(self.lookup_key, b"refhub/peer-requests/v1")


def derive(secret: bytes, label: bytes) -> bytes:
    """HKDF-SHA256: one independent key per label from one secret, none revealing another or the secret."""
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=label).derive(secret)


def load_secrets(settings: Settings) -> HubSecrets:
    """The secrets from the environment (``REFHUB_LOOKUP_KEY``, ``REFHUB_MASTER_KEYS``,
    ``REFHUB_MASTER_KEY_VERSION``) over the secrets file; made on first start in local development only."""
    from_environment = settings.lookup_key is not None and settings.master_keys is not None
    if settings.environment == "local" and not from_environment and not settings.secrets_file.exists():
        _create(settings.secrets_file)
    stored = _read(settings.secrets_file)
    lookup = _decode("REFHUB_LOOKUP_KEY", settings.lookup_key.get_secret_value()) if settings.lookup_key else None
    if lookup is None and stored.get("lookup_key"):
        lookup = _decode(f"lookup_key in {settings.secrets_file}", stored["lookup_key"])
    masters = _parse_master_keys(settings.master_keys.get_secret_value()) if settings.master_keys else None
    version = settings.master_key_version
    if masters is None:
        masters = _stored_master_keys(stored, settings.secrets_file)
        if version is None and "current_master_version" in stored:
            version = _version(str(stored["current_master_version"]), settings.secrets_file)
    missing = []
    if lookup is None:
        missing.append("the HMAC lookup key (REFHUB_LOOKUP_KEY, or lookup_key in the secrets file)")
    if not masters:
        missing.append("the master key (REFHUB_MASTER_KEYS, or master_keys in the secrets file)")
    if missing:
        raise MissingSecrets(
            f"{settings.environment} start refused: missing {' and '.join(missing)}; secrets file "
            f"{settings.secrets_file} {'exists' if settings.secrets_file.exists() else 'does not exist'}. "
            "Keys are made only in local development (REFHUB_ENVIRONMENT=local)."
        )
    assert lookup is not None
    return HubSecrets(lookup_key=lookup, master_keys=masters, current_master_version=version or max(masters))


def new_secrets_document() -> dict[str, Any]:
    """A fresh secrets file's content: what local development makes, and the shape a vault mounts in production
    (rotation adds a version to ``master_keys`` and moves ``current_master_version``; old versions stay listed
    until no wrapped key names them)."""
    return {
        "lookup_key": base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode(),
        "master_keys": {"1": base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode()},
        "current_master_version": 1,
    }


def _create(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_EXCL: two processes starting at once must not write two different key sets.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "w") as handle:
        json.dump(new_secrets_document(), handle)


def _read(path: Path) -> dict[str, Any]:
    try:
        loaded = json.loads(path.read_text())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        raise SecretsError(f"cannot read the secrets file {path}: {type(error).__name__}") from None
    if not isinstance(loaded, dict):
        raise SecretsError(f"the secrets file {path} is not a JSON object")
    return loaded


def _stored_master_keys(stored: Mapping[str, Any], path: Path) -> dict[int, bytes]:
    """``master_keys: {"1": …, "2": …}``; a file from before rotation has one ``master_key``, version 1."""
    listed = stored.get("master_keys") or {}
    if not isinstance(listed, dict):
        raise SecretsError(f"master_keys in {path} must map versions to base64 keys")
    keys = {_version(text, path): _decode(f"master key {text} in {path}", value) for text, value in listed.items()}
    if stored.get("master_key") and 1 not in keys:
        keys[1] = _decode(f"master_key in {path}", stored["master_key"])
    return keys


def _parse_master_keys(text: str) -> dict[int, bytes]:
    keys: dict[int, bytes] = {}
    for part in text.split(","):
        version, sep, value = part.strip().partition(":")
        if not sep:
            raise SecretsError("REFHUB_MASTER_KEYS must read VERSION:BASE64[,VERSION:BASE64…]")
        keys[_version(version, "REFHUB_MASTER_KEYS")] = _decode(f"REFHUB_MASTER_KEYS version {version}", value)
    return keys


def _version(text: str, where: object) -> int:
    text = text.strip()
    if not (text.isascii() and text.isdigit()) or int(text) < 1:
        raise SecretsError(f"master key versions in {where} are positive integers")
    return int(text)


def _decode(where: str, value: object) -> bytes:
    if not isinstance(value, str):
        raise SecretsError(f"{where} must be base64 text")
    try:
        key = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise SecretsError(f"{where} is not valid base64") from None
    if len(key) != KEY_BYTES:
        raise SecretsError(f"{where} must be {KEY_BYTES} bytes, not {len(key)}")
    return key
