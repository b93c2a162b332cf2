"""The shared text rules (adapters.validation.text): which characters a field may hold, and how a reason says so."""

from __future__ import annotations

import pytest

from adapters.base import FieldError
from adapters.validation.text import (
    check_characters,
    control_byte_at,
    has_invalid_characters,
    invalid_character_reason,
    quote,
    visible,
)

REFUSED_EVERYWHERE = {
    "\x00": "控制字元",  # NUL
    "\x08": "控制字元",  # backspace
    "\x0b": "控制字元",  # vertical tab: blank to str.strip, still refused
    "\x1b": "控制字元",  # ESC: a terminal escape sequence
    "\x1f": "控制字元",  # unit separator: blank to str.strip
    "\x7f": "控制字元",  # DEL
    "\x80": "控制字元",  # C1
    "\x85": "控制字元",  # NEL: blank to str.strip
    "\x9f": "控制字元",
    "\u202a": "文字方向",
    "\u202e": "文字方向",  # RIGHT-TO-LEFT OVERRIDE
    "\u2066": "文字方向",
    "\u2069": "文字方向",
    "\ud800": "無效的 Unicode",  # a lone surrogate, as JSON's "\ud800" decodes
    "\ufdd0": "無效的 Unicode",  # noncharacters
    "\ufffe": "無效的 Unicode",
    "\U0001ffff": "無效的 Unicode",
}
REFUSED_EVERYWHERE[chr(0xDFFF)] = "無效的 Unicode"  # a literal here trips ruff's F601 (it hashes surrogates alike)
REFUSED_IN_A_LINE_ONLY = {
    "\t": "控制字元",
    "\n": "控制字元",
    "\r": "控制字元",
    "\u200b": "格式字元",  # zero-width space: two references that look the same
    "\u200d": "格式字元",
    "\u00ad": "格式字元",  # soft hyphen
    "\ufeff": "格式字元",  # a BOM in mid-text
    "\u200e": "文字方向",  # LRM
    "\u061c": "文字方向",  # ALM
    "\u2028": "分行字元",
    "\u2029": "分行字元",
}
ALLOWED = ["林小雯", "KPD-1140715-0031", "Ａ１２３", "王　美玲", "\ue000造字", "\ufffd", "O'Brien", "蔡\u00a0", "😀"]


def refusal(text: str, kind: str = "line") -> FieldError:
    with pytest.raises(FieldError) as caught:
        check_characters(text, kind)  # type: ignore[arg-type]
    return caught.value


@pytest.mark.parametrize("character", sorted(REFUSED_EVERYWHERE | REFUSED_IN_A_LINE_ONLY))
def test_a_line_refuses_it_naming_position_and_code_point(character: str) -> None:
    error = refusal(f"王{character}明")
    assert error.code == "INVALID_CHARACTER"
    assert error.reason.startswith("第 2 個字元是")
    assert f"U+{ord(character):04X}" in error.reason
    assert {**REFUSED_EVERYWHERE, **REFUSED_IN_A_LINE_ONLY}[character] in error.reason
    assert character not in error.reason


@pytest.mark.parametrize("character", sorted(REFUSED_EVERYWHERE))
def test_free_text_refuses_it_too(character: str) -> None:
    assert refusal(f"第一行\n{character}", "free").reason.startswith("第 5 個字元是")


@pytest.mark.parametrize("character", sorted(REFUSED_IN_A_LINE_ONLY))
def test_free_text_keeps_it(character: str) -> None:
    text = f"第一行{character}第二行"
    assert check_characters(text, "free") is text


@pytest.mark.parametrize("text", ALLOWED)
def test_ordinary_text_passes_unchanged_in_both_kinds(text: str) -> None:
    assert check_characters(text) is text
    assert check_characters(text, "free") is text
    assert not has_invalid_characters(text)
    assert visible(text) == text


@pytest.mark.parametrize("text", ["\t王明", "王明\r\n", " \n王明\t ", "\n"])
def test_a_tab_or_line_break_around_a_line_is_trimmed_by_the_adapter_not_refused(text: str) -> None:
    assert check_characters(text) is text


@pytest.mark.parametrize("text", ["\x1f王明", "王明\x85", "\x0b", "\u2028王明"])
def test_other_blanks_around_a_line_are_refused_not_trimmed(text: str) -> None:
    assert refusal(text).code == "INVALID_CHARACTER"


def test_the_position_counts_the_value_as_received_and_more_are_counted() -> None:
    reason = refusal("  ab\x00c\x00d\u202e").reason
    assert reason.startswith("第 5 個字元（此欄另有 2 處）是看不見的控制字元（U+0000）")


def test_a_bidi_reason_says_why_it_matters() -> None:
    assert "畫面顯示的文字順序與實際資料不同" in refusal("R-1\u202e").reason


def test_quote_and_visible_never_show_an_invisible_character() -> None:
    assert quote("ab\x00c\u202ed\n") == "「ab\ufffdc\ufffdd\ufffd」"
    assert visible("\t鳳山區") == "\ufffd鳳山區"
    assert quote("x" * 30 + "\x00") == "「" + "x" * 24 + "…」"


def test_control_byte_at_finds_c0_and_del_but_not_cp950_trail_bytes() -> None:
    assert control_byte_at("蔡淑惠".encode("cp950") + b"   ") is None
    assert control_byte_at(b"\xa4\x40\x7e") is None  # 0x40 and 0x7e are CP950 trail bytes: part of a character
    assert control_byte_at(b"AB\x00") == 2
    assert control_byte_at(b"\x7f") == 0
    assert control_byte_at(b"A\tB") == 1


def test_the_reason_for_a_byte_names_its_position() -> None:
    assert invalid_character_reason("第 20 位元組", "\x00").startswith("第 20 位元組是看不見的控制字元（U+0000）")
