"""Helpers the CLI commands share: the gateway and token from the configuration, durations and JSON output."""

from __future__ import annotations

import argparse
import base64
import getpass
import json
import re
import sys
from datetime import date, datetime, timedelta
from typing import Any

from streams.access import dev_tokens
from streams.access.credentials import OPERATOR
from streams.settings import Settings

__all__ = [
    "NO_LOCAL_TOKEN",
    "OPERATOR",
    "fail",
    "gateway_url",
    "local_token",
    "os_user",
    "parse_duration",
    "print_json",
    "to_jsonable",
]

NO_LOCAL_TOKEN = (
    "no token given (--token), none configured (REFHUB_TOKEN, or token in the config file) and none for {partner} "
    "from `refhub run` in local development"
)
_DURATION = re.compile(r"(\d+(?:\.\d+)?)([smhd]?)")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def local_token(code: str) -> str | None:
    """The token to send when ``--token`` is not given: the configured one (``REFHUB_TOKEN``, or ``token`` in the
    user's config file, streams/settings.py), else in local development the token ``refhub run`` issued for the
    partner (its dev tokens file, found from any directory); else none."""
    settings = Settings()
    if settings.token is not None:
        return settings.token.get_secret_value()
    if settings.environment != "local":
        return None
    return dev_tokens.read(settings.dev_tokens_file).get(code)


def gateway_url() -> str:
    """``--url``'s default: the configured gateway (``REFHUB_GATEWAY_URL`` or the config file), else this
    configuration's own, ``http://127.0.0.1:<REFHUB_WEB_PORT>``."""
    return Settings().gateway


def os_user() -> str:
    """Who runs the command, for the audit trail when ``--by`` does not say."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown-operator"


def parse_duration(text: str) -> timedelta:
    """``90d``, ``24h``, ``30m``, ``45s`` or plain seconds (argparse ``type=``)."""
    match = _DURATION.fullmatch(text.strip()) if text.isascii() else None
    if match is None:
        raise argparse.ArgumentTypeError(f"not a duration: {text!r} (e.g. 90d, 24h, 30m, 45s)")
    try:
        return timedelta(seconds=float(match.group(1)) * _UNIT_SECONDS[match.group(2)])
    except OverflowError:
        raise argparse.ArgumentTypeError(f"too long a duration: {text!r}") from None


def to_jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: to_jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(item) for item in value]
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def print_json(value: Any, stream: Any = None) -> None:
    print(json.dumps(to_jsonable(value), ensure_ascii=False), file=stream or sys.stdout, flush=True)


def fail(code: str, reason: str, exit_code: int) -> int:
    print_json({"error": code, "reason": reason}, sys.stderr)
    return exit_code
