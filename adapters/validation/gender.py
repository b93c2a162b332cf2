"""Sex as partners write it (性別): ``男``/``女``, ``M``/``F`` or ``1``/``2`` (1 = male, 2 = female)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final, Literal

from adapters.base import FieldError, Gender
from adapters.validation.text import clean, quote

GenderScheme = Literal["zh", "letter", "digit"]

_SCHEMES: Final[Mapping[str, Mapping[str, Gender]]] = MappingProxyType(
    {
        "zh": MappingProxyType({"男": "M", "女": "F"}),
        "letter": MappingProxyType({"M": "M", "F": "F"}),
        "digit": MappingProxyType({"1": "M", "2": "F"}),
    }
)
_HINTS: Final[Mapping[str, str]] = MappingProxyType(
    {"zh": "「男」或「女」", "letter": "「M」（男）或「F」（女）", "digit": "「1」（男）或「2」（女）"}
)


def parse_gender(text: str, scheme: GenderScheme) -> Gender:
    """Read 性別 in the partner's scheme; raises ``MISSING_VALUE`` (empty) or ``INVALID_GENDER``.

    Each format has one scheme: a ``1`` in a ``男``/``女`` column is an error, not a guess.
    """
    codes = _SCHEMES[scheme]
    value = clean(text).upper()
    if not value:
        raise FieldError("MISSING_VALUE", f"性別未填寫，請填寫{_HINTS[scheme]}。")
    if value not in codes:
        raise FieldError("INVALID_GENDER", f"{quote(value)}不是有效的性別，請填寫{_HINTS[scheme]}。")
    return codes[value]
