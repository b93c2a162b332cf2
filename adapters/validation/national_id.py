"""National ID (身分證統一編號) and resident-certificate UI numbers (居留證統一證號), with their checksums.

Three forms are in use, all 10 characters:

* 身分證統一編號: letter + ``1``/``2`` (sex) + 8 digits, e.g. ``A123456789``;
* new-form UI number (新式統一證號, since 2021): letter + ``8``/``9`` + 8 digits — same checksum rule;
* old-form UI number (舊式統一證號): two letters + 8 digits; the second letter (``A``–``D``) counts with
  the last digit of its letter code.

Checksum: the first letter's code (A=10 … with the historical out-of-order I=34, O=35, W=32, …) contributes
its tens digit ×1 and its units digit ×9; the next eight positions count ×8 … ×1; the check digit ×1; the
total must be divisible by 10.
"""

from __future__ import annotations

import re

from adapters.base import FieldError
from adapters.validation.text import clean

LETTER_CODES: dict[str, int] = {
    "A": 10, "B": 11, "C": 12, "D": 13, "E": 14, "F": 15, "G": 16, "H": 17, "I": 34,
    "J": 18, "K": 19, "L": 20, "M": 21, "N": 22, "O": 35, "P": 23, "Q": 24, "R": 25,
    "S": 26, "T": 27, "U": 28, "V": 29, "W": 32, "X": 30, "Y": 31, "Z": 33,
}  # fmt: skip

# The sex digit: 1/2 on the national ID card, 8/9 on new-form resident certificates.
_DIGIT_FORM = re.compile(r"[A-Z][1289][0-9]{8}")
_OLD_UI_FORM = re.compile(r"[A-Z][A-D][0-9]{8}")
_BODY = re.compile(r"[A-Z][1289][0-9]{7}|[A-Z][A-D][0-9]{7}")

_SHOWN_EACH_SIDE = 3
_MIN_HIDDEN = 4
_MAX_STARS = 10


def mask_national_id(text: str) -> str:
    """Mask an ID for use in messages (遮罩): ``A123456789`` → ``A12****789``.

    Keeps at most 3 characters at each end and always hides at least 4, so even a short or malformed
    value is never shown whole.
    """
    value = clean(text).upper()
    shown = min(_SHOWN_EACH_SIDE, max(0, (len(value) - _MIN_HIDDEN) // 2))
    stars = "*" * min(len(value) - 2 * shown, _MAX_STARS)
    return value[:shown] + stars + value[len(value) - shown :]


def _check_digit(body: str) -> int:
    """The check digit (檢查碼) for the first nine characters of an ID."""
    first = LETTER_CODES[body[0]]
    second = body[1]
    second_value = LETTER_CODES[second] % 10 if second.isalpha() else int(second)
    total = first // 10 + (first % 10) * 9 + second_value * 8
    total += sum(int(digit) * weight for digit, weight in zip(body[2:9], range(7, 0, -1), strict=True))
    return (10 - total % 10) % 10


def validate_national_id(text: str) -> str:
    """Validate a 身分證統一編號 or 居留證統一證號 and return it normalised (trimmed, upper case, half-width).

    Raises ``FieldError`` with ``MISSING_VALUE``, ``INVALID_FORMAT`` or ``INVALID_CHECKSUM``; reasons show
    only the masked ID.
    """
    value = clean(text).upper()
    if not value:
        raise FieldError("MISSING_VALUE", "證號未填寫，此欄為必填，請補填後重新傳送。")
    if not (_DIGIT_FORM.fullmatch(value) or _OLD_UI_FORM.fullmatch(value)):
        raise FieldError(
            "INVALID_FORMAT",
            f"「{mask_national_id(value)}」不符證號格式，應為 1 個英文字母加 9 位數字（如 A123456789），"
            "或居留證統一證號（英文字母加 8、9 開頭的 9 位數字，或 2 個英文字母加 8 位數字）。",
        )
    if _check_digit(value[:9]) != int(value[9]):
        raise FieldError(
            "INVALID_CHECKSUM",
            f"「{mask_national_id(value)}」的檢查碼不符，請核對證號是否抄寫錯誤。",
        )
    return value


def make_national_id(prefix: str, digits8: str) -> str:
    """Build a checksum-valid ID from its first nine characters (for tests and sample files).

    ``prefix`` is the leading letter(s); ``digits8`` the digits that follow, without the check digit:
    8 of them after one letter (``make_national_id("A", "12345678")`` → ``A123456789``), 7 after the two
    letters of an old-form UI number (``make_national_id("AB", "1234567")``).
    """
    body = (prefix + digits8).upper()
    if not _BODY.fullmatch(body):
        raise ValueError(f"{prefix!r} + {digits8!r} is not the first nine characters of a Taiwanese ID")
    return body + str(_check_digit(body))


# Anything shaped like a 身分證統一編號 or 統一證號, half- or full-width: a clerk who typed an ID into the wrong
# field must not get it echoed back in clear (reasons reach the dead-letter topic and the partner's receipt).
# Only whole tokens: a hex referral id (R-…a123456789…) must stay readable in the reason that quotes it.
_ALNUM = "0-9A-Za-z０-９Ａ-Ｚａ-ｚ"
ID_SHAPED = re.compile(rf"(?<![{_ALNUM}])[A-Za-zＡ-Ｚａ-ｚ][0-9０-９A-Da-dＡ-Ｄａ-ｄ][0-9０-９]{{8}}(?![{_ALNUM}])")


def mask_ids(text: str) -> str:
    """Mask every ID-shaped run in a reason (``A12****789``), wherever the partner put the ID."""
    return ID_SHAPED.sub(lambda match: mask_national_id(match[0]), text)


def ids_in(raw: bytes) -> list[str]:
    """Every checksum-valid ID in a partner's bytes, normalised, wherever it stands: a refused record still names
    its person, and a court's erasure order for them must find its dead letter. Partners write UTF-8 or CP950
    (Big5); an ID in either (half- or full-width) is found, and bytes that are neither are skipped."""
    found: set[str] = set()
    for encoding in ("utf-8", "cp950"):
        text = raw.decode(encoding, errors="ignore")
        for match in ID_SHAPED.finditer(text):
            try:
                found.add(validate_national_id(match[0]))
            except FieldError:
                continue
    return sorted(found)
