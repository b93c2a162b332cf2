"""``refhub run``: the hub process (router, key vault, HTTP gateway) in the foreground until Ctrl-C."""

from __future__ import annotations

import argparse
from typing import Any

from streams.settings import Settings


def add_parser(commands: Any) -> None:
    command = commands.add_parser("run", help="run the hub worker and HTTP gateway in the foreground")
    command.add_argument("--broker", help="bootstrap servers (default: REFHUB_BROKER)")
    command.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from faust.worker import Worker

    from streams.app import create_hub
    from streams.provisioning import create_topics

    settings = Settings(**({"broker": args.broker} if args.broker else {}))
    create_topics(settings)
    hub = create_hub(settings)
    worker = Worker(hub.app, loglevel=settings.log_level, quiet=True)
    # Faust's terminal spinner sets the root logger to DEBUG so it can spin on every record: every debug line
    # of aiokafka and Faust would then be formatted and dropped (7 % of the router's time in a profile).
    worker.spinner = None
    worker.execute_from_commandline()
    return 0
