"""PUBLIC inbound adapter: the self-referral web form (求助e點通) → ``SELF_REFERRAL`` referrals.

JSON, UTF-8, one form or an array of them (PARTNER_FORMATS.md, "NGO_* and PUBLIC"):
``name``*, ``email``*, ``phone``, ``subject``*, ``content``*, ``district`` (* required).

Two things differ from every other referral:

* **No partner reference.** The form has no number of its own; the gateway assigns the submission id and uses
  it as the reference, so ``partner_ref`` is ``""`` here. (Were the adapter to invent one — a hash of the
  content, say — two people asking the same thing in the same words would become one referral.)
* **No national ID.** The subject is keyed on the e-mail address until a case manager links them to a person,
  so the address must at least look deliverable; ``subject`` and ``content`` are the person's own words and
  travel sealed in ``personal_extra``.

The form carries no time of its own either: ``occurred_at`` is when the hub received it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Final

from pydantic import PlainValidator

from adapters.base import FieldError, InboundAdapter, InboundReferral, ParseResult, Person, Place
from adapters.status_json import (
    JsonModel,
    Message,
    OptionalDistrict,
    OptionalPhone,
    RequiredFreeText,
    Text,
    collect,
    read_messages,
    record_label,
    require_object,
    required,
    validate,
)
from adapters.validation.text import quote

FORMAT: Final = "PUBLIC_FORM_JSON"
LEGAL_BASIS: Final = "毒品危害防制條例第2條之1"
MAX_EMAIL_LENGTH: Final = 254  # RFC 5321's limit on a forward path


def parse_email(text: str) -> str:
    """A loose check that an address could be delivered: one ``@``, a dotted domain, no blanks.

    Loose on purpose: the exact grammar (RFC 5322) allows addresses no web form produces, and a person asking
    for help must not be turned away over a quoting rule. ``INVALID_EMAIL``.
    """
    value = text.strip()
    local, _, domain = value.partition("@")
    labels = domain.split(".")
    if (
        value.count("@") != 1
        or not local
        or len(labels) < 2
        or not all(labels)
        or any(character.isspace() for character in value)
        or len(value) > MAX_EMAIL_LENGTH
    ):
        raise FieldError("INVALID_EMAIL", f"{quote(value)}不是有效的電子郵件地址，請填寫如 name@example.com 的地址。")
    return value


class SelfReferralForm(JsonModel):
    """The form's fields, checked in the order the form shows them."""

    name: Text
    email: Annotated[str, PlainValidator(required(parse_email))]
    phone: OptionalPhone = None
    subject: Text
    content: RequiredFreeText
    """The person's own words: may keep its line breaks."""
    district: OptionalDistrict = None


def _self_referral(message: Message, received_at: datetime) -> InboundReferral:
    where = record_label(message.record_no)
    form = validate(SelfReferralForm, require_object(message, where), where)
    return InboundReferral(
        record_no=message.record_no,
        partner_ref="",  # the gateway's submission id stands in: see the module docstring
        kind="SELF_REFERRAL",
        occurred_at=received_at,
        subject=Person(national_id=None, name=form.name, email=form.email, phone=form.phone),
        place=form.district or Place(postal_code=None, district=None),
        legal_basis=LEGAL_BASIS,
        raw=message.raw,
        personal_extra={"subject": form.subject, "content": form.content},
    )


class PublicFormJsonAdapter:
    """The self-referral web form (求助e點通), inbound."""

    format: str = FORMAT
    content_types: frozenset[str] = frozenset({"application/json"})

    def parse(self, body: bytes, partner: str, received_at: datetime) -> ParseResult:
        return collect(read_messages(body), lambda message: _self_referral(message, received_at))


ADAPTER: InboundAdapter = PublicFormJsonAdapter()
