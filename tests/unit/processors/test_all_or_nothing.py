"""processors/all_or_nothing.py: a transaction with a refused entry — what the partner is told and what is kept."""

from __future__ import annotations

import pytest

from adapters.base import RecordRejection
from processors import all_or_nothing


def rejection(record_no: int, code: str = "UNSUPPORTED_STATUS", reason: str = "狀態有誤。") -> RecordRejection:
    return RecordRejection(record_no, "Task.status", code, f"第 {record_no} 筆{reason}", b"{}")


def test_every_entry_gets_a_row_in_order_the_wrong_ones_with_their_own_reason() -> None:
    refused = all_or_nothing.refuse(b"BODY", [rejection(3), rejection(2, "UNKNOWN_REFERRAL")], [4, 1])
    assert [(row["record"], row["code"]) for row in refused.rows] == [
        (1, all_or_nothing.CODE),
        (2, "UNKNOWN_REFERRAL"),
        (3, "UNSUPPORTED_STATUS"),
        (4, all_or_nothing.CODE),
    ]
    assert "第 2 筆、第 3 筆有誤" in refused.rows[0]["reason"] and "整個 Bundle 都未受理" in refused.rows[0]["reason"]


def test_the_whole_body_is_the_one_dead_letter() -> None:
    refused = all_or_nothing.refuse(b"BODY", [rejection(2)], [1])
    letter = refused.dead_letter
    assert (letter.record_no, letter.field, letter.code, letter.raw) == (0, "Bundle", all_or_nothing.CODE, b"BODY")
    assert "共 2 筆" in letter.reason and "第 2 筆狀態有誤" in letter.reason and "。；" not in letter.reason


def test_the_dead_letter_names_a_few_entries_and_counts_the_rest() -> None:
    many = [rejection(n) for n in range(1, 9)]
    reason = all_or_nothing.refuse(b"", many, []).dead_letter.reason
    assert "第 5 筆" in reason and "第 6 筆" not in reason and "另有 3 筆有誤" in reason


def test_no_national_id_reaches_a_reason() -> None:
    refused = all_or_nothing.refuse(b"", [rejection(1, reason="身分證 A123456789 有誤。")], [2])
    assert "A123456789" not in refused.dead_letter.reason
    assert all("A123456789" not in row["reason"] for row in refused.rows)


def test_nothing_refused_is_no_refusal() -> None:
    with pytest.raises(ValueError):
        all_or_nothing.refuse(b"", [], [1, 2])
