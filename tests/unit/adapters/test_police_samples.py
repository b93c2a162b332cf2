"""The committed sample exports (deploy/local/samples): up to date, and parsed as their generator says."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from adapters.police_csv import ADAPTER
from tests.fixtures.make_police_samples import CHILD_PROTECTION_FILE, MIXED_FILE, SAMPLES_DIR, build_samples

RECEIVED_AT = datetime(2025, 7, 24, 9, 0, tzinfo=ZoneInfo("Asia/Taipei"))


@pytest.mark.parametrize("name", [CHILD_PROTECTION_FILE, MIXED_FILE])
def test_committed_sample_matches_its_generator(name: str) -> None:
    regenerate = "run: python -m tests.fixtures.make_police_samples"
    assert (SAMPLES_DIR / name).read_bytes() == build_samples()[name], regenerate


@pytest.mark.parametrize("name", [CHILD_PROTECTION_FILE, MIXED_FILE])
def test_samples_are_cp950_with_crlf(name: str) -> None:
    content = build_samples()[name]
    assert content.endswith(b"\r\n")
    assert content.count(b"\n") == content.count(b"\r\n")
    content.decode("cp950")
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")


def test_child_protection_sample_has_three_valid_records() -> None:
    result = ADAPTER.parse(build_samples()[CHILD_PROTECTION_FILE], "POLICE", RECEIVED_AT)
    assert result.rejected == []
    assert [r.record_no for r in result.accepted] == [1, 2, 3]
    assert {r.kind for r in result.accepted} == {"CHILD_PROTECTION"}
    assert all(not r.place.out_of_area for r in result.accepted)
    assert "黃碁峰" in {r.subject.name for r in result.accepted}


def test_mixed_sample_has_one_good_record_per_category_and_two_bad_ones() -> None:
    result = ADAPTER.parse(build_samples()[MIXED_FILE], "POLICE", RECEIVED_AT)
    assert [(r.record_no, r.kind) for r in result.accepted] == [
        (1, "CHILD_PROTECTION"),
        (3, "RECIDIVISM_PREVENTION"),
        (5, "LECTURE"),
    ]
    assert [(r.record_no, r.field, r.code) for r in result.rejected] == [
        (2, "身分證統一編號", "INVALID_CHECKSUM"),
        (4, "出生日期", "INVALID_DATE"),
    ]
