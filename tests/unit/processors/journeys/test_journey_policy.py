import tomllib
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from processors.journeys.durations import parse_duration
from processors.journeys.policy import Cadence, JourneyPolicy, JourneyPolicyError


def test_defaults_are_the_domain_briefs() -> None:
    policy = JourneyPolicy()
    assert policy.first_contact_after_release == timedelta(days=7)
    assert policy.treatment_start == timedelta(days=14)
    assert (policy.youth_followup_period_months, policy.youth_followup_periods) == (3, 4)
    assert policy.cadence["LOW"] == Cadence(contacts_per_month=1, home_visit_every_months=3)
    assert policy.cadence["MEDIUM"] == Cadence(contacts_per_month=1, home_visit_every_months=2)
    assert policy.cadence["HIGH"] == Cadence(contacts_per_month=2, home_visit_every_months=1)
    assert policy.warn_at == 0.8
    assert policy.longest_home_window == 3


def test_an_empty_or_missing_table_keeps_every_default() -> None:
    assert JourneyPolicy.from_mapping({}) == JourneyPolicy()
    assert JourneyPolicy.from_mapping(None) == JourneyPolicy()


def test_the_documented_toml_table_parses() -> None:
    table = tomllib.loads(
        """
        [journey]
        first_contact_after_release = "PT72H"
        treatment_start = "P2W"
        youth_followup_period_months = 6
        youth_followup_periods = 2
        warn_at = 0.75
        keep_closed_for = "P30D"

        [journey.cadence.HIGH]
        contacts_per_month = 3

        [journey.cadence.LOW]
        home_visit_every_months = 6
        """
    )["journey"]
    policy = JourneyPolicy.from_mapping(table)
    assert policy.first_contact_after_release == timedelta(hours=72)
    assert policy.treatment_start == timedelta(days=14)
    assert (policy.youth_followup_period_months, policy.youth_followup_periods) == (6, 2)
    assert policy.warn_at == 0.75
    assert policy.keep_closed_for == timedelta(days=30)
    # A level table with one key keeps that level's other default; untouched levels keep theirs.
    assert policy.cadence["HIGH"] == Cadence(contacts_per_month=3, home_visit_every_months=1)
    assert policy.cadence["LOW"] == Cadence(contacts_per_month=1, home_visit_every_months=6)
    assert policy.cadence["MEDIUM"] == JourneyPolicy().cadence["MEDIUM"]
    assert policy.longest_home_window == 6


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"first_contact_after_release": "P1M"}, "journey.first_contact_after_release: 'P1M': months and years"),
        ({"treatment_start": "14 days"}, "journey.treatment_start: '14 days' is not an ISO-8601 duration"),
        ({"treatment_start": 14}, "journey.treatment_start: 14 must be an ISO-8601 duration string"),
        ({"treatment_start": "P0D"}, "must be longer than zero"),
        ({"treatment_start": "PT"}, "is not an ISO-8601 duration"),
        ({"treatment_start": "P1DT"}, "is not an ISO-8601 duration"),
        ({"keep_closed_for": "P1Y"}, "journey.keep_closed_for: 'P1Y': months and years"),
        ({"youth_followup_periods": 0}, "journey.youth_followup_periods: 0 must be a whole number of at least 1"),
        ({"youth_followup_periods": True}, "journey.youth_followup_periods: True must be a whole number"),
        ({"youth_followup_period_months": 2.5}, "journey.youth_followup_period_months: 2.5"),
        ({"warn_at": 1.2}, "journey.warn_at: 1.2 must be a number between 0 and 1"),
        ({"warn_at": 0}, "journey.warn_at: 0 must be a number between 0 and 1"),
        ({"warn_at": "0.8"}, "journey.warn_at: '0.8'"),
        ({"first_contact": "P7D"}, "journey: unknown key(s) first_contact; allowed:"),
        ({"cadence": {"URGENT": {"contacts_per_month": 4}}}, "journey.cadence: unknown key(s) URGENT"),
        ({"cadence": {"LOW": 1}}, "journey.cadence.LOW: must be a table"),
        ({"cadence": "monthly"}, "journey.cadence: must be a table of need levels"),
        ({"cadence": {"HIGH": {"contacts": 2}}}, "journey.cadence.HIGH: unknown key(s) contacts"),
        ({"cadence": {"MEDIUM": {"contacts_per_month": 0}}}, "journey.cadence.MEDIUM.contacts_per_month: 0"),
        ({"cadence": {"HIGH": {"home_visit_every_months": "1"}}}, "journey.cadence.HIGH.home_visit_every_months"),
    ],
)
def test_bad_values_are_refused_naming_the_key(table: dict[str, object], message: str) -> None:
    with pytest.raises(JourneyPolicyError) as refused:
        JourneyPolicy.from_mapping(table)
    assert message in str(refused.value)


def test_a_policy_built_in_code_is_checked_too() -> None:
    with pytest.raises(JourneyPolicyError, match="warn_at"):
        JourneyPolicy(warn_at=1.0)
    with pytest.raises(JourneyPolicyError, match="first_contact_after_release"):
        JourneyPolicy(first_contact_after_release=timedelta(0))
    with pytest.raises(JourneyPolicyError, match="levels LOW, MEDIUM, HIGH"):
        JourneyPolicy(cadence={"LOW": Cadence(1, 3)})


def test_the_policys_cadence_cannot_be_changed_after_the_fact() -> None:
    policy = JourneyPolicy()
    with pytest.raises(TypeError):
        policy.cadence["LOW"] = Cadence(9, 9)  # type: ignore[index]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("P7D", timedelta(days=7)),
        ("PT24H", timedelta(hours=24)),
        ("P1DT12H", timedelta(days=1, hours=12)),
        ("P2W", timedelta(weeks=2)),
        ("PT90M", timedelta(minutes=90)),
        ("PT1.5S", timedelta(seconds=1.5)),
    ],
)
def test_fixed_length_iso_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@given(st.integers(0, 400), st.integers(0, 48), st.integers(0, 120))
def test_any_days_hours_minutes_duration_reads_back(days: int, hours: int, minutes: int) -> None:
    expected = timedelta(days=days, hours=hours, minutes=minutes)
    time_part = (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    text = "P" + (f"{days}D" if days else "") + (f"T{time_part}" if time_part else "")
    if expected == timedelta(0):
        with pytest.raises(ValueError):
            parse_duration(text)
    else:
        assert parse_duration(text) == expected
