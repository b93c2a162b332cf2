"""``refhub report --from DATE --to DATE``: the programme's indicators (成果指標) for a period, read from the
hub's topics (Markdown by default; ``--format csv|json|html``; ``--detail`` lists the ids behind each figure).

Operators only: it reads the broker directly, without a consumer group, and opens no sealed field.
Exit codes: 0 the report was written, 2 a bad period or option, the broker unreachable, the file unwritable.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from processors.journeys.policy import JourneyPolicy
from processors.kpi.period import InvalidPeriod, Period
from processors.sla.policy import load_policy
from streams.cli.common import fail
from streams.kafka_client import KafkaSecurity
from streams.reports.render import FORMATS, render
from streams.reports.source import ReportUnavailable, read_report
from streams.settings import Settings


def add_parser(commands: Any) -> None:
    command = commands.add_parser("report", help="the programme's KPI report for a period (成果指標)")
    command.add_argument("--from", dest="first", required=True, metavar="DATE", help="first day, YYYY-MM-DD")
    command.add_argument("--to", dest="last", required=True, metavar="DATE", help="last day, YYYY-MM-DD (included)")
    command.add_argument("--format", choices=FORMATS, default="md")
    command.add_argument("--out", type=Path, help="write to this file instead of standard output")
    command.add_argument("--detail", action="store_true", help="list the referral and subject ids behind each figure")
    command.add_argument("--broker", help="bootstrap servers (default: REFHUB_BROKER)")
    command.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    try:
        period = Period.parse(args.first, args.last)
    except InvalidPeriod as error:
        return fail("INVALID_PERIOD", str(error), 2)
    settings = Settings(**({"broker": args.broker} if args.broker else {}))
    cadence = JourneyPolicy.from_mapping(load_policy(settings.sla_policy_file).journey).cadence
    options = KafkaSecurity.from_settings(settings).aiokafka_options()
    try:
        report = asyncio.run(read_report(settings.bootstrap_servers, options, period, cadence))
    except ReportUnavailable as error:
        return fail("CONNECTION_FAILED", f"cannot read the topics from the broker {settings.broker}: {error}", 2)
    text = render(report, args.format, detail=args.detail)
    if args.out is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return 0
    try:
        args.out.write_text(text, encoding="utf-8")
    except OSError as error:
        return fail("CANNOT_WRITE", f"cannot write {args.out}: {error.strerror}", 2)
    return 0
