"""The AsyncAPI document follows streams/topology.py and schemas/ (the parser's verdict: tests/contract)."""

from __future__ import annotations

import json

import pytest

from schemas.catalogue import schema_json
from streams.gateway import asyncapi
from streams.topology import ALL_TOPICS, CHANGELOGS, FLOWS, SECOND_SCHEMAS, TopicSpec

SPECS = (*ALL_TOPICS, *CHANGELOGS)


def channel(spec: TopicSpec, document: dict[str, object] | None = None) -> dict[str, object]:
    found = (document or asyncapi.document())["channels"]  # type: ignore[index]
    value: dict[str, object] = found[asyncapi.channel_id(spec.name)]
    return value


def test_every_topic_is_a_channel_and_every_channel_a_topic() -> None:
    channels = asyncapi.document()["channels"]
    assert sorted(c["address"] for c in channels.values()) == sorted(spec.name for spec in SPECS)
    assert len(channels) == len(SPECS)


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_a_channel_carries_its_topics_key_layout_clean_up_and_flows(spec: TopicSpec) -> None:
    found = channel(spec)
    binding = found["bindings"]["kafka"]  # type: ignore[index]
    assert binding["topic"] == spec.name and binding["partitions"] == 3 and binding["replicas"] == 1
    policy = binding["topicConfiguration"]["cleanup.policy"]
    assert policy == (["compact"] if spec.compacted else ["delete"])
    if spec.compacted:
        assert "retention.ms" not in binding["topicConfiguration"]
    else:
        assert binding["topicConfiguration"]["retention.ms"] == spec.retention_ms
    assert found["x-refhub-topic-config"] == spec.kafka_config(1)
    assert found["x-refhub-key"] == spec.key and spec.key in str(found["description"])
    flow = FLOWS[spec.name]
    assert found["x-refhub-producers"] == [c.name for c in flow.producers]
    partner = f"partner:{spec.name.rpartition('.')[2]}"
    assert found["x-refhub-consumers"] == [partner if c.kind == "partner" else c.name for c in flow.consumers]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_a_channels_messages_are_its_schemas_with_the_topics_key(spec: TopicSpec) -> None:
    document = asyncapi.document()
    expected = [spec.schema, *(schema for other, schema in SECOND_SCHEMAS if other.name == spec.name)]
    messages = channel(spec, document)["messages"]
    assert len(messages) == len(expected)  # type: ignore[arg-type]
    for schema, message in zip(expected, messages.values(), strict=True):  # type: ignore[attr-defined]
        assert message["payload"] == {"$ref": f"#/components/schemas/{schema}"}
        assert spec.key in message["bindings"]["kafka"]["key"]["description"]
        component = document["components"]["schemas"][schema]
        if schema == "json":
            assert component["type"] == "object"
        else:
            assert component == {"schemaFormat": asyncapi.AVRO, "schema": schema_json(schema)}
            assert message["name"] == schema_json(schema)["name"]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_operations_are_what_the_hub_does_with_the_topic(spec: TopicSpec) -> None:
    operations = asyncapi.document()["operations"]
    cid = asyncapi.channel_id(spec.name)
    flow = FLOWS[spec.name]
    send = operations[f"send-{cid}"]
    assert send["action"] == "send" and send["channel"] == {"$ref": f"#/channels/{cid}"}
    assert send["x-refhub-components"] == [c.name for c in flow.producers]
    readers = [c.name for c in flow.consumers if c.kind != "partner"]
    if readers:
        assert operations[f"receive-{cid}"]["x-refhub-components"] == readers
    else:
        assert f"receive-{cid}" not in operations, "a partner's own reading is not an operation of the hub"


def test_the_served_document_follows_the_deployments_layout() -> None:
    document = asyncapi.document(6, 3, 2)
    for spec in SPECS:
        found = channel(spec, document)
        assert found["bindings"]["kafka"]["partitions"] == 6  # type: ignore[index]
        assert found["bindings"]["kafka"]["replicas"] == 3  # type: ignore[index]
        assert found["x-refhub-topic-config"]["min.insync.replicas"] == "2"  # type: ignore[index]


def test_the_document_is_json_and_the_same_every_time() -> None:
    assert json.dumps(asyncapi.document(), sort_keys=True) == json.dumps(asyncapi.document(), sort_keys=True)
    assert asyncapi.document()["asyncapi"] == "3.0.0"
