"""``refhub consume TOPIC``: print each event as one JSON line (Avro field names; sealed data stays sealed).

Reads without a consumer group, so it commits no offsets and never disturbs the hub's own consumers.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from kafka import KafkaConsumer, TopicPartition

from schemas.codec import UnknownSchemaError, decode_any
from streams.cli.common import fail, print_json
from streams.kafka_client import kafka_python_options
from streams.settings import Settings


def add_parser(commands: Any) -> None:
    command = commands.add_parser("consume", help="print a topic's events as JSON lines")
    command.add_argument("topic")
    command.add_argument("--from-beginning", action="store_true")
    command.add_argument("--max", type=int, default=0, help="stop after N events (0: no limit)")
    command.add_argument("--timeout", type=float, default=10.0, help="stop after S seconds with no new event")
    command.add_argument("--broker", help="bootstrap servers (default: REFHUB_BROKER)")
    command.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    settings = Settings(**({"broker": args.broker} if args.broker else {}))
    try:
        consumer = KafkaConsumer(
            bootstrap_servers=settings.bootstrap_servers,
            group_id=None,
            enable_auto_commit=False,
            client_id="refhub-consume",
            **kafka_python_options(settings),
        )
    except Exception as exc:
        return fail("CONNECTION_FAILED", f"cannot reach the broker {settings.broker}: {exc}", 2)
    try:
        partitions = consumer.partitions_for_topic(args.topic)
        if not partitions:
            return fail("UNKNOWN_TOPIC", f"no topic {args.topic}", 2)
        assigned = [TopicPartition(args.topic, p) for p in sorted(partitions)]
        consumer.assign(assigned)
        if args.from_beginning:
            consumer.seek_to_beginning(*assigned)
        else:
            consumer.seek_to_end(*assigned)
        printed = 0
        last = time.monotonic()
        while time.monotonic() - last < args.timeout:
            batches = consumer.poll(timeout_ms=200)
            for records in batches.values():
                for record in records:
                    print_json(_render(record))
                    printed += 1
                    last = time.monotonic()
                    if args.max and printed >= args.max:
                        return 0
        return 0
    finally:
        consumer.close()


def _render(record: Any) -> dict[str, Any]:
    meta = {
        "topic": record.topic,
        "partition": record.partition,
        "offset": record.offset,
        "key": record.key.decode("utf-8", "replace") if record.key else None,
    }
    if record.value is None:
        return {"_meta": meta, "tombstone": True}
    try:
        schema, value = decode_any(record.value)
    except UnknownSchemaError as error:
        return {"_meta": meta, "undecodable": str(error)}
    return {"_meta": {**meta, "schema": schema}, **value}
