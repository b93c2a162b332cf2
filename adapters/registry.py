"""Which inbound formats each partner may post (one line per partner format).

A partner posting a format that is not its own is refused: the credential decides the partner, and the
partner decides the format.
"""

from __future__ import annotations

from adapters import police_csv
from adapters.base import InboundAdapter

INBOUND: dict[str, tuple[InboundAdapter, ...]] = {
    "POLICE": (police_csv.ADAPTER,),
}


def adapters_for(partner: str) -> tuple[InboundAdapter, ...]:
    return INBOUND.get(partner, ())


def media_type(content_type: str) -> str:
    """``text/csv; charset=cp950`` → ``text/csv``."""
    return content_type.split(";", 1)[0].strip().lower()


def select(partner: str, content_type: str) -> InboundAdapter | None:
    wanted = media_type(content_type)
    for adapter in adapters_for(partner):
        if wanted in adapter.content_types:
            return adapter
    return None
