"""The router's work as a Quix Streams app: the comparison ``make bench`` draws (run in its own venv, see
tests/bench/quix_router.py).

Per referral, the same as the issue's measurement asks of both: decode the canonical event (the hub's Avro
codec), plan its routing with the hub's own pure rules (processors/ledger.py), write the ledger entry through
the State API (RocksDB, changelog topic on) and produce its 2 assignments and 2 ROUTED status changes. What the
hub does beyond that (each destination's view sealed under its own key, the SLA clocks, the audit event, the
journey step, each status on the source partner's own feed) is not done here: the report says so beside the
figures.

``python app.py --bootstrap … --source … --assignments SOCIAL=topic,BUREAU=topic --status topic --group …
--state-dir … --outputs N`` prints one JSON line: when the first referral was routed (wall clock), and the
process CPU seconds (every thread: librdkafka's too) from then until the app stopped.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # the repository: the hub's rules and codec

from quixstreams import Application, State
from quixstreams.models.serializers import BytesSerializer

from processors.ledger import plan_routing
from schemas.codec import codec_for

LEDGER = "ledger"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--source", required=True)
    parser.add_argument("--assignments", required=True, help="DESTINATION=topic,…")
    parser.add_argument("--status", required=True)
    parser.add_argument("--group", required=True)
    parser.add_argument("--state-dir", required=True)
    parser.add_argument("--outputs", type=int, required=True, help="records to produce before stopping")
    args = parser.parse_args()

    app = Application(
        broker_address=args.bootstrap,
        consumer_group=args.group,
        auto_offset_reset="earliest",
        state_dir=args.state_dir,
        use_changelog_topics=True,
        processing_guarantee="at-least-once",
        loglevel="WARNING",
    )
    source = app.topic(args.source, key_deserializer="bytes", value_deserializer="bytes")
    payload = _Payload()
    outputs = {
        destination: app.topic(topic, key_serializer="bytes", value_serializer=payload)
        for destination, topic in (pair.split("=", 1) for pair in args.assignments.split(","))
    }
    status = app.topic(args.status, key_serializer="bytes", value_serializer=payload)
    events, assignments, statuses = codec_for("referral_event"), codec_for("assignment"), codec_for("status_change")
    clock: dict[str, float] = {}

    def route(value: bytes, state: State) -> list[tuple[Any, bytes]]:
        if not clock:
            clock["first_routed_at"] = time.time()
            clock["cpu_at_first"] = time.process_time()
        event = events.decode(value)
        plan = plan_routing(event, state.get(LEDGER), datetime.now(UTC))
        if plan.first_time:
            state.set(LEDGER, plan.entry)
        routed = [(outputs[a["destination"]], assignments.encode(a)) for a in plan.assignments]
        routed += [(status, statuses.encode(s)) for s in plan.statuses]
        return routed

    sdf = app.dataframe(source)
    sdf = sdf.apply(route, stateful=True, expand=True)
    sdf.to_topic(lambda value, key, timestamp, headers: value[0])
    app.run(count=args.outputs, collect=False)
    print(
        json.dumps(
            {
                "first_routed_at": clock["first_routed_at"],
                "cpu_seconds": time.process_time() - clock["cpu_at_first"],
            }
        )
    )


class _Payload(BytesSerializer):
    """The routed (topic, bytes) pair goes out as its bytes: the topic was chosen from it."""

    def __call__(self, value: Any, ctx: Any) -> bytes:
        return bytes(value[1])


if __name__ == "__main__":
    main()
