"""``refhub audit --subject NATIONAL_ID|S-…``: who saw this person's data, when, and which fields.

Operators only; prints the hub's audit events about the person as JSON lines (FHIR AuditEvent shape), oldest
first. The query goes through the gateway, which resolves a national ID without the CLI holding any key, and
is itself recorded in the trail. After an erasure the trail still shows the erasure, never the person.
"""

from __future__ import annotations

import argparse
import sys
import urllib.parse
from typing import Any

from streams.cli import gateway_client
from streams.cli.common import NO_LOCAL_TOKEN, OPERATOR, fail, gateway_url, local_token, print_json


def add_parser(commands: Any) -> None:
    command = commands.add_parser("audit", help="print the audit trail of one person (JSON lines)")
    command.add_argument("--subject", required=True, help="a national ID or a subject id S-…")
    command.add_argument("--url", default=gateway_url())
    command.add_argument("--token", help="operator token (default: the local development token of `refhub run`)")
    command.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    token = args.token or local_token(OPERATOR)
    if not token:
        return fail("NO_CREDENTIAL", NO_LOCAL_TOKEN.format(partner=OPERATOR), 2)
    query = urllib.parse.urlencode({"subject": args.subject})
    try:
        answer = gateway_client.call(args.url, f"/v1/audit?{query}", token)
    except gateway_client.Unreachable as error:
        return fail("CONNECTION_FAILED", str(error), 2)
    if not answer.ok:
        print_json(answer.json())
        return 2
    sys.stdout.write(answer.body.decode())
    sys.stdout.flush()
    return 0
