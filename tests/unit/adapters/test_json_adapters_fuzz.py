"""Whatever bytes arrive, each JSON adapter returns a ParseResult or refuses: it never crashes.

One test per parser (status, SOCIAL, JUV_COURT, BUREAU, PUBLIC, FHIR Task), each fed 300 inputs drawn from:
random bytes; byte-level mutations of the partner's realistic samples (flips, inserted JSON punctuation,
deletions, truncation); and JSON-structure mutations of the same samples (a value of the wrong type, null, a
missing key, an unknown key, a duplicated array item, a spelling from another message). Each test prints how
many inputs it ran (``pytest -s``).
"""

from __future__ import annotations

import copy
import dataclasses
import json
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters import bureau_json, fhir_task, juvenile_court_json, public_json, social_json, status_json
from adapters.base import FieldError, InboundAdapter, ParseResult, SubmissionRefused
from adapters.validation import TAIPEI, make_national_id, validate_national_id

RECEIVED_AT = datetime(2025, 7, 24, 9, 0, tzinfo=TAIPEI)
ROOT = Path(__file__).resolve().parents[3]
SAMPLES = ROOT / "deploy" / "local" / "samples"
CONTRACT = ROOT / "tests" / "contract"
ID_TOKEN = re.compile(r"(?<![0-9A-Za-z])[A-Za-z][0-9A-Da-d][0-9]{8}(?![0-9A-Za-z])")
INTERESTING_BYTES = [b"{", b"}", b"[", b"]", b",", b":", b'"', b"\\", b"\\u", b"\x00", b"\xef\xbb\xbf", b"\xff", b" "]
INTERESTING_VALUES: list[Any] = [
    "",
    " ",
    "\ud800",
    make_national_id("E", "20000013"),
    "E200000130",
    "R-5cb315ef59a2fd871653",
    "S-3f9a0c1e5b7d2a4c6e8f0b1d",
    "2025-07-16T09:00:00",
    "2025-02-30T09:00:00+08:00",
    "2025-07-16",
    "114/07/16",
    "REJECTED",
    "rejected",
    "on-hold",
    "Task",
    "Bundle",
    "batch",
    "urn:refhub:referral",
    10**30,
    -1,
    0,
    1.5,
    True,
    None,
]


