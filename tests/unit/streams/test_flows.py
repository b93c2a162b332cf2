"""The declared flows (streams/topology.py FLOWS: who writes each topic, who reads it) against the code: the agents
Faust actually registers, what their code sends and which tables it writes (tests/support/code_flows.py), the
gateway's and the other components' modules, and the ACL plan's partner topics."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

from streams import acls, topology
from streams.topology import (
    AGENTS,
    ALL_TOPICS,
    CHANGELOGS,
    COMPONENTS,
    FLOWS,
    PARTNER_SYSTEM,
    TABLE_RECOVERY,
    Component,
    changelog_topic,
)
from tests.support import built_app
from tests.support.code_flows import STREAMS, CodeFlows

EVERY_TOPIC = {spec.name for spec in (*ALL_TOPICS, *CHANGELOGS)}


@cache
def code() -> CodeFlows:
    return CodeFlows()


def written_by(component: Component) -> set[str]:
    return {topic for topic, flow in FLOWS.items() if component in flow.producers}


def read_by(component: Component) -> set[str]:
    return {topic for topic, flow in FLOWS.items() if component in flow.consumers}


def test_every_topic_has_its_flow_and_every_flow_its_topic() -> None:
    assert set(FLOWS) == EVERY_TOPIC


@pytest.mark.parametrize("topic", sorted(EVERY_TOPIC))
def test_every_topic_has_a_writer_and_a_reader_or_says_why_not(topic: str) -> None:
    flow = FLOWS[topic]
    assert flow.producers, f"{topic}: nobody writes it"
    assert flow.consumers or flow.note, f"{topic}: nobody reads it, and the flow does not say why"
    assert set(flow.producers) | set(flow.consumers) <= set(COMPONENTS)


def test_the_declared_agents_are_the_agents_faust_registers_each_reading_its_declared_topic(tmp_path: Path) -> None:
    registered = built_app.describe(tmp_path)["agents"]
    assert set(registered) == {agent.name for agent in AGENTS}
    for agent in AGENTS:
        assert set(registered[agent.name]) == read_by(agent), agent.name


def test_the_source_finds_the_same_agents_and_timers() -> None:
    found = {(root.kind, root.name) for root in code().roots}
    declared = {(c.kind, c.name) for c in COMPONENTS if c.kind in ("agent", "timer")}
    assert found == declared
    for root in code().roots:
        if root.kind == "agent":
            component = next(agent for agent in AGENTS if agent.name == root.name)
            assert {root.reads} == read_by(component)
        else:
            assert root.reads is None


@pytest.mark.parametrize("name", sorted(root.name for root in code().roots))
def test_what_an_agents_code_sends_and_writes_is_what_its_flows_declare(name: str) -> None:
    root = next(r for r in code().roots if r.name == name)
    component = next(c for c in COMPONENTS if c.name == name)
    topics, tables = code().writes(root)
    declared = written_by(component)
    declared_topics = {t for t in declared if t in {spec.name for spec in ALL_TOPICS}}
    assert topics == declared_topics, f"{name}: the code and FLOWS differ on {sorted(topics ^ declared_topics)}"
    assert {changelog_topic(table) for table in tables} == declared - declared_topics, name


def test_only_agents_write_tables() -> None:
    """A table write needs a current event (its changelog goes to the event's partition): no gateway, vault or
    CLI code may write one."""
    for name, module in code().modules.items():
        if name.startswith(("streams.gateway", "streams.cli", "streams.access")) or name == "streams.vault":
            assert not code()._tables_written(module.tree), name


def _intake_topics() -> set[str]:
    """The topics streams/app.py hands the gateway's intake (``Topics(...)``)."""
    app = code().modules["streams.app"]
    calls = [
        node
        for node in ast.walk(app.tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Topics"
    ]
    assert len(calls) == 1
    return code()._topics_of("streams.app", calls[0])


@pytest.mark.parametrize(
    ("component", "modules", "extra"),
    [
        (topology.GATEWAY, ["streams.gateway"], _intake_topics),
        (topology.KEY_VAULT, ["streams.vault"], set),
        (topology.CREDENTIAL_FOLLOWER, ["streams.access.follower"], set),
        (topology.CREDENTIALS_CLI, ["streams.access.admin"], set),
    ],
    ids=lambda value: value.name if isinstance(value, Component) else "",
)
def test_a_components_modules_name_exactly_the_topics_it_writes_or_reads(
    component: Component, modules: list[str], extra: object
) -> None:
    assert callable(extra)
    named = code().modules_topics(modules) | extra()
    assert named == written_by(component) | read_by(component), component.name


def test_the_intake_writes_what_the_gateway_declares() -> None:
    assert _intake_topics() <= written_by(topology.GATEWAY)


def test_partners_systems_read_exactly_what_the_acl_plan_grants_them() -> None:
    reads = {topic for topic, flow in FLOWS.items() if PARTNER_SYSTEM in flow.consumers}
    assert reads == {topic for code_ in acls.partner_codes() for topic in acls.outbound_topics(code_)}


def test_only_faust_reads_the_changelogs() -> None:
    for spec in CHANGELOGS:
        assert FLOWS[spec.name].consumers == (TABLE_RECOVERY,)


def test_the_analysis_sees_the_whole_package() -> None:
    """A test that cannot fail is a defect: the analysis must find the modules and roots it claims to check."""
    assert {"streams.router", "streams.sla", "streams.gateway.intake"} <= set(code().modules)
    assert len(list(STREAMS.rglob("*.py"))) == len(code().modules)
    assert len(code().roots) == len(AGENTS) + 1
