"""``refhub status REFERRAL_ID``: a referral's state per destination, from the hub's ledger."""

from __future__ import annotations

import argparse
import urllib.parse
from typing import Any

from streams.cli import gateway_client
from streams.cli.common import NO_LOCAL_TOKEN, OPERATOR, fail, gateway_url, local_token, print_json


def add_parser(commands: Any) -> None:
    command = commands.add_parser("status", help="print a referral's state per destination")
    command.add_argument("referral_id")
    command.add_argument("--url", default=gateway_url())
    command.add_argument("--token", help="operator token (default: the local development token of `refhub run`)")
    command.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    token = args.token or local_token(OPERATOR)
    if not token:
        return fail("NO_CREDENTIAL", NO_LOCAL_TOKEN.format(partner=OPERATOR), 2)
    try:
        answer = gateway_client.call(
            args.url, f"/v1/referrals/{urllib.parse.quote(args.referral_id)}", token, timeout=30
        )
    except gateway_client.Unreachable as error:
        return fail("CONNECTION_FAILED", str(error), 2)
    print_json(answer.json())
    return 0 if answer.ok else 1 if answer.status == 404 else 2
