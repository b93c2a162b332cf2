"""Which inbound formats each partner may post — adding a partner is one line here.

A partner posting a format that is not its own is refused: the credential decides the partner, and the
partner decides the format.
"""

from __future__ import annotations

from collections.abc import Callable

from adapters import (
    bureau_json,
    fhir_task,
    juvenile_court_json,
    labour_csv,
    police_csv,
    prosecutor_xml,
    public_json,
    roster_fixed_width,
    social_json,
    status_json,
)
from adapters.base import InboundAdapter

PRISONS = ("KSP1", "KSP2", "KSDT", "KSWP", "KSWD")
JUVENILE_FACILITIES = ("MYHS", "KSJD")
HOSPITALS = ("KSPH", "KMUH", "CGMH", "AFKH", "CSH", "EDAH", "TZHH", "AFZY")
NGOS = ("DAWNING", "MUEN", "LIBERTAS", "MICHAEL", "DPF", "AFTERCARE")
"""晨曦會, 沐恩之家, 利伯他茲, 米迦勒, 毒品防制事務基金會, 更生保護會."""

INBOUND: dict[str, tuple[InboundAdapter, ...]] = {
    "POLICE": (police_csv.ADAPTER,),
    "PROS_KS": (prosecutor_xml.ADAPTER,),
    "PROS_CT": (prosecutor_xml.ADAPTER,),
    "PROS_MIL": (prosecutor_xml.ADAPTER,),
    **{f"PRISON_{code}": (roster_fixed_width.ADAPTER,) for code in PRISONS},
    **{f"JUV_FAC_{code}": (roster_fixed_width.ADAPTER,) for code in JUVENILE_FACILITIES},
    "JUV_COURT": (juvenile_court_json.ADAPTER,),
    "SOCIAL": (social_json.ADAPTER,),
    "BUREAU": (bureau_json.ADAPTER,),
    "LABOUR": (labour_csv.ADAPTER,),
    "PUBLIC": (public_json.ADAPTER,),
    "HEALTH": (fhir_task.ADAPTER,),
    **{f"HOSP_{code}": (fhir_task.ADAPTER,) for code in HOSPITALS},
    "EDU": (status_json.ADAPTER,),
    "YOUTH_COUNSEL": (status_json.ADAPTER,),
    **{f"NGO_{code}": (status_json.ADAPTER,) for code in NGOS},
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


def by_format(format_name: str) -> InboundAdapter | None:
    for adapters in INBOUND.values():
        for adapter in adapters:
            if adapter.format == format_name:
                return adapter
    return None


def _csv_framing(context: bytes, raw: bytes) -> bytes:
    return context + b"\r\n" + raw + b"\r\n"


def _roster_framing(context: bytes, raw: bytes) -> bytes:
    return context + b"\r\n" + raw + b"\r\nT000001\r\n"


_FRAMING: dict[str, Callable[[bytes, bytes], bytes]] = {
    police_csv.ADAPTER.format: _csv_framing,
    labour_csv.ADAPTER.format: _csv_framing,
    roster_fixed_width.ADAPTER.format: _roster_framing,
}


def frame_single_record(format_name: str, context: bytes, raw: bytes) -> bytes:
    """One stored record (and the context it was stored with) as a submission of its own, for replay.
    Formats whose records stand alone (an XML letter, a JSON message) need no framing."""
    framing = _FRAMING.get(format_name)
    return framing(context, raw) if framing else raw
