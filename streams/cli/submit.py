"""``refhub submit --partner CODE FILE``: post a partner file to the gateway, print the receipt."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from streams.cli import gateway_client
from streams.cli.common import NO_LOCAL_TOKEN, fail, gateway_url, local_token, print_json

CONTENT_TYPES = {
    ".csv": "text/csv",
    ".xml": "application/xml",
    ".json": "application/json",
    ".txt": "text/plain",
    ".dat": "text/plain",
}


def add_parser(commands: Any) -> None:
    command = commands.add_parser("submit", help="post a partner's file to the gateway and print the receipt")
    command.add_argument("--partner", required=True, help="partner code, e.g. POLICE")
    command.add_argument("file", type=Path)
    command.add_argument("--url", default=gateway_url())
    command.add_argument("--token", help="bearer token (default: the local development token of `refhub run`)")
    command.add_argument("--content-type", help="default: from the file's extension")
    command.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    token = args.token or local_token(args.partner)
    if not token:
        return fail("NO_CREDENTIAL", NO_LOCAL_TOKEN.format(partner=args.partner), 2)
    try:
        body = args.file.read_bytes()
    except OSError as exc:
        return fail("UNREADABLE_FILE", f"{args.file}: {exc.strerror}", 2)
    content_type = args.content_type or CONTENT_TYPES.get(args.file.suffix.lower(), "application/octet-stream")
    try:
        answer = gateway_client.call(args.url, "/v1/submissions", token, body=body, content_type=content_type)
    except gateway_client.Unreachable as error:
        return fail("CONNECTION_FAILED", str(error), 2)
    receipt: dict[str, Any] = answer.json()
    print_json(receipt)
    if not answer.ok:
        return 2
    return 1 if receipt.get("rejected") else 0
