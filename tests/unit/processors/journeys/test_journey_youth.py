"""Break point c: a youth left a juvenile facility and follow-up lapsed (少年離開矯正機關後追蹤中斷)."""

from journey_builders import Run, contact, pre_release, taipei

from processors.journeys.journey import next_instant, open_gaps

ROSTER_DAY = taipei(2025, 10, 20, 9)


def _youth_released(*, youth: bool = True) -> Run:
    run = Run()
    run.step(pre_release("R-Y1", "2025-11-30", ROSTER_DAY, youth=youth, source="JUV_FAC_MYHS"))
    return run


def _quarters(run: Run) -> list[tuple[str | None, str, str]]:
    assert run.journey is not None
    return [
        (duty["period"], duty["started_at"], duty["due_at"])
        for duty in run.journey["duties"].values()
        if duty["clock"] == "YOUTH_FOLLOWUP"
    ]


def test_four_quarters_counted_from_the_release_date_itself() -> None:
    # 11-30 + 3 months has no 30th of February: the quarter ends on the 28th, and the next one still
    # counts from the release date (05-30), not from 02-28.
    assert _quarters(_youth_released()) == [
        ("Q1", "2025-11-30T00:00:00+08:00", "2026-02-28T00:00:00+08:00"),
        ("Q2", "2026-02-28T00:00:00+08:00", "2026-05-30T00:00:00+08:00"),
        ("Q3", "2026-05-30T00:00:00+08:00", "2026-08-30T00:00:00+08:00"),
        ("Q4", "2026-08-30T00:00:00+08:00", "2026-11-30T00:00:00+08:00"),
    ]


def test_an_adult_release_has_no_youth_follow_up() -> None:
    assert _quarters(_youth_released(youth=False)) == []


def test_a_quarter_without_a_reached_contact_opens_the_gap_and_the_next_contact_closes_it() -> None:
    run = _youth_released()
    q1 = run.step(contact("C-1", taipei(2025, 12, 3, 10), "HOME"))
    assert run.labels(q1) == ["MET FIRST_CONTACT_AFTER_RELEASE", "MET YOUTH_FOLLOWUP"]
    assert q1[1]["period"] == "Q1"
    # Q2 passes with one unreached attempt only.
    run.step(contact("C-2", taipei(2026, 4, 1, 10), "PHONE", reached=False))
    lapse = run.check(taipei(2026, 5, 30))
    assert run.labels(lapse) == ["WARNING YOUTH_FOLLOWUP", "BREACH YOUTH_FOLLOWUP", "OPEN YOUTH_FOLLOWUP_LAPSED"]
    warning, breach, opened = lapse
    assert warning["at"] == taipei(2026, 5, 11, 19, 12)  # 80 % of the 91 days from 02-28: 72.8 days
    assert breach["at"] == opened["opened_at"] == taipei(2026, 5, 30)
    assert (opened["period"], opened["stage"], opened["referral_id"]) == ("Q2", "FOLLOW_UP", "R-Y1")
    assert opened["detail"] == "離開少年矯正機關後第 2 期（2026-02-28～2026-05-29）無成功聯繫"
    assert run.journey is not None and [g["period"] for g in open_gaps(run.journey)] == ["Q2"]

    mended = run.step(contact("C-3", taipei(2026, 6, 10, 15), "FACE"))
    assert run.labels(mended) == ["MET YOUTH_FOLLOWUP", "CLOSED YOUTH_FOLLOWUP_LAPSED"]
    assert mended[0]["period"] == "Q3"  # the contact is Q3's …
    assert mended[1]["period"] == "Q2" and mended[1]["closed_by"] == "CONTACT/C-3"  # … and mends Q2
    assert open_gaps(run.journey) == []


def test_a_contact_in_every_quarter_keeps_the_year_without_gaps() -> None:
    run = _youth_released()
    for step_id, at in [("C-1", taipei(2025, 12, 1, 9)), ("C-2", taipei(2026, 3, 15, 9)),
                        ("C-3", taipei(2026, 7, 1, 9)), ("C-4", taipei(2026, 10, 1, 9))]:  # fmt: skip
        run.step(contact(step_id, at))
    run.check(taipei(2026, 12, 31))
    assert [e["period"] for e in run.events if e.get("clock") == "YOUTH_FOLLOWUP"] == ["Q1", "Q2", "Q3", "Q4"]
    assert {e["type"] for e in run.events} == {"MET"}
    assert run.journey is not None and next_instant(run.journey) is None


def test_a_contact_late_in_a_quarter_meets_it_after_its_warning() -> None:
    run = _youth_released()
    run.step(contact("C-1", taipei(2025, 12, 1, 9)))
    events = run.step(contact("C-2", taipei(2026, 5, 29, 23, 59)))
    assert run.labels(events) == ["WARNING YOUTH_FOLLOWUP", "MET YOUTH_FOLLOWUP"]
    assert [e["period"] for e in events] == ["Q2", "Q2"] and events[1]["late"] is False


def test_the_last_quarter_ends_at_midnight_taipei_on_the_anniversary() -> None:
    run = _youth_released()
    for step_id, at in [("C-1", taipei(2025, 12, 1, 9)), ("C-2", taipei(2026, 3, 15, 9)),
                        ("C-3", taipei(2026, 7, 1, 9))]:  # fmt: skip
        run.step(contact(step_id, at))
    late = run.step(contact("C-4", taipei(2026, 11, 30, 0, 0)))
    assert run.labels(late) == [
        "WARNING YOUTH_FOLLOWUP", "BREACH YOUTH_FOLLOWUP", "OPEN YOUTH_FOLLOWUP_LAPSED", "CLOSED YOUTH_FOLLOWUP_LAPSED",
    ]  # fmt: skip
    assert late[0]["period"] == "Q4"
