"""PROS_KS / PROS_CT / PROS_MIL inbound adapter: prosecutors' referral letters (轉介函, XML) → referrals.

XML in UTF-8 with Chinese element names in official-document style (PARTNER_FORMATS.md, "PROS_*"). The body is
one ``<轉介函>`` or a batch ``<轉介函清單>`` holding several; each letter is one record, numbered from 1 in
document order. ``<處分 類別=…>`` decides the kind: 緩起訴 (deferred prosecution) or 再犯防止 (recidivism
prevention, which needs the defendant's consent).

Parsing goes through defusedxml with DTDs forbidden: a DOCTYPE is where XXE (``SYSTEM "file:///etc/passwd"``)
and entity-expansion bombs (billion laughs) live, and the contract allows neither, so the whole submission is
refused before anything is expanded or fetched. A letter reports only its first bad element, checked in the
order the letter is written.

XML 1.0 has no place for most C0 controls: expat refuses a raw NUL and ``&#0;`` alike, and the document is then
not well-formed, so the whole submission is refused (``MALFORMED_XML``, naming the line and column). What XML
does allow — a tab or line break (raw or ``&#9;``) inside a value, DEL, C1 controls, bidi overrides,
noncharacters such as U+FDD0 — reaches the letter and is refused there, field by field (``INVALID_CHARACTER``).
Tabs and line breaks around a value are indentation and are trimmed, as before.
"""

from __future__ import annotations

import copy
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from types import MappingProxyType
from typing import Final, TypeVar
from xml.parsers import expat

# defusedxml 0.7.1 ships no type stubs and the project adds no stub dependency; everything it returns is
# given a stdlib type at the one place it is called.
import defusedxml.ElementTree as defused_et  # type: ignore[import-untyped, unused-ignore]
from defusedxml import DefusedXmlException  # type: ignore[import-untyped, unused-ignore]

from adapters.base import (
    FieldError,
    InboundAdapter,
    InboundReferral,
    ParseResult,
    Person,
    RecordRejection,
    SubmissionRefused,
)
from adapters.base import RecordRefused as _Rejected
from adapters.validation import (
    TAIPEI,
    normalise_phone,
    parse_gender,
    parse_roc_date,
    resolve_place,
    validate_national_id,
)
from adapters.validation.hospitals import hospital_code
from adapters.validation.text import check_characters, clean, has_invalid_characters, quote

FORMAT: Final = "PROS_XML"
PARTNERS: Final = frozenset({"PROS_KS", "PROS_CT", "PROS_MIL"})
WHOLE_RECORD: Final = "(整筆)"
"""The rejection ``field`` when the problem is the letter itself, not one of its elements."""

# Element and attribute names, as the prosecutors' document system writes them.
LETTER: Final = "轉介函"
BATCH: Final = "轉介函清單"
ISSUER: Final = "發文機關"
ISSUER_CODE: Final = "代碼"
ISSUED_ON: Final = "發文日期"
REF: Final = "發文字號"
CASE_NO: Final = "案號"
DEFENDANT: Final = "被告"
NAME: Final = "姓名"
NATIONAL_ID: Final = "身分證統一編號"
BIRTH_DATE: Final = "出生日期"
GENDER: Final = "性別"
PHONE: Final = "電話"
DISTRICT: Final = "行政區"
DISPOSITION: Final = "處分"
CATEGORY: Final = "類別"
DEFERRAL: Final = "緩起訴期間"
DEFERRAL_START: Final = "起"
DEFERRAL_END: Final = "迄"
CONDITION: Final = "附命條件"
HOURS: Final = "社區處遇時數"
TRIAGE: Final = "分流評估"
MEDICAL_NEED: Final = "醫療需求"
RECIDIVISM_RISK: Final = "再犯風險"
HOSPITAL: Final = "指定醫院"
PREGNANT: Final = "懷孕"
CONSENT: Final = "同意轉介"


@dataclass(frozen=True)
class Category:
    """What a ``類別`` value means: the referral kind and the law it is made under."""

    kind: str
    legal_basis: str


