"""The schemas in this package, parsed once, by short name (the ``.avsc`` file's stem)."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

SCHEMA_NAMES = (
    "referral_event",
    "status_change",
    "assignment",
    "dead_letter",
    "raw_record",
    "subject_link",
    "data_key",
    "status_report",
    "contact_event",
    "treatment_hours",
    "erasure_order",
    "sla_event",
    "protection_gap",
    "journey_step",
    "clock_check",
    "erasure_step",
    "erasure_progress",
    "erasure_completed",
    "erasure_notice",
    "audit_event",
    "credential",
)


def schema_text(name: str, history_version: int | None = None) -> str:
    """The JSON text of a schema, current or as it was at ``history_version``."""
    folder = resources.files(__package__)
    path = folder / (f"history/{name}.v{history_version}.avsc" if history_version else f"{name}.avsc")
    return path.read_text(encoding="utf-8")


@cache
def schema_json(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(schema_text(name))
    return loaded


def history_versions(name: str) -> list[int]:
    """Versions kept under ``history/`` for the backward-compatibility check, oldest first."""
    folder = resources.files(__package__) / "history"
    versions = [
        int(entry.name.removeprefix(f"{name}.v").removesuffix(".avsc"))
        for entry in folder.iterdir()
        if entry.name.startswith(f"{name}.v") and entry.name.endswith(".avsc")
    ]
    return sorted(versions)
