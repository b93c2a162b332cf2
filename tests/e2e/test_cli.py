"""The operator and partner commands, as acceptance checks run them: names, shapes and exit codes."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import police
from tests.support.processes import REPO, HubProcess, free_port

pytestmark = pytest.mark.broker


def refhub(hub: HubProcess, *args: str) -> subprocess.CompletedProcess[str]:
    return hub.cli(*args)


def test_submit_consume_status(hub: HubProcess, tmp_path: Path) -> None:
    rng = random.Random(31)
    good, bad = police.fresh_refs(2)
    bad_row = police.child_protection_row(bad, police.person(rng))
    bad_row["行政區"] = "999"
    clean = tmp_path / "clean.csv"
    clean.write_bytes(police.to_csv([police.child_protection_row(good, police.person(rng))]))
    mixed = tmp_path / "mixed.csv"
    mixed.write_bytes(police.to_csv([bad_row]))

    accepted = refhub(hub, "submit", "--partner", "POLICE", str(clean), "--url", hub.url)
    assert accepted.returncode == 0, accepted.stderr
    receipt = json.loads(accepted.stdout)
    referral_id = receipt["accepted"][0]["referral_id"]

    rejected = refhub(hub, "submit", "--partner", "POLICE", str(mixed), "--url", hub.url)
    assert rejected.returncode == 1
    assert json.loads(rejected.stdout)["rejected"][0]["field"] == "行政區"

    consumed = refhub(hub, "consume", "assignments.SOCIAL", "--from-beginning", "--timeout", "3")
    assert consumed.returncode == 0
    lines = [json.loads(line) for line in consumed.stdout.splitlines()]
    ours = [line for line in lines if line["referral_id"] == referral_id]
    assert ours and ours[0]["kind"] == "CHILD_PROTECTION"
    assert isinstance(ours[0]["personal"]["ciphertext"], str), "sealed data prints as base64, never clear text"
    limited = refhub(hub, "consume", "assignments.SOCIAL", "--from-beginning", "--max", "1")
    assert len(limited.stdout.splitlines()) == 1

    shown = refhub(hub, "status", referral_id, "--url", hub.url)
    assert shown.returncode == 0, shown.stdout + shown.stderr
    status = json.loads(shown.stdout)
    assert status["referral_id"] == referral_id and set(status["destinations"]) == {"SOCIAL", "BUREAU"}

    unknown = refhub(hub, "status", "R-00000000000000000000", "--url", hub.url)
    assert unknown.returncode == 1
    assert json.loads(unknown.stdout)["error"] == "UNKNOWN_REFERRAL"


def test_submit_exit_code_2_on_auth_connection_and_usage_errors(hub: HubProcess, tmp_path: Path) -> None:
    sample = REPO / "deploy" / "local" / "samples" / "police_child_protection.csv"
    wrong_token = refhub(hub, "submit", "--partner", "POLICE", str(sample), "--url", hub.url, "--token", "nope")
    assert wrong_token.returncode == 2 and json.loads(wrong_token.stdout)["error"] == "UNAUTHENTICATED"
    nobody = refhub(hub, "submit", "--partner", "POLICE", str(sample), "--url", f"http://127.0.0.1:{free_port()}")
    assert nobody.returncode == 2 and "CONNECTION_FAILED" in nobody.stderr
    assert refhub(hub, "submit", str(sample)).returncode == 2
    missing = refhub(hub, "submit", "--partner", "POLICE", str(tmp_path / "absent.csv"), "--url", hub.url)
    assert missing.returncode == 2


def test_replay_command(hub: HubProcess, tmp_path: Path) -> None:
    since = "2100-01-01T00:00:00+08:00"  # nothing was received after this: a replay of nothing
    replayed = refhub(hub, "replay", "--partner", "POLICE", "--since", since, "--url", hub.url)
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr
    assert json.loads(replayed.stdout)["records"] == 0
    assert refhub(hub, "replay", "--partner", "POLICE", "--since", "yesterday", "--url", hub.url).returncode == 2
    unknown = refhub(hub, "replay", "--partner", "NOBODY", "--url", hub.url)
    assert unknown.returncode == 2 and json.loads(unknown.stdout)["error"] == "UNKNOWN_PARTNER"


def test_the_cli_finds_its_configuration_from_any_directory(hub: HubProcess, tmp_path: Path) -> None:
    """Run from a directory that is not the repository, with a home of its own (no dev tokens where `refhub run`
    would put them): the user's config file, or the environment, tells the CLI its hub, broker and token."""
    home, elsewhere, xdg = tmp_path / "home", tmp_path / "elsewhere", tmp_path / "xdg"
    for directory in (home, elsewhere):
        directory.mkdir()
    sample = REPO / "deploy" / "local" / "samples" / "police_child_protection.csv"
    clean = {name: value for name, value in os.environ.items() if not name.startswith("REFHUB_")}
    # PYTHONPATH: this checkout's code (a fresh clone's .venv finds it anyway), nothing of its working directory.
    base = {**clean, "HOME": str(home), "XDG_CONFIG_HOME": str(xdg), "PYTHONPATH": str(REPO)}

    def refhub_from_elsewhere(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "streams.cli.main", *args],
            cwd=elsewhere,
            env={**base, **env},
            text=True,
            capture_output=True,
            timeout=120,
        )

    lost = refhub_from_elsewhere("submit", "--partner", "POLICE", str(sample), "--url", hub.url)
    assert lost.returncode == 2 and json.loads(lost.stderr)["error"] == "NO_CREDENTIAL", "nothing configured yet"

    config = xdg / "refhub" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(
        f'gateway_url = "{hub.url}"\nbroker = "{hub.broker.bootstrap}"\ndev_tokens_file = "{hub.dev_tokens_file}"\n'
    )
    submitted = refhub_from_elsewhere("submit", "--partner", "POLICE", str(sample))
    assert submitted.returncode == 0, submitted.stdout + submitted.stderr
    referral_id = json.loads(submitted.stdout)["accepted"][0]["referral_id"]
    shown = refhub_from_elsewhere("status", referral_id)
    assert shown.returncode == 0 and json.loads(shown.stdout)["referral_id"] == referral_id, shown.stderr
    consumed = refhub_from_elsewhere("consume", "referrals.events", "--from-beginning", "--max", "1")
    assert consumed.returncode == 0 and consumed.stdout, consumed.stderr

    # A clerk's own configuration: production, a token of its own in a file only it reads, named by REFHUB_CONFIG.
    own = tmp_path / "police.toml"
    own.write_text(f'environment = "production"\ngateway_url = "{hub.url}"\ntoken = "{hub.token("POLICE")}"\n')
    own.chmod(0o600)
    again = refhub_from_elsewhere("submit", "--partner", "POLICE", str(sample), REFHUB_CONFIG=str(own))
    assert again.returncode == 0 and all(row["duplicate"] for row in json.loads(again.stdout)["accepted"])

    # The environment wins over the file.
    nowhere = f"http://127.0.0.1:{free_port()}"
    redirected = refhub_from_elsewhere("submit", "--partner", "POLICE", str(sample), REFHUB_GATEWAY_URL=nowhere)
    assert redirected.returncode == 2 and json.loads(redirected.stderr)["error"] == "CONNECTION_FAILED"
