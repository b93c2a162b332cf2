"""ROSTER_FIXED_WIDTH: release rosters (CP950, byte positions) → referrals; refusals; 造字; round trip; fuzz."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.base import InboundReferral, ParseResult, RecordRejection, SubmissionRefused
from adapters.roster_fixed_width import (
    ADAPTER,
    BIRTH_DATE,
    FACILITY,
    GENDER,
    INMATE_NO,
    LINE_WIDTH,
    NAME,
    NATIONAL_ID,
    NEEDS,
    NEEDS_FLAGS,
    PARTNER_FACILITIES,
    PHONE,
    POSTAL_CODE,
    PREGNANT,
    RELEASE_DATE,
    RELEASE_TYPE,
    Field,
    RosterAdapter,
    RosterDetail,
    decode_name,
    format_detail_line,
    format_roster,
)
from adapters.validation import KAOHSIUNG_DISTRICTS, make_national_id, resolve_place
from adapters.validation.national_id import LETTER_CODES

TAIPEI = ZoneInfo("Asia/Taipei")
RECEIVED_AT = datetime(2025, 7, 20, 9, 0, tzinfo=TAIPEI)
ROSTER_DATE = date(2025, 7, 18)
SUBJECT_ID = make_national_id("E", "20000871")
SAMPLE = Path(__file__).resolve().parents[3] / "deploy" / "local" / "samples" / "prison_kswp_roster.txt"
EUDC = b"\x87\x40"  # a user-defined character (造字) in CP950's 0x8140-0xA0FE area: no Unicode mapping


def detail(**overrides: object) -> RosterDetail:
    values: dict[str, object] = {
        "inmate_no": "11400871",
        "name": "蔡淑惠",
        "national_id": SUBJECT_ID,
        "birth_date": date(1994, 3, 8),
        "gender": "F",
        "expected_release_date": date(2025, 9, 15),
        "release_type": "2",
        "pregnant": True,
        "needs": frozenset({"medical", "family"}),
        "postal_code": "830",
        "phone": "0912871871",
    }
    values.update(overrides)
    return RosterDetail(**values)  # type: ignore[arg-type]


def roster(*details: RosterDetail, facility: str = "KSWP", roster_date: date = ROSTER_DATE) -> bytes:
    return format_roster(facility, roster_date, details or (detail(),))


def lines_of(body: bytes) -> list[bytes]:
    return body.split(b"\r\n")[:-1]


def join(lines: list[bytes], end: bytes = b"\r\n") -> bytes:
    return b"".join(line + end for line in lines)


def with_field(line: bytes, field: Field, value: bytes) -> bytes:
    """The line with one field's bytes replaced (padded with spaces to the field's width)."""
    return line[: field.first - 1] + value.ljust(field.width, b" ") + line[field.last :]


def one_line(line: bytes, facility: str = "KSWP") -> bytes:
    """A roster holding exactly this detail line, whatever its bytes."""
    return join([f"H{facility}1140718".encode(), line, b"T000001"])


def valid_line() -> bytes:
    return format_detail_line("KSWP", detail())


def parse(body: bytes, partner: str = "PRISON_KSWP", received_at: datetime = RECEIVED_AT) -> ParseResult:
    return ADAPTER.parse(body, partner, received_at)


def only_accepted(body: bytes, partner: str = "PRISON_KSWP", received_at: datetime = RECEIVED_AT) -> InboundReferral:
    result = parse(body, partner, received_at)
    assert result.rejected == []
    assert len(result.accepted) == 1
    referral = result.accepted[0]
    assert isinstance(referral, InboundReferral)
    return referral


def only_rejection(body: bytes) -> RecordRejection:
    result = parse(body)
    assert result.accepted == []
    assert len(result.rejected) == 1
    return result.rejected[0]


def refusal(body: bytes, partner: str = "PRISON_KSWP") -> SubmissionRefused:
    with pytest.raises(SubmissionRefused) as caught:
        parse(body, partner)
    return caught.value


# --- a good roster ------------------------------------------------------------------------------------------


def test_adapter_declares_its_format_and_media_type() -> None:
    assert isinstance(ADAPTER, RosterAdapter)
    assert ADAPTER.format == "ROSTER_FIXED_WIDTH"
    assert ADAPTER.content_types == frozenset({"text/plain"})


def test_a_detail_becomes_a_pre_release_referral() -> None:
    body = roster()
    referral = only_accepted(body)
    assert referral.record_no == 1
    assert referral.kind == "PRE_RELEASE"
    assert referral.legal_basis == "毒品危害防制條例第2條之1"
    assert referral.partner_ref == "KSWP114008711140915"
    assert referral.occurred_at == datetime(2025, 7, 18, 0, 0, tzinfo=TAIPEI)
    subject = referral.subject
    assert (subject.name, subject.national_id, subject.birth_date, subject.gender, subject.phone) == (
        "蔡淑惠",
        SUBJECT_ID,
        date(1994, 3, 8),
        "F",
        "0912871871",
    )
    assert (referral.place.postal_code, referral.place.district) == ("830", "鳳山區")
    assert referral.attributes == {
        "facility": "KSWP",
        "expected_release_date": "2025-09-15",
        "release_type": "2",
        "pregnant": "Y",
        "needs": "medical,family",
        "youth": "N",
    }
    assert referral.personal_extra == {"inmate_no": "11400871"}
    assert "11400871" not in str(referral.attributes), "the inmate number identifies a person"
    assert referral.flags == ()
    assert referral.raw == lines_of(body)[1]
    assert parse(body).context == lines_of(body)[0]


def test_needs_are_named_in_byte_order_and_empty_when_none() -> None:
    every = only_accepted(roster(detail(needs=frozenset(NEEDS))))
    assert every.attributes["needs"] == ",".join(NEEDS)
    assert only_accepted(roster(detail(needs=frozenset()))).attributes["needs"] == ""


@pytest.mark.parametrize(("partner", "facility"), sorted(PARTNER_FACILITIES.items()))
def test_every_facility_sends_its_own_code(partner: str, facility: str) -> None:
    referral = only_accepted(roster(facility=facility), partner)
    assert referral.attributes["facility"] == facility
    assert referral.attributes["youth"] == ("Y" if partner.startswith("JUV_FAC_") else "N")


def test_lf_line_ends_and_blank_lines_are_accepted() -> None:
    lines = lines_of(roster(detail(inmate_no="1"), detail(inmate_no="2")))
    body = join([*lines[:2], b"", b"   ", *lines[2:]], end=b"\n")
    accepted = [r for r in parse(body).accepted if isinstance(r, InboundReferral)]
    assert [(r.record_no, r.personal_extra["inmate_no"]) for r in accepted] == [(1, "1"), (2, "2")]


def test_a_trimmed_line_is_padded_back() -> None:
    line = format_detail_line("KSWP", detail(phone=None))
    assert line.endswith(b" " * 10)
    referral = only_accepted(one_line(line.rstrip(b" ")))
    assert referral.subject.phone is None
    assert referral.raw == line.rstrip(b" ")


def test_trailing_spaces_on_header_and_trailer_are_tolerated() -> None:
    lines = lines_of(roster())
    assert only_accepted(join([lines[0] + b"   ", lines[1], lines[2] + b"  "]))


def test_a_postal_code_outside_kaohsiung_is_out_of_area() -> None:
    place = only_accepted(roster(detail(postal_code="100"))).place
    assert place.out_of_area and place.district is None


def test_a_landline_is_normalised() -> None:
    assert only_accepted(roster(detail(phone="07 7001234"))).subject.phone == "07-7001234"


# --- LATE_NOTICE ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("days", "late"), [(-3, True), (0, True), (29, True), (30, False), (31, False)])
def test_late_notice_when_release_is_under_30_days_after_receipt(days: int, late: bool) -> None:
    referral = only_accepted(roster(detail(expected_release_date=RECEIVED_AT.date() + timedelta(days=days))))
    assert ("LATE_NOTICE" in referral.flags) is late


def test_late_notice_counts_from_the_receipt_day_in_taipei() -> None:
    # 2025-07-20 16:30 UTC is already 2025-07-21 in Taipei: 30 days before 08-20, not 31.
    received = datetime(2025, 7, 20, 16, 30, tzinfo=UTC)
    body = roster(detail(expected_release_date=date(2025, 8, 20)))
    assert "LATE_NOTICE" not in only_accepted(body, received_at=received).flags
    body = roster(detail(expected_release_date=date(2025, 8, 19)))
    assert "LATE_NOTICE" in only_accepted(body, received_at=received).flags


def test_late_notice_ignores_the_roster_date() -> None:
    # Dated two months before release, but received 10 days before it: late all the same.
    body = roster(detail(expected_release_date=date(2025, 7, 30)), roster_date=date(2025, 5, 30))
    assert "LATE_NOTICE" in only_accepted(body).flags


# --- names: 造字 and cut characters ---------------------------------------------------------------------------


def test_a_user_defined_character_in_a_name_is_kept_and_flagged() -> None:
    line = with_field(valid_line(), NAME, "蔡".encode("cp950") + EUDC + "惠".encode("cp950"))
    referral = only_accepted(one_line(line))
    assert referral.subject.name == "蔡\ufffd惠", "one mark for the one character, no stray '@' from its trail byte"
    assert "NAME_CHECK" in referral.flags
    assert referral.subject.national_id == SUBJECT_ID


def test_a_double_byte_character_cut_by_the_name_boundary_is_kept_and_flagged() -> None:
    # An ASCII letter plus ten characters is 21 bytes: the sender cut the last character in half at byte 33.
    cut = ("A" + "王" * 10).encode("cp950")[:20]
    referral = only_accepted(one_line(with_field(valid_line(), NAME, cut)))
    assert referral.subject.name == "A" + "王" * 9 + "\ufffd"
    assert "NAME_CHECK" in referral.flags
    assert referral.subject.national_id == SUBJECT_ID


def test_a_character_spilling_into_the_next_field_rejects_the_line() -> None:
    # The whole 21-byte name was written: its last byte landed in the national ID, shifting every field.
    line = valid_line()
    spilled = line[:13] + ("A" + "王" * 10).encode("cp950") + line[33:80]
    rejection = only_rejection(one_line(spilled))
    assert (rejection.field, rejection.code) == ("身分證統一編號", "ENCODING")


@pytest.mark.parametrize(
    ("raw", "name", "replaced"),
    [
        ("王小明".encode("cp950") + b"  ", "王小明", False),
        ("黃碁峰".encode("cp950"), "黃碁峰", False),  # an ETEN extension CP950 has
        (b"\xfa\x40" + "明".encode("cp950"), "\ufffd明", True),
        (b"\xa4", "\ufffd", True),
        (b"\xa4 ", "\ufffd", True),
        (b"A\x00B", "A\ufffdB", True),
        (b"\x80\xff", "\ufffd\ufffd", True),
        (b"   ", "", False),
    ],
)
def test_decode_name(raw: bytes, name: str, replaced: bool) -> None:
    assert decode_name(raw) == (name, replaced)


# --- rejections of one line ---------------------------------------------------------------------------------


def wrong_check_digit(national_id: str) -> bytes:
    return (national_id[:-1] + str((int(national_id[-1]) + 1) % 10)).encode()


@pytest.mark.parametrize(
    ("field", "value", "label", "code"),
    [
        (INMATE_NO, b"", "收容人編號", "MISSING_VALUE"),
        (INMATE_NO, b"12 34", "收容人編號", "INVALID_FORMAT"),
        (INMATE_NO, "王".encode("cp950"), "收容人編號", "ENCODING"),
        (NAME, b"", "姓名", "MISSING_VALUE"),
        (NATIONAL_ID, wrong_check_digit(SUBJECT_ID), "身分證統一編號", "INVALID_CHECKSUM"),
        (NATIONAL_ID, b"", "身分證統一編號", "MISSING_VALUE"),
        (BIRTH_DATE, b"0830230", "出生日期", "INVALID_DATE"),
        (BIRTH_DATE, b"83/3/8", "出生日期", "INVALID_DATE"),
        (BIRTH_DATE, b"1140719", "出生日期", "INVALID_DATE"),  # after the roster date
        (GENDER, b"3", "性別", "INVALID_GENDER"),
        (GENDER, b"F", "性別", "INVALID_GENDER"),
        (RELEASE_DATE, b"1140931", "預定出監日期", "INVALID_DATE"),
        (RELEASE_DATE, b"", "預定出監日期", "MISSING_VALUE"),
        (RELEASE_TYPE, b"6", "出監類別", "INVALID_RELEASE_TYPE"),
        (RELEASE_TYPE, b"0", "出監類別", "INVALID_RELEASE_TYPE"),
        (PREGNANT, b"y", "懷孕註記", "INVALID_FLAG"),
        (PREGNANT, b"", "懷孕註記", "MISSING_VALUE"),
        (NEEDS_FLAGS, b"YNYNYNY?", "需求評估", "INVALID_FLAG"),
        (NEEDS_FLAGS, b"YNYN", "需求評估", "INVALID_FLAG"),
        (POSTAL_CODE, b"999", "郵遞區號", "UNKNOWN_DISTRICT"),
        (PHONE, b"12345", "聯絡電話", "INVALID_PHONE"),
        (PHONE, b"09" + EUDC, "聯絡電話", "ENCODING"),
    ],
)
def test_a_bad_field_rejects_the_line_naming_it(field: Field, value: bytes, label: str, code: str) -> None:
    rejection = only_rejection(one_line(with_field(valid_line(), field, value)))
    assert (rejection.record_no, rejection.field, rejection.code) == (1, label, code)
    assert rejection.reason.startswith("第 1 筆（檔案第 2 行）")
    assert f"「{label}」（第 {field.first}" in rejection.reason
    assert rejection.reason.endswith("。") and "\n" not in rejection.reason
    assert "11400871" not in rejection.reason, "the inmate number identifies a person"


def test_a_rejection_never_echoes_the_national_id() -> None:
    wrong = wrong_check_digit(SUBJECT_ID).decode()
    rejection = only_rejection(one_line(with_field(valid_line(), NATIONAL_ID, wrong.encode())))
    assert wrong not in rejection.reason
    assert f"「{wrong[:3]}****{wrong[-3:]}」" in rejection.reason


@pytest.mark.parametrize(
    ("line", "code"),
    [
        (valid_line() + b"X", "LINE_LENGTH"),
        (valid_line()[:60], "LINE_LENGTH"),  # cut before the postal code: not a trimmed blank phone
        (b"X" + valid_line()[1:], "RECORD_TYPE"),
    ],
)
def test_a_malformed_line_is_rejected(line: bytes, code: str) -> None:
    rejection = only_rejection(one_line(line))
    assert rejection.code == code
    assert rejection.raw == line


def test_good_lines_go_through_beside_bad_ones() -> None:
    lines = lines_of(roster(detail(inmate_no="1"), detail(inmate_no="2"), detail(inmate_no="3")))
    lines[2] = with_field(lines[2], GENDER, b"9")
    result = parse(join(lines))
    assert [r.record_no for r in result.accepted] == [1, 3]
    assert [(r.record_no, r.code) for r in result.rejected] == [(2, "INVALID_GENDER")]


# --- refusals of the whole roster ---------------------------------------------------------------------------


def test_another_facilitys_header_is_refused() -> None:
    refused = refusal(roster(facility="KSP1"), partner="PRISON_KSWP")
    assert (refused.code, refused.field, refused.record_count) == ("WRONG_FACILITY", "機關代碼", 1)
    assert "KSP1" in refused.reason


def test_a_partner_that_is_not_a_facility_is_refused() -> None:
    assert refusal(roster(), partner="POLICE").code == "WRONG_FACILITY"


def test_a_detail_of_another_facility_refuses_the_roster() -> None:
    lines = lines_of(roster(detail(inmate_no="1"), detail(inmate_no="2")))
    lines[2] = with_field(lines[2], FACILITY, b"KSWD")
    refused = refusal(join(lines))
    assert (refused.code, refused.field, refused.record_count) == ("FACILITY_MISMATCH", "機關代碼", 2)
    assert "第 2 筆" in refused.reason and "KSWD" in refused.reason


@pytest.mark.parametrize(
    ("trailer", "count"),
    [(b"T000003", 2), (b"T000001", 2), (b"T00002", 2), (b"TXXXXXX", 2), (None, 2)],
)
def test_a_trailer_that_does_not_match_refuses_the_roster(trailer: bytes | None, count: int) -> None:
    lines = lines_of(roster(detail(inmate_no="1"), detail(inmate_no="2")))[:-1]
    refused = refusal(join(lines + ([trailer] if trailer else [])))
    assert (refused.code, refused.record_count) == ("TRAILER_MISMATCH", count)


def test_a_roster_cut_mid_line_is_refused_not_half_accepted() -> None:
    body = roster(detail(inmate_no="1"), detail(inmate_no="2"))
    refused = refusal(body[: len(body) - 40])
    assert (refused.code, refused.record_count) == ("TRAILER_MISMATCH", 2)


def test_a_missing_header_is_refused() -> None:
    refused = refusal(join(lines_of(roster(detail(inmate_no="1"), detail(inmate_no="2")))[1:]))
    assert (refused.code, refused.record_count) == ("MISSING_HEADER", 2)


@pytest.mark.parametrize("header", [b"HKSWP1140230", b"HKSWP114071", b"HKSWP11407180", b"HKSWP114/7/18"])
def test_an_unreadable_roster_date_is_refused(header: bytes) -> None:
    assert refusal(join([header, valid_line(), b"T000001"])).code == "INVALID_HEADER"


@pytest.mark.parametrize("body", [b"", b"\r\n  \r\n"])
def test_an_empty_roster_is_refused(body: bytes) -> None:
    assert refusal(body).code == "EMPTY_SUBMISSION"


def test_the_deployment_sample_is_accepted_whole() -> None:
    result = parse(SAMPLE.read_bytes())
    assert result.rejected == []
    assert len(result.accepted) == 4
    assert any(r.attributes["pregnant"] == "Y" for r in result.accepted if isinstance(r, InboundReferral))


# --- the writer ---------------------------------------------------------------------------------------------


def test_format_writes_81_byte_lines_and_a_counted_trailer() -> None:
    body = roster(detail(inmate_no="1"), detail(inmate_no="2"))
    header, *details, trailer = lines_of(body)
    assert header == b"HKSWP1140718"
    assert all(len(line) == LINE_WIDTH for line in details)
    assert trailer == b"T000002"


@pytest.mark.parametrize(
    "overrides",
    [
        {"name": "王" * 11},
        {"name": "\u20ac\U0001f600"},
        {"inmate_no": "123456789"},
        {"needs": frozenset({"gambling"})},
        {"release_type": "9"},
        {"phone": "07-12345678"},
    ],
)
def test_format_refuses_what_does_not_fit(overrides: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        format_detail_line("KSWP", detail(**overrides))


# --- property: format → parse round trip --------------------------------------------------------------------

CP950_CJK = [
    char
    for char in map(chr, range(0x4E00, 0x9FA6))
    if (encoded := char.encode("cp950", errors="ignore")) and encoded.decode("cp950") == char
]
POSTAL_CODES = [*sorted(KAOHSIUNG_DISTRICTS.values()), "100", "300", "880"]
ID_LETTERS = sorted(LETTER_CODES)


@st.composite
def national_ids(draw: st.DrawFn) -> str:
    """Checksum-valid IDs of every form: 身分證, new-form UI (8/9), old-form UI (two letters)."""
    letter = draw(st.sampled_from(ID_LETTERS))
    digits = draw(st.from_regex(r"[0-9]{7}", fullmatch=True))
    if draw(st.booleans()):
        return make_national_id(letter, draw(st.sampled_from("1289")) + digits)
    return make_national_id(letter + draw(st.sampled_from("ABCD")), digits)


phones = st.one_of(
    st.none(),
    st.from_regex(r"09[0-9]{8}", fullmatch=True),
    st.from_regex(r"07-[0-9]{7}", fullmatch=True),
)


@st.composite
def roster_details(draw: st.DrawFn, roster_date: date) -> RosterDetail:
    return RosterDetail(
        inmate_no=draw(st.from_regex(r"[0-9A-Z]{1,8}", fullmatch=True)),
        name="".join(draw(st.lists(st.sampled_from(CP950_CJK), min_size=1, max_size=10))),
        national_id=draw(national_ids()),
        birth_date=draw(st.dates(min_value=date(1912, 1, 1), max_value=roster_date)),
        gender=draw(st.sampled_from(["M", "F"])),
        expected_release_date=draw(st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31))),
        release_type=draw(st.sampled_from("12345")),
        pregnant=draw(st.booleans()),
        needs=frozenset(draw(st.sets(st.sampled_from(NEEDS)))),
        postal_code=draw(st.sampled_from(POSTAL_CODES)),
        phone=draw(phones),
    )


@st.composite
def rosters(draw: st.DrawFn) -> tuple[str, date, list[RosterDetail], bool, bytes]:
    partner = draw(st.sampled_from(sorted(PARTNER_FACILITIES)))
    roster_date = draw(st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)))
    details = draw(st.lists(roster_details(roster_date), min_size=1, max_size=5))
    trim = draw(st.booleans())
    end = draw(st.sampled_from([b"\r\n", b"\n"]))
    return partner, roster_date, details, trim, end


RECEIPT_TIMES = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(UTC))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rosters(), RECEIPT_TIMES)
def test_format_then_parse_gives_back_every_detail(
    case: tuple[str, date, list[RosterDetail], bool, bytes], received_at: datetime
) -> None:
    partner, roster_date, details, trim, end = case
    facility = PARTNER_FACILITIES[partner]
    lines = lines_of(format_roster(facility, roster_date, details))
    if trim:  # a transfer that trims trailing spaces must change nothing
        lines = [line.rstrip(b" ") for line in lines]
    result = ADAPTER.parse(join(lines, end), partner, received_at)
    assert result.rejected == []
    assert len(result.accepted) == len(details)
    received_on = received_at.astimezone(TAIPEI).date()
    for number, (sent, got) in enumerate(zip(details, result.accepted, strict=True), start=1):
        assert isinstance(got, InboundReferral)
        assert got.record_no == number
        assert (got.subject.name, got.subject.national_id, got.subject.birth_date, got.subject.gender) == (
            sent.name,
            sent.national_id,
            sent.birth_date,
            sent.gender,
        )
        assert got.subject.phone == sent.phone
        assert got.place == resolve_place(sent.postal_code)
        assert got.personal_extra == {"inmate_no": sent.inmate_no}
        release = sent.expected_release_date
        assert got.partner_ref == f"{facility}{sent.inmate_no}{release.year - 1911:03d}{release:%m%d}"
        assert got.attributes == {
            "facility": facility,
            "expected_release_date": release.isoformat(),
            "release_type": sent.release_type,
            "pregnant": "Y" if sent.pregnant else "N",
            "needs": ",".join(need for need in NEEDS if need in sent.needs),
            "youth": "Y" if partner.startswith("JUV_FAC_") else "N",
        }
        assert got.flags == (("LATE_NOTICE",) if (release - received_on).days < 30 else ())


# --- fuzz: whatever arrives, a result or a refusal ----------------------------------------------------------

VALID = roster(
    detail(inmate_no="1"),
    detail(inmate_no="2", name="陳" + "美" * 9, phone=None),
    detail(inmate_no="3", needs=frozenset(NEEDS), postal_code="100"),
)
# Bytes that matter here: line ends, spaces, record types, CP950 lead/trail and user-defined bytes, digits.
INTERESTING = st.sampled_from([b"\r", b"\n", b"\r\n", b" ", b"D", b"H", b"T", b"\x87", b"\x40", b"\xa4", b"\xff", b"9"])


@st.composite
def mutated_sample(draw: st.DrawFn) -> bytes:
    data = bytearray(VALID)
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        at = draw(st.integers(min_value=0, max_value=len(data)))
        action = draw(st.sampled_from(["flip", "insert", "truncate", "duplicate_line", "delete_line", "trim"]))
        if action == "flip" and at < len(data):
            data[at] = draw(st.integers(min_value=0, max_value=255))
        elif action == "insert":
            data[at:at] = draw(st.one_of(INTERESTING, st.binary(min_size=1, max_size=4)))
        elif action == "truncate":
            del data[at:]
        elif action in ("duplicate_line", "delete_line", "trim"):
            lines = bytes(data).split(b"\r\n")
            pick = draw(st.integers(min_value=0, max_value=len(lines) - 1))
            if action == "duplicate_line":
                lines.insert(pick, lines[pick])
            elif action == "delete_line":
                del lines[pick]
            else:
                lines[pick] = lines[pick].rstrip(b" ")
            data = bytearray(b"\r\n".join(lines))
    return bytes(data)


def check_outcome(data: bytes, partner: str) -> None:
    try:
        result = ADAPTER.parse(data, partner, RECEIVED_AT)
    except SubmissionRefused as refused:
        assert refused.code and refused.reason
        return
    assert isinstance(result, ParseResult)
    numbers = sorted([r.record_no for r in result.accepted] + [r.record_no for r in result.rejected])
    assert numbers == list(range(1, len(numbers) + 1)), "every detail line is either accepted or rejected, once"
    assert all(r.reason and r.code and r.field for r in result.rejected)
    # The per-line safety net must not be what keeps the parser alive: a caught bug is still a bug.
    assert "INTERNAL_ERROR" not in {r.code for r in result.rejected}
    assert all(r.raw in data for r in [*result.accepted, *result.rejected])


def run_fuzz(strategy: st.SearchStrategy[bytes], label: str, partner: str = "PRISON_KSWP") -> None:
    ran = 0

    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(strategy)
    def one(data: bytes) -> None:
        nonlocal ran
        ran += 1
        check_outcome(data, partner)

    one()
    print(f"\nroster_fixed_width fuzz ({label}): {ran} inputs")
    assert ran >= 300


def test_fuzz_random_bytes() -> None:
    run_fuzz(st.binary(max_size=600), "random bytes")


def test_fuzz_random_lines_after_a_valid_header() -> None:
    # Random bytes alone rarely get past the header; these reach the per-line parsing.
    # Line ends inside a line would only change the count, which the trailer check already covers.
    detail_lines = st.binary(max_size=80).map(lambda raw: b"DKSWP" + raw.replace(b"\r", b" ").replace(b"\n", b" "))
    lines = st.lists(detail_lines, max_size=6)
    run_fuzz(lines.map(lambda ds: join([b"HKSWP1140718", *ds, f"T{len(ds):06d}".encode()])), "random detail lines")


def test_fuzz_mutated_sample() -> None:
    run_fuzz(mutated_sample(), "mutated sample")
