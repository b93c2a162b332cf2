"""streams/access/dev_tokens.py: local development gets a live token per partner, reused across restarts, in a
file only the developer can read; and the CLI finds it only in local development."""

from __future__ import annotations

import fcntl
import json
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from streams.access import dev_tokens, policy, tokens
from streams.access.credentials import Kind
from streams.access.store import CredentialStore
from streams.cli import common

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
YEAR = timedelta(days=365)
PARTNERS = ["POLICE", "SOCIAL", "OPERATOR"]


def test_first_start_issues_one_token_per_partner() -> None:
    store = CredentialStore()
    made, changes = dev_tokens.plan(store, {}, PARTNERS, NOW, YEAR, "refhub run")
    assert set(made) == set(PARTNERS) and [c.subtype for c in changes] == ["credential.issue"] * 3
    for partner, token in made.items():
        principal = store.authenticate(token, NOW)
        assert principal is not None and principal.partner == partner
    assert store.authenticate(made["OPERATOR"], NOW).is_operator  # type: ignore[union-attr]


def test_a_restart_reuses_live_tokens_and_replaces_dead_ones() -> None:
    store = CredentialStore()
    made, _ = dev_tokens.plan(store, {}, PARTNERS, NOW, YEAR, "refhub run")
    again, changes = dev_tokens.plan(store, made, PARTNERS, NOW + timedelta(hours=1), YEAR, "refhub run")
    assert again == made and changes == []
    police_id = tokens.credential_id_of(made["POLICE"]) or ""
    store.put(policy.revoke(store, police_id, NOW).credential)
    later, changes = dev_tokens.plan(store, made, PARTNERS, NOW + timedelta(hours=2), YEAR, "refhub run")
    assert later["POLICE"] != made["POLICE"] and later["SOCIAL"] == made["SOCIAL"]
    assert [c.credential.partner for c in changes] == ["POLICE"]
    soon, changes = dev_tokens.plan(store, later, ["SOCIAL"], NOW + YEAR - timedelta(hours=1), YEAR, "run")
    assert soon["SOCIAL"] != later["SOCIAL"], "a token about to expire is replaced, not reused"


def test_a_token_of_another_partner_or_a_forged_one_is_not_reused() -> None:
    store = CredentialStore()
    made, _ = dev_tokens.plan(store, {}, PARTNERS, NOW, YEAR, "refhub run")
    swapped = {"POLICE": made["SOCIAL"], "SOCIAL": "rhk_0000000000000000_" + "A" * 43}
    again, _ = dev_tokens.plan(store, swapped, ["POLICE", "SOCIAL"], NOW, YEAR, "refhub run")
    assert again["POLICE"] not in (made["SOCIAL"], made["POLICE"]) and again["SOCIAL"] != swapped["SOCIAL"]


def test_a_lost_file_with_two_live_tokens_revokes_the_oldest_first() -> None:
    store = CredentialStore()
    for _ in range(2):
        store.put(policy.issue(store, "POLICE", NOW, YEAR, "ops").credential)
    made, changes = dev_tokens.plan(store, {}, ["POLICE"], NOW, YEAR, "refhub run")
    assert [c.subtype for c in changes] == ["credential.revoke", "credential.issue"]
    assert len(store.live("POLICE", Kind.TOKEN, NOW)) == 2
    assert store.authenticate(made["POLICE"], NOW) is not None


def test_the_file_is_private_and_garbage_reads_as_empty(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "dev-tokens.json"
    dev_tokens.write(path, {"POLICE": "rhk_x"})
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert dev_tokens.read(path) == {"POLICE": "rhk_x"}
    assert [p.name for p in path.parent.iterdir()] == ["dev-tokens.json"], "no temporary file left"
    lock = path.parent / "dev-tokens.json.lock"
    with dev_tokens.locked(path):
        assert stat.S_IMODE(lock.stat().st_mode) == 0o600
        with lock.open("rb") as other, pytest.raises(BlockingIOError):  # another `refhub run` waits
            fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
    with lock.open("rb") as other:
        fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)  # released
    for garbage in ("", "[]", "{", json.dumps({"tokens": [1]}), json.dumps({"tokens": {"POLICE": 5}})):
        path.write_text(garbage)
        assert dev_tokens.read(path) == {}
    assert dev_tokens.read(tmp_path / "absent.json") == {}


def test_the_cli_reads_dev_tokens_only_in_local_development(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "dev-tokens.json"
    dev_tokens.write(path, {"POLICE": "rhk_police"})
    monkeypatch.setenv("REFHUB_DEV_TOKENS_FILE", str(path))
    monkeypatch.setenv("REFHUB_ENVIRONMENT", "local")
    assert common.local_token("POLICE") == "rhk_police" and common.local_token("SOCIAL") is None
    monkeypatch.setenv("REFHUB_ENVIRONMENT", "production")
    assert common.local_token("POLICE") is None


def test_durations() -> None:
    assert common.parse_duration("90d") == timedelta(days=90)
    assert common.parse_duration("24h") == timedelta(hours=24)
    assert common.parse_duration("1.5m") == timedelta(seconds=90)
    assert common.parse_duration("45") == timedelta(seconds=45)
    for bad in ("", "d", "-1h", "1w", "1 h h", "²h", "9" * 400 + "d"):
        with pytest.raises(Exception) as error:
            common.parse_duration(bad)
        assert type(error.value).__name__ == "ArgumentTypeError"
