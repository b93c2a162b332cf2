"""``refhub dlq list|show|replay``: dead-letter triage for the operator on duty, through the gateway's operator routes
(``/v1/admin/dead-letters``), so what the person on duty tells a partner is what the partner was told.

* ``list [--since T] [--until T] [--partner P] [--code C] [--limit N] [--after CURSOR]``: counts by partner × code
  over the window (default the last 7 days) and a page of its dead letters (submission, record, field, code, the
  partner-facing reason); the next cursor goes to stderr as one JSON line, as with ``refhub pull``.
* ``show SUB-…/N``: one dead letter in full, and whether its sealed original is stored and can still be replayed.
* ``replay SUB-…/N``: its original record through the current adapters, after a fix; prints the new receipt.

Exit codes: 0 ok (replay: the record is now accepted), 1 a negative answer (no such dead letter; the replayed record
is refused again), 2 usage, authentication or connection problems.
"""

from __future__ import annotations

import argparse
import re
import sys
import urllib.parse
from datetime import datetime
from typing import Any

from streams.cli import gateway_client
from streams.cli.common import NO_LOCAL_TOKEN, OPERATOR, fail, gateway_url, local_token, print_json

DEAD_LETTER_ID = re.compile(r"(?P<submission>[A-Za-z0-9][A-Za-z0-9._:-]*)/(?P<record>[0-9]+)")


def add_parser(commands: Any) -> None:
    command = commands.add_parser("dlq", help="dead letters: what was refused, why, for whom; show one; replay one")
    actions = command.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="counts by partner × code over a window, and the dead letters")
    listing.add_argument("--since", help="ISO time with offset (default: 7 days ago)")
    listing.add_argument("--until", help="ISO time with offset (default: now)")
    listing.add_argument("--partner", help="one partner, e.g. POLICE")
    listing.add_argument("--code", help="one refusal code, e.g. INVALID_CHECKSUM")
    listing.add_argument("--limit", type=int, help="at most N dead letters on this page (default: the gateway's)")
    listing.add_argument("--after", help="the cursor the previous page printed")
    listing.set_defaults(handler=handle_list)
    for name, handler, text in (
        ("show", handle_show, "one dead letter in full (its original stays sealed)"),
        ("replay", handle_replay, "re-run one dead letter's original record through the current adapters"),
    ):
        one = actions.add_parser(name, help=text)
        one.add_argument("dead_letter_id", help="SUBMISSION/RECORD, as `dlq list` shows it")
        one.set_defaults(handler=handler)
    for sub in (listing, *(actions.choices[name] for name in ("show", "replay"))):
        sub.add_argument("--url", default=gateway_url())
        sub.add_argument("--token", help="operator token (default: the configured one, or local development's)")


def handle_list(args: argparse.Namespace) -> int:
    for name in ("since", "until"):
        text = getattr(args, name)
        if text and not _has_offset(text):
            return fail(
                "INVALID_WINDOW", f"--{name} needs an ISO time with an offset, e.g. 2025-07-01T00:00:00+08:00", 2
            )
    asked = {key: getattr(args, key) for key in ("since", "until", "partner", "code", "limit", "after")}
    query = urllib.parse.urlencode({key: value for key, value in asked.items() if value is not None})
    answer = _call(args, "/v1/admin/dead-letters" + (f"?{query}" if query else ""))
    if isinstance(answer, int):
        return answer
    print_json(answer.json())
    if not answer.ok:
        return 2
    print_json({"next_cursor": answer.headers.get("X-Refhub-Next-Cursor")}, sys.stderr)
    return 0


def handle_show(args: argparse.Namespace) -> int:
    return _one(args, "")


def handle_replay(args: argparse.Namespace) -> int:
    return _one(args, "/replay")


def _one(args: argparse.Namespace, suffix: str) -> int:
    match = DEAD_LETTER_ID.fullmatch(args.dead_letter_id.strip())
    if match is None:
        return fail(
            "INVALID_DEAD_LETTER_ID", "a dead letter id reads SUBMISSION/RECORD, e.g. SUB-20250715093000-1a2b3c4d/2", 2
        )
    path = f"/v1/admin/dead-letters/{urllib.parse.quote(match['submission'])}/{match['record']}{suffix}"
    answer = _call(args, path, post=bool(suffix))
    if isinstance(answer, int):
        return answer
    shown = answer.json()
    print_json(shown)
    if answer.status == 404:
        return 1
    if not answer.ok:
        return 2
    receipt = shown.get("receipt") if suffix else None
    return 1 if suffix and (receipt is None or receipt["rejected"]) else 0


def _call(args: argparse.Namespace, path: str, post: bool = False) -> gateway_client.Answer | int:
    token = args.token or local_token(OPERATOR)
    if not token:
        return fail("NO_CREDENTIAL", NO_LOCAL_TOKEN.format(partner=OPERATOR), 2)
    try:
        return gateway_client.call(args.url, path, token, body=b"" if post else None, timeout=600)
    except gateway_client.Unreachable as error:
        return fail("CONNECTION_FAILED", str(error), 2)


def _has_offset(text: str) -> bool:
    try:
        return datetime.fromisoformat(text).tzinfo is not None
    except ValueError:
        return False
