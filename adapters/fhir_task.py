"""HOSP_* and HEALTH inbound adapter: HL7 FHIR R4 ``Task`` updates (醫院回覆) → status updates.

The hub sends a treatment referral as a ``Task`` (intent ``order``) naming the referral in ``Task.identifier``
with system :data:`REFERRAL_IDENTIFIER_SYSTEM`; the hospital answers by posting the Task back with a new
``status`` (PARTNER_FORMATS.md, "HOSP_* and HEALTH"). The body is one Task, a ``Bundle`` of type batch,
transaction or collection whose entries' resources are Tasks (each entry is a record), or — like every JSON
partner — a JSON array of Tasks.

Bundles are taken as FHIR R4 defines them (Bundle invariants bdl-3 and bdl-4, and the RESTful API's batch and
transaction rules):

* ``batch`` and ``transaction``: every entry says what it does in ``entry.request`` (bdl-3), and a Task is carried
  by ``PUT`` (update, ``Task/{id}``) or ``POST`` (``Task``); no entry carries a ``response`` (bdl-4). A ``batch``
  entry that breaks this is refused alone, like any bad record, and the rest go on.
* ``transaction`` is all or nothing: one refused entry — for any reason, here or at the gateway (an answer the
  lifecycle cannot take) — refuses the whole Bundle, nothing of it is applied, and the partner is told which
  entries to fix (:attr:`ParseResult.atomic`, carried out by the gateway's intake).
* ``collection``: a set of resources, so an entry has neither ``request`` nor ``response`` (bdl-3, bdl-4).

``Task.status`` maps onto the lifecycle (:data:`STATES`); the FHIR states with no place in a referral's life
(draft, requested, ready, on-hold, failed, entered-in-error) are refused, because guessing would move a
referral where nobody sent it. For ``rejected``, ``Task.statusReason.coding[].code`` should carry one of the
hub's reason codes; a hospital's own code or none at all becomes ``OTHER``, its words kept (sealed) in
``personal_extra["reason_text"]``, so a rejection is never lost over a code list. ``Task.lastModified`` dates
the update; ``Task.note[].text`` travels sealed as ``note``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Annotated, Any, Final

from pydantic import Field, PlainValidator

from adapters.base import (
    FieldError,
    InboundAdapter,
    InboundStatusUpdate,
    ParseResult,
    SubmissionRefused,
)
from adapters.status_json import (
    REASON_CODES,
    WHOLE_RECORD,
    FreeText,
    JsonModel,
    Message,
    MessageRejected,
    OffsetDateTime,
    OptionalText,
    Span,
    array_items,
    collect,
    decode_body,
    object_members,
    parse_referral_id,
    read_spans,
    record_label,
    required,
    status_ref,
    validate,
)
from adapters.validation.text import quote

FORMAT: Final = "FHIR_TASK"
REFERRAL_IDENTIFIER_SYSTEM: Final = "urn:refhub:referral"
"""``Task.identifier.system`` of the hub's referral id (``R-…``): what this adapter reads a reply by."""
ASSIGNMENT_IDENTIFIER_SYSTEM: Final = "urn:refhub:assignment"
"""``Task.identifier.system`` of the assignment id (``A-…``, referral × destination) the outbound Task also
carries; replies may echo it, and it is not needed to read them."""

STATES: Final[Mapping[str, str]] = {
    "received": "ACKNOWLEDGED",
    "accepted": "ACCEPTED",
    "rejected": "REJECTED",
    "in-progress": "IN_PROGRESS",
    "completed": "COMPLETED",
    "cancelled": "CANCELLED",
}
"""FHIR ``Task.status`` → the hub's lifecycle state."""
UNSUPPORTED_STATES: Final = frozenset({"draft", "requested", "ready", "on-hold", "failed", "entered-in-error"})
BUNDLE_TYPES: Final = frozenset({"batch", "transaction", "collection"})
REQUESTING_TYPES: Final = frozenset({"batch", "transaction"})
"""Bundle types whose every entry must have ``entry.request`` (bdl-3); in the others it is prohibited."""
TASK_METHODS: Final = frozenset({"PUT", "POST"})
"""The ``entry.request.method`` that carry a Task whose state the hub reads; GET, HEAD, DELETE and PATCH do not."""
ENTRY_PREFIX: Final = "Bundle.entry."
PREFIX: Final = "Task."
"""Rejections name fields by their FHIR path, as the hospital's interface engineer reads them."""

_ANSWER_HINT = "請以 received、accepted、rejected、in-progress、completed 或 cancelled 回報"


# --- one Task ------------------------------------------------------------------------------------------------


