"""streams/settings.py: where the configuration comes from — the environment, then the user's config file (XDG or
REFHUB_CONFIG), then the defaults — and the CLI's gateway and token from it, whatever the working directory."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from streams.access import dev_tokens
from streams.cli import common
from streams.cli.main import main
from streams.settings import ConfigFileError, Settings, config_file


@pytest.fixture(autouse=True)
def clean(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No REFHUB_* from the machine running the tests, and a config directory of the test's own."""
    for name in [name for name in os.environ if name.startswith("REFHUB_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.chdir(tmp_path)
    return tmp_path / "xdg" / "refhub" / "config.toml"


def write(path: Path, text: str, mode: int = 0o600) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(mode)
    return path


def test_the_config_file_is_found_in_the_users_config_directory(clean: Path) -> None:
    assert config_file() == clean
    write(clean, 'broker = "kafka-1.example:9093"\ngateway_url = "https://hub.example"\n')
    settings = Settings()
    assert (settings.broker, settings.gateway) == ("kafka-1.example:9093", "https://hub.example")


def test_without_xdg_config_home_it_is_under_dot_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XDG_CONFIG_HOME")
    assert config_file() == Path.home() / ".config" / "refhub" / "config.toml"


def test_refhub_config_names_another_file_or_none(clean: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(clean, 'broker = "from-xdg:9092"\n')
    other = write(tmp_path / "elsewhere.toml", 'broker = "from-named:9092"\n')
    monkeypatch.setenv("REFHUB_CONFIG", str(other))
    assert Settings().broker == "from-named:9092"
    monkeypatch.setenv("REFHUB_CONFIG", "")
    assert config_file() is None and Settings().broker == "127.0.0.1:9092"


def test_the_environment_wins_over_the_file(clean: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(clean, 'broker = "from-file:9092"\nweb_port = 8181\n')
    monkeypatch.setenv("REFHUB_BROKER", "from-env:9092")
    settings = Settings()
    assert (settings.broker, settings.web_port) == ("from-env:9092", 8181)
    assert settings.gateway == "http://127.0.0.1:8181", "the CLI's default gateway follows the configured port"


def test_a_missing_file_is_the_defaults() -> None:
    assert Settings().gateway == "http://127.0.0.1:8080"


@pytest.mark.parametrize(
    ("text", "error"),
    [("broker = ", ConfigFileError), ('brokr = "x"\n', ValidationError), ("web_port = 'eighty'\n", ValidationError)],
)
def test_a_bad_file_is_refused_by_name(clean: Path, text: str, error: type[Exception]) -> None:
    write(clean, text)
    with pytest.raises(error):
        Settings()


def test_a_token_only_in_a_file_its_owner_alone_reads(clean: Path) -> None:
    write(clean, 'token = "rhk_x_y"\n', mode=0o644)
    with pytest.raises(ConfigFileError, match="chmod 600"):
        Settings()
    clean.chmod(0o600)
    assert common.local_token("POLICE") == "rhk_x_y"


def test_the_configured_token_comes_before_the_dev_tokens_and_works_in_production(
    clean: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tokens = tmp_path / "dev-tokens.json"
    dev_tokens.write(tokens, {"POLICE": "rhk_dev"})
    write(clean, f'dev_tokens_file = "{tokens}"\n')
    assert common.local_token("POLICE") == "rhk_dev", "local development: the dev tokens file the config names"
    monkeypatch.setenv("REFHUB_TOKEN", "rhk_mine")
    assert common.local_token("POLICE") == "rhk_mine"
    monkeypatch.setenv("REFHUB_ENVIRONMENT", "production")
    assert common.local_token("POLICE") == "rhk_mine"
    monkeypatch.delenv("REFHUB_TOKEN")
    assert common.local_token("POLICE") is None, "production reads no dev tokens file"


def test_the_cli_says_what_is_wrong_with_its_configuration(clean: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(clean, "broker = \n")
    assert main(["status", "R-00000000000000000000"]) == 2
    error = json.loads(capsys.readouterr().err)
    assert error["error"] == "BAD_CONFIGURATION" and str(clean) in error["reason"]
