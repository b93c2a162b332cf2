"""The hub's log lines (日誌): one JSON object a line for the operators' collector, or text on a developer's terminal.

Every line of the hub process goes through one handler on stderr — the hub's own, Faust's, mode's, aiokafka's and
kafka-python's — so that a collector never meets a line it cannot parse. A JSON line has ``time`` (UTC, ISO 8601),
``level``, ``logger``, ``message``, the correlation ids known where it was logged (``request_id``,
``submission_id``, ``referral_id``) and ``exc_info`` for a failure. ``REFHUB_LOG_FORMAT`` chooses ``json`` or
``text``; unset, a terminal gets text and anything else (a container, systemd, a pipe, a file) gets JSON.

Never personal data. The rule is in the log calls: they format ids, counts, codes and exception class names, never
a value a partner sent. :class:`Redact` is the backstop for a line that breaks the rule: whatever is shaped like a
national ID, a phone number or an e-mail address is replaced before the line is written, and counted
(``refhub_log_redactions_total``: anything above zero is a log call to fix). A name cannot be recognised by its
shape; only the rule keeps it out.

Correlation ids travel in context variables: the gateway sets the request id per request (streams/gateway/guard.py)
and the submission id once it has made one; each agent sets the ids of the event it is processing
(:func:`for_event`). Faust's own lines logged while an event is processed carry them too.
"""

from __future__ import annotations

import logging
import logging.config
import re
import sys
import traceback
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar, Token
from datetime import UTC, datetime
from typing import Any, Literal

from pythonjsonlogger.json import JsonFormatter

from adapters.validation.national_id import ID_SHAPED
from streams import metrics

LogFormat = Literal["json", "text"]

CORRELATION_IDS = ("request_id", "submission_id", "referral_id")
"""The correlation ids a line may carry, in this order."""

_CONTEXT: dict[str, ContextVar[str | None]] = {
    name: ContextVar(f"refhub_{name}", default=None) for name in CORRELATION_IDS
}

_SAFE_ID = re.compile(r"[A-Za-z0-9._:-]{1,80}")
"""What a correlation id may look like: an id the hub made, or a client's request id that passed the gateway's check.
Anything else (a path segment a client made up) is not put into a log line."""


def current() -> dict[str, str]:
    """The correlation ids set in this context."""
    return {name: value for name, var in _CONTEXT.items() if (value := var.get()) is not None}


def bind(**ids: str | None) -> None:
    """Set correlation ids for the rest of the current scope (the :func:`correlated` block around it resets them)."""
    for name, value in ids.items():
        _CONTEXT[name].set(value if value is not None and _SAFE_ID.fullmatch(value) else None)


@contextmanager
def correlated(**ids: str | None) -> Iterator[None]:
    """A scope with exactly these correlation ids (the others unset), restored on exit: one request, one event.

    Every id is reset on exit, not just those named: aiohttp serves the requests of a kept-alive connection in
    one task, and one request's submission id must not label the next request's lines."""
    tokens: list[tuple[ContextVar[str | None], Token[str | None]]] = []
    for name, var in _CONTEXT.items():
        value = ids.get(name)
        tokens.append((var, var.set(value if value is not None and _SAFE_ID.fullmatch(value) else None)))
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


def for_event(value: Any) -> Any:
    """The scope of one event an agent processes: its submission and referral ids, where the record has them."""
    record: Mapping[str, Any] = value if isinstance(value, Mapping) else {}
    return correlated(
        submission_id=_text(record.get("submission_id")),
        referral_id=_text(record.get("referral_id")),
    )


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


class Correlate(logging.Filter):
    """Puts the context's correlation ids on every record the handler writes (Faust's and aiokafka's too)."""

    def filter(self, record: logging.LogRecord) -> bool:
        ids = current()
        for name in CORRELATION_IDS:
            setattr(record, name, ids.get(name))
        return True


# Mobile 09xx-xxx-xxx, landlines 0X(X)-xxxxxxx(x), with or without separators, and +886 forms; only whole tokens,
# so that a hex id (R-0912345678ab…) stays readable.
_PHONE = (
    r"(?<![0-9A-Za-z.])(?:\+886[- ]?|0)(?:9\d{2}[- ]?\d{3}[- ]?\d{3}|[2-8]\d?[- )]?\d{3,4}[- ]?\d{4})(?![0-9A-Za-z.])"
)
_EMAIL = r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
# National IDs and resident certificate numbers in the shape the adapters already mask in partners' reasons.
_PERSONAL = re.compile("|".join(f"(?:{pattern})" for pattern in (ID_SHAPED.pattern, _PHONE, _EMAIL)))
REDACTED = "[REDACTED]"