DEFERRED_PROSECUTION: Final = Category("DEFERRED_PROSECUTION", "毒品危害防制條例第24條")
RECIDIVISM_PREVENTION: Final = Category("RECIDIVISM_PREVENTION", "毒品危害防制條例第2條之1")
CATEGORIES: Final[Mapping[str, Category]] = MappingProxyType(
    {"緩起訴": DEFERRED_PROSECUTION, "再犯防止": RECIDIVISM_PREVENTION}
)
TREATMENT_CONDITION: Final = "戒癮治療"
YES_NO: Final[Mapping[str, str]] = MappingProxyType({"是": "Y", "否": "N"})
LEVELS: Final[Mapping[str, str]] = MappingProxyType({"低": "LOW", "高": "HIGH"})

MAX_REF_LENGTH: Final = 64
MAX_HOURS_DIGITS: Final = 4
"""Hours are read as at most 4 digits: enough for any order, and ``int()`` of a very long digit string raises."""
MAX_DEPTH: Final = 16
"""A letter is 4 levels deep (清單/轉介函/被告/姓名); anything far deeper is broken or hostile, and would
exhaust the recursion of ``ElementTree.tostring`` when a batch record is written out on its own."""

_UTF8_BOM = b"\xef\xbb\xbf"
_BAD_CHARACTER_REFERENCE: Final = expat.errors.codes[expat.errors.XML_ERROR_BAD_CHAR_REF]
_INVALID_TOKEN: Final = expat.errors.codes[expat.errors.XML_ERROR_INVALID_TOKEN]
_RESEND_HINT = "請由公文系統重新匯出 UTF-8 編碼、不含 DOCTYPE 的轉介函 XML 後傳送"

T = TypeVar("T")


# --- the submission -----------------------------------------------------------------------------------------