def _referral_identifier(value: object) -> str:
    """The referral id among ``Task.identifier``: exactly one value under the hub's system."""
    if value is not None and not isinstance(value, list):
        raise FieldError("INVALID_TYPE", "此欄應為以中括號括住的 Identifier 陣列，請修正後重新傳送。")
    found = [
        item.get("value")
        for item in value or ()
        if isinstance(item, dict) and item.get("system") == REFERRAL_IDENTIFIER_SYSTEM
    ]
    if not found:
        raise FieldError(
            "MISSING_IDENTIFIER",
            f"缺少本系統的轉介編號，請保留轉介時 Task 所附 system 為 {REFERRAL_IDENTIFIER_SYSTEM} 的 identifier。",
        )
    referral_ids = [referral_id for referral_id in found if isinstance(referral_id, str)]
    if len(referral_ids) < len(found):
        raise FieldError("UNKNOWN_REFERRAL_ID", "轉介編號應為以雙引號括住的文字，請照抄轉介時 Task 所附的編號。")
    if len(set(referral_ids)) > 1:
        raise FieldError(
            "AMBIGUOUS_IDENTIFIER",
            f"有多個不同的 {REFERRAL_IDENTIFIER_SYSTEM} 轉介編號，請只保留轉介時 Task 所附的那一個。",
        )
    return parse_referral_id(referral_ids[0])


def _state(text: str) -> str:
    code = text.strip()
    if code in STATES:
        return STATES[code]
    if code in UNSUPPORTED_STATES:
        detail = f"FHIR 狀態{quote(code)}無法對應轉介的處理流程，{_ANSWER_HINT}。"
    else:
        detail = f"{quote(code)}不是 FHIR R4 Task 的狀態，{_ANSWER_HINT}。"
    raise FieldError("UNSUPPORTED_STATUS", detail)


class Coding(JsonModel):
    code: OptionalText = None
    display: OptionalText = None


class CodeableConcept(JsonModel):
    coding: list[Coding] | None = None
    text: FreeText = None
    """The hospital's own words for a reason: may keep line breaks, like a note."""


class Annotation(JsonModel):
    text: FreeText = None


class Task(JsonModel):
    """The parts of a FHIR R4 Task the hub reads, in the order it checks them; the rest is ignored."""

    identifier: Annotated[str, PlainValidator(_referral_identifier)] = Field(default=None, validate_default=True)
    status: Annotated[str, PlainValidator(required(_state))]
    status_reason: CodeableConcept | None = None
    last_modified: OffsetDateTime
    note: list[Annotation] | None = None


def _reason(task: Task) -> tuple[str | None, str]:
    """The reason code and the hospital's own words for it (sealed: a reason may describe the patient)."""
    concept = task.status_reason or CodeableConcept()
    codings = concept.coding or []
    codes = (coding.code.strip().upper() for coding in codings if coding.code)
    known = [code for code in codes if code in REASON_CODES]
    words = (concept.text or "").strip()
    if not words and not known:
        # The hospital's own code is all it said: keep it, or the reason is lost with the code list.
        words = "; ".join(
            said.strip() for coding in codings if (said := coding.display or coding.code) and said.strip()
        )
    if known:
        return known[0], words
    # FHIR does not require a reason: an unexplained rejection is still one the source must learn of.
    return ("OTHER" if task.status == "REJECTED" else None), words


def _best_effort_referral_id(value: Any) -> object:
    identifiers = value.get("identifier") if isinstance(value, dict) else None
    for item in identifiers if isinstance(identifiers, list) else ():
        if isinstance(item, dict) and item.get("system") == REFERRAL_IDENTIFIER_SYSTEM:
            return item.get("value")
    return None


def _status_update(message: Message) -> InboundStatusUpdate:
    value = message.value
    where = record_label(message.record_no, "identifier", _best_effort_referral_id(value))
    if not isinstance(value, dict) or value.get("resourceType") != "Task":
        raise MessageRejected(
            PREFIX + "resourceType" if isinstance(value, dict) else WHOLE_RECORD,
            "NOT_A_TASK",
            f"{where}不是 FHIR Task 資源（resourceType 須為 Task），請傳送轉介時收到的 Task。",
        )
    task = validate(Task, value, where, PREFIX)
    reason_code, reason_text = _reason(task)
    notes = "\n".join(note.text.strip() for note in task.note or () if note.text and note.text.strip())
    extra = {"reason_text": reason_text, "note": notes}
    return InboundStatusUpdate(
        record_no=message.record_no,
        partner_ref=status_ref(task.identifier, task.status, task.last_modified),
        referral_id=task.identifier,
        state=task.status,
        at=task.last_modified,
        raw=message.raw,
        reason_code=reason_code,
        personal_extra={key: text for key, text in extra.items() if text},
    )


# --- the body: a Task, a Bundle of Tasks, or an array of Tasks -------------------------------------------------


