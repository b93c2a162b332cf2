"""Local development's credentials: every partner and the operators get a live token on the topic, and the
clear tokens go to one file on the developer's machine (``Settings.dev_tokens_file``, mode 0600), which
``refhub submit|pull|status|replay`` read — so trying the hub stays two commands.

Only ``refhub run`` in the local environment calls ``ensure``; in production no development token is made,
and ``refhub`` tools read no such file. Tokens already in the file are reused while they stay live on the
topic, so a restart changes nothing a developer has copied.
"""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

from streams.access import policy
from streams.access.credentials import Kind
from streams.access.policy import Change
from streams.access.store import CredentialStore

REUSE_MARGIN = timedelta(days=1)
"""A token that would expire within this is replaced rather than reused."""
NOTE = "Local development tokens made by `refhub run`. Never copy them to a server or commit them."


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """One ``refhub run`` at a time plans and writes the tokens (two workers started together on one machine
    would otherwise each issue a set, past the two-live limit, and overwrite each other's file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def read(path: Path) -> dict[str, str]:
    """Partner → clear token; empty when the file is missing or unreadable (never raises)."""
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    tokens = loaded.get("tokens") if isinstance(loaded, dict) else None
    if not isinstance(tokens, dict):
        return {}
    return {str(k): v for k, v in tokens.items() if isinstance(v, str)}


def write(path: Path, tokens: dict[str, str]) -> None:
    """Atomically, readable by the developer only (0600 from the first byte: the temp file is made so)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".dev-tokens-", suffix=".tmp")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump({"note": NOTE, "tokens": dict(sorted(tokens.items()))}, handle, indent=2)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def plan(
    store: CredentialStore,
    known: dict[str, str],
    partners: Iterable[str],
    now: datetime,
    lifetime: timedelta,
    by: str,
) -> tuple[dict[str, str], list[Change]]:
    """The tokens to keep in the file and the changes to write so each partner has a live one. ``store`` is
    updated with the changes as they are planned. A partner already at two live tokens (a deleted file) has
    its oldest revoked first: on a developer's machine nobody else holds them."""
    tokens: dict[str, str] = {}
    changes: list[Change] = []
    for partner in partners:
        token = known.get(partner)
        principal = store.authenticate(token, now + REUSE_MARGIN) if token else None
        if token and principal is not None and principal.partner == partner:
            tokens[partner] = token
            continue
        live = store.live(partner, Kind.TOKEN, now)
        if len(live) >= policy.MAX_LIVE:
            changes.append(_applied(store, policy.revoke(store, live[0].credential_id, now)))
        change = _applied(store, policy.issue(store, partner, now, lifetime, by))
        assert change.token is not None
        tokens[partner] = change.token.token
        changes.append(change)
    return tokens, changes


def _applied(store: CredentialStore, change: Change) -> Change:
    for credential in change.writes:
        store.put(credential)
    return change
