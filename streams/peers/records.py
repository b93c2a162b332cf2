"""Parsed records as JSON, for a worker that hands records to the owner of their key.

The receiving worker parses the partner's file once; the owner decides on its records without parsing again.
pydantic builds each record type back from its own dataclass declaration (datetimes, dates, nested people and
places; bytes as base64, since a partner's raw bytes need not be UTF-8). The wire carries clear-text personal
data between two workers of the hub, inside the edge, never onto a topic.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, create_model

from adapters.base import (
    InboundContact,
    InboundErasureOrder,
    InboundRecord,
    InboundReferral,
    InboundStatusUpdate,
    InboundTreatmentHours,
)

_CONFIG = ConfigDict(ser_json_bytes="base64", val_json_bytes="base64")
_TYPES: dict[str, type[Any]] = {
    cls.__name__: cls
    for cls in (InboundReferral, InboundStatusUpdate, InboundContact, InboundTreatmentHours, InboundErasureOrder)
}
# A stdlib dataclass takes the configuration of the model it sits in: one wrapper model per record type.
_WIRES: dict[str, type[BaseModel]] = {
    name: create_model(f"{name}Wire", __config__=_CONFIG, record=(cls, ...)) for name, cls in _TYPES.items()
}


class UnknownRecordType(ValueError):
    pass


def dump(record: InboundRecord) -> dict[str, Any]:
    name = type(record).__name__
    return {"type": name, "record": _WIRES[name](record=record).model_dump(mode="json")["record"]}


def load(wire: Any) -> InboundRecord:
    name = wire.get("type") if isinstance(wire, dict) else None
    model = _WIRES.get(name) if isinstance(name, str) else None
    if model is None:
        raise UnknownRecordType(f"not a record type: {name!r}")
    record: InboundRecord = model.model_validate({"record": wire["record"]}).record  # type: ignore[attr-defined]
    return record