def _request_problem(bundle_type: str, entry: Mapping[str, Any], where: str) -> MessageRejected | None:
    """What an entry's ``request`` / ``response`` breaks of FHIR R4's bdl-3 and bdl-4, if anything."""
    if "response" in entry:
        return MessageRejected(
            ENTRY_PREFIX + "response",
            "RESPONSE_NOT_ALLOWED",
            f"{where}含 entry.response：response 只用於伺服器回應的 Bundle（batch-response、transaction-response，"
            f"FHIR R4 bdl-4），{bundle_type} 類型的 Bundle 不可有，請刪除。",
        )
    request = entry.get("request")
    if bundle_type not in REQUESTING_TYPES:
        if request is None:
            return None
        return MessageRejected(
            ENTRY_PREFIX + "request",
            "REQUEST_NOT_ALLOWED",
            f"{where}含 entry.request：collection 類型的 Bundle 不可有 request（FHIR R4 bdl-3）；"
            "要以 PUT 回報 Task 狀態，請改用 batch 或 transaction 類型的 Bundle。",
        )
    hint = '例如 "request": {"method": "PUT", "url": "Task/<Task.id>"}'
    if request is None:
        return MessageRejected(
            ENTRY_PREFIX + "request",
            "MISSING_REQUEST",
            f"{where}缺少 entry.request：{bundle_type} 類型的 Bundle 每一筆都必須以 request 說明操作"
            f"（FHIR R4 bdl-3），{hint}。",
        )
    method = request.get("method") if isinstance(request, dict) else None
    if not isinstance(method, str) or method not in TASK_METHODS:
        shown = quote(method) if isinstance(method, str) else "未填或格式不符"
        return MessageRejected(
            ENTRY_PREFIX + "request.method",
            "UNSUPPORTED_REQUEST",
            f"{where}的 entry.request.method 為{shown}：回報 Task 狀態只受理 PUT（或 POST），{hint}。",
        )
    url = request.get("url") if isinstance(request, dict) else None
    if not isinstance(url, str) or not _names_task(url):
        shown = quote(url) if isinstance(url, str) else "未填"
        return MessageRejected(
            ENTRY_PREFIX + "request.url",
            "UNSUPPORTED_REQUEST",
            f"{where}的 entry.request.url 為{shown}，應指向 Task，{hint}。",
        )
    return None


def _names_task(url: str) -> bool:
    """``Task``, ``Task/123``, ``Task?identifier=…`` or an absolute ``…/Task/123``: the request is about a Task."""
    segments = url.split("?", 1)[0].rstrip("/").split("/")
    return segments[-1] == "Task" or (len(segments) > 1 and segments[-2] == "Task" and bool(segments[-1]))


def _bundle_entries(text: str, bundle: Span) -> tuple[str, list[Message], dict[int, MessageRejected]]:
    """The Bundle's type and each entry's resource as a record, with the resource's own bytes (entries without
    one stay records), and what each entry's request breaks (record number → its rejection)."""
    members, _ = object_members(text, bundle.start)
    bundle_type = members["type"].value if "type" in members else None
    if not isinstance(bundle_type, str) or bundle_type not in BUNDLE_TYPES:
        shown = quote(bundle_type) if isinstance(bundle_type, str) else "未填"
        raise SubmissionRefused(
            "UNSUPPORTED_BUNDLE_TYPE",
            f"Bundle.type 為{shown}，僅受理 batch、transaction 或 collection 類型的 Bundle。",
            field="Bundle.type",
        )
    entry = members.get("entry")
    if entry is None or not isinstance(entry.value, list) or not entry.value:
        raise SubmissionRefused(
            "EMPTY_SUBMISSION", "Bundle.entry 沒有任何 Task，請將要回報的 Task 放在 entry[].resource 中。"
        )
    messages = []
    problems: dict[int, MessageRejected] = {}
    for record_no, item in enumerate(array_items(text, entry.start)[0], start=1):
        span = item
        if isinstance(item.value, dict) and "resource" in item.value:
            span = object_members(text, item.start)[0]["resource"]
        resource = span.value if span is not item else None
        messages.append(Message(record_no, resource, text[span.start : span.end].encode("utf-8")))
        if isinstance(item.value, dict):
            where = record_label(record_no, "identifier", _best_effort_referral_id(resource))
            problem = _request_problem(bundle_type, item.value, where)
            if problem is not None:
                problems[record_no] = problem
    return bundle_type, messages, problems


def _entry(problems: Mapping[int, MessageRejected]) -> Callable[[Message], InboundStatusUpdate]:
    def parse_one(message: Message) -> InboundStatusUpdate:
        # A resource that is no Task is told so first: the request naming something else follows from that.
        problem = problems.get(message.record_no)
        if problem is not None and isinstance(message.value, dict) and message.value.get("resourceType") == "Task":
            raise problem
        return _status_update(message)

    return parse_one


def _parse(body: bytes) -> ParseResult:
    text = decode_body(body)
    spans = read_spans(text)
    if len(spans) == 1 and isinstance(spans[0].value, dict) and spans[0].value.get("resourceType") == "Bundle":
        bundle_type, messages, problems = _bundle_entries(text, spans[0])
        result = collect(messages, _entry(problems))
        return replace(result, atomic=bundle_type == "transaction")
    messages = [
        Message(record_no, span.value, text[span.start : span.end].encode("utf-8"))
        for record_no, span in enumerate(spans, start=1)
    ]
    return collect(messages, _status_update)


class FhirTaskAdapter:
    """Hospitals' and the health bureau's FHIR R4 Task updates (醫院 / 衛生局), inbound."""

    format: str = FORMAT
    content_types: frozenset[str] = frozenset({"application/fhir+json", "application/json"})

    def parse(self, body: bytes, partner: str, received_at: datetime) -> ParseResult:
        return _parse(body)


ADAPTER: InboundAdapter = FhirTaskAdapter()
