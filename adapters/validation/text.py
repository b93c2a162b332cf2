"""Shared text handling for validators: how partner input is cleaned, checked and quoted back.

Every inbound format reads its text fields through :func:`check_characters` (the byte-positioned rosters through
:func:`control_byte_at`), so a character that has no place in a field is refused the same way everywhere:
``INVALID_CHARACTER``, naming the position and the code point, never the character itself. Two kinds of field:

* ``"line"`` — identifiers, references, names, phone numbers, codes, dates: one line of visible text. Refused:
  every control character (C0, DEL, C1), every format character (``Cf``: bidi controls, zero-width characters,
  soft hyphen, BOM), line and paragraph separators, lone surrogates and noncharacters. A tab, CR, LF or space
  *around* the value is not an error: adapters trim it (XML indentation, a spreadsheet's trailing Alt+Enter),
  so it is never stored.
* ``"free"`` — a person's own words (a note, a remark, a reason): may keep tab, CR and LF anywhere, and the
  invisible characters that only join or mark text (ZWJ in an emoji, LRM/RLM). Still refused: the other control
  characters, the bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069 — they reorder what a
  clerk sees after them, beyond the note itself), lone surrogates and noncharacters.
"""

from __future__ import annotations

import unicodedata
from typing import Final, Literal

from adapters.base import FieldError

TextKind = Literal["line", "free"]
INVALID_CHARACTER: Final = "INVALID_CHARACTER"

_QUOTE_LIMIT = 24
_EDGE_BLANKS = " \t\n\r"
"""What adapters trim around a value anyway; any other invisible character is never silently trimmed."""
_FREE_TEXT_CONTROLS = frozenset("\t\n\r")
_BIDI_REORDERING = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_BIDI_MARKS = frozenset("\u061c\u200e\u200f")
_SHOWN_INSTEAD = "\ufffd"

CONTROL: Final = "看不見的控制字元"
_BIDI = "看不見的文字方向控制字元"
_FORMAT = "看不見的格式字元（如零寬空白）"
_LINE_BREAK = "分行字元"
_NOT_UNICODE = "無效的 Unicode 字元"
_WHY: Final = {
    _BIDI: "它會使畫面顯示的文字順序與實際資料不同",
    _NOT_UNICODE: "可能是系統轉碼錯誤",
}
_WHY_DEFAULT = "可能是系統匯出或複製貼上時夾帶"


def clean(text: str) -> str:
    """Fold full-width digits and letters (全形) to ASCII and trim surrounding blanks.

    Clerks often type IDs and dates in full-width form on Chinese input methods; NFKC makes
    ``Ａ１２３`` and ``A123`` the same value without touching CJK characters.
    """
    return unicodedata.normalize("NFKC", text).strip()


def _is_noncharacter(code: int) -> bool:
    return 0xFDD0 <= code <= 0xFDEF or code & 0xFFFE == 0xFFFE


def _what(character: str, kind: TextKind) -> str | None:
    """What ``character`` is, for the reason, if it has no place in a field of this kind; None if it may stay."""
    code = ord(character)
    category = unicodedata.category(character)
    if category == "Cc":
        return None if kind == "free" and character in _FREE_TEXT_CONTROLS else CONTROL
    if category == "Cs" or _is_noncharacter(code):
        return _NOT_UNICODE
    if character in _BIDI_REORDERING or (kind == "line" and character in _BIDI_MARKS):
        return _BIDI
    if kind == "line" and category == "Cf":
        return _FORMAT
    if kind == "line" and category in {"Zl", "Zp"}:
        return _LINE_BREAK
    return None


def _refused(text: str, kind: TextKind) -> list[tuple[int, str, str]]:
    """``(index, character, what)`` for each character refused in ``text``; edge blanks of a line are allowed."""
    if text.isprintable():
        return []  # the common case, at C speed: everything refused below is non-printable
    start = len(text) - len(text.lstrip(_EDGE_BLANKS)) if kind == "line" else 0
    end = len(text.rstrip(_EDGE_BLANKS)) if kind == "line" else len(text)
    found = []
    for index in range(start, end):
        what = _what(text[index], kind)
        if what is not None:
            found.append((index, text[index], what))
    return found


def has_invalid_characters(text: str, kind: TextKind = "line") -> bool:
    return bool(_refused(text, kind))


def invalid_character_reason(position: str, character: str, what: str = CONTROL, count: int = 1) -> str:
    """The detail of an ``INVALID_CHARACTER`` refusal: where, which code point, and what to do.

    ``position`` is e.g. ``第 3 個字元`` or ``第 20 位元組``. The character itself is never shown: it is invisible,
    and a NUL or a bidi override in a reason would garble the receipt and the clerk's screen in turn.
    """
    more = f"（此欄另有 {count - 1} 處）" if count > 1 else ""
    why = _WHY.get(what, _WHY_DEFAULT)
    return f"{position}{more}是{what}（U+{ord(character):04X}），{why}，請刪除該字元後重新傳送。"


def check_characters(text: str, kind: TextKind = "line") -> str:
    """``text`` unchanged if every character may stay in a field of this kind; else ``INVALID_CHARACTER``.

    Call it on the value as received, before trimming or NFKC: positions are counted in it (from 1), and
    ``str.strip`` would silently drop U+001C–U+001F and U+0085, which must be refused instead.
    """
    if text.isprintable():
        return text  # the common case, without a call: every field of every record comes through here
    found = _refused(text, kind)
    if found:
        index, character, what = found[0]
        raise FieldError(
            INVALID_CHARACTER, invalid_character_reason(f"第 {index + 1} 個字元", character, what, len(found))
        )
    return text


def control_byte_at(raw: bytes) -> int | None:
    """The index of the first control byte (0x00–0x1F, 0x7F) in an ASCII or CP950 field, or None.

    In CP950 a trail byte is 0x40–0x7E or 0xA1–0xFE, so these bytes are control characters wherever they stand.
    """
    for index, byte in enumerate(raw):
        if byte < 0x20 or byte == 0x7F:
            return index
    return None


def visible(text: str) -> str:
    """``text`` with every character a line may not hold (edge tabs and line breaks too) shown as U+FFFD.

    Safe to put in a reason: a NUL, a bidi override or a line break there would garble the receipt and the
    clerk's screen in turn.
    """
    if text.isprintable():
        return text
    return "".join(_SHOWN_INSTEAD if _what(character, "line") else character for character in text)


def quote(text: str) -> str:
    """A partner's value as it may appear in a reason: bracketed, cut short, invisible characters shown as U+FFFD.

    Cut short so that a whole row pasted into one cell cannot turn a reason into a data dump.
    Never use this for national IDs: those go through ``mask_national_id``.
    """
    text = visible(text)
    shown = text if len(text) <= _QUOTE_LIMIT else text[:_QUOTE_LIMIT] + "…"
    return f"「{shown}」"
