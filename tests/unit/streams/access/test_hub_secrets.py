"""streams/secrets.py: keys are made only in local development; elsewhere a start without them fails, naming
what is missing; master keys have versions; derived keys are stable and independent."""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path

import pytest
from pydantic import SecretStr

from streams.secrets import HubSecrets, MissingSecrets, SecretsError, UnknownMasterKey, load_secrets
from streams.settings import Settings

K1, K2, LOOKUP = (bytes([n]) * 32 for n in (1, 2, 3))


def b64(key: bytes) -> str:
    return base64.b64encode(key).decode()


def settings(tmp_path: Path, **overrides: object) -> Settings:
    return Settings(secrets_file=tmp_path / "secrets.json", **overrides)  # type: ignore[arg-type]


def test_local_development_makes_the_secrets_once_readable_by_the_owner_only(tmp_path: Path) -> None:
    first = load_secrets(settings(tmp_path))
    assert stat.S_IMODE((tmp_path / "secrets.json").stat().st_mode) == 0o600
    again = load_secrets(settings(tmp_path))
    assert again.lookup_key == first.lookup_key and again.master_key == first.master_key
    assert first.current_master_version == 1 and first.master_key_for(1) == first.master_key


def test_production_never_makes_a_key_and_names_what_is_missing(tmp_path: Path) -> None:
    with pytest.raises(MissingSecrets) as missing:
        load_secrets(settings(tmp_path, environment="production"))
    message = str(missing.value)
    assert "lookup key" in message and "master key" in message and "REFHUB_MASTER_KEYS" in message
    assert not (tmp_path / "secrets.json").exists()
    with pytest.raises(MissingSecrets) as only_master:
        load_secrets(settings(tmp_path, environment="production", lookup_key=SecretStr(b64(LOOKUP))))
    assert "master key" in str(only_master.value) and "lookup key" not in str(only_master.value)


def test_production_takes_the_keys_from_the_environment(tmp_path: Path) -> None:
    loaded = load_secrets(
        settings(
            tmp_path,
            environment="production",
            lookup_key=SecretStr(b64(LOOKUP)),
            master_keys=SecretStr(f"1:{b64(K1)}, 2:{b64(K2)}"),
        )
    )
    assert loaded.lookup_key == LOOKUP
    assert loaded.current_master_version == 2 and loaded.master_key == K2, "the highest version wraps by default"
    assert loaded.master_key_for(1) == K1
    pinned = load_secrets(
        settings(
            tmp_path,
            environment="production",
            lookup_key=SecretStr(b64(LOOKUP)),
            master_keys=SecretStr(f"1:{b64(K1)},2:{b64(K2)}"),
            master_key_version=1,
        )
    )
    assert pinned.master_key == K1
    with pytest.raises(UnknownMasterKey):
        pinned.master_key_for(3)


def test_production_reads_a_mounted_file_with_several_master_versions(tmp_path: Path) -> None:
    (tmp_path / "secrets.json").write_text(
        json.dumps(
            {"lookup_key": b64(LOOKUP), "master_keys": {"1": b64(K1), "2": b64(K2)}, "current_master_version": 1}
        )
    )
    loaded = load_secrets(settings(tmp_path, environment="production"))
    assert loaded.current_master_version == 1 and loaded.master_key_for(2) == K2


def test_a_file_from_before_rotation_is_master_key_version_1(tmp_path: Path) -> None:
    (tmp_path / "secrets.json").write_text(json.dumps({"lookup_key": b64(LOOKUP), "master_key": b64(K1)}))
    loaded = load_secrets(settings(tmp_path))
    assert loaded.master_keys == {1: K1} and loaded.current_master_version == 1


@pytest.mark.parametrize(
    "content",
    [
        {"lookup_key": "not base64!", "master_key": b64(K1)},
        {"lookup_key": b64(b"short"), "master_key": b64(K1)},
        {"lookup_key": b64(LOOKUP), "master_keys": {"x": b64(K1)}},
        {"lookup_key": b64(LOOKUP), "master_keys": {"1": b64(K1)}, "current_master_version": 2},
        {"lookup_key": b64(LOOKUP), "master_keys": ["1"]},
        ["not", "an", "object"],
    ],
)
def test_unusable_secrets_fail_without_showing_a_key(tmp_path: Path, content: object) -> None:
    (tmp_path / "secrets.json").write_text(json.dumps(content))
    with pytest.raises(SecretsError) as error:
        load_secrets(settings(tmp_path))
    assert b64(K1) not in str(error.value) and b64(LOOKUP) not in str(error.value)


def test_a_local_file_missing_a_key_is_not_silently_replaced(tmp_path: Path) -> None:
    (tmp_path / "secrets.json").write_text(json.dumps({"lookup_key": b64(LOOKUP)}))
    with pytest.raises(MissingSecrets):
        load_secrets(settings(tmp_path))
    assert json.loads((tmp_path / "secrets.json").read_text()) == {"lookup_key": b64(LOOKUP)}


def test_derived_keys_are_stable_independent_and_survive_master_rotation() -> None:
    one = HubSecrets(lookup_key=LOOKUP, master_keys={1: K1})
    rotated = HubSecrets(lookup_key=LOOKUP, master_keys={1: K1, 2: K2}, current_master_version=2)
    assert one.cursor_key == rotated.cursor_key and one.referral_id_key == rotated.referral_id_key
    assert len({one.cursor_key, one.referral_id_key, LOOKUP, K1}) == 4
    assert len(one.cursor_key) == 32
    assert HubSecrets(lookup_key=K2, master_keys={1: K1}).cursor_key != one.cursor_key


def test_the_repr_shows_no_key() -> None:
    shown = repr(HubSecrets(lookup_key=LOOKUP, master_keys={1: K1}))
    assert repr(LOOKUP) not in shown and repr(K1) not in shown and "\\x01" not in shown
