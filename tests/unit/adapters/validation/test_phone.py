from __future__ import annotations

import pytest

from adapters.base import FieldError
from adapters.validation import normalise_phone


@pytest.mark.parametrize(
    "text",
    [
        "0912345678",
        "0912-345-678",
        "0912 345 678",
        "+886 912 345 678",
        "+886-912345678",
        "+886 (0)912 345678",
        "０９１２３４５６７８",
    ],
)
def test_mobile_numbers(text: str) -> None:
    assert normalise_phone(text) == "0912345678"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("07-1234567", "07-1234567"),
        ("(07)1234567", "07-1234567"),
        ("071234567", "07-1234567"),
        ("07 123 4567", "07-1234567"),
        ("+886 7 123 4567", "07-1234567"),
        ("02-23456789", "02-23456789"),
        ("04-22345678", "04-22345678"),
        ("04-7123456", "04-7123456"),
        ("037-123456", "037-123456"),
        ("049-2123456", "049-2123456"),
        ("082-312345", "082-312345"),
        ("0826-12345", "0826-12345"),
        ("0836-22345", "0836-22345"),
        ("089-123456", "089-123456"),
        ("08-7123456", "08-7123456"),
    ],
)
def test_landlines_keep_their_area_code(text: str, expected: str) -> None:
    assert normalise_phone(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "12345678",
        "0912345",
        "09123456789",
        "07-12345",
        "07-12345678",
        "02-1234567",
        "0812345678",
        "07-1234567#12",
        "phone",
        "+1 415 555 0100",
        "+886",
    ],
)
def test_invalid_numbers(text: str) -> None:
    with pytest.raises(FieldError) as caught:
        normalise_phone(text)
    assert caught.value.code == "INVALID_PHONE"
    assert "07-1234567" in caught.value.reason


def test_empty_is_missing() -> None:
    with pytest.raises(FieldError) as caught:
        normalise_phone("  ")
    assert caught.value.code == "MISSING_VALUE"