def redact(text: str) -> tuple[str, int]:
    """The text with everything shaped like personal data replaced, and how many replacements were made."""
    return _PERSONAL.subn(REDACTED, text)


class Redact(logging.Filter):
    """The backstop: a record whose message, exception or stack names something shaped like personal data is
    written with that part replaced. The message is formatted here once, so its arguments go no further."""

    def filter(self, record: logging.LogRecord) -> bool:
        found = 0
        try:
            formatted = record.getMessage()
        except Exception:  # a log call with arguments its format does not take: say where, not what
            formatted = f"unformattable log message ({record.pathname}:{record.lineno})"
        message, count = redact(formatted)
        found += count
        record.msg, record.args = message, ()
        if record.exc_info:
            # Formatted here so that the formatter never renders the exception (its message may quote a value).
            record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
            record.exc_info = None
        if record.exc_text:
            record.exc_text, count = redact(record.exc_text)
            found += count
        if record.stack_info:
            record.stack_info, count = redact(record.stack_info)
            found += count
        if found:
            metrics.LOG_REDACTIONS.labels(record.name).inc(found)
        return True


_JSON_FIELDS = ("time", "level", "logger", "message", *CORRELATION_IDS, "exc_info", "stack_info")


class JsonLines(JsonFormatter):
    """python-json-logger's formatter, keeping only the declared fields: no record attribute a library attaches
    (``extra``) reaches the line unless it is listed here."""

    def __init__(self) -> None:
        super().__init__(
            ["asctime", "levelname", "name", "message", *CORRELATION_IDS],
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            json_ensure_ascii=False,
        )

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        return {field: log_data[field] for field in _JSON_FIELDS if log_data.get(field) is not None}

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        """UTC, ISO 8601 with milliseconds: what collectors parse without being told a format."""
        return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")


class TextLines(logging.Formatter):
    """A developer's terminal: time, level, logger, message, then the correlation ids that are set."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        ids = " ".join(f"{name}={value}" for name in CORRELATION_IDS if (value := getattr(record, name, None)))
        if not ids:
            return line
        first, newline, rest = line.partition("\n")
        return f"{first} [{ids}]{newline}{rest}"


def choose_format(configured: LogFormat | None, stream: Any = None) -> LogFormat:
    """``REFHUB_LOG_FORMAT`` when set; otherwise text on a terminal (a developer reading it) and JSON elsewhere
    (a collector reading it: a container's, systemd's or a file)."""
    if configured is not None:
        return configured
    target = stream if stream is not None else sys.__stderr__
    try:
        return "text" if target is not None and target.isatty() else "json"
    except (AttributeError, ValueError):
        return "json"


def handler(log_format: LogFormat, stream: Any = None) -> logging.Handler:
    """The one handler of the hub process: stderr (the real one: mode later points sys.stderr at a logger)."""
    made = logging.StreamHandler(stream if stream is not None else sys.__stderr__)
    made.addFilter(Correlate())
    made.addFilter(Redact())
    made.setFormatter(JsonLines() if log_format == "json" else TextLines())
    return made


def dict_config(log_format: LogFormat, level: int, stream: Any = None) -> dict[str, Any]:
    """A :func:`logging.config.dictConfig` for the whole process; Faust's Worker takes the same (``logging_config``),
    so its own set-up installs this handler instead of its coloured stdout one."""
    return {
        "version": 1,
        # Loggers made at import time (streams.router's, aiokafka's) must keep writing.
        "disable_existing_loggers": False,
        "handlers": {"refhub": {"()": handler, "log_format": log_format, "stream": stream}},
        "root": {"level": level, "handlers": ["refhub"]},
    }


def configure(log_format: LogFormat, level: int, stream: Any = None) -> None:
    """Configure logging now, for the lines before Faust's worker starts (it is then given :func:`dict_config` again:
    ``dictConfig`` consumes the dict it is given)."""
    logging.config.dictConfig(dict_config(log_format, level, stream))
    logging.captureWarnings(True)
