"""The policy table: the default rows, a deployment's overrides, and clear errors for a bad file."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from processors.sla.policy import (
    ClockRule,
    PolicyError,
    SlaPolicy,
    load_policy,
    parse_duration,
)
from tests.unit.processors.sla.sla_support import POLICY

LATER_THAN_ACKNOWLEDGED = {"ACKNOWLEDGED", "ACCEPTED", "IN_PROGRESS", "COMPLETED", "CLOSED"}
DECIDED = {"ACCEPTED", "IN_PROGRESS", "COMPLETED", "CLOSED"}


def rule(name: str, policy: SlaPolicy = POLICY) -> ClockRule:
    found = policy.rule(name)
    assert found is not None, name
    return found


@pytest.mark.parametrize(
    ("name", "kinds", "destinations", "start", "allowed", "measure", "warn_at", "satisfied_by", "on_due"),
    [
        ("CP_ROUTE", {"CHILD_PROTECTION"}, {"SOCIAL"}, "RECEIVED", timedelta(minutes=1), "ELAPSED", None,
         {"ROUTED", "DELIVERED"} | LATER_THAN_ACKNOWLEDGED, "BREACH"),
        ("CP_TRIAGE", {"CHILD_PROTECTION"}, {"SOCIAL"}, "RECEIVED", timedelta(hours=24), "ELAPSED", 0.8,
         DECIDED, "BREACH"),
        ("YD_DISPATCH", {"YOUTH_DRUG_USE"}, {"SOCIAL"}, "RECEIVED", timedelta(hours=24), "ELAPSED", 0.8,
         {"DISPATCHED", "REDIRECTED"}, "BREACH"),
        ("PR_LEAD_TIME", {"PRE_RELEASE"}, {"BUREAU"}, "RECEIVED", timedelta(days=-30), "ELAPSED", None,
         {"SUBMITTED"}, "LATE_NOTICE"),
        ("PR_MEETING", {"PRE_RELEASE"}, {"BUREAU"}, "RECEIVED", timedelta(0), "ELAPSED", 0.8,
         {"IN_PROGRESS", "COMPLETED", "CLOSED"}, "BREACH"),
        ("DP_ACCEPT", {"DEFERRED_PROSECUTION"}, {"*"}, "ROUTED", 3, "WORKING_DAYS", 0.8, DECIDED, "BREACH"),
        ("DP_CASE_OPENED", {"DEFERRED_PROSECUTION"}, {"BUREAU"}, "ROUTED", timedelta(days=14), "ELAPSED", 0.8,
         {"IN_PROGRESS", "COMPLETED", "CLOSED"}, "BREACH"),
        ("DP_PROGRESS_REPORT", {"DEFERRED_PROSECUTION"}, {"BUREAU"}, "PERIOD_END", 5, "WORKING_DAYS", 0.8,
         {"REPORTED"}, "BREACH"),
        ("RP_ASSESSMENT", {"RECIDIVISM_PREVENTION"}, {"BUREAU"}, "ROUTED", timedelta(days=14), "ELAPSED", 0.8,
         DECIDED | {"REJECTED"}, "BREACH"),
        ("SV_ACK", {"SERVICE"}, {"*"}, "ROUTED", 5, "WORKING_DAYS", 0.8, LATER_THAN_ACKNOWLEDGED, "BREACH"),
        ("SV_OUTCOME", {"SERVICE"}, {"*"}, "ROUTED", timedelta(days=60), "ELAPSED", 0.8,
         {"COMPLETED", "CLOSED", "REJECTED"}, "BREACH"),
        ("OUT_OF_AREA_HANDOFF", {"*"}, {"BUREAU"}, "ROUTED", 5, "WORKING_DAYS", 0.8,
         {"REDIRECTED", "COMPLETED", "CLOSED"}, "BREACH"),
        ("ACK_EXPIRY", {"*"}, {"*"}, "ROUTED", timedelta(days=30), "ELAPSED", None,
         LATER_THAN_ACKNOWLEDGED | {"DISPATCHED"}, "EXPIRE"),
    ],
)  # fmt: skip
def test_default_rows(
    name: str,
    kinds: set[str],
    destinations: set[str],
    start: str,
    allowed: timedelta | int,
    measure: str,
    warn_at: float | None,
    satisfied_by: set[str],
    on_due: str,
) -> None:
    row = rule(name)
    assert (row.kinds, row.destinations, row.start, row.allowed, row.measure) == (
        kinds,
        destinations,
        start,
        allowed,
        measure,
    )
    assert (row.warn_at, row.satisfied_by, row.on_due) == (warn_at, satisfied_by, on_due)
    assert row.description and row.basis
    assert row.escalation("SOCIAL") == "SOCIAL:SUPERVISOR"


def test_default_table_specifics() -> None:
    assert rule("PR_MEETING").due == rule("PR_LEAD_TIME").due == "RELEASE"
    assert rule("DP_PROGRESS_REPORT").recurring == "MONTHLY"
    assert rule("OUT_OF_AREA_HANDOFF").condition == "out_of_area"
    assert rule("CP_TRIAGE").basis.startswith("law")
    assert rule("CP_ROUTE").decided_at == "ROUTED"
    assert rule("PR_LEAD_TIME").decided_at == "SUBMITTED"
    assert rule("CP_TRIAGE").decided_at is None
    assert [r.clock for r in POLICY.rules][:3] == ["CP_ROUTE", "CP_TRIAGE", "YD_DISPATCH"]
    assert len(POLICY.rules) == 13


def test_journey_section_is_passed_through_raw() -> None:
    journey = POLICY.journey
    assert journey["first_contact_after_release"] == "P7D"
    assert journey["treatment_start"] == "P14D"
    assert (journey["youth_followup_period_months"], journey["youth_followup_periods"]) == (3, 4)
    assert journey["warn_at"] == 0.8
    cadence = journey["cadence"]
    assert {level: (c["contacts_per_month"], c["home_visit_every_months"]) for level, c in cadence.items()} == {
        "LOW": (1, 3),
        "MEDIUM": (1, 2),
        "HIGH": (2, 1),
    }


def test_the_journey_engine_reads_the_journey_section() -> None:
    from processors.journeys.policy import JourneyPolicy

    assert JourneyPolicy.from_mapping(POLICY.journey) == JourneyPolicy()


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_deployment_row_replaces_the_default_of_the_same_name(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """
[[clock]]
name = "CP_TRIAGE"
description = "兒少保護通報：社會局12小時內分級分類（本市加嚴）"
basis = "本府自訂"
kinds = ["CHILD_PROTECTION"]
destinations = ["SOCIAL"]
start = "RECEIVED"
allowed = "PT12H"
warn_at = 0.5
satisfied_by = ["ACKNOWLEDGED+"]
escalate_to = "SOCIAL:DIRECTOR"
""",
    )
    policy = load_policy(path)
    triage = rule("CP_TRIAGE", policy)
    assert (triage.allowed, triage.warn_at, triage.basis) == (timedelta(hours=12), 0.5, "本府自訂")
    assert triage.satisfied_by == LATER_THAN_ACKNOWLEDGED
    assert triage.escalation("SOCIAL") == "SOCIAL:DIRECTOR"
    # Same place in the table, every other row untouched.
    assert [r.clock for r in policy.rules] == [r.clock for r in POLICY.rules]
    assert [r for r in policy.rules if r.clock != "CP_TRIAGE"] == [r for r in POLICY.rules if r.clock != "CP_TRIAGE"]
    assert policy.journey == POLICY.journey


def test_a_deployment_may_add_a_row_and_adjust_the_journey(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """
[[clock]]
name = "DP_TREATMENT_ACCEPT"
description = "緩起訴附命戒癮治療：指定醫院2個工作日內受案"
basis = "default"
kinds = ["DEFERRED_PROSECUTION"]
destinations = ["@TREATING"]
start = "ROUTED"
allowed = 2
measure = "WORKING_DAYS"
satisfied_by = ["ACCEPTED+"]

