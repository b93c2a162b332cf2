"""Clients referred to employment ÷ clients who should be: the referred always count, each excusal the hub can
know takes a client out, and one it cannot know leaves the client in."""

from __future__ import annotations

from kpi_builders import answer, contact, facts, referral, status, taipei

from processors.kpi import employment
from processors.kpi.period import Period

PERIOD = Period.parse("2025-01-01", "2025-06-30")
T = taipei(2025, 2, 1, 9)


def _client(subject: str, *more: tuple[str, dict[str, object]]) -> list[tuple[str, dict[str, object]]]:
    """A client in follow-up since January, with a recidivism-prevention case open at the bureau."""
    case = f"R-{subject}"
    return [
        ("referral", referral(case, "RECIDIVISM_PREVENTION", subject, taipei(2025, 1, 2))),
        ("status", status(case, "BUREAU", "ROUTED", taipei(2025, 1, 2))),
        ("contact", contact(subject, taipei(2025, 1, 5), "FACE", need_level="MEDIUM")),
        *more,
    ]


def test_referred_excused_and_left_in() -> None:
    events = [
        # Referred to LABOUR in the period (a referral that also says they are in school: referred counts first).
        *_client("S-REF"),
        (
            "referral",
            referral("R-JOB", "SERVICE", "S-REF", T, source="BUREAU", service_type="EMPLOYMENT", in_school="Y"),
        ),
        ("status", status("R-JOB", "LABOUR", "ROUTED", T)),
        # Routed to LABOUR before the period: not referred in it, and nothing excuses them.
        *_client("S-OLD"),
        ("referral", referral("R-OLD", "SERVICE", "S-OLD", taipei(2024, 12, 1), source="BUREAU")),
        ("status", status("R-OLD", "LABOUR", "ROUTED", taipei(2024, 12, 1))),
        *_client("S-MOVED", ("referral", referral("R-M2", "ADULT_USER", "S-MOVED", T, out_of_area=True))),
        *_client("S-GONE", ("status", status("R-S-GONE", "BUREAU", "REDIRECTED", T))),
        *_client(
            "S-PRISON",
            (
                "referral",
                referral("R-P", "PRE_RELEASE", "S-PRISON", T, source="PRISON_KSP1", expected_release_date="2025-09-01"),
            ),
        ),
        *_client(
            "S-OUT",
            (
                "referral",
                referral("R-P2", "PRE_RELEASE", "S-OUT", T, source="PRISON_KSP1", expected_release_date="2025-03-01"),
            ),
        ),
        *_client("S-LOST", ("status", status("R-S-LOST", "BUREAU", "REJECTED", T, reason="NO_CONTACT"))),
        *_client("S-DECLINED", ("status", status("R-S-DECLINED", "BUREAU", "REJECTED", T, reason="DECLINED"))),
        *_client(
            "S-WORK",
            ("referral", referral("R-W", "SERVICE", "S-WORK", taipei(2024, 10, 1), source="BUREAU")),
            ("status", status("R-W", "LABOUR", "ROUTED", taipei(2024, 10, 1))),
            ("update", answer("R-W", "LABOUR", "COMPLETED", taipei(2024, 11, 1), employed="Y")),
        ),
        *_client(
            "S-NOJOB",
            ("referral", referral("R-N", "SERVICE", "S-NOJOB", taipei(2024, 10, 1), source="BUREAU")),
            ("update", answer("R-N", "LABOUR", "COMPLETED", taipei(2024, 11, 1), employed="N")),
        ),
        *_client("S-SCHOOL", ("referral", referral("R-Y", "JUDICIAL_YOUTH", "S-SCHOOL", T, in_school="Y"))),
        *_client("S-CLOSED", ("status", status("R-S-CLOSED", "BUREAU", "COMPLETED", taipei(2025, 4, 1)))),
        *_client(
            "S-NONEED",
            (
                "referral",
                referral(
                    "R-F", "SERVICE", "S-NONEED", T, source="BUREAU", service_type="FAMILY_SUPPORT", employment_need="N"
                ),
            ),
        ),
        # Not in follow-up (never assessed): neither counted nor excused, even when referred.
        ("referral", referral("R-X", "SERVICE", "S-NOTFOLLOWED", T, source="BUREAU")),
        ("status", status("R-X", "LABOUR", "ROUTED", T)),
    ]
    section = employment.section(facts(*events, as_of=taipei(2025, 7, 5)), PERIOD)
    row, reasons = section.rows
    assert row.detail["referred"] == ("S-REF",)
    assert row.detail["not referred"] == ("S-DECLINED", "S-NOJOB", "S-OLD", "S-OUT")
    excused = {name.removeprefix("excused: "): ids for name, ids in row.detail.items() if name.startswith("excused")}
    assert excused == {
        "transferred 移案": ("S-GONE",),
        "moved away 遷移其他縣市": ("S-MOVED",),
        "imprisoned 入監": ("S-PRISON",),
        "lost contact 失聯": ("S-LOST",),
        "employed 已就業": ("S-WORK",),
        "in school 就學中": ("S-SCHOOL",),
        "case closed 期滿／結案": ("S-CLOSED",),
        "assessed no need 經評估無需": ("S-NONEED",),
    }
    assert (row.numerator, row.denominator, row.target, row.passed) == (1, 5, 1.0, False)
    assert row.counts == {"in follow-up": 13, "excused": 8}
    assert reasons.numerator == 8


def test_an_excusal_after_the_period_excuses_nothing_in_it() -> None:
    events = _client(
        "S-LATER", ("status", status("R-S-LATER", "BUREAU", "REJECTED", taipei(2025, 7, 2), reason="NO_CONTACT"))
    )
    [row, _] = employment.section(facts(*events, as_of=taipei(2025, 7, 5)), PERIOD).rows
    assert row.detail["not referred"] == ("S-LATER",)
