"""The ACL plan (streams/acls.py) written out for the two ways a cluster gets its ACLs: Kafka's own ``kafka-acls``
tool (a shell script a super user runs) and Strimzi ``KafkaUser`` resources (the operator applies them).

The script groups each principal's rules by resource kind and operations, so a principal costs one or two tool runs
(each run starts a JVM), with one resource per line to keep it readable. The YAML is written by hand — a fixed, small
shape, every string double-quoted JSON-style (valid YAML) — so the hub needs no YAML library at run time.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Sequence

from streams.acls import Grant, PatternType, Rule

STRIMZI_API = "kafka.strimzi.io/v1"
"""Strimzi's v1 API: served since Strimzi 0.49, the only one from Strimzi 1.0 on (deploy/k8s is checked against it)."""
_K8S_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def _groups(grant: Grant) -> list[tuple[Rule, list[Rule]]]:
    """Rules sharing resource kind, pattern and operations, in first-seen order: one tool run each."""
    grouped: dict[tuple[object, ...], list[Rule]] = {}
    for rule in grant.rules:
        grouped.setdefault((rule.resource_type, rule.pattern, rule.operations), []).append(rule)
    return [(rules[0], rules) for rules in grouped.values()]


def kafka_acls_script(
    grants: Sequence[Grant],
    *,
    bootstrap_server: str,
    command_config: str | None = None,
    command: str = "kafka-acls.sh",
) -> str:
    """``kafka-acls --add`` commands for every grant, as a ``sh`` script (``set -e``: stop at the first refusal).
    ``command`` is inserted as written (it may be ``deploy/local/kafka.sh acls``); every value is shell-quoted."""
    connection = f"{command} --bootstrap-server {shlex.quote(bootstrap_server)}"
    if command_config:
        connection += f" --command-config {shlex.quote(command_config)}"
    lines = [
        "#!/bin/sh",
        "# Kafka ACLs for refhub, planned from streams/topology.py by `refhub acl-plan`; run them as a super user.",
        "# Re-running is harmless: adding an ACL that exists changes nothing.",
        "set -e",
    ]
    for grant in grants:
        lines += ["", f"# {grant.principal}: {grant.purpose}"]
        for first, rules in _groups(grant):
            parts = [f"{connection} --add", f"  --allow-principal {shlex.quote(grant.principal)}"]
            parts.append("  " + " ".join(f"--operation {operation.value}" for operation in first.operations))
            if first.pattern is PatternType.PREFIXED:
                parts.append("  --resource-pattern-type prefixed")
            parts += [f"  --{rule.resource_type.value} {shlex.quote(rule.name)}" for rule in rules]
            lines.append(" \\\n".join(parts))
    return "\n".join(lines) + "\n"


def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def strimzi_users(grants: Sequence[Grant], *, cluster: str, namespace: str | None = None) -> str:
    """One ``KafkaUser`` per grant (SCRAM-SHA-512, simple authorization); the operator makes each user's password
    and keeps it in a Secret named after the user."""
    documents = []
    for grant in grants:
        user = grant.user
        if not _K8S_NAME.match(user):
            raise ValueError(f"{grant.principal}: {user!r} is not a valid KafkaUser name (a-z, 0-9, '-', '.')")
        lines = [
            "---",
            f"# {grant.principal}: {grant.purpose}",
            f"apiVersion: {STRIMZI_API}",
            "kind: KafkaUser",
            "metadata:",
            f"  name: {_q(user)}",
        ]
        if namespace:
            lines.append(f"  namespace: {_q(namespace)}")
        lines += [
            "  labels:",
            f"    strimzi.io/cluster: {_q(cluster)}",
            "spec:",
            "  authentication:",
            "    type: scram-sha-512",
            "  authorization:",
            "    type: simple",
            "    acls:",
        ]
        for rule in grant.rules:
            pattern = "prefix" if rule.pattern is PatternType.PREFIXED else "literal"
            lines += [
                "      - resource:",
                f"          type: {rule.resource_type.value}",
                f"          name: {_q(rule.name)}",
                f"          patternType: {pattern}",
                "        operations:",
                *(f"          - {operation.value}" for operation in rule.operations),
                '        host: "*"',
            ]
        documents.append("\n".join(lines))
    return "\n".join(documents) + "\n"
