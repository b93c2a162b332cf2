"""``refhub topics --create``: provision the declared topics (idempotent)."""

from __future__ import annotations

import argparse
from typing import Any

from streams.settings import Settings
from streams.topology import ALL_TOPICS, CHANGELOGS


def add_parser(commands: Any) -> None:
    command = commands.add_parser("topics", help="list the declared topics, or create the missing ones")
    command.add_argument("--create", action="store_true", help="create missing topics on the broker")
    command.add_argument("--broker", help="bootstrap servers (default: REFHUB_BROKER)")
    command.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    settings = Settings(**({"broker": args.broker} if args.broker else {}))
    if not args.create:
        for spec in ALL_TOPICS:
            print(f"{spec.name}\t{'compact' if spec.compacted else 'delete'}\t{spec.schema}\t{spec.doc}")
        return 0
    from streams.provisioning import create_topics

    created = create_topics(settings)
    print(f"topics: {len(created)} created, {len(ALL_TOPICS) + len(CHANGELOGS) - len(created)} already there")
    return 0
