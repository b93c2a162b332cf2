"""The hub's log lines without a broker: the JSON fields, the correlation ids' scopes, the personal-data backstop,
the format a terminal or a pipe gets, and Faust's (mode's) own logging set-up writing through the same handler."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from mode.utils.logging import setup_logging
from prometheus_client import REGISTRY

from adapters.validation.national_id import make_national_id
from processors import ids
from streams import logs

NATIONAL_ID = make_national_id("E", "10007788")
RESIDENT_NEW = make_national_id("A", "80000001")
RESIDENT_OLD = make_national_id("AB", "1234567")


@pytest.fixture
def stream() -> Iterator[io.StringIO]:
    """The process's logging, pointed at a buffer for one test and put back afterwards."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    buffer = io.StringIO()
    logs.configure("json", logging.INFO, buffer)
    try:
        yield buffer
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])


def lines(buffer: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


def test_a_json_line_has_time_level_logger_message_and_nothing_a_library_attached(stream: io.StringIO) -> None:
    logging.getLogger("streams.router").info("referral %s routed to %d", "R-1", 2, extra={"national_id": NATIONAL_ID})
    [line] = lines(stream)
    assert set(line) == {"time", "level", "logger", "message"}
    assert (
        line["level"] == "INFO" and line["logger"] == "streams.router" and line["message"] == "referral R-1 routed to 2"
    )
    assert line["time"].endswith("+00:00") and "T" in line["time"]


def test_correlation_ids_label_the_lines_of_their_scope_only(stream: io.StringIO) -> None:
    log = logging.getLogger("streams.gateway.intake")
    with logs.correlated(request_id="req-1"):
        log.warning("inside")
        logs.bind(submission_id="SUB-20260801120000-ab12cd34")
        log.warning("after intake made a submission")
    log.warning("outside")
    inside, bound, outside = lines(stream)
    assert inside["request_id"] == "req-1" and "submission_id" not in inside
    assert bound["request_id"] == "req-1" and bound["submission_id"] == "SUB-20260801120000-ab12cd34"
    assert not set(logs.CORRELATION_IDS) & set(outside)


def test_a_scope_resets_every_id_so_the_next_request_on_a_kept_alive_connection_starts_clean() -> None:
    with logs.correlated(request_id="first"):
        logs.bind(submission_id="SUB-1", referral_id="R-1")
    with logs.correlated(request_id="second"):
        assert logs.current() == {"request_id": "second"}
    assert logs.current() == {}


def test_an_id_that_is_not_a_safe_token_is_not_logged() -> None:
    with logs.correlated(request_id="two words"):
        logs.bind(referral_id="R-1\nforged line")
        assert logs.current() == {}


def test_concurrent_tasks_keep_their_own_ids() -> None:
    seen: dict[str, dict[str, str]] = {}

    async def handle(request_id: str) -> None:
        with logs.correlated(request_id=request_id):
            await asyncio.sleep(0)
            logs.bind(submission_id=f"SUB-{request_id}")
            await asyncio.sleep(0)
            seen[request_id] = logs.current()

    async def both() -> None:
        await asyncio.gather(handle("a"), handle("b"))

    asyncio.run(both())
    assert seen == {
        "a": {"request_id": "a", "submission_id": "SUB-a"},
        "b": {"request_id": "b", "submission_id": "SUB-b"},
    }


def test_an_agents_event_scope_takes_the_ids_its_record_has() -> None:
    with logs.for_event({"submission_id": "SUB-1", "referral_id": "R-1", "subject_id": "S-1"}):
        assert logs.current() == {"submission_id": "SUB-1", "referral_id": "R-1"}
    with logs.for_event({"referral_id": "R-2", "submission_id": None}):
        assert logs.current() == {"referral_id": "R-2"}
    with logs.for_event(b"not a record"):
        assert logs.current() == {}


@pytest.mark.parametrize(
    "personal",
    [
        NATIONAL_ID,
        NATIONAL_ID.lower(),
        RESIDENT_NEW,
        RESIDENT_OLD,
        "Ｅ１０００７７８８２",
        "0912345678",
        "0912-345-678",
        "+886 912 345 678",
        "07-1234567",
        "(07)7123456",
        "02-2345-6789",
        "someone@example.org.tw",
    ],
)
def test_anything_shaped_like_personal_data_is_replaced_wherever_it_stands(stream: io.StringIO, personal: str) -> None:
    log = logging.getLogger("streams.somewhere")
    before = REGISTRY.get_sample_value("refhub_log_redactions_total", {"logger": "streams.somewhere"}) or 0.0
    log.error("value %s in an argument", personal)
    log.error(f"value {personal} in the message itself")  # the very call the backstop is for
    try:
        raise ValueError(f"bad field {personal}")
    except ValueError:
        log.exception("failed")
    log.warning("with its stack", stack_info=True, extra={"x": personal})
    text = stream.getvalue()
    assert personal not in text and personal.replace(" ", "") not in text
    assert text.count(logs.REDACTED) >= 3
    after = REGISTRY.get_sample_value("refhub_log_redactions_total", {"logger": "streams.somewhere"})
    assert after is not None and after >= before + 3


def test_the_hubs_own_ids_times_and_numbers_stay_readable(stream: io.StringIO) -> None:
    referral = ids.referral_id(b"k" * 32, "POLICE", "113-0001")
    kept = [
        referral,
        "R-0912345678abcdef0123",
        ids.assignment_id(referral, "SOCIAL", 1),
        "SUB-20260801091234-ab12cd34",
        "2026-08-12T10:00:00.123+00:00",
        "offset 1234567890 partition 2",
        "0.0123456789",
        "127.0.0.1:9092",
        "refhub@worker-1:4242",
    ]
    for text in kept:
        logging.getLogger("streams.router").warning("%s", text)
    assert [line["message"] for line in lines(stream)] == kept
    assert logs.REDACTED not in stream.getvalue()


def test_a_log_call_whose_arguments_do_not_fit_says_where_not_what(stream: io.StringIO) -> None:
    logging.getLogger("streams.router").warning("two %s %s", NATIONAL_ID)
    [line] = lines(stream)
    assert NATIONAL_ID not in json.dumps(line) and "unformattable log message" in line["message"]


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_text_and_anything_else_json_unless_the_setting_says() -> None:
    assert logs.choose_format(None, Terminal()) == "text"
    assert logs.choose_format(None, io.StringIO()) == "json"
    assert logs.choose_format("json", Terminal()) == "json"
    assert logs.choose_format("text", io.StringIO()) == "text"


def test_text_lines_end_with_the_correlation_ids() -> None:
    buffer = io.StringIO()
    handler = logs.handler("text", buffer)
    record = logging.LogRecord("streams.router", logging.INFO, __file__, 1, "routed %s", ("R-1",), None)
    with logs.correlated(referral_id="R-1", submission_id="SUB-1"):
        handler.handle(record)
    assert (
        buffer.getvalue().rstrip().endswith("INFO    streams.router: routed R-1 [submission_id=SUB-1 referral_id=R-1]")
    )


def test_fausts_own_logging_set_up_writes_through_the_hubs_handler() -> None:
    """What Faust's Worker does as it starts (mode.utils.logging.setup_logging with ``logging_config``): afterwards
    Faust's, mode's and aiokafka's loggers, and ones made before, all write JSON lines to the hub's stream."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    early = logging.getLogger("streams.made_before")
    buffer = io.StringIO()
    try:
        setup_logging(loglevel="info", logging_config=logs.dict_config("json", logging.INFO, buffer))
        logging.getLogger("faust.worker").info("[^Worker]: Ready")
        logging.getLogger("aiokafka.consumer.group_coordinator").warning("Heartbeat failed")
        logging.getLogger("mode.redirect").warning("printed by a library")
        early.error("still writes")
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    found = lines(buffer)
    assert [(line["logger"], line["message"]) for line in found] == [
        ("faust.worker", "[^Worker]: Ready"),
        ("aiokafka.consumer.group_coordinator", "Heartbeat failed"),
        ("mode.redirect", "printed by a library"),
        ("streams.made_before", "still writes"),
    ]
