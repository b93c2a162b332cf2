"""``refhub audit --subject NATIONAL_ID|S-…``: who saw this person's data, when, and which fields.

Operators only; prints the hub's audit events about the person as JSON lines (FHIR AuditEvent shape), oldest
first. The query goes through the gateway, which resolves a national ID without the CLI holding any key, and
is itself recorded in the trail. After an erasure the trail still shows the erasure, never the person.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from streams.cli.common import DEFAULT_URL, NO_LOCAL_TOKEN, OPERATOR, fail, local_token, print_json


def add_parser(commands: Any) -> None:
    command = commands.add_parser("audit", help="print the audit trail of one person (JSON lines)")
    command.add_argument("--subject", required=True, help="a national ID or a subject id S-…")
    command.add_argument("--url", default=DEFAULT_URL)
    command.add_argument("--token", help="operator token (default: the local development token of `refhub run`)")
    command.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    token = args.token or local_token(OPERATOR)
    if not token:
        return fail("NO_CREDENTIAL", NO_LOCAL_TOKEN.format(partner=OPERATOR), 2)
    query = urllib.parse.urlencode({"subject": args.subject})
    request = urllib.request.Request(
        f"{args.url.rstrip('/')}/v1/audit?{query}", headers={"Authorization": f"Bearer {token}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            sys.stdout.write(response.read().decode())
            sys.stdout.flush()
            return 0
    except urllib.error.HTTPError as error:
        try:
            print_json(json.loads(error.read() or b"{}"))
        except ValueError:
            print_json({"error": f"HTTP_{error.code}", "reason": error.reason})
        return 2
    except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
        return fail("CONNECTION_FAILED", f"cannot reach {args.url}: {error}", 2)
