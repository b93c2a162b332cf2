"""Helpers the CLI commands share: the local partner directory and JSON output."""

from __future__ import annotations

import base64
import json
import sys
from datetime import date, datetime
from typing import Any

from streams.partners import PartnerDirectory
from streams.settings import Settings

DEFAULT_URL = "http://127.0.0.1:8080"
OPERATOR = "OPERATOR"


def local_token(code: str) -> str | None:
    """In local development a partner's token comes from the same partners file the hub reads."""
    try:
        return PartnerDirectory.load(Settings().partners_file).token_for(code)
    except FileNotFoundError:
        return None


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
