"""The ACLs a secured Kafka cluster needs for the hub and its partners, planned from streams/topology.py (pure).

Need to know on the broker side: the hub's principal may use exactly the hub's topics (named one by one, never a
wildcard), its own consumer group and Faust's internal topics; each partner principal may only read its own outbound
topics — ``assignments.<AGENCY>`` for an agency, ``status.<PARTNER>`` for a referral source — and commit offsets in
consumer groups under a prefix of its own. Nothing else: no partner sees ``referrals.events``, another partner's
topic or any key topic, so a case system that reads Kafka directly is held to what it may pull over HTTP.

What the hub's clients need, from their source (faust-streaming 0.15.3, aiokafka 0.14, kafka-python 3.0):

* every hub topic: Read (agents, the key vault, the gateway's reader), Write (the producer), Describe (metadata,
  offsets; Faust skips creating a topic only if its metadata shows it) and Create (``refhub topics --create``, which
  ``refhub run`` also does, and Faust declaring its changelogs). Create is granted on each topic, not on the cluster.
* Faust's own topics: ``refhub-<table>-changelog`` for every table (``faust/tables/base.py``) and the leader topic
  ``refhub-__assignor-__leader`` (``faust/assignor/leader_assignor.py``), same operations.
* the consumer group ``refhub`` (Faust's ``group_id`` is the app id): Read. The key vault and the gateway's reader
  use no group (``group_id=None``), so they need none.
* no cluster permission: the hub's producers are not idempotent (Faust enables idempotence only with
  ``processing_guarantee=exactly_once``, which the hub does not use), and since Kafka 3.0 a producer with Write on a
  topic needs no IdempotentWrite anyway (KIP-679). Exactly-once would add TransactionalId ACLs; it is not planned.

The tables come from ``streams.topology.TABLES``, the list streams/app.py builds its tables from;
tests/unit/streams/test_acls.py still checks the built app's changelogs against the plan.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum

from streams.topology import ALL_TOPICS, APP_ID, ASSIGNMENTS, STATUS_TOPICS, TABLES, changelog_topic

"""Faust's app id (streams/app.py): the consumer group and the prefix of Faust's own topics."""

HUB_TABLES: tuple[str, ...] = tuple(TABLES)
"""Every ``app.Table`` of streams/app.py, by name."""

DEFAULT_HUB_PRINCIPAL = "User:refhub"
DEFAULT_PARTNER_PRINCIPAL = "User:{name}"
DEFAULT_PARTNER_GROUP_PREFIX = "partner.{name}."


class ResourceType(Enum):
    TOPIC = "topic"
    GROUP = "group"


class PatternType(Enum):
    LITERAL = "literal"
    PREFIXED = "prefixed"


class Operation(Enum):
    READ = "Read"
    WRITE = "Write"
    CREATE = "Create"
    DESCRIBE = "Describe"


HUB_TOPIC_OPERATIONS = (Operation.READ, Operation.WRITE, Operation.DESCRIBE, Operation.CREATE)
PARTNER_TOPIC_OPERATIONS = (Operation.READ, Operation.DESCRIBE)
GROUP_OPERATIONS = (Operation.READ,)


@dataclass(frozen=True)
class Rule:
    """One Kafka ACL binding set: ``operations`` allowed to a principal on one resource pattern (any host)."""

    resource_type: ResourceType
    name: str
    pattern: PatternType
    operations: tuple[Operation, ...]


@dataclass(frozen=True)
class Grant:
    """Everything one principal may do, and why it exists."""

    principal: str
    purpose: str
    rules: tuple[Rule, ...]

    @property
    def user(self) -> str:
        """The user name (``User:social`` → ``social``), the SCRAM user and the Strimzi ``KafkaUser`` name."""
        kind, _, name = self.principal.partition(":")
        if kind != "User" or not name:
            raise ValueError(f"{self.principal}: a principal must be User:<name>")
        return name

    def topics(self) -> set[str]:
        return {rule.name for rule in self.rules if rule.resource_type is ResourceType.TOPIC}


LEADER_TOPIC = f"{APP_ID}-__assignor-__leader"


def faust_topics(tables: Iterable[str] = HUB_TABLES) -> list[str]:
    """Faust's own topics for the app: one changelog per table and the leader assignor's topic."""
    return [*(changelog_topic(table) for table in tables), LEADER_TOPIC]


def partner_name(code: str) -> str:
    """``PROS_KS`` → ``pros-ks``: lower case, and ``-`` for ``_`` so that the same name is a SCRAM user and a valid
    Kubernetes resource name (a Strimzi ``KafkaUser`` is named after its user; ``_`` is not allowed there)."""
    return code.lower().replace("_", "-")


def outbound_topics(code: str) -> list[str]:
    """What a partner may read from Kafka: its own assignments (agencies) and its own status feed (sources)."""
    topics = []
    if code in ASSIGNMENTS:
        topics.append(ASSIGNMENTS[code].name)
    if code in STATUS_TOPICS:
        topics.append(STATUS_TOPICS[code].name)
    return topics


def partner_codes() -> list[str]:
    """Every partner with an outbound topic, in a stable order."""
    return sorted(set(ASSIGNMENTS) | set(STATUS_TOPICS))


def hub_grant(principal: str = DEFAULT_HUB_PRINCIPAL, tables: Iterable[str] = HUB_TABLES) -> Grant:
    topics = [spec.name for spec in ALL_TOPICS] + faust_topics(tables)
    rules = [Rule(ResourceType.TOPIC, topic, PatternType.LITERAL, HUB_TOPIC_OPERATIONS) for topic in topics]
    rules.append(Rule(ResourceType.GROUP, APP_ID, PatternType.LITERAL, GROUP_OPERATIONS))
    purpose = "the hub: every topic of streams/topology.py, Faust's own topics, its consumer group"
    return Grant(principal, purpose, tuple(rules))


def partner_grant(
    code: str,
    principal_format: str = DEFAULT_PARTNER_PRINCIPAL,
    group_prefix_format: str = DEFAULT_PARTNER_GROUP_PREFIX,
) -> Grant:
    fields = {"code": code, "name": partner_name(code)}
    topics = outbound_topics(code)
    if not topics:
        raise ValueError(f"{code} has no outbound topic: it reads nothing from Kafka")
    rules = [Rule(ResourceType.TOPIC, topic, PatternType.LITERAL, PARTNER_TOPIC_OPERATIONS) for topic in topics]
    try:
        principal = principal_format.format(**fields)
        group_prefix = group_prefix_format.format(**fields)
    except (KeyError, IndexError, ValueError) as error:
        raise ValueError(f"a partner format may use only {{code}} and {{name}} ({error})") from None
    if not group_prefix or APP_ID.startswith(group_prefix):
        raise ValueError(f"{code}: group prefix {group_prefix!r} would cover the hub's group {APP_ID!r}")
    rules.append(Rule(ResourceType.GROUP, group_prefix, PatternType.PREFIXED, GROUP_OPERATIONS))
    return Grant(principal, f"partner {code}: reads {', '.join(topics)}", tuple(rules))


def plan(
    *,
    hub_principal: str = DEFAULT_HUB_PRINCIPAL,
    partners: Sequence[str] | None = None,
    principal_format: str = DEFAULT_PARTNER_PRINCIPAL,
    group_prefix_format: str = DEFAULT_PARTNER_GROUP_PREFIX,
    tables: Iterable[str] = HUB_TABLES,
) -> list[Grant]:
    """The hub's grant first, then one per partner (all partners with an outbound topic unless ``partners``)."""
    codes = partner_codes() if partners is None else list(partners)
    unknown = sorted(set(codes) - set(partner_codes()))
    if unknown:
        raise ValueError(f"no outbound topic for {', '.join(unknown)} (known: {', '.join(partner_codes())})")
    grants = [hub_grant(hub_principal, tables)]
    grants += [partner_grant(code, principal_format, group_prefix_format) for code in codes]
    principals = [grant.principal for grant in grants]
    if len(set(principals)) != len(principals):
        raise ValueError("two grants share a principal: the partner principal format must name the partner")
    prefixes = [rule.name for grant in grants[1:] for rule in grant.rules if rule.pattern is PatternType.PREFIXED]
    for i, first in enumerate(prefixes):
        for j, second in enumerate(prefixes):
            if i != j and second.startswith(first):
                raise ValueError(f"group prefix {first!r} covers {second!r}: one partner could join another's groups")
    return grants
