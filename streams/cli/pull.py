"""``refhub pull --partner CODE assignments|status``: exactly what that partner pulls over HTTP.

Calls ``GET /v1/outbox/assignments`` or ``/v1/outbox/status`` as the partner (its local development token
by default), so the body is in the partner's own format and the cursor rules are the gateway's: the body
goes to stdout byte for byte, the next cursor (``X-Refhub-Next-Cursor``) to stderr as one JSON line, to pass
back with ``--after``. Exit codes: 0 ok, 1 the partner has no such outbox (404), 2 authentication, usage or
connection problems.
"""

from __future__ import annotations

import argparse
import sys
import urllib.parse
from typing import Any

from streams.cli import gateway_client
from streams.cli.common import NO_LOCAL_TOKEN, fail, gateway_url, local_token, print_json

STREAMS = ("assignments", "status")


def add_parser(commands: Any) -> None:
    command = commands.add_parser("pull", help="print what a partner pulls from its outbox (its own format)")
    command.add_argument("--partner", required=True, help="partner code, e.g. SOCIAL")
    command.add_argument("stream", choices=STREAMS)
    command.add_argument("--after", help="the cursor a previous pull printed (default: from the oldest kept)")
    command.add_argument("--limit", type=int, help="at most N records (default: the gateway's)")
    command.add_argument("--url", default=gateway_url())
    command.add_argument("--token", help="bearer token (default: the local development token of `refhub run`)")
    command.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    token = args.token or local_token(args.partner)
    if not token:
        return fail("NO_CREDENTIAL", NO_LOCAL_TOKEN.format(partner=args.partner), 2)
    query = {key: value for key, value in (("after", args.after), ("limit", args.limit)) if value is not None}
    path = f"/v1/outbox/{args.stream}" + ("?" + urllib.parse.urlencode(query) if query else "")
    try:
        answer = gateway_client.call(args.url, path, token)
    except gateway_client.Unreachable as error:
        return fail("CONNECTION_FAILED", str(error), 2)
    if not answer.ok:
        print_json(answer.json())
        return 1 if answer.status == 404 else 2
    sys.stdout.buffer.write(answer.body)
    sys.stdout.buffer.flush()
    count = answer.headers.get("X-Refhub-Count")
    cursor = answer.headers.get("X-Refhub-Next-Cursor")
    print_json({"next_cursor": cursor, "count": int(count) if count and count.isdigit() else None}, sys.stderr)
    return 0
