"""Whatever bytes arrive, the police adapter returns a ParseResult or refuses: it never crashes."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.base import ParseResult, SubmissionRefused
from adapters.police_csv import ADAPTER
from tests.fixtures.make_police_samples import MIXED_FILE, build_samples

RECEIVED_AT = datetime(2025, 7, 24, 9, 0, tzinfo=ZoneInfo("Asia/Taipei"))
SAMPLE = build_samples()[MIXED_FILE]
# Bytes that matter to CSV and CP950: line ends, separators, quotes, lead/trail bytes, user-defined area.
INTERESTING = st.sampled_from([b"\r", b"\n", b",", b'"', b"\x00", b"\xa4", b"\x40", b"\xfa", b"\xff", b";", b" "])


@st.composite
def mutated_sample(draw: st.DrawFn) -> bytes:
    data = bytearray(SAMPLE)
    for _ in range(draw(st.integers(min_value=1, max_value=8))):
        at = draw(st.integers(min_value=0, max_value=len(data)))
        action = draw(st.sampled_from(["flip", "insert", "delete"]))
        if action == "flip" and at < len(data):
            data[at] = draw(st.integers(min_value=0, max_value=255))
        elif action == "insert":
            data[at:at] = draw(st.one_of(INTERESTING, st.binary(min_size=1, max_size=4)))
        else:
            del data[at : at + draw(st.integers(min_value=1, max_value=40))]
    return bytes(data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.binary(max_size=600), mutated_sample()))
def test_parse_only_returns_a_result_or_refuses(data: bytes) -> None:
    try:
        result = ADAPTER.parse(data, "POLICE", RECEIVED_AT)
    except SubmissionRefused as refused:
        assert refused.code and refused.reason
        return
    assert isinstance(result, ParseResult)
    numbers = sorted([r.record_no for r in result.accepted] + [r.record_no for r in result.rejected])
    assert numbers == list(range(1, len(numbers) + 1)), "every data row is either accepted or rejected, once"
    assert all(r.reason and r.code and r.field for r in result.rejected)
    # The per-row safety net must not be what keeps the parser alive: a caught bug is still a bug.
    assert "INTERNAL_ERROR" not in {r.code for r in result.rejected}
    assert all(raw in data for raw in [r.raw for r in result.accepted] + [r.raw for r in result.rejected])
