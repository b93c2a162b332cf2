"""Taiwanese phone numbers (聯絡電話): mobile (手機) and landline (市話) with area code (區碼).

Normalised forms: mobile as 10 digits ``0912345678``; landline as ``區碼-號碼`` (``07-1234567``), so the
area code stays readable. Spaces, dashes, dots, parentheses and a ``+886`` country code are accepted on input.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from adapters.base import FieldError
from adapters.validation.text import clean, quote

# Area code → allowed subscriber-number lengths. Longer codes are carved out of shorter ones (037 苗栗
# out of 03, 049 南投 out of 04, 082 金門 / 0826 烏坵 / 0836 馬祖 / 089 臺東 out of 08): longest match wins.
AREA_CODES: Final[Mapping[str, tuple[int, ...]]] = MappingProxyType(
    {
        "02": (8,),
        "03": (7,),
        "037": (6,),
        "04": (7, 8),
        "049": (7,),
        "05": (7,),
        "06": (7,),
        "07": (7,),
        "08": (7,),
        "082": (6,),
        "0826": (5,),
        "0836": (5,),
        "089": (6,),
    }
)
_LONGEST_FIRST: Final[tuple[str, ...]] = tuple(sorted(AREA_CODES, key=len, reverse=True))
_SEPARATORS = re.compile(r"[\s\-.()]")
_MOBILE = re.compile(r"09[0-9]{8}")
_COUNTRY_CODE = "+886"


def _national_digits(value: str) -> str | None:
    """The number as dialled inside Taiwan (leading 0), or None if it holds anything but digits."""
    digits = _SEPARATORS.sub("", value)
    if digits.startswith(_COUNTRY_CODE):
        # "+886 (0)7 …" is a common way of writing it; the trunk 0 must not be doubled.
        digits = "0" + digits.removeprefix(_COUNTRY_CODE).removeprefix("0")
    return digits if digits.isascii() and digits.isdigit() else None


def normalise_phone(text: str) -> str:
    """Validate and normalise a 聯絡電話; raises ``MISSING_VALUE`` (empty) or ``INVALID_PHONE``.

    Whether an empty phone is acceptable is the caller's decision: check for empty before calling.
    """
    value = clean(text)
    if not value:
        raise FieldError("MISSING_VALUE", "電話未填寫，請填寫手機或含區碼的市話號碼。")
    digits = _national_digits(value)
    if digits is not None:
        if _MOBILE.fullmatch(digits):
            return digits
        for area in _LONGEST_FIRST:
            subscriber = digits.removeprefix(area)
            if digits.startswith(area) and len(subscriber) in AREA_CODES[area]:
                return f"{area}-{subscriber}"
    raise FieldError(
        "INVALID_PHONE",
        f"{quote(value)}不是有效的電話號碼，請填寫手機（如 0912345678）或含區碼的市話（如 07-1234567）。",
    )
