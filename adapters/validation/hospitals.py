"""Partner hospitals (指定醫院) by the names prosecutors write, mapped to their ``HOSP_*`` agency codes.

A deferred-prosecution order names the hospital for addiction treatment (戒癮治療) in free text: the full legal
name (``長庚醫療財團法人高雄長庚紀念醫院``), the everyday one (``高雄長庚``) or a nickname (``高醫``). A name that
matches none of them goes to ``HEALTH`` (衛生局), which finds a hospital: guessing wrong would send a person's
treatment order to a hospital that never agreed to take it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from adapters.validation.text import clean

UNKNOWN_HOSPITAL: Final = "HEALTH"
"""Where a treatment order goes when its hospital is not one of ours: 衛生局 assigns one."""

_ALIASES: Final[Mapping[str, tuple[str, ...]]] = MappingProxyType(
    {
        "HOSP_KSPH": ("凱旋醫院", "凱旋"),
        "HOSP_KMUH": ("高雄醫學大學附設中和紀念醫院", "中和紀念醫院", "高醫附設醫院", "高醫"),
        "HOSP_CGMH": ("高雄長庚紀念醫院", "高雄長庚醫院", "高雄長庚"),
        "HOSP_AFKH": ("國軍高雄總醫院", "國軍802總醫院"),
        "HOSP_CSH": ("旗山醫院",),
        "HOSP_EDAH": ("義大醫院",),
        "HOSP_TZHH": ("慈惠醫院",),
        # 國軍左營總醫院 now operates as 國軍高雄總醫院左營分院; prosecutors write either name.
        "HOSP_AFZY": ("國軍左營總醫院", "左營總醫院", "國軍高雄總醫院左營分院"),
    }
)

# Longest first, so 國軍高雄總醫院左營分院 is tried before 國軍高雄總醫院 could claim it.
_BY_ALIAS: Final[tuple[tuple[str, str], ...]] = tuple(
    sorted(
        ((alias, code) for code, aliases in _ALIASES.items() for alias in aliases),
        key=lambda pair: len(pair[0]),
        reverse=True,
    )
)
_PARENTHESISED = re.compile(r"\([^)]*\)")
_BLANKS = re.compile(r"\s+")


def _normalise(name: str) -> str:
    """Fold the ways one name gets written: 全形, 台/臺, spaces, and remarks in parentheses.

    A remark is dropped rather than searched because it usually names a *different* hospital:
    ``高雄市立大同醫院（委託高雄醫學大學附設中和紀念醫院經營）`` is 大同醫院, not 高醫.
    """
    text = _PARENTHESISED.sub("", clean(name))
    return _BLANKS.sub("", text).replace("台", "臺")


def hospital_code(name: str) -> str:
    """The ``HOSP_*`` code for a 指定醫院 name, or ``HEALTH`` when it is not one of the partner hospitals.

    A name matches when it *ends with* a known name, so legal prefixes (``高雄市立``, ``衛生福利部``,
    ``…醫療財團法人``) need no list of their own, while ``林口長庚紀念醫院`` or ``國軍高雄總醫院岡山分院``
    (other hospitals whose names contain ours) do not match.
    """
    text = _normalise(name)
    if not text:
        return UNKNOWN_HOSPITAL
    for alias, code in _BY_ALIAS:
        if text.endswith(alias):
            return code
    return UNKNOWN_HOSPITAL
