"""``refhub`` command line. Exit codes: 0 ok, 1 the answer was negative (rejections, unknown id), 2 usage,
authentication, size or connection problems."""

from __future__ import annotations

import argparse
import os
import sys

from pydantic import ValidationError

from streams.cli import acl_plan, audit, consume, credentials, dlq, pull, replay, report, run, status, submit, topics
from streams.cli.common import fail
from streams.settings import ConfigFileError


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="refhub", description="Kaohsiung drug-prevention referral hub")
    commands = top.add_subparsers(dest="command", required=True)
    run.add_parser(commands)
    topics.add_parser(commands)
    submit.add_parser(commands)
    consume.add_parser(commands)
    status.add_parser(commands)
    replay.add_parser(commands)
    dlq.add_parser(commands)
    acl_plan.add_parser(commands)
    audit.add_parser(commands)
    credentials.add_parser(commands)
    pull.add_parser(commands)
    report.add_parser(commands)
    return top


def main(argv: list[str] | None = None) -> int:
    try:
        args = parser().parse_args(argv)
    except (ConfigFileError, ValidationError) as error:
        # A config file or REFHUB_* value the settings refuse: say which, not a traceback (exit 2: usage).
        return fail("BAD_CONFIGURATION", str(error), 2)
    try:
        code: int = args.handler(args)
    except BrokenPipeError:
        # `refhub consume … | head`: the reader has all it wanted; no traceback, and no second error at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    return code


if __name__ == "__main__":
    sys.exit(main())