def _strings(value: Any) -> Iterator[Any]:
    """Every key and scalar in a JSON value: the vocabulary mutations borrow from."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    else:
        yield value


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*prefix, index))


class Fuzzer:
    """The strategies for one parser, built from its realistic samples."""

    def __init__(self, seeds: list[bytes]) -> None:
        self.seeds = seeds
        documents = [json.loads(seed.decode("utf-8-sig")) for seed in seeds]
        self.documents = documents
        vocabulary = [v for document in documents for v in _strings(document) if v is None or isinstance(v, str | int)]
        self.vocabulary = sorted({json.dumps(v) for v in vocabulary + INTERESTING_VALUES})
        self.keys = sorted({v for document in documents for v in _strings(document) if isinstance(v, str)})

    def weird_value(self) -> st.SearchStrategy[Any]:
        return st.one_of(
            st.sampled_from(self.vocabulary).map(json.loads),
            st.none(),
            st.booleans(),
            st.integers(min_value=-(2**66), max_value=2**66),
            st.floats(allow_nan=False, allow_infinity=False),
            st.text(max_size=12),
            st.lists(st.sampled_from(self.vocabulary).map(json.loads), max_size=3),
            st.dictionaries(st.sampled_from(self.keys), st.sampled_from(self.vocabulary).map(json.loads), max_size=3),
        )

    def byte_mutation(self) -> st.SearchStrategy[bytes]:
        @st.composite
        def mutate(draw: st.DrawFn) -> bytes:
            data = bytearray(draw(st.sampled_from(self.seeds)))
            for _ in range(draw(st.integers(min_value=1, max_value=6))):
                at = draw(st.integers(min_value=0, max_value=len(data)))
                action = draw(st.sampled_from(["flip", "insert", "delete", "truncate"]))
                if action == "flip" and at < len(data):
                    data[at] = draw(st.integers(min_value=0, max_value=255))
                elif action == "insert":
                    data[at:at] = draw(st.one_of(st.sampled_from(INTERESTING_BYTES), st.binary(min_size=1, max_size=4)))
                elif action == "delete":
                    del data[at : at + draw(st.integers(min_value=1, max_value=30))]
                else:
                    del data[at:]
            return bytes(data)

        return mutate()

    def structure_mutation(self) -> st.SearchStrategy[bytes]:
        @st.composite
        def mutate(draw: st.DrawFn) -> bytes:
            document = copy.deepcopy(draw(st.sampled_from(self.documents)))
            for _ in range(draw(st.integers(min_value=1, max_value=4))):
                document = self._mutate_once(draw, document)
            text = json.dumps(document, ensure_ascii=draw(st.booleans()))
            return text.encode("utf-8", "surrogatepass")  # a lone surrogate unescaped is invalid UTF-8: fine

        return mutate()

    def _mutate_once(self, draw: st.DrawFn, document: Any) -> Any:
        path = draw(st.sampled_from(list(_paths(document))))
        action = draw(st.sampled_from(["replace", "delete", "add", "duplicate"]))
        if not path:
            return draw(self.weird_value()) if action == "replace" else [document, document]
        parent = document
        for step in path[:-1]:
            parent = parent[step]
        node, last = parent[path[-1]], path[-1]
        if action == "replace":
            parent[last] = draw(self.weird_value())
        elif action == "delete":
            del parent[last]
        elif action == "add" and isinstance(node, dict):
            node[draw(st.sampled_from(self.keys))] = draw(self.weird_value())
        elif action == "duplicate" and isinstance(node, list) and node:
            node.append(copy.deepcopy(node[draw(st.integers(min_value=0, max_value=len(node) - 1))]))
        else:
            parent[last] = None
        return document

    def inputs(self) -> st.SearchStrategy[bytes]:
        return st.one_of(st.binary(max_size=400), self.byte_mutation(), self.structure_mutation())


def _strings_of(record: Any) -> Iterator[str]:
    for field in dataclasses.fields(record):
        value = getattr(record, field.name)
        if dataclasses.is_dataclass(value):
            yield from _strings_of(value)
        elif isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            yield from (text for pair in value.items() for text in pair)


def _assert_no_clear_id(reason: str) -> None:
    for token in ID_TOKEN.findall(reason):
        try:
            validate_national_id(token)
        except FieldError:
            continue
        raise AssertionError(f"a national ID is echoed in clear: {reason}")


def check(adapter: InboundAdapter, partner: str, data: bytes) -> None:
    try:
        result = adapter.parse(data, partner, RECEIVED_AT)
    except SubmissionRefused as refused:
        assert refused.code and refused.reason
        _assert_no_clear_id(refused.reason)
        return
    assert isinstance(result, ParseResult)
    numbers = sorted([r.record_no for r in result.accepted] + [r.record_no for r in result.rejected])
    assert numbers == list(range(1, len(numbers) + 1)), "every record is either accepted or rejected, once"
    assert all(r.reason and r.code and r.field for r in result.rejected)
    # The per-record safety net must not be what keeps the parser alive: a caught bug is still a bug.
    assert "INTERNAL_ERROR" not in {r.code for r in result.rejected}, [r.reason for r in result.rejected]
    assert all(raw in data for raw in [r.raw for r in result.accepted] + [r.raw for r in result.rejected])
    for rejection in result.rejected:
        _assert_no_clear_id(rejection.reason)
    for record in result.accepted:
        for text in _strings_of(record):
            text.encode("utf-8")  # no lone surrogate gets past the edge to the encryption


def run_fuzz(adapter: InboundAdapter, partner: str, seeds: list[bytes]) -> int:
    fuzzer = Fuzzer(seeds)
    count = 0

    @settings(
        max_examples=300,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(fuzzer.inputs())
    def fuzz(data: bytes) -> None:
        nonlocal count
        count += 1
        check(adapter, partner, data)

    fuzz()
    return count


def report(name: str, count: int) -> None:
    print(f"\n[fuzz] {name}: {count} inputs")
    assert count >= 300


def test_status_json_survives_fuzzing() -> None:
    seeds = [(CONTRACT / "status" / "status_ngo_updates.json").read_bytes()]
    report("status_json", run_fuzz(status_json.ADAPTER, "NGO_MOEN", seeds))


def test_social_json_survives_fuzzing() -> None:
    seeds = [
        (SAMPLES / "social_youth_notice.json").read_bytes(),
        (CONTRACT / "social" / "social_adult_and_dispatch.json").read_bytes(),
    ]
    report("social_json", run_fuzz(social_json.ADAPTER, "SOCIAL", seeds))


def test_juvenile_court_json_survives_fuzzing() -> None:
    seeds = [
        (SAMPLES / "juvenile_court_erasure.json").read_bytes(),
        (CONTRACT / "juvenile_court" / "juvenile_court_service_program.json").read_bytes(),
    ]
    report("juvenile_court_json", run_fuzz(juvenile_court_json.ADAPTER, "JUV_COURT", seeds))


def test_bureau_json_survives_fuzzing() -> None:
    seeds = [
        (SAMPLES / "bureau_service_referral.json").read_bytes(),
        (CONTRACT / "bureau" / "bureau_follow_up.json").read_bytes(),
    ]
    report("bureau_json", run_fuzz(bureau_json.ADAPTER, "BUREAU", seeds))


def test_public_json_survives_fuzzing() -> None:
    seeds = [
        (SAMPLES / "public_self_referral.json").read_bytes(),
        (CONTRACT / "public" / "public_batch.json").read_bytes(),
    ]
    report("public_json", run_fuzz(public_json.ADAPTER, "PUBLIC", seeds))


def test_fhir_task_survives_fuzzing() -> None:
    seeds = [
        (SAMPLES / "hospital_task.json").read_bytes(),
        (CONTRACT / "fhir" / "fhir_single_rejected.json").read_bytes(),
        (CONTRACT / "fhir" / "fhir_mixed_bundle.json").read_bytes(),
    ]
    report("fhir_task", run_fuzz(fhir_task.ADAPTER, "HOSP_KSPH", seeds))


def test_the_checks_can_fail() -> None:
    """The oracle is not vacuous: a national ID in clear in a reason is caught."""
    try:
        _assert_no_clear_id(f"第 1 筆的「x」有誤：{make_national_id('E', '20000013')}。")
    except AssertionError:
        return
    raise AssertionError("a clear national ID went unnoticed")
