"""AsyncAPI 3.0 description of every topic, served at ``/asyncapi.json``: the contract of the hub's event side, as
openapi.py is of its HTTP side.

Generated, never written by hand: topics, keys, clean-up and retention from streams/topology.py (``ALL_TOPICS``,
``CHANGELOGS``, ``SECOND_SCHEMAS``), who writes and who reads each from its ``FLOWS``, record schemas from
schemas/*.avsc (Avro 1.11, embedded as they are), partitions and replicas from the deployment's settings.
``make test`` validates it with the AsyncAPI Initiative's own parser (tests/contract/asyncapi/).

Every channel is a topic. Its operations are what the hub does with it (``send``: a component of the hub writes
it; ``receive``: one reads it), each naming the components; a partner's own case system that reads its topic from
Kafka directly is named in the channel's ``x-refhub-consumers``, not as an operation of the hub.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from schemas.catalogue import schema_json
from streams.topology import (
    ALL_TOPICS,
    CHANGELOGS,
    COMPONENTS,
    DAY_MS,
    FLOWS,
    PARTNER_SYSTEM,
    SECOND_SCHEMAS,
    Component,
    TopicSpec,
)

AVRO = "application/vnd.apache.avro;version=1.9.0"
"""The schema format AsyncAPI names Avro 1.x by (its parsers know this one; the schemas need nothing newer)."""
KAFKA_BINDING = "0.5.0"
WIRE_FORMAT = (
    "Avro single-object encoding: the two bytes C3 01, the schema's CRC-64-AVRO fingerprint (8 bytes, little-endian), "
    "then the Avro binary body (schemas/codec.py). Personal fields travel sealed (AES-256-GCM or GCM-SIV envelopes "
    "under the person's own key), never in clear text."
)
_TOPIC_CONFIG_BINDING = (
    "cleanup.policy",
    "retention.ms",
    "retention.bytes",
    "delete.retention.ms",
    "max.message.bytes",
)
"""The topic settings the Kafka binding has fields for; the rest are in ``x-refhub-topic-config``."""


def channel_id(topic: str) -> str:
    """A channel's id in the document: the topic name with ``.`` as ``-`` (AsyncAPI ids allow no dots)."""
    return topic.replace(".", "-")


def _record_name(schema: str) -> str:
    if schema == "json":
        return "TableEntry"
    return str(schema_json(schema)["name"])


def _schema_component(schema: str) -> dict[str, Any]:
    if schema == "json":
        return {
            "type": "object",
            "description": "A Faust table entry, JSON (faust.Schema value_serializer json); null deletes the key.",
        }
    return {"schemaFormat": AVRO, "schema": schema_json(schema)}


def _message(spec: TopicSpec, schema: str) -> dict[str, Any]:
    record = _record_name(schema)
    avro = schema != "json"
    key_schema = {
        "type": "string",
        "description": (f"{spec.key}, UTF-8" if avro else f"{spec.key}, a JSON string"),
    }
    return {
        "name": record,
        "title": record,
        "summary": schema_json(schema).get("doc", "") if avro else "One table key's value.",
        "contentType": "application/octet-stream" if avro else "application/json",
        "description": WIRE_FORMAT if avro else "Faust's JSON serialisation of the table value.",
        "payload": {"$ref": f"#/components/schemas/{schema}"},
        "bindings": {"kafka": {"key": key_schema, "bindingVersion": KAFKA_BINDING}},
    }


def _names(components: tuple[Component, ...], spec: TopicSpec) -> list[str]:
    """Component names; a partner's system as ``partner:<CODE>``, the partner whose topic it is."""
    return [
        f"partner:{spec.name.split('.', 1)[1]}" if component is PARTNER_SYSTEM else component.name
        for component in components
    ]