def _parse_xml(body: bytes) -> ET.Element:
    """The document's root, or a refusal: wrong encoding, DTD/entities (XXE), or not well-formed."""
    try:
        text = body.removeprefix(_UTF8_BOM).decode("utf-8")
    except UnicodeDecodeError:
        raise SubmissionRefused("ENCODING", f"檔案不是約定的 UTF-8 編碼，{_RESEND_HINT}。") from None
    try:
        # Parsing the decoded text makes expat ignore whatever encoding the XML declaration claims.
        root: ET.Element = defused_et.fromstring(text, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise SubmissionRefused(
            "XML_FORBIDDEN",
            "轉介函含有 DOCTYPE、實體宣告或外部參照，依介接規範不予處理，請移除這些宣告後重新傳送。",
        ) from None
    except ET.ParseError as error:
        line, column = error.position
        if error.code == _BAD_CHARACTER_REFERENCE or (error.code == _INVALID_TOKEN and _has_forbidden_control(text)):
            # Say why expat stopped: a NUL or a &#0; is invisible in the clerk's editor.
            raise SubmissionRefused(
                "MALFORMED_XML",
                f"轉介函第 {line} 行第 {column + 1} 字附近含有 XML 不允許的字元"
                "（如控制字元 NUL，或 &#0; 這類字元參照），整份文件無法解讀，請刪除該字元後重新傳送。",
            ) from None
        raise SubmissionRefused(
            "MALFORMED_XML",
            f"轉介函不是格式正確的 XML（第 {line} 行第 {column + 1} 字附近），請檢查標籤是否成對後重新傳送。",
        ) from None
    except ValueError:
        raise SubmissionRefused("MALFORMED_XML", f"轉介函無法解讀為 XML，{_RESEND_HINT}。") from None
    _check_depth(root)
    return root


def _has_forbidden_control(text: str) -> bool:
    """A raw C0 control XML 1.0 forbids (all but tab, LF, CR)."""
    return any(character < " " and character not in "\t\n\r" for character in text)


def _check_depth(root: ET.Element) -> None:
    stack = [(root, 1)]
    while stack:
        element, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise SubmissionRefused(
                "MALFORMED_XML", f"轉介函的標籤巢狀超過 {MAX_DEPTH} 層，不符轉介函格式，{_RESEND_HINT}。"
            )
        stack.extend((child, depth + 1) for child in element)


def _records(root: ET.Element) -> list[ET.Element]:
    """The letters in document order: the root itself, or every child of a ``<轉介函清單>``."""
    if root.tag == LETTER:
        return [root]
    if root.tag != BATCH:
        raise SubmissionRefused(
            "UNKNOWN_DOCUMENT",
            f"根標籤{quote(str(root.tag))}不是「{LETTER}」或「{BATCH}」，請確認傳送的是檢察署轉介函。",
        )
    records = list(root)
    if not records:
        raise SubmissionRefused("EMPTY_SUBMISSION", f"「{BATCH}」中沒有任何轉介函，請確認匯出結果後重新傳送。")
    return records


def _check_issuer(records: list[ET.Element], partner: str) -> None:
    """Refuse the whole submission if any letter says it comes from another agency than the one that sent it.

    A letter without an issuer code is that letter's problem (it gets a rejection); a letter naming another
    prosecutors' office means the batch is not this partner's to send, so none of it is taken.
    """
    if partner not in PARTNERS:
        raise SubmissionRefused(
            "WRONG_PARTNER", "此格式僅供地方檢察署及軍事檢察署傳送轉介函。", field=ISSUER, record_count=len(records)
        )
    for element in records:
        if element.tag != LETTER:
            continue
        for issuer in element.findall(ISSUER):
            code = clean(issuer.get(ISSUER_CODE, ""))
            # A code with a control character in it names no agency: that letter alone is rejected for it.
            if code and code != partner and not has_invalid_characters(issuer.get(ISSUER_CODE, "")):
                raise SubmissionRefused(
                    "WRONG_PARTNER",
                    f"轉介函的發文機關代碼{quote(code)}與傳送單位（{partner}）不符，"
                    "請以發文機關自己的帳號傳送，或更正發文機關代碼後重新傳送。",
                    field=ISSUER,
                    record_count=len(records),
                )


def _own_bytes(element: ET.Element) -> bytes:
    """A batch letter written out as a document of its own: what this record alone would have been sent as."""
    alone = copy.copy(element)
    alone.tail = None  # whitespace between letters belongs to the batch, not to the letter
    return ET.tostring(alone, encoding="unicode").encode("utf-8")


# --- one letter ---------------------------------------------------------------------------------------------


def _record_label(record_no: int, ref: str) -> str:
    return f"第 {record_no} 份轉介函（發文字號 {ref}）" if ref else f"第 {record_no} 份轉介函"


def _raw_text(element: ET.Element) -> str:
    return "".join(element.itertext())


class _Letter:
    """One ``<轉介函>``: reads elements by name and turns a validator's error into this letter's rejection."""

    def __init__(self, record_no: int, element: ET.Element) -> None:
        self.record_no = record_no
        self.ref = ""  # known once 發文字號 has been read, so later reasons can quote it
        self.element = element

    def reject(self, label: str, code: str, detail: str) -> _Rejected:
        return _Rejected(label, code, f"{_record_label(self.record_no, self.ref)}的「{label}」有誤：{detail}")

    def child(self, parent: ET.Element, label: str) -> ET.Element | None:
        found = parent.findall(label)
        if len(found) > 1:
            raise self.reject(label, "DUPLICATE_ELEMENT", f"出現 {len(found)} 次，只能有一個，請刪除重複的標籤。")
        return found[0] if found else None

    def section(self, parent: ET.Element, label: str) -> ET.Element:
        found = self.child(parent, label)
        if found is None:
            raise self.reject(label, "MISSING_VALUE", f"缺少「{label}」標籤，此項為必填，請補齊後重新傳送。")
        return found

    def value(self, label: str, raw: str) -> str:
        """Every element's text and attribute is read through here: its characters are checked before trimming."""
        try:
            return clean(check_characters(raw))
        except FieldError as error:
            raise self.reject(label, error.code, error.reason) from None

    def text(self, parent: ET.Element, label: str) -> str:
        found = self.child(parent, label)
        return self.value(label, _raw_text(found)) if found is not None else ""

    def required(self, parent: ET.Element, label: str, parse: Callable[[str], T]) -> T:
        text = self.text(parent, label)
        if not text:
            raise self.reject(label, "MISSING_VALUE", "此項為必填，請補填後重新傳送。")
        return self.check(label, text, parse)

    def optional(self, parent: ET.Element, label: str, parse: Callable[[str], T]) -> T | None:
        text = self.text(parent, label)
        return self.check(label, text, parse) if text else None

    def attribute(self, element: ET.Element, name: str, label: str, parse: Callable[[str], T]) -> T | None:
        text = self.value(label, element.get(name, ""))
        return self.check(label, text, parse) if text else None

    def check(self, label: str, text: str, parse: Callable[[str], T]) -> T:
        try:
            return parse(text)
        except FieldError as error:
            raise self.reject(label, error.code, error.reason) from None


# --- field parsers peculiar to this format ------------------------------------------------------------------


def _parse_ref(text: str) -> str:
    if len(text) > MAX_REF_LENGTH:
        raise FieldError("INVALID_FORMAT", f"發文字號超過 {MAX_REF_LENGTH} 個字元，請確認是否誤填其他內容。")
    return text


def _parse_category(text: str) -> Category:
    category = CATEGORIES.get(text)
    if category is None:
        raise FieldError("UNKNOWN_CATEGORY", f"{quote(text)}不是可受理的處分類別，請填寫「緩起訴」或「再犯防止」。")
    return category


def _parse_yes_no(text: str) -> str:
    value = YES_NO.get(text)
    if value is None:
        raise FieldError("INVALID_VALUE", f"{quote(text)}不是有效的值，請填寫「是」或「否」。")
    return value


def _parse_consent(text: str) -> str:
    value = YES_NO.get(text)
    if value is None:
        raise FieldError("INVALID_CONSENT", f"{quote(text)}不是有效的值，同意轉介請填寫「是」或「否」。")
    return value


def _parse_level(text: str) -> str:
    value = LEVELS.get(text)
    if value is None:
        raise FieldError("INVALID_ASSESSMENT", f"{quote(text)}不是有效的分流評估結果，請填寫「低」或「高」。")
    return value


def _parse_hours(text: str) -> str:
    if not (text.isascii() and text.isdigit() and len(text) <= MAX_HOURS_DIGITS):
        raise FieldError(
            "INVALID_HOURS", f"{quote(text)}不是有效的時數，請填寫 0 以上的整數小時（最多 {MAX_HOURS_DIGITS} 位數）。"
        )
    return str(int(text))


def _parse_condition(text: str) -> str:
    # Conditions travel joined with ";": one that holds a ";" itself would come out as two.
    if ";" in text:
        raise FieldError("INVALID_FORMAT", f"{quote(text)}含有分號，每個附命條件請各用一個「附命條件」標籤填寫。")
    return text


# --- the referral -------------------------------------------------------------------------------------------


def _referral(letter: _Letter, raw: bytes) -> InboundReferral:
    """Check the letter's elements in the order it is written and build the referral."""
    doc = letter.element
    letter.ref = letter.required(doc, REF, _parse_ref)
    issuer = letter.section(doc, ISSUER)
    if not letter.value(ISSUER, issuer.get(ISSUER_CODE, "")):
        raise letter.reject(ISSUER, "MISSING_VALUE", f"缺少「{ISSUER_CODE}」屬性，請填寫發文機關代碼（如 PROS_KS）。")
    issued_on = letter.required(doc, ISSUED_ON, parse_roc_date)
    case_no = letter.text(doc, CASE_NO)

    defendant = letter.section(doc, DEFENDANT)
    name = letter.required(defendant, NAME, str)
    national_id = letter.required(defendant, NATIONAL_ID, validate_national_id)
    birth_date = letter.required(defendant, BIRTH_DATE, parse_roc_date)
    if birth_date > issued_on:
        raise letter.reject(BIRTH_DATE, "INVALID_DATE", "出生日期晚於發文日期，請核對出生日期的民國年。")
    gender = letter.required(defendant, GENDER, lambda text: parse_gender(text, "zh"))
    phone = letter.optional(defendant, PHONE, normalise_phone)
    place = letter.required(defendant, DISTRICT, resolve_place)

    disposition = letter.section(doc, DISPOSITION)
    category = letter.attribute(disposition, CATEGORY, CATEGORY, _parse_category)
    if category is None:
        raise letter.reject(CATEGORY, "MISSING_VALUE", "處分標籤缺少「類別」屬性，請填寫「緩起訴」或「再犯防止」。")
    attributes = _disposition(letter, disposition, category)
    # The conditions are the prosecutor's free text, and a 緩起訴 condition may name a person (向被害人○○道歉,
    # 支付被害人○○損害賠償: 刑事訴訟法第253條之2): they travel sealed; routing reads treatment_ordered instead.
    personal_extra = {"case_no": case_no, "conditions": attributes.pop("conditions")}
    return InboundReferral(
        record_no=letter.record_no,
        partner_ref=letter.ref,
        kind=category.kind,
        occurred_at=datetime.combine(issued_on, time(), tzinfo=TAIPEI),
        subject=Person(national_id=national_id, name=name, birth_date=birth_date, gender=gender, phone=phone),
        place=place,
        legal_basis=category.legal_basis,
        raw=raw,
        attributes={key: value for key, value in attributes.items() if value},
        # A case number (案號) can be traced to the defendant: it travels sealed, not as an attribute.
        personal_extra={key: value for key, value in personal_extra.items() if value},
    )


def _disposition(letter: _Letter, disposition: ET.Element, category: Category) -> dict[str, str]:
    """The ``<處分>`` as attributes (``conditions`` is taken out to be sealed by the caller); every value a string,
    empty when not given."""
    start, end = _deferral(letter, disposition, required=category == DEFERRED_PROSECUTION)
    conditions = [
        letter.check(CONDITION, text, _parse_condition)
        for text in (letter.value(CONDITION, _raw_text(element)) for element in disposition.findall(CONDITION))
        if text
    ]
    hours = letter.optional(disposition, HOURS, _parse_hours)
    medical_need, recidivism_risk = _triage(letter, disposition)
    hospital = letter.text(disposition, HOSPITAL)
    pregnant = letter.optional(disposition, PREGNANT, _parse_yes_no)
    consent = _consent(letter, disposition, category)
    return {
        "deferral_start": start.isoformat() if start else "",
        "deferral_end": end.isoformat() if end else "",
        "conditions": ";".join(conditions),
        # Qualified orders ("戒癮治療（美沙冬替代療法）") still order treatment.
        "treatment_ordered": "Y" if any(TREATMENT_CONDITION in condition for condition in conditions) else "N",
        "community_hours_required": hours or "",
        "medical_need": medical_need or "",
        "recidivism_risk": recidivism_risk or "",
        "designated_hospital": hospital,
        "hospital_code": hospital_code(hospital) if hospital else "",
        "pregnant": pregnant or "",
        "consent": consent or "",
    }


def _deferral(letter: _Letter, disposition: ET.Element, *, required: bool) -> tuple[date | None, date | None]:
    """緩起訴期間 起/迄: required for a deferred prosecution, whose monthly reports run until it ends."""
    period = letter.child(disposition, DEFERRAL)
    if period is None:
        if required:
            raise letter.reject(DEFERRAL, "MISSING_VALUE", "緩起訴處分須填寫緩起訴期間（起、迄），請補齊後重新傳送。")
        return None, None
    bounds: list[date] = []
    for name in (DEFERRAL_START, DEFERRAL_END):
        text = letter.value(DEFERRAL, period.get(name, ""))
        if not text:
            raise letter.reject(DEFERRAL, "MISSING_VALUE", f"缺少「{name}」日期，請填寫民國日期（如 114/07/15）。")
        try:
            bounds.append(parse_roc_date(text))
        except FieldError as error:
            raise letter.reject(DEFERRAL, error.code, f"「{name}」日期{error.reason}") from None
    start, end = bounds
    if end < start:
        raise letter.reject(DEFERRAL, "INVALID_PERIOD", "「迄」日期早於「起」日期，請核對緩起訴期間。")
    return start, end


def _triage(letter: _Letter, disposition: ET.Element) -> tuple[str | None, str | None]:
    """分流評估 (RANT): 醫療需求 × 再犯風險, each 低/高; either may be left out."""
    triage = letter.child(disposition, TRIAGE)
    if triage is None:
        return None, None
    medical_need = letter.attribute(triage, MEDICAL_NEED, MEDICAL_NEED, _parse_level)
    recidivism_risk = letter.attribute(triage, RECIDIVISM_RISK, RECIDIVISM_RISK, _parse_level)
    return medical_need, recidivism_risk


def _consent(letter: _Letter, disposition: ET.Element, category: Category) -> str | None:
    """同意轉介: a recidivism-prevention referral (毒品危害防制條例第2條之1) needs the defendant's consent."""
    if category != RECIDIVISM_PREVENTION:
        return letter.optional(disposition, CONSENT, _parse_consent)
    if YES_NO.get(letter.text(disposition, CONSENT)) != "Y":
        raise letter.reject(
            CONSENT,
            "CONSENT_REQUIRED",
            "再犯防止推進計畫的轉介須經被告同意，請填寫「是」；被告未同意時不得以「再犯防止」類別轉介。",
        )
    return "Y"


def _parse_record(record_no: int, element: ET.Element, raw: bytes) -> InboundReferral | RecordRejection:
    try:
        if element.tag != LETTER:
            raise _Rejected(
                WHOLE_RECORD,
                "UNKNOWN_ELEMENT",
                f"第 {record_no} 筆是{quote(str(element.tag))}標籤，不是「{LETTER}」，"
                f"「{BATCH}」中只能放轉介函，請更正後重新傳送。",
            )
        return _referral(_Letter(record_no, element), raw)
    except _Rejected as rejected:
        return RecordRejection(record_no, rejected.field, rejected.code, rejected.reason, raw)
    except Exception:
        # A bug must cost one letter, not the whole batch: the partner gets a receipt for everything else.
        return RecordRejection(
            record_no,
            WHOLE_RECORD,
            "INTERNAL_ERROR",
            f"第 {record_no} 份轉介函因系統錯誤無法處理，請將發文字號告知毒品防制局資訊人員協助處理。",
            raw,
        )


class ProsecutorXmlAdapter:
    """The prosecutors' referral letters (地檢署／軍事檢察署 轉介函), inbound."""

    format: str = FORMAT
    content_types: frozenset[str] = frozenset({"application/xml", "text/xml"})

    def parse(self, body: bytes, partner: str, received_at: datetime) -> ParseResult:
        if not body.strip():
            raise SubmissionRefused("EMPTY_SUBMISSION", "上傳的檔案沒有任何內容，請確認匯出結果後重新傳送。")
        root = _parse_xml(body)
        records = _records(root)
        _check_issuer(records, partner)
        single = root.tag == LETTER
        accepted: list[InboundReferral] = []
        rejected: list[RecordRejection] = []
        for record_no, element in enumerate(records, start=1):
            # A lone letter keeps the bytes exactly as sent; a batch letter is written out on its own so that it
            # can be replayed without the rest of the batch (context stays empty: a letter needs nothing else).
            raw = body if single else _own_bytes(element)
            outcome = _parse_record(record_no, element, raw)
            if isinstance(outcome, RecordRejection):
                rejected.append(outcome)
            else:
                accepted.append(outcome)
        return ParseResult(accepted=accepted, rejected=rejected)


ADAPTER: InboundAdapter = ProsecutorXmlAdapter()
