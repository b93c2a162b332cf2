"""Golden-file helpers for contract tests.

Each case is an input file beside an expected file. Set ``REFHUB_UPDATE_GOLDEN=1`` to (re)write the expected
files after a deliberate change, then read the diff before committing it: the expected files are the contract.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from adapters.base import InboundAdapter, ParseResult, SubmissionRefused

UPDATE_ENV = "REFHUB_UPDATE_GOLDEN"
"""Set to ``1`` to (re)write the expected files."""

RECEIVED_AT = datetime(2025, 7, 20, 9, 0, tzinfo=timezone(timedelta(hours=8)))
"""Every contract case is parsed as if received at this moment, so LATE_NOTICE and the like are stable."""


def _jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {"type": type(value).__name__}
        out.update({f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)})
        return out
    if isinstance(value, bytes):
        # Raw bytes are identified, not copied: the expected file stays readable and holds no second copy.
        return {"bytes": len(value), "sha256": hashlib.sha256(value).hexdigest()[:16]}
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in sorted(value.items())}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def parse_to_json(adapter: InboundAdapter, partner: str, body: bytes) -> dict[str, Any]:
    """What an adapter makes of a submission, as canonical JSON (a refusal included)."""
    try:
        result: ParseResult = adapter.parse(body, partner, RECEIVED_AT)
    except SubmissionRefused as refused:
        return {
            "refused": {
                "code": refused.code,
                "field": refused.field,
                "reason": refused.reason,
                "record_count": refused.record_count,
            }
        }
    parsed = {
        "accepted": _jsonable(list(result.accepted)),
        "rejected": _jsonable(list(result.rejected)),
        "context": _jsonable(result.context),
    }
    # Only where it is set, so the goldens of formats that have no all-or-nothing submissions stay as they are.
    return {**parsed, "atomic": True} if result.atomic else parsed


def check_json(expected_path: Path, actual: Any) -> None:
    text = json.dumps(actual, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    _check(expected_path, text.encode())


def check_bytes(expected_path: Path, actual: bytes) -> None:
    _check(expected_path, actual)


def _check(expected_path: Path, actual: bytes) -> None:
    if os.environ.get(UPDATE_ENV) == "1":
        expected_path.parent.mkdir(parents=True, exist_ok=True)
        expected_path.write_bytes(actual)
    if not expected_path.exists():
        # A golden that wrote itself would pass on whatever the code makes: a missing one is a failure.
        raise AssertionError(
            f"{expected_path} is missing: write it with {UPDATE_ENV}=1 (e.g. `{UPDATE_ENV}=1 make unit`), "
            "read it, and commit it"
        )
    expected = expected_path.read_bytes()
    assert actual == expected, (
        f"{expected_path.name} differs from what the code makes now; after a deliberate change rewrite it with "
        f"{UPDATE_ENV}=1 and read the diff"
    )
