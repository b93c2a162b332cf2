"""An all-or-nothing submission (整批受理, a FHIR ``transaction`` Bundle) with a refused record: none of it is taken.

FHIR R4 (RESTful API, "Transaction"): a server either accepts every entry of a transaction or rejects them all. So
the hub applies none, tells the partner which entries are wrong and that the others were not applied either, and
keeps the whole body as one dead letter (record 0): a replay after a fix re-runs the transaction whole, never a part
of it. Pure; the gateway's intake carries it out (streams/gateway/intake.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from adapters.base import RecordRejection
from adapters.validation.national_id import mask_ids

CODE = "TRANSACTION_FAILED"
"""The dead letter's code, and the code of each entry that was right but not applied."""
WHOLE = "Bundle"
"""The field of the dead letter: the Bundle as a whole."""
NAMED_AT_MOST = 5
"""How many refused entries the dead letter's reason names, each with its own reason."""


@dataclass(frozen=True)
class Refusal:
    dead_letter: RecordRejection
    """Record 0, the whole body: what ``referrals.dlq`` keeps and a replay re-runs."""
    rows: list[dict[str, Any]]
    """The receipt's ``rejected`` rows, one per entry in order: the wrong ones with their own reasons first-hand,
    the others saying they were not applied because of those."""


def refuse(body: bytes, rejections: Sequence[RecordRejection], record_nos: Iterable[int]) -> Refusal:
    """``rejections``: the entries refused (non-empty); ``record_nos``: every entry of the submission."""
    if not rejections:
        raise ValueError("an all-or-nothing submission with nothing refused is accepted, not refused")
    refused = {rejection.record_no: rejection for rejection in rejections}
    wrong = "、".join(f"第 {n} 筆" for n in sorted(refused))
    rows: list[dict[str, Any]] = []
    for record_no in sorted(set(record_nos) | set(refused)):
        rejection = refused.get(record_no)
        if rejection is not None:
            rows.append(_row(record_no, rejection.field, rejection.code, rejection.reason))
        else:
            rows.append(
                _row(
                    record_no,
                    WHOLE,
                    CODE,
                    f"第 {record_no} 筆本身無誤，但同一個 transaction Bundle 的{wrong}有誤；transaction 須全部成功，"
                    "整個 Bundle 都未受理，請修正後重新傳送整個 Bundle。",
                ),
            )
    named = [refused[n] for n in sorted(refused)][:NAMED_AT_MOST]
    more = len(refused) - len(named)
    listed = "；".join(rejection.reason.rstrip("。") for rejection in named)
    reason = (
        f"transaction Bundle 整批未受理（共 {len(rows)} 筆），有誤的是：{listed}"
        + (f"；另有 {more} 筆有誤" if more else "")
        + "。"
    )
    return Refusal(RecordRejection(0, WHOLE, CODE, mask_ids(reason), body), rows)


def _row(record_no: int, field: str, code: str, reason: str) -> dict[str, Any]:
    return {"record": record_no, "field": field, "code": code, "reason": mask_ids(reason)}