def _binding(spec: TopicSpec, partitions: int, replicas: int, config: dict[str, str]) -> dict[str, Any]:
    topic_configuration: dict[str, Any] = {}
    for name in _TOPIC_CONFIG_BINDING:
        if name in config:
            value = config[name]
            topic_configuration[name] = value.split(",") if name == "cleanup.policy" else int(value)
    return {
        "topic": spec.name,
        "partitions": partitions,
        "replicas": replicas,
        "topicConfiguration": topic_configuration,
        "bindingVersion": KAFKA_BINDING,
    }


def _description(spec: TopicSpec, partitions: int, note: str) -> str:
    days = spec.retention_ms / DAY_MS
    clean_up = "compacted: the last record of each key is kept" if spec.compacted else f"deleted after {days:g} days"
    lines = [
        f"Key: {spec.key}. {partitions} partitions, by the key's murmur2 hash (Kafka's default partitioner): every "
        "record of one key is on one partition, in order.",
        f"Clean-up: {clean_up}.",
    ]
    if note:
        lines.append(note)
    return "\n\n".join(lines)


@cache
def document(partitions: int = 3, replication_factor: int = 1, min_insync_replicas: int = 1) -> dict[str, Any]:
    """The AsyncAPI document for a deployment with this topic layout (Settings.partitions, …)."""
    second: dict[str, list[str]] = {}
    for spec, schema in SECOND_SCHEMAS:
        second.setdefault(spec.name, []).append(schema)
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    used_schemas: set[str] = set()
    for spec in (*ALL_TOPICS, *CHANGELOGS):
        flow = FLOWS[spec.name]
        cid = channel_id(spec.name)
        schemas = [spec.schema, *second.get(spec.name, [])]
        used_schemas.update(schemas)
        messages = {_record_name(schema): _message(spec, schema) for schema in schemas}
        config = spec.kafka_config(min_insync_replicas)
        channels[cid] = {
            "address": spec.name,
            "title": spec.name,
            "summary": spec.doc,
            "description": _description(spec, partitions, flow.note),
            "messages": messages,
            "bindings": {"kafka": _binding(spec, partitions, replication_factor, config)},
            "x-refhub-key": spec.key,
            "x-refhub-topic-config": config,
            "x-refhub-producers": _names(flow.producers, spec),
            "x-refhub-consumers": _names(flow.consumers, spec),
        }
        message_refs = [{"$ref": f"#/channels/{cid}/messages/{name}"} for name in messages]
        hub_readers = tuple(c for c in flow.consumers if c.kind != "partner")
        for action, components in (("send", flow.producers), ("receive", hub_readers)):
            if not components:
                continue
            operations[f"{action}-{cid}"] = {
                "action": action,
                "channel": {"$ref": f"#/channels/{cid}"},
                "messages": message_refs,
                "title": f"{'Write' if action == 'send' else 'Read'} {spec.name}",
                "summary": f"{'Written' if action == 'send' else 'Read'} by {', '.join(_names(components, spec))}.",
                "x-refhub-components": _names(components, spec),
            }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Kaohsiung drug-prevention referral hub: topics (高雄市毒品防制局轉介平台 事件主題)",
            "version": "1",
            "description": (
                "Every Kafka topic of the hub: its key and partitioning, clean-up and retention, record schemas "
                "(Avro, single-object encoded) and which component writes and reads it. Generated from "
                "streams/topology.py and schemas/. Consumers dedupe on each record's deterministic id: delivery "
                "is at-least-once. The HTTP side is /openapi.json."
            ),
            "x-refhub-components": {c.name: {"kind": c.kind, "description": c.doc} for c in COMPONENTS},
        },
        "defaultContentType": "application/octet-stream",
        "servers": {
            "kafka": {
                "host": "{bootstrap}",
                "protocol": "kafka",
                "description": "The deployment's brokers (REFHUB_BROKER); production: SASL_SSL with SCRAM-SHA-512.",
                "variables": {"bootstrap": {"default": "127.0.0.1:9092", "description": "bootstrap host:port"}},
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {"schemas": {schema: _schema_component(schema) for schema in sorted(used_schemas)}},
    }
