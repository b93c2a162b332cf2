"""POLICE CSV files (CP950, CRLF) built from rows, with fresh references and valid IDs per test."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass

from adapters.validation import make_national_id

HEADER = (
    "通報編號",
    "類別",
    "通報時間",
    "查獲案號",
    "場所類型",
    "姓名",
    "身分證統一編號",
    "出生日期",
    "性別",
    "聯絡電話",
    "行政區",
    "毒品級別",
    "子女年齡",
    "同意轉介",
    "承辦人",
)

SURNAMES = "王李張劉陳楊黃趙吳周徐孫馬朱胡郭何林高羅"
GIVEN = "志明淑芬家豪雅婷俊傑怡君宗翰佳蓉冠宇詩涵承恩"


@dataclass
class Person:
    national_id: str
    name: str


def person(rng: random.Random) -> Person:
    national_id = make_national_id(rng.choice("ABEFKST"), f"{rng.choice('12')}{rng.randrange(10**7):07d}")
    name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
    return Person(national_id, name)


def child_protection_row(ref: str, who: Person, district: str = "鳳山區") -> dict[str, str]:
    return {
        "通報編號": ref,
        "類別": "兒少保護",
        "通報時間": "114/07/15 14:30",
        "查獲案號": "",
        "場所類型": "住宅",
        "姓名": who.name,
        "身分證統一編號": who.national_id,
        "出生日期": "070/03/05",
        "性別": "男",
        "聯絡電話": "0912345678",
        "行政區": district,
        "毒品級別": "第二級",
        "子女年齡": "3;7",
        "同意轉介": "是",
        "承辦人": "林警官",
    }


def to_csv(rows: list[dict[str, str]]) -> bytes:
    lines = [",".join(HEADER)] + [",".join(row[column] for column in HEADER) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode("cp950")


def fresh_refs(count: int) -> list[str]:
    batch = uuid.uuid4().hex[:8].upper()
    return [f"KPD-1140715-{batch}-{n:04d}" for n in range(1, count + 1)]
