from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.base import FieldError
from adapters.validation import make_national_id, mask_national_id, validate_national_id

# Check digits worked by hand from the official rule, independent of the code under test.
HAND_CHECKED_VALID = [
    "A123456789",  # the textbook 身分證統一編號
    "I100000003",  # I = 34: the letter codes are not alphabetical
    "A800000014",  # new-form resident UI number (8 = male)
    "AA00000009",  # old-form UI number: second letter A = 10 contributes its last digit 0
    "AC00000003",  # old-form UI number: second letter C = 12 contributes 2 × 8
]
WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 1, 1)
"""Checksum weights of positions 1–9 (after the first letter)."""


@pytest.mark.parametrize("national_id", HAND_CHECKED_VALID)
def test_accepts_valid_ids(national_id: str) -> None:
    assert validate_national_id(national_id) == national_id


def test_normalises_case_blanks_and_full_width() -> None:
    assert validate_national_id("  a123456789 ") == "A123456789"
    assert validate_national_id("Ａ１２３４５６７８９") == "A123456789"


@pytest.mark.parametrize(
    "text",
    [
        "A323456789",  # 3 is no sex digit
        "A12345678",
        "A1234567890",
        "1234567890",
        "AE12345678",  # old-form second letter is A–D
        "A12345678X",
        "A1234 56789",
    ],
)
def test_rejects_malformed_ids(text: str) -> None:
    with pytest.raises(FieldError) as caught:
        validate_national_id(text)
    assert caught.value.code == "INVALID_FORMAT"


@pytest.mark.parametrize("text", ["A123456788", "A800000015", "AA00000008", "AC00000009", "I100000004"])
def test_rejects_wrong_check_digit(text: str) -> None:
    with pytest.raises(FieldError) as caught:
        validate_national_id(text)
    assert caught.value.code == "INVALID_CHECKSUM"
    assert text not in caught.value.reason
    assert mask_national_id(text) in caught.value.reason


@pytest.mark.parametrize("text", ["", "   "])
def test_empty_is_missing(text: str) -> None:
    with pytest.raises(FieldError) as caught:
        validate_national_id(text)
    assert caught.value.code == "MISSING_VALUE"


def test_checksum_misses_some_single_digit_errors() -> None:
    # The official rule weighs position 3 by 6: a change of 5 there (3 → 8) keeps the total's last digit.
    assert validate_national_id("A128456789") == "A128456789"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("A123456789", "A12****789"),
        ("a123456789", "A12****789"),
        ("A12", "***"),
        ("", ""),
        ("ABCDEFG", "A*****G"),
    ],
)
def test_masks(text: str, masked: str) -> None:
    assert mask_national_id(text) == masked


def test_make_national_id_builds_the_hand_checked_examples() -> None:
    assert make_national_id("A", "12345678") == "A123456789"
    assert make_national_id("A", "80000001") == "A800000014"
    assert make_national_id("AC", "0000000") == "AC00000003"


@pytest.mark.parametrize(
    ("prefix", "digits"), [("A", "1234567"), ("1", "12345678"), ("AE", "1234567"), ("A", "3234567")]
)
def test_make_national_id_refuses_impossible_bodies(prefix: str, digits: str) -> None:
    with pytest.raises(ValueError):
        make_national_id(prefix, digits)


letters = st.sampled_from(string.ascii_uppercase)
digit_form_bodies = st.tuples(letters, st.sampled_from("1289"), st.text("0123456789", min_size=7, max_size=7)).map(
    lambda parts: (parts[0], parts[1] + parts[2])
)
old_form_bodies = st.tuples(letters, st.sampled_from("ABCD"), st.text("0123456789", min_size=7, max_size=7)).map(
    lambda parts: (parts[0] + parts[1], parts[2])
)
any_id = st.one_of(digit_form_bodies, old_form_bodies).map(lambda body: make_national_id(*body))


@given(any_id)
def test_made_ids_always_validate(national_id: str) -> None:
    assert validate_national_id(national_id) == national_id


@given(
    national_id=any_id,
    position=st.integers(min_value=1, max_value=9),
    new_digit=st.sampled_from("0123456789"),
)
def test_single_digit_change_fails_exactly_when_the_weighted_change_shows(
    national_id: str, position: int, new_digit: str
) -> None:
    old_digit = national_id[position]
    if not old_digit.isdigit() or old_digit == new_digit or (position == 1 and new_digit not in "1289"):
        return  # not a single-digit change that keeps the form
    changed = national_id[:position] + new_digit + national_id[position + 1 :]
    detectable = (WEIGHTS[position - 1] * (int(new_digit) - int(old_digit))) % 10 != 0
    if detectable:
        with pytest.raises(FieldError) as caught:
            validate_national_id(changed)
        assert caught.value.code == "INVALID_CHECKSUM"
        assert changed not in caught.value.reason
    else:
        assert validate_national_id(changed) == changed


@given(national_id=any_id, position=st.sampled_from([2, 6, 8, 9]), shift=st.integers(min_value=1, max_value=9))
def test_single_digit_change_at_odd_weights_always_fails(national_id: str, position: int, shift: int) -> None:
    # Weights 7, 3, 1 and the check digit's 1 are coprime with 10: every change there is caught.
    if not national_id[position].isdigit():
        return
    changed_digit = str((int(national_id[position]) + shift) % 10)
    changed = national_id[:position] + changed_digit + national_id[position + 1 :]
    with pytest.raises(FieldError) as caught:
        validate_national_id(changed)
    assert caught.value.code == "INVALID_CHECKSUM"


@given(st.text(alphabet=st.characters(blacklist_characters="*"), max_size=40))
def test_mask_never_reveals_more_than_six_characters(text: str) -> None:
    masked = mask_national_id(text)
    revealed = len(masked) - masked.count("*")
    assert revealed <= 6
    if masked:
        assert masked.count("*") >= min(4, len(masked))


@given(any_id)
def test_mask_of_a_valid_id_keeps_first_and_last_three(national_id: str) -> None:
    assert mask_national_id(national_id) == national_id[:3] + "****" + national_id[-3:]


def test_ids_in_finds_every_valid_id_in_a_partners_bytes_whatever_the_encoding() -> None:
    from adapters.validation.national_id import ids_in

    first, second = make_national_id("A", "12345678"), make_national_id("E", "20009876")
    line = f"KPD-1,兒少保護,王小明,{first},0912345678,{second[:-1]}0,X12"
    assert ids_in(line.encode("cp950")) == [first]
    assert ids_in(f"{first}、{second}".encode()) == sorted([first, second])
    assert ids_in("Ａ１２３４５６７８９".encode()) == [first]
    assert ids_in(b"\xff\xfe not text") == []
