"""``refhub run``: the hub process (router, key vault, HTTP gateway) in the foreground until Ctrl-C.

In local development it first makes what a developer needs and must not have to ask for: the secrets
(on first start) and a live token for every partner and the operators, written to the dev tokens file
(``REFHUB_DEV_TOKENS_FILE``) that ``refhub submit|pull|status|replay`` read. In production it makes
nothing: a start without its keys fails, naming what is missing.
"""

from __future__ import annotations

import argparse
import logging
import secrets
import socket
from datetime import UTC, datetime, timedelta
from typing import Any

from adapters.registry import INBOUND
from streams import logs
from streams.access import admin, audit, dev_tokens
from streams.access.credentials import OPERATOR
from streams.cli.common import fail, os_user
from streams.kafka_client import kafka_python_options
from streams.settings import Settings

DEV_CREDENTIAL_LIFETIME = timedelta(days=365)

log = logging.getLogger(__name__)


def add_parser(commands: Any) -> None:
    command = commands.add_parser("run", help="run the hub worker and HTTP gateway in the foreground")
    command.add_argument("--broker", help="bootstrap servers (default: REFHUB_BROKER)")
    command.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from faust.worker import Worker
    from mode.utils.logging import level_number
    from prometheus_client import start_http_server

    from streams.app import create_hub
    from streams.provisioning import create_topics
    from streams.secrets import MissingSecrets, SecretsError, load_secrets

    settings = Settings(**({"broker": args.broker} if args.broker else {}))
    log_format, log_level = logs.choose_format(settings.log_format), level_number(settings.log_level)
    # Now, so that the lines before the worker starts (topic creation, development credentials) are alike.
    logs.configure(log_format, log_level)
    try:
        load_secrets(settings)  # before anything else: a production start without its keys stops here
    except SecretsError as error:
        return fail("MISSING_SECRETS" if isinstance(error, MissingSecrets) else "INVALID_SECRETS", str(error), 2)
    create_topics(settings)
    if settings.environment == "local":
        ensure_dev_credentials(settings)
    hub = create_hub(settings)
    # Operators' port: per-partner counters are not the partners' business.
    start_http_server(settings.metrics_port, settings.metrics_host)
    # Faust's worker sets up logging once more as it starts: with this config its own lines, mode's and aiokafka's
    # go through the same handler, and whatever is printed is redirected into it too (worker_redirect_stdouts).
    worker = Worker(
        hub.app, loglevel=settings.log_level, quiet=True, logging_config=logs.dict_config(log_format, log_level)
    )
    # Faust's terminal spinner sets the root logger to DEBUG so it can spin on every record: every debug line
    # of aiokafka and Faust would then be formatted and dropped (7 % of the router's time in a profile).
    worker.spinner = None
    worker.execute_from_commandline()
    return 0


def ensure_dev_credentials(settings: Settings) -> None:
    """Local development only: a live token for every partner and OPERATOR, the clear ones in the dev tokens
    file (reused while they stay live on the topic)."""
    assert settings.environment == "local", "development tokens are never made outside local development"
    by = f"refhub run (local development, {os_user()})"
    with dev_tokens.locked(settings.dev_tokens_file):
        now = datetime.now(UTC)
        options = kafka_python_options(settings)
        store = admin.load_store(settings.bootstrap_servers, options)
        known = dev_tokens.read(settings.dev_tokens_file)
        tokens, changes = dev_tokens.plan(store, known, [*INBOUND, OPERATOR], now, DEV_CREDENTIAL_LIFETIME, by)
        if changes:
            request_id = "RUN-" + secrets.token_hex(8)
            observer = f"refhub-run@{socket.gethostname()}"
            admin.publish(
                settings.bootstrap_servers,
                [credential for change in changes for credential in change.writes],
                [audit.credential_event(change, by, now, observer, request_id) for change in changes],
                options,
            )
        if tokens != known:
            dev_tokens.write(settings.dev_tokens_file, tokens)
    log.info("local development tokens: %s", settings.dev_tokens_file)
