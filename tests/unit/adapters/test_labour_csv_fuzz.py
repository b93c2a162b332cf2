"""Whatever bytes arrive, the LABOUR adapter returns a ParseResult or refuses: it never crashes.

300 inputs: random bytes; byte-level mutations of the realistic replies (flips, inserted CSV punctuation and
line ends, deletions, truncation); and CSV-structure mutations (a cell replaced, dropped or added, a row
duplicated or dropped, the header shuffled, quoting and line ends varied). Prints how many inputs it ran.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.base import FieldError, ParseResult, SubmissionRefused
from adapters.labour_csv import ADAPTER
from adapters.validation import TAIPEI, make_national_id, validate_national_id

RECEIVED_AT = datetime(2025, 8, 20, 9, 0, tzinfo=TAIPEI)
ROOT = Path(__file__).resolve().parents[3]
SEEDS = [
    (ROOT / "deploy" / "local" / "samples" / "labour_reply.csv").read_bytes(),
    (ROOT / "tests" / "contract" / "labour" / "labour_mixed.csv").read_bytes(),
]
BOM = b"\xef\xbb\xbf"
ID_TOKEN = re.compile(r"(?<![0-9A-Za-z])[A-Za-z][0-9A-Da-d][0-9]{8}(?![0-9A-Za-z])")
INTERESTING_BYTES = [b"\r", b"\n", b"\r\n", b",", b'"', b'""', b"\x00", BOM, b"\xa4\x40", b"\xff", b" ", b";"]
CELLS = [
    "",
    " ",
    '"',
    "a,b",
    "line\r\nbreak",
    "已收案",
    "已推介",
    "已就業",
    "未就業",
    "失聯",
    "已結案",
    "114/08/15",
    "1140230",
    "中華民國114年8月20日",
    "2025-08-15",
    "R-7ebb3c23c3584475a8d6",
    "R-7EBB3C23C3584475A8D6",
    make_national_id("E", "10003333"),
    "轉介編號",
    "\x00",
]


def _rows(seed: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(seed.decode("utf-8-sig"), newline="")))


SEED_ROWS = [_rows(seed) for seed in SEEDS]


@st.composite
def byte_mutation(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        at = draw(st.integers(min_value=0, max_value=len(data)))
        action = draw(st.sampled_from(["flip", "insert", "delete", "truncate"]))
        if action == "flip" and at < len(data):
            data[at] = draw(st.integers(min_value=0, max_value=255))
        elif action == "insert":
            data[at:at] = draw(st.one_of(st.sampled_from(INTERESTING_BYTES), st.binary(min_size=1, max_size=4)))
        elif action == "delete":
            del data[at : at + draw(st.integers(min_value=1, max_value=40))]
        else:
            del data[at:]
    return bytes(data)


@st.composite
def structure_mutation(draw: st.DrawFn) -> bytes:
    rows = [list(row) for row in draw(st.sampled_from(SEED_ROWS))]
    cell = st.one_of(st.sampled_from(CELLS), st.text(max_size=8))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        index = draw(st.integers(min_value=0, max_value=len(rows) - 1))
        row = rows[index]
        action = draw(st.sampled_from(["replace", "drop_cell", "add_cell", "duplicate_row", "drop_row", "shuffle"]))
        if action == "replace" and row:
            row[draw(st.integers(min_value=0, max_value=len(row) - 1))] = draw(cell)
        elif action == "drop_cell" and row:
            del row[draw(st.integers(min_value=0, max_value=len(row) - 1))]
        elif action == "add_cell":
            row.insert(draw(st.integers(min_value=0, max_value=len(row))), draw(cell))
        elif action == "duplicate_row":
            rows.insert(index, list(row))
        elif action == "drop_row" and len(rows) > 1:
            del rows[index]
        else:
            rows[index] = draw(st.permutations(row))
    text = io.StringIO()
    end = draw(st.sampled_from(["\r\n", "\n", "\r"]))
    if draw(st.booleans()):
        csv.writer(text, lineterminator=end, quoting=csv.QUOTE_ALL).writerows(rows)
    else:
        csv.writer(text, lineterminator=end, quoting=csv.QUOTE_MINIMAL).writerows(rows)
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "cp950", "utf-16"]))
    return text.getvalue().encode(encoding, "replace")


def _assert_no_clear_id(reason: str) -> None:
    for token in ID_TOKEN.findall(reason):
        try:
            validate_national_id(token)
        except FieldError:
            continue
        raise AssertionError(f"a national ID is echoed in clear: {reason}")


def check(data: bytes) -> None:
    try:
        result = ADAPTER.parse(data, "LABOUR", RECEIVED_AT)
    except SubmissionRefused as refused:
        assert refused.code and refused.reason
        return
    assert isinstance(result, ParseResult)
    numbers = sorted([r.record_no for r in result.accepted] + [r.record_no for r in result.rejected])
    assert numbers == list(range(1, len(numbers) + 1)), "every data row is either accepted or rejected, once"
    assert all(r.reason and r.code and r.field for r in result.rejected)
    assert "INTERNAL_ERROR" not in {r.code for r in result.rejected}, [r.reason for r in result.rejected]
    assert all(raw in data for raw in [r.raw for r in result.accepted] + [r.raw for r in result.rejected])
    assert result.context in data
    for rejection in result.rejected:
        _assert_no_clear_id(rejection.reason)


def test_parse_only_returns_a_result_or_refuses() -> None:
    count = 0

    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.one_of(st.binary(max_size=400), byte_mutation(), structure_mutation()))
    def fuzz(data: bytes) -> None:
        nonlocal count
        count += 1
        check(data)

    fuzz()
    print(f"\n[fuzz] labour_csv: {count} inputs")
    assert count >= 300
