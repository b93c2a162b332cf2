"""Helpers the CLI commands share: local development tokens, durations and JSON output."""

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

DEFAULT_URL = "http://127.0.0.1:8080"
__all__ = [
    "DEFAULT_URL",
    "NO_LOCAL_TOKEN",
    "OPERATOR",
    "fail",
    "local_token",
    "os_user",
    "parse_duration",
    "print_json",
    "to_jsonable",
]

NO_LOCAL_TOKEN = "no token given (--token) and none for {partner} from `refhub run` in local development"
_DURATION = re.compile(r"(\d+(?:\.\d+)?)([smhd]?)")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def local_token(code: str) -> str | None:
    """In local development, the token ``refhub run`` issued for the partner (its dev tokens file, from any
    directory); elsewhere none: production tokens are handed over by an operator, never read from a file."""
    settings = Settings()
    if settings.environment != "local":
        return None
    return dev_tokens.read(settings.dev_tokens_file).get(code)


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
