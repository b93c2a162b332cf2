"""``refhub credentials issue|rotate|revoke|list``: the partners' and operators' credentials.

Writes to ``partners.credentials`` (every running hub follows it: no restart) and one audit event per change
on ``audit.events``. A new token is printed once, here, and stored nowhere but as its hash; ``list`` shows no
secret. Exit codes: 0 done, 1 refused by a rule (a third live token, nothing to rotate, unknown credential),
2 usage or connection problems.
"""

from __future__ import annotations

import argparse
import secrets
import socket
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

from kafka.errors import KafkaError

from streams.access import admin, audit, policy
from streams.access.credentials import Role
from streams.access.policy import Change, Refused
from streams.access.store import CredentialStore
from streams.cli.common import fail, os_user, parse_duration, print_json
from streams.kafka_client import kafka_python_options
from streams.settings import Settings

USAGE_REFUSALS = frozenset({"UNKNOWN_PARTNER", "WRONG_ROLE", "INVALID_SUBJECT", "INVALID_LIFETIME", "INVALID_GRACE"})


def add_parser(commands: Any) -> None:
    command = commands.add_parser("credentials", help="issue, rotate, revoke and list partner credentials")
    actions = command.add_subparsers(dest="action", required=True)

    issue = actions.add_parser("issue", help="a new credential; prints its token once")
    issue.add_argument("--partner", required=True, help="partner code, or OPERATOR")
    issue.add_argument("--role", choices=[role.value for role in Role], help="default: from the partner code")
    _lifetime_and_subject(issue)

    rotate = actions.add_parser("rotate", help="a new credential; the old one keeps working for the grace period")
    rotate.add_argument("--partner", required=True)
    rotate.add_argument("--grace", type=parse_duration, help="e.g. 24h (default: REFHUB_CREDENTIAL_GRACE_HOURS)")
    _lifetime_and_subject(rotate)

    revoke = actions.add_parser("revoke", help="at once: the credential authenticates nothing from now on")
    which = revoke.add_mutually_exclusive_group(required=True)
    which.add_argument("--credential", help="one credential id")
    which.add_argument("--partner", help="every live credential of this partner")

    listing = actions.add_parser("list", help="id, partner, role, created, expires and state; never a secret")
    listing.add_argument("--partner")

    for action in (issue, rotate, revoke, listing):
        action.add_argument("--broker", help="bootstrap servers (default: REFHUB_BROKER)")
    for action in (issue, rotate, revoke):
        action.add_argument("--by", help="the operator making the change, for the audit trail (default: OS user)")
    command.set_defaults(handler=handle)


def _lifetime_and_subject(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--expires-in", type=parse_duration, help="e.g. 90d, 12h (default: REFHUB_CREDENTIAL_LIFETIME_DAYS)"
    )
    command.add_argument(
        "--certificate-subject", help='a client certificate instead of a token, e.g. "CN=POLICE,O=Kaohsiung Police"'
    )


def handle(args: argparse.Namespace) -> int:
    settings = Settings(**({"broker": args.broker} if args.broker else {}))
    now = datetime.now(UTC)
    try:
        options = kafka_python_options(settings)
        store = admin.load_store(settings.bootstrap_servers, options)
        if args.action == "list":
            for credential in store.all():
                if args.partner in (None, credential.partner):
                    print_json(credential.listing(now))
            return 0
        by = args.by or os_user()
        changes = _changes(args, settings, store, now, by)
        request_id = "CLI-" + secrets.token_hex(8)
        observer = f"refhub-cli@{socket.gethostname()}"
        admin.publish(
            settings.bootstrap_servers,
            [credential for change in changes for credential in change.writes],
            [audit.credential_event(change, by, now, observer, request_id) for change in changes],
            options,
        )
    except Refused as refused:
        return fail(refused.code, str(refused), 2 if refused.code in USAGE_REFUSALS else 1)
    except (KafkaError, admin.TopicMissing, TimeoutError) as error:
        return fail("CONNECTION_FAILED", f"broker {settings.broker}: {type(error).__name__}: {error}", 2)
    for change in changes:
        print_json(_shown(change, now))
    if any(change.token is not None for change in changes):
        print("the token is shown this once: hand it to the partner over a secure channel", file=sys.stderr)
    return 0


def _changes(
    args: argparse.Namespace, settings: Settings, store: CredentialStore, now: datetime, by: str
) -> list[Change]:
    given = getattr(args, "expires_in", None)
    lifetime = given if given is not None else timedelta(days=settings.credential_lifetime_days)
    if args.action == "issue":
        role = Role(args.role) if args.role else None
        return [
            policy.issue(
                store, args.partner, now, lifetime, by, role=role, certificate_subject=args.certificate_subject
            )
        ]
    if args.action == "rotate":
        grace = args.grace if args.grace is not None else timedelta(hours=settings.credential_grace_hours)
        subject = args.certificate_subject
        return [policy.rotate(store, args.partner, now, lifetime, grace, by, certificate_subject=subject)]
    if args.credential:
        return [policy.revoke(store, args.credential, now)]
    changes = policy.revoke_partner(store, args.partner, now)
    if not changes:
        raise Refused("NOTHING_TO_REVOKE", f"{args.partner} has no live credential")
    return changes


def _shown(change: Change, now: datetime) -> dict[str, Any]:
    shown = {"action": change.subtype, **change.credential.listing(now)}
    if change.token is not None:
        shown["token"] = change.token.token
    if change.replaced is not None:
        shown["replaces"] = change.replaced.credential_id
        shown["replaced_expires"] = change.replaced.expires.isoformat()
    return shown
