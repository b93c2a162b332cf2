"""The router's side of need to know: each destination's assignment carries its view only, sealed for it."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.exceptions import InvalidTag

from processors.privacy import envelopes
from processors.privacy.assignment_view import seal_for_destination
from schemas.codec import codec_for
from tests.contract.outbound.samples import assignment

SUBJECT = "S-3f9a1c0e7b2d4a68"
PERSONAL: dict[str, Any] = {
    "national_id": "T120007753",
    "name": "陳大文",
    "phone": "0933123456",
    "need": "堆高機證照",
    "case_manager": "王個管",
    "officer": "陳正義",
}
ATTRIBUTES = {"employment_need": "Y", "target": "LABOUR", "drug_tier": "2", "apgar": "2"}


def labour_assignment() -> dict[str, Any]:
    return assignment(
        destination="LABOUR",
        kind="SERVICE",
        service_type="EMPLOYMENT",
        source="BUREAU",
        partner_ref="CM-114-07-0881",
        subject_id=SUBJECT,
        attributes=dict(ATTRIBUTES),
    )


def test_labours_assignment_carries_labours_view_only() -> None:
    key = envelopes.new_data_key()
    sealed = seal_for_destination(labour_assignment(), PERSONAL, key)
    record = sealed.record
    assert record["attributes"] == {"employment_need": "Y"}
    assert record["partner_ref"] == ""  # a case number LABOUR may not see
    assert record["personal"]["key_id"] == f"{SUBJECT}#LABOUR"
    opened = envelopes.open_envelope(envelopes.Sealed.from_record(record["personal"]), {SUBJECT: key}.get)
    assert opened == {"name": "陳大文", "phone": "0933123456", "need": "堆高機證照", "case_manager": "王個管"}
    assert sealed.disclosed == [
        "attributes.employment_need",
        "personal.case_manager",
        "personal.name",
        "personal.need",
        "personal.phone",
    ]


def test_the_record_is_avro_and_byte_identical_when_sealed_again() -> None:
    key = envelopes.new_data_key()
    codec = codec_for("assignment")
    first = codec.encode(seal_for_destination(labour_assignment(), PERSONAL, key).record)
    again = codec.encode(seal_for_destination(labour_assignment(), dict(reversed(PERSONAL.items())), key).record)
    assert first == again
    assert b"T120007753" not in first and "陳大文".encode() not in first and b"CM-114" not in first


def test_socials_view_keeps_the_reference_and_opens_only_with_socials_key() -> None:
    key = envelopes.new_data_key()
    record = seal_for_destination(
        assignment(subject_id=SUBJECT), {"name": "林小雯", "raid_case_no": "雄警刑114字第0715號"}, key
    ).record
    assert record["partner_ref"] == "KPD-1140715-0031"
    view = envelopes.Sealed.from_record(record["personal"])
    assert envelopes.unseal_view(envelopes.view_key(key, "SOCIAL"), view)["raid_case_no"] == "雄警刑114字第0715號"
    with pytest.raises(InvalidTag):
        envelopes.unseal_view(envelopes.view_key(key, "BUREAU"), view)


def test_an_undeclared_destination_gets_an_empty_view() -> None:
    record = seal_for_destination(assignment(destination="EDU"), PERSONAL, envelopes.new_data_key())
    assert record.record["attributes"] == {}
    assert not record.view.declared
    assert record.disclosed == []


def test_the_input_assignment_is_not_changed() -> None:
    original = labour_assignment()
    seal_for_destination(original, PERSONAL, envelopes.new_data_key())
    assert original == labour_assignment()
