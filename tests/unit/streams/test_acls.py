"""The ACL plan (streams/acls.py) and its two renderings: least privilege for the hub, need to know for partners."""

from __future__ import annotations

import json
import shlex
import subprocess
from pathlib import Path

import pytest
import yaml

from adapters.agencies import ASSIGNMENT_AGENCIES, REFERRAL_SOURCES
from streams.acl_formats import kafka_acls_script, strimzi_users
from streams.acls import (
    HUB_TABLES,
    LEADER_TOPIC,
    Grant,
    Operation,
    PatternType,
    ResourceType,
    hub_grant,
    partner_grant,
    plan,
)
from streams.cli.main import main
from streams.topology import ALL_TOPICS, REFERRAL_EVENTS
from tests.support import built_app

Binding = tuple[str, str, str, str, str]
"""(principal, resource type, pattern, name, operation): one Kafka ACL, allow, any host."""

GROUP_OPERATIONS_KAFKA_ALLOWS = {"Read", "Describe", "Delete", "DescribeConfigs", "AlterConfigs"}


def bindings(grants: list[Grant]) -> set[Binding]:
    return {
        (grant.principal, rule.resource_type.value, rule.pattern.value, rule.name, operation.value)
        for grant in grants
        for rule in grant.rules
        for operation in rule.operations
    }


def test_the_hub_may_use_every_declared_topic_by_name() -> None:
    grant = hub_grant()
    assert grant.principal == "User:refhub"
    topics = {rule.name: rule for rule in grant.rules if rule.resource_type is ResourceType.TOPIC}
    for spec in ALL_TOPICS:
        assert set(topics[spec.name].operations) == {
            Operation.READ,
            Operation.WRITE,
            Operation.DESCRIBE,
            Operation.CREATE,
        }, spec.name
    assert all(rule.pattern is PatternType.LITERAL for rule in grant.rules), "no prefix or wildcard for the hub"
    assert not any("*" in rule.name for rule in grant.rules)
    groups = [rule for rule in grant.rules if rule.resource_type is ResourceType.GROUP]
    assert [(rule.name, rule.operations) for rule in groups] == [("refhub", (Operation.READ,))]


def test_the_hub_may_use_faust_s_own_topics() -> None:
    topics = hub_grant().topics()
    assert LEADER_TOPIC == "refhub-__assignor-__leader" and LEADER_TOPIC in topics
    for table in HUB_TABLES:
        assert f"refhub-{table}-changelog" in topics
    declared = {spec.name for spec in ALL_TOPICS}
    assert topics - declared == {LEADER_TOPIC, *(f"refhub-{table}-changelog" for table in HUB_TABLES)}


def test_hub_tables_lists_every_table_the_app_declares(tmp_path: Path) -> None:
    """A table added to streams/app.py without a line in HUB_TABLES would be refused by the broker at start."""
    app = built_app.describe(tmp_path)
    assert app["id"] == "refhub"
    assert set(app["changelogs"]) <= hub_grant().topics(), "add the new table's name to streams.acls.HUB_TABLES"


def test_every_partner_with_an_outbound_topic_gets_a_grant() -> None:
    principals = {grant.principal for grant in plan()[1:]}
    expected = {f"User:{code.lower().replace('_', '-')}" for code in {*ASSIGNMENT_AGENCIES, *REFERRAL_SOURCES}}
    assert principals == expected


@pytest.mark.parametrize("code", sorted({*ASSIGNMENT_AGENCIES, *REFERRAL_SOURCES}))
def test_a_partner_reads_only_its_own_outbound_topics(code: str) -> None:
    grant = partner_grant(code)
    own = {f"assignments.{code}"} & {spec.name for spec in ALL_TOPICS}
    own |= {f"status.{code}"} & {spec.name for spec in ALL_TOPICS}
    assert grant.topics() == own and own
    assert REFERRAL_EVENTS.name not in grant.topics()
    others = {spec.name for spec in ALL_TOPICS} - own
    assert not grant.topics() & others
    for rule in grant.rules:
        if rule.resource_type is ResourceType.TOPIC:
            assert rule.pattern is PatternType.LITERAL
            assert set(rule.operations) == {Operation.READ, Operation.DESCRIBE}, "never Write, Create or Delete"
        else:
            assert rule.resource_type is ResourceType.GROUP and rule.pattern is PatternType.PREFIXED
            assert rule.name == f"partner.{code.lower().replace('_', '-')}."
            assert rule.operations == (Operation.READ,)


def test_social_reads_both_its_work_and_the_outcome_of_what_it_sent() -> None:
    assert partner_grant("SOCIAL").topics() == {"assignments.SOCIAL", "status.SOCIAL"}
    assert partner_grant("LABOUR").topics() == {"assignments.LABOUR"}
    assert partner_grant("POLICE").topics() == {"status.POLICE"}


def test_no_partner_group_prefix_covers_the_hub_s_group_or_another_partner_s() -> None:
    prefixes = [rule.name for grant in plan()[1:] for rule in grant.rules if rule.pattern is PatternType.PREFIXED]
    assert not any("refhub".startswith(prefix) for prefix in prefixes)
    for first in prefixes:
        assert [second for second in prefixes if second.startswith(first)] == [first]
    with pytest.raises(ValueError, match="covers"):
        plan(partners=["PROS_KS", "PROS_CT"], group_prefix_format="partner.pros")
    with pytest.raises(ValueError, match="hub's group"):
        plan(partners=["SOCIAL"], group_prefix_format="ref")


