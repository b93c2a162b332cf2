"""``refhub acl-plan``: print the ACLs a secured cluster needs (streams/acls.py), as ``kafka-acls`` commands or as
Strimzi ``KafkaUser`` resources. It reads nothing from the broker: the plan comes from streams/topology.py alone, so
it can be reviewed before the cluster exists.

Local secured broker: ``refhub acl-plan --kafka-acls-command 'deploy/local/kafka.sh acls' --bootstrap-server
127.0.0.1:9092 --command-config ~/.cache/refhub/local/kafka/admin-client.properties | sh``.
"""

from __future__ import annotations

import argparse
from typing import Any

from streams.acl_formats import kafka_acls_script, strimzi_users
from streams.acls import (
    DEFAULT_HUB_PRINCIPAL,
    DEFAULT_PARTNER_GROUP_PREFIX,
    DEFAULT_PARTNER_PRINCIPAL,
    plan,
)
from streams.cli.common import fail
from streams.settings import Settings


def add_parser(commands: Any) -> None:
    command = commands.add_parser("acl-plan", help="print the Kafka ACLs for the hub and each partner")
    command.add_argument("--format", choices=("kafka-acls", "strimzi"), default="kafka-acls")
    command.add_argument("--hub-principal", default=DEFAULT_HUB_PRINCIPAL)
    command.add_argument(
        "--partner", action="append", metavar="CODE", help="only this partner (repeatable; default: every partner)"
    )
    command.add_argument(
        "--partner-principal",
        default=DEFAULT_PARTNER_PRINCIPAL,
        help="format of a partner's principal; {name} is the code in lower case with '-', {code} as is",
    )
    command.add_argument("--partner-group-prefix", default=DEFAULT_PARTNER_GROUP_PREFIX)
    command.add_argument("--bootstrap-server", help="kafka-acls: the cluster (default: REFHUB_BROKER)")
    command.add_argument("--command-config", help="kafka-acls: the super user's client properties file")
    command.add_argument("--kafka-acls-command", default="kafka-acls.sh", help="kafka-acls: the tool to call")
    command.add_argument("--strimzi-cluster", default="refhub-kafka", help="strimzi: the Kafka resource's name")
    command.add_argument("--namespace", help="strimzi: the namespace of the KafkaUser resources")
    command.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    try:
        grants = plan(
            hub_principal=args.hub_principal,
            partners=[code.upper() for code in args.partner] if args.partner else None,
            principal_format=args.partner_principal,
            group_prefix_format=args.partner_group_prefix,
        )
        if args.format == "strimzi":
            text = strimzi_users(grants, cluster=args.strimzi_cluster, namespace=args.namespace)
        else:
            text = kafka_acls_script(
                grants,
                bootstrap_server=args.bootstrap_server or Settings().broker,
                command_config=args.command_config,
                command=args.kafka_acls_command,
            )
    except ValueError as error:
        return fail("BAD_ACL_PLAN", str(error), 2)
    print(text, end="")
    return 0
