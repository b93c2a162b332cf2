from processors import intake
from tests.support.events import SECRET, event, inbound


def test_digest_ignores_the_row_number_but_not_the_content() -> None:
    base = intake.content_digest(SECRET, "POLICE", inbound(record_no=1))
    assert base == intake.content_digest(SECRET, "POLICE", inbound(record_no=7))
    assert base != intake.content_digest(SECRET, "POLICE", inbound(phone="0987654321"))
    assert base != intake.content_digest(b"another-secret", "POLICE", inbound())


def test_the_canonical_event_holds_no_clear_text_personal_data() -> None:
    produced = event()
    flat = repr({k: v for k, v in produced.items() if k != "personal"})
    for secret in ("A123456789", "王小明", "0912345678", "林警官"):
        assert secret not in flat
    assert produced["subject_id"] == "S-1"
    assert produced["referral_id"].startswith("R-")


def test_stored_bytes_bounds_the_largest_record_a_referral_becomes() -> None:
    from dataclasses import replace

    from processors.intake import RECORD_OVERHEAD, stored_bytes

    record = inbound()
    small = stored_bytes(record, b"header\r\n")
    assert small >= len(record.raw) + RECORD_OVERHEAD
    big = replace(record, personal_extra={"note": "備" * 700_000})
    assert stored_bytes(big, b"") > 2_000_000, "a 2 MiB free-text field makes a 2 MiB sealed event"
