"""``refhub status REFERRAL_ID``: a referral's state per destination, from the hub's ledger."""

from __future__ import annotations

import argparse
import json
import urllib.error
import urllib.request
from typing import Any

from streams.cli.common import DEFAULT_URL, NO_LOCAL_TOKEN, OPERATOR, fail, local_token, print_json


def add_parser(commands: Any) -> None:
    command = commands.add_parser("status", help="print a referral's state per destination")
    command.add_argument("referral_id")
    command.add_argument("--url", default=DEFAULT_URL)
    command.add_argument("--token", help="operator token (default: the local development token of `refhub run`)")
    command.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    token = args.token or local_token(OPERATOR)
    if not token:
        return fail("NO_CREDENTIAL", NO_LOCAL_TOKEN.format(partner=OPERATOR), 2)
    request = urllib.request.Request(
        f"{args.url.rstrip('/')}/v1/referrals/{args.referral_id}", headers={"Authorization": f"Bearer {token}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            print_json(json.loads(response.read()))
            return 0
    except urllib.error.HTTPError as error:
        body = json.loads(error.read() or b"{}")
        print_json(body)
        return 1 if error.code == 404 else 2
    except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
        return fail("CONNECTION_FAILED", f"cannot reach {args.url}: {error}", 2)