def test_bad_partner_options_are_refused() -> None:
    with pytest.raises(ValueError, match="no outbound topic"):
        plan(partners=["PUBLIC"])
    with pytest.raises(ValueError, match="share a principal"):
        plan(partners=["SOCIAL", "LABOUR"], principal_format="User:partners")
    with pytest.raises(ValueError, match=r"\{code\} and \{name\}"):
        plan(partners=["SOCIAL"], principal_format="User:{agency}")


def parse_script(script: str) -> tuple[list[list[str]], set[Binding]]:
    """Each kafka-acls command of the script as argv, and the ACLs AclCommand would add (principal × operation ×
    resource, its documented semantics)."""
    commands = [shlex.split(line) for line in script.replace("\\\n", " ").splitlines() if line and line[0] != "#"]
    commands = [argv for argv in commands if argv[:2] != ["set", "-e"]]
    found: set[Binding] = set()
    for argv in commands:
        options: dict[str, list[str]] = {}
        flags: set[str] = set()
        words = iter(argv[1:])
        for word in words:
            if word == "--add":
                flags.add(word)
            else:
                options.setdefault(word, []).append(next(words))
        assert flags == {"--add"}
        pattern = options.pop("--resource-pattern-type", ["literal"])
        for key in ("--bootstrap-server", "--command-config"):
            options.pop(key, None)
        principals, operations = options.pop("--allow-principal"), options.pop("--operation")
        assert len(principals) == 1 and len(options) == 1, argv
        [(kind, names)] = options.items()
        if kind == "--group":
            assert set(operations) <= GROUP_OPERATIONS_KAFKA_ALLOWS
        found |= {
            (principals[0], kind.removeprefix("--"), pattern[0], name, operation)
            for name in names
            for operation in operations
        }
    return commands, found


def test_the_kafka_acls_script_adds_exactly_the_plan() -> None:
    grants = plan()
    script = kafka_acls_script(
        grants, bootstrap_server="kafka-0:9093", command_config="/etc/kafka/admin client.properties"
    )
    assert subprocess.run(["sh", "-n"], input=script, text=True, check=False).returncode == 0
    commands, found = parse_script(script)
    assert found == bindings(grants)
    assert all(argv[0] == "kafka-acls.sh" for argv in commands)
    assert all(argv[argv.index("--command-config") + 1] == "/etc/kafka/admin client.properties" for argv in commands)
    assert len(commands) == 2 * len(grants), "one run for a principal's topics, one for its group"


def test_the_strimzi_users_parse_and_carry_the_plan() -> None:
    grants = plan()
    documents = [doc for doc in yaml.safe_load_all(strimzi_users(grants, cluster="kaohsiung", namespace="refhub"))]
    assert len(documents) == len(grants)
    found: set[Binding] = set()
    for grant, doc in zip(grants, documents, strict=True):
        assert doc["apiVersion"] == "kafka.strimzi.io/v1" and doc["kind"] == "KafkaUser"
        assert doc["metadata"] == {
            "name": grant.user,
            "namespace": "refhub",
            "labels": {"strimzi.io/cluster": "kaohsiung"},
        }
        assert doc["spec"]["authentication"] == {"type": "scram-sha-512"}
        authorization = doc["spec"]["authorization"]
        assert authorization["type"] == "simple"
        for acl in authorization["acls"]:
            assert set(acl) == {"resource", "operations", "host"} and acl["host"] == "*"
            resource = acl["resource"]
            assert resource["patternType"] in {"literal", "prefix"}
            pattern = "prefixed" if resource["patternType"] == "prefix" else "literal"
            found |= {
                (f"User:{doc['metadata']['name']}", resource["type"], pattern, resource["name"], operation)
                for operation in acl["operations"]
            }
    assert found == bindings(grants)


def test_strimzi_refuses_a_user_name_kubernetes_would_refuse() -> None:
    with pytest.raises(ValueError, match="KafkaUser name"):
        strimzi_users(plan(partners=["PROS_KS"], principal_format="User:{code}"), cluster="c")


def test_the_cli_prints_either_format(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["acl-plan", "--partner", "social", "--bootstrap-server", "b:9092"]) == 0
    _, found = parse_script(capsys.readouterr().out)
    assert ("User:social", "topic", "literal", "assignments.SOCIAL", "Read") in found
    assert not any(binding[3] == "referrals.events" and binding[0] != "User:refhub" for binding in found)

    assert main(["acl-plan", "--format", "strimzi", "--partner", "LABOUR", "--hub-principal", "User:hub-prod"]) == 0
    names = [doc["metadata"]["name"] for doc in yaml.safe_load_all(capsys.readouterr().out)]
    assert names == ["hub-prod", "labour"]

    assert main(["acl-plan", "--partner", "PUBLIC"]) == 2
    error = json.loads(capsys.readouterr().err)
    assert error["error"] == "BAD_ACL_PLAN" and "PUBLIC" in error["reason"]
