"""``refhub replay --partner CODE [--since TIME]``: re-run stored records through the current adapters."""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from typing import Any

from streams.cli import gateway_client
from streams.cli.common import NO_LOCAL_TOKEN, OPERATOR, fail, gateway_url, local_token, print_json


def add_parser(commands: Any) -> None:
    command = commands.add_parser("replay", help="re-run a partner's stored records through the current adapters")
    command.add_argument("--partner", required=True, help="partner code, e.g. POLICE")
    command.add_argument("--since", help="ISO time with offset, e.g. 2025-07-01T00:00:00+08:00 (default: all)")
    command.add_argument("--url", default=gateway_url())
    command.add_argument("--token", help="operator token (default: the local development token of `refhub run`)")
    command.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    if args.since:
        try:
            if datetime.fromisoformat(args.since).tzinfo is None:
                raise ValueError
        except ValueError:
            return fail("INVALID_SINCE", "--since needs an ISO time with an offset, e.g. 2025-07-01T00:00:00+08:00", 2)
    token = args.token or local_token(OPERATOR)
    if not token:
        return fail("NO_CREDENTIAL", NO_LOCAL_TOKEN.format(partner=OPERATOR), 2)
    asked = json.dumps({"partner": args.partner, "since": args.since}).encode()
    try:
        answer = gateway_client.call(
            args.url, "/v1/admin/replay", token, body=asked, content_type="application/json", timeout=600
        )
    except gateway_client.Unreachable as error:
        return fail("CONNECTION_FAILED", str(error), 2)
    print_json(answer.json())
    return 0 if answer.ok else 2