[journey.cadence.HIGH]
contacts_per_month = 3
""",
    )
    policy = load_policy(path)
    assert [r.clock for r in policy.rules] == [*(r.clock for r in POLICY.rules), "DP_TREATMENT_ACCEPT"]
    treating = rule("DP_TREATMENT_ACCEPT", policy)
    ordered = {"kind": "DEFERRED_PROSECUTION", "attributes": {"treatment_ordered": "Y"}}
    assert treating.applies(ordered, "HOSP_KSPH")
    assert treating.applies(ordered, "HEALTH")
    assert not treating.applies(ordered, "BUREAU")
    assert not treating.applies({**ordered, "attributes": {"treatment_ordered": "N"}}, "HOSP_KSPH")
    assert policy.journey["cadence"]["HIGH"] == {"contacts_per_month": 3, "home_visit_every_months": 1}
    assert policy.journey["cadence"]["LOW"] == POLICY.journey["cadence"]["LOW"]


def test_rules_match_kind_destination_and_condition() -> None:
    handoff = rule("OUT_OF_AREA_HANDOFF")
    assert handoff.applies({"kind": "SELF_REFERRAL", "out_of_area": True}, "BUREAU")
    assert not handoff.applies({"kind": "SELF_REFERRAL", "out_of_area": False}, "BUREAU")
    assert not handoff.applies({"kind": "SELF_REFERRAL", "out_of_area": True}, "SOCIAL")
    expiry = rule("ACK_EXPIRY")
    assert expiry.applies({"kind": "LECTURE"}, "NGO_CHENHSI")
    assert not rule("CP_TRIAGE").applies({"kind": "YOUTH_DRUG_USE"}, "SOCIAL")


VALID_ROW = """
[[clock]]
name = "X_ROW"
description = "測試"
basis = "default"
kinds = ["SERVICE"]
destinations = ["LABOUR"]
start = "ROUTED"
allowed = "P1D"
satisfied_by = ["ACKNOWLEDGED+"]
"""


@pytest.mark.parametrize(
    ("replace", "by", "message"),
    [
        ('allowed = "P1D"', 'allowed = "PT24"', "row 1 (X_ROW): field 'allowed': 'PT24' is not an ISO 8601 duration"),
        ('allowed = "P1D"', 'allowed = "P1M"', "field 'allowed': 'P1M' is not an ISO 8601 duration"),
        ('allowed = "P1D"', 'allowed = "-P1D"', "field 'allowed': '-P1D': a clock needs a positive allowed time"),
        ('allowed = "P1D"', "allowed = 3", "field 'allowed': ELAPSED needs an ISO 8601 duration"),
        ('allowed = "P1D"', 'allowed = "P3D"\nmeasure = "WORKING_DAYS"', "WORKING_DAYS needs a whole number"),
        ('allowed = "P1D"', 'allowed = 0\nmeasure = "WORKING_DAYS"', "WORKING_DAYS needs a whole number of days ≥ 1"),
        ('allowed = "P1D"', 'allowed = "P1D"\nmeasure = "HOURS"', "field 'measure': 'HOURS' is not one of"),
        ('allowed = "P1D"', "", "row 1 (X_ROW): field 'allowed': missing"),
        ('satisfied_by = ["ACKNOWLEDGED+"]', 'satisfied_by = ["ACKNOWLEGED"]', "field 'satisfied_by': unknown state"),
        ('satisfied_by = ["ACKNOWLEDGED+"]', 'satisfied_by = ["REJECTED+"]', "'+' follows a state of the forward"),
        ('satisfied_by = ["ACKNOWLEDGED+"]', 'satisfied_by = ["REPORTED"]', "REPORTED meets a period"),
        ('satisfied_by = ["ACKNOWLEDGED+"]', "satisfied_by = []", "field 'satisfied_by': expected a non-empty list"),
        ('kinds = ["SERVICE"]', 'kinds = ["SERVCE"]', "field 'kinds': unknown referral kind 'SERVCE'"),
        ('kinds = ["SERVICE"]', 'kinds = ["*", "SERVICE"]', "field 'kinds': \"*\" already means every kind"),
        ('kinds = ["SERVICE"]', 'kinds = "SERVICE"', "field 'kinds': expected a non-empty list of strings"),
        ('destinations = ["LABOUR"]', 'destinations = ["labour"]', "field 'destinations': 'labour' is not an agency"),
        ('start = "ROUTED"', 'start = "DELIVERED"', "field 'start': 'DELIVERED' is not one of"),
        ('start = "ROUTED"', 'start = "PERIOD_END"', "field 'start': PERIOD_END needs a recurring clock"),
        ('start = "ROUTED"', 'start = "ROUTED"\nrecurring = "MONTHLY"', "field 'start': a recurring clock starts at"),
        ('start = "ROUTED"', 'start = "ROUTED"\nwarn_at = 1.5', "field 'warn_at': expected a fraction between 0 and 1"),
        ('start = "ROUTED"', 'start = "ROUTED"\nwarn_at = true', "field 'warn_at'"),
        ('start = "ROUTED"', 'start = "ROUTED"\non_due = "ESCALATE"', "field 'on_due': 'ESCALATE' is not one of"),
        ('start = "ROUTED"', 'start = "ROUTED"\ncondition = "abroad"', "field 'condition': 'abroad' is not one of"),
        ('start = "ROUTED"', 'start = "ROUTED"\nalowed = "P2D"', "row 1 (X_ROW): field 'alowed': unknown field"),
        ('start = "ROUTED"', 'start = "ROUTED"\ndue = "RELEASE"\nmeasure = "WORKING_DAYS"', "field 'due'"),
        ('name = "X_ROW"', 'name = "x-row"', "field 'name': 'x-row': use upper case letters"),
        ('name = "X_ROW"', "", "[[clock]] row 1: field 'name': missing"),
        ('basis = "default"', 'basis = ""', "row 1 (X_ROW): field 'basis': expected a non-empty string"),
    ],
)
def test_a_bad_row_is_refused_naming_row_and_field(tmp_path: Path, replace: str, by: str, message: str) -> None:
    assert replace in VALID_ROW
    path = _write(tmp_path, VALID_ROW.replace(replace, by))
    with pytest.raises(PolicyError) as refused:
        load_policy(path)
    assert str(refused.value).startswith(f"{path}: ")
    assert message in str(refused.value)


def test_the_valid_row_used_above_is_valid(tmp_path: Path) -> None:
    assert rule("X_ROW", load_policy(_write(tmp_path, VALID_ROW))).allowed == timedelta(days=1)


def test_the_row_number_points_at_the_bad_row(tmp_path: Path) -> None:
    path = _write(tmp_path, VALID_ROW + VALID_ROW.replace("X_ROW", "Y_ROW").replace('"P1D"', '"1 day"'))
    with pytest.raises(PolicyError, match=r"row 2 \(Y_ROW\): field 'allowed'"):
        load_policy(path)


def test_a_name_twice_in_one_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match=r"row 2 \(X_ROW\): clock name used twice"):
        load_policy(_write(tmp_path, VALID_ROW + VALID_ROW))


def test_a_recurring_row_must_be_met_by_its_report(tmp_path: Path) -> None:
    row = VALID_ROW.replace('start = "ROUTED"', 'start = "PERIOD_END"\nrecurring = "MONTHLY"')
    with pytest.raises(PolicyError, match=r"field 'satisfied_by': a recurring clock is met by its period's report"):
        load_policy(_write(tmp_path, row))


def test_a_clock_decided_at_routing_cannot_expire(tmp_path: Path) -> None:
    row = VALID_ROW.replace('["ACKNOWLEDGED+"]', '["ROUTED+"]') + 'on_due = "EXPIRE"\n'
    with pytest.raises(PolicyError, match=r"field 'on_due': a clock decided at routing"):
        load_policy(_write(tmp_path, row))


def test_toml_syntax_errors_and_missing_files_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match=r"policy.toml: not valid TOML"):
        load_policy(_write(tmp_path, "[[clock]\nname = 'X'"))
    with pytest.raises(PolicyError, match=r"nowhere.toml: cannot read the SLA policy file"):
        load_policy(tmp_path / "nowhere.toml")
    with pytest.raises(PolicyError, match=r"unknown top-level key\(s\) clocks"):
        load_policy(_write(tmp_path, "[[clocks]]\nname = 'X'"))
    with pytest.raises(PolicyError, match=r"'journey' must be a table"):
        load_policy(_write(tmp_path, "journey = 3"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PT1M", timedelta(minutes=1)),
        ("PT24H", timedelta(hours=24)),
        ("P14D", timedelta(days=14)),
        ("P2W", timedelta(weeks=2)),
        ("P1DT12H", timedelta(days=1, hours=12)),
        ("PT0S", timedelta(0)),
        ("PT1.5S", timedelta(seconds=1.5)),
        ("-P30D", timedelta(days=-30)),
        ("P", None),
        ("PT", None),
        ("P1DT", None),
        ("P1Y", None),
        ("P1M", None),
        ("24H", None),
        ("", None),
    ],
)
def test_iso_8601_durations(text: str, expected: timedelta | None) -> None:
    assert parse_duration(text) == expected
