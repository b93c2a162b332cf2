"""Sending audit events (streams side of processors/audit.py)."""

from __future__ import annotations

import os
import socket
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from processors import audit
from streams.outbox import Output
from streams.topology import AUDIT_EVENTS

OBSERVER = f"refhub@{socket.gethostname()}:{os.getpid()}"
"""FHIR AuditEvent.source.observer: which hub process recorded the event."""


def output(event: Mapping[str, Any]) -> Output:
    """An audit event as an agent's output: sent with the agent's other records, after its table is durable."""
    return (AUDIT_EVENTS.name, audit.key_of(event), dict(event))


class Auditor:
    """Records the gateway's audit events. ``record`` awaits the broker's acknowledgement: a disclosure's trace
    is durable before the data leaves the hub."""

    def __init__(self, send: Callable[[str, bytes, dict[str, Any]], Awaitable[None]]) -> None:
        self._send = send

    async def record(self, event: Mapping[str, Any]) -> None:
        topic, key, value = output(event)
        await self._send(topic, key.encode(), value)
