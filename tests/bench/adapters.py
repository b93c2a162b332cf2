"""Records per second each inbound parser takes: a 10k-row police CSV, a 10k-line roster, a 1k-letter XML batch."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import date

from adapters import police_csv, prosecutor_xml, roster_fixed_width
from adapters.base import InboundAdapter
from adapters.validation import make_national_id
from tests.contract.golden import RECEIVED_AT
from tests.support import police


def _police_csv(rows: int) -> bytes:
    rng = random.Random(1)
    return police.to_csv([police.child_protection_row(ref, police.person(rng)) for ref in police.fresh_refs(rows)])


def _roster(lines: int) -> bytes:
    rng = random.Random(2)
    details = [
        roster_fixed_width.RosterDetail(
            inmate_no=f"{n:08d}",
            name=police.person(rng).name,
            national_id=make_national_id("E", f"2{rng.randrange(10**7):07d}"),
            birth_date=date(1990, 1, 2),
            gender="F",
            expected_release_date=date(2026, 3, 1),
            needs=frozenset({"employment"}),
            postal_code="830",
        )
        for n in range(lines)
    ]
    return roster_fixed_width.format_roster("KSWP", date(2025, 7, 20), details)


def _xml_batch(documents: int) -> bytes:
    rng = random.Random(3)
    letters = []
    for n in range(documents):
        who = police.person(rng)
        letters.append(
            f'<轉介函 版本="1"><發文機關 代碼="PROS_KS">臺灣高雄地方檢察署</發文機關>'
            f"<發文日期>中華民國114年7月15日</發文日期><發文字號>雄檢114緩字第{n:06d}號</發文字號>"
            f"<案號>114年度偵字第{n:05d}號</案號><被告><姓名>{who.name}</姓名>"
            f"<身分證統一編號>{who.national_id}</身分證統一編號><出生日期>0700305</出生日期><性別>男</性別>"
            f'<電話>0912345678</電話><行政區>鳳山區</行政區></被告><處分 類別="緩起訴">'
            f'<緩起訴期間 起="114/07/15" 迄="116/07/14"/><附命條件>戒癮治療</附命條件>'
            f'<社區處遇時數>40</社區處遇時數><分流評估 醫療需求="低" 再犯風險="低"/>'
            f"<指定醫院>凱旋醫院</指定醫院><懷孕>否</懷孕><同意轉介>是</同意轉介></處分></轉介函>"
        )
    return ("<轉介函清單>" + "".join(letters) + "</轉介函清單>").encode()


def _measure(adapter: InboundAdapter, partner: str, body: bytes, expected: int) -> dict[str, float]:
    best = float("inf")
    for _ in range(3):
        began = time.perf_counter()
        result = adapter.parse(body, partner, RECEIVED_AT)
        best = min(best, time.perf_counter() - began)
    assert len(result.accepted) == expected, (len(result.accepted), result.rejected[:1])
    return {
        "records": expected,
        "bytes": len(body),
        "best_seconds": round(best, 3),
        "records_per_second": round(expected / best),
    }


CASES: dict[str, tuple[InboundAdapter, str, Callable[[int], bytes], int]] = {
    "police_csv_10k_rows": (police_csv.ADAPTER, "POLICE", _police_csv, 10_000),
    "roster_10k_lines": (roster_fixed_width.ADAPTER, "PRISON_KSWP", _roster, 10_000),
    "prosecutor_xml_1k_documents": (prosecutor_xml.ADAPTER, "PROS_KS", _xml_batch, 1_000),
}


def run() -> dict[str, dict[str, float]]:
    return {name: _measure(adapter, partner, make(n), n) for name, (adapter, partner, make, n) in CASES.items()}


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
