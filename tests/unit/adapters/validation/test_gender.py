from __future__ import annotations

import pytest

from adapters.base import FieldError
from adapters.validation import parse_gender


@pytest.mark.parametrize(
    ("text", "scheme", "expected"),
    [
        ("男", "zh", "M"), ("女", "zh", "F"), (" 女 ", "zh", "F"),
        ("M", "letter", "M"), ("F", "letter", "F"), ("f", "letter", "F"),
        ("1", "digit", "M"), ("2", "digit", "F"), ("２", "digit", "F"),
    ],
)  # fmt: skip
def test_each_scheme(text: str, scheme: str, expected: str) -> None:
    assert parse_gender(text, scheme) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "scheme"),
    [
        ("1", "zh"),
        ("M", "zh"),
        ("男性", "zh"),
        ("男", "letter"),
        ("1", "letter"),
        ("M", "digit"),
        ("3", "digit"),
        ("0", "digit"),
    ],
)
def test_a_value_from_another_scheme_is_invalid(text: str, scheme: str) -> None:
    with pytest.raises(FieldError) as caught:
        parse_gender(text, scheme)  # type: ignore[arg-type]
    assert caught.value.code == "INVALID_GENDER"


def test_reason_names_the_expected_values() -> None:
    with pytest.raises(FieldError) as caught:
        parse_gender("X", "digit")
    assert "「1」" in caught.value.reason
    assert "「2」" in caught.value.reason


def test_empty_is_missing() -> None:
    with pytest.raises(FieldError) as caught:
        parse_gender(" ", "zh")
    assert caught.value.code == "MISSING_VALUE"
