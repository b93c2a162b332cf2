"""出監轉銜 (seed 004, 毒防中心 出監轉銜會議): transfer meetings at correctional facilities and the resources
linked for the people released (實際出席矯正機關出監轉銜會議次數及協助連結資源類型與人次). The programme sets
counts, not targets.

* Meetings attended: pre-release referrals (出監前轉銜) whose BUREAU delivery first moved to IN_PROGRESS (the case
  manager met the inmate; the PR_MEETING clock's own measure) in the period.
* Met before release: of the pre-release referrals whose expected release date falls in the period, those whose
  meeting came before 00:00 of the release day.
* Resources linked: the bureau's service referrals (服務轉介) in the period for people who came through a
  pre-release referral before, by service type — person-times, and persons.
"""

from __future__ import annotations

from datetime import date, datetime, time

from processors.kpi.facts import BUREAU, STARTED, Facts
from processors.kpi.model import Row, Section
from processors.kpi.period import Period
from processors.sla.calendar import TAIPEI


def section(facts: Facts, period: Period) -> Section:
    attended: list[str] = []
    before: list[str] = []
    after: list[str] = []
    released_from: dict[str, datetime] = {}
    for referral_id in sorted(facts.referrals):
        referral = facts.referrals[referral_id]
        if referral.kind != "PRE_RELEASE":
            continue
        first = released_from.get(referral.subject_id)
        released_from[referral.subject_id] = min(first, referral.received_at) if first else referral.received_at
        bureau = facts.deliveries.get((referral_id, BUREAU))
        met = bureau.first(STARTED) if bureau is not None else None
        if met is not None and period.contains(met.at):
            attended.append(referral_id)
        text = referral.attributes.get("expected_release_date")
        if not text or not period.holds(date.fromisoformat(text)):
            continue
        if bureau is not None and bureau.state == "CANCELLED" and met is None:
            continue  # withdrawn by the facility, or amended to another destination
        release = datetime.combine(date.fromisoformat(text), time(0, 0), TAIPEI)
        (before if met is not None and met.at < release else after).append(referral_id)
    linked: dict[str, list[tuple[str, str]]] = {}
    for referral in facts.referrals.values():
        came = released_from.get(referral.subject_id)
        if (
            referral.kind == "SERVICE"
            and referral.source == BUREAU
            and came is not None
            and came <= referral.received_at
            and period.contains(referral.received_at)
        ):
            linked.setdefault(referral.service_type or "OTHER", []).append((referral.subject_id, referral.referral_id))
    rows = [
        Row(
            key="transfer.meetings",
            label="出席出監轉銜會議次數 transfer meetings attended",
            numerator=len(attended),
            unit="count",
            detail={"meetings": tuple(attended)},
        ),
        Row(
            key="transfer.before_release",
            label="出監前完成轉銜會談 met before release (release in the period)",
            numerator=len(before),
            denominator=len(before) + len(after),
            detail={"met before release": tuple(before), "not met before release": tuple(after)},
        ),
    ]
    for service_type in sorted(linked):
        pairs = linked[service_type]
        rows.append(
            Row(
                key=f"transfer.resources.{service_type}",
                label=f"連結資源 resources linked: {service_type}",
                numerator=len(pairs),
                unit="count",
                counts={"persons": len({subject for subject, _ in pairs})},
                detail={"referrals": tuple(sorted(r for _, r in pairs))},
            )
        )
    return Section(
        key="transfer",
        title="出監轉銜 Pre-release transfer",
        definition=(
            "出席矯正機關出監轉銜會議次數及協助連結資源類型與人次: meetings (the bureau's IN_PROGRESS on a pre-release "
            "referral) in the period; for releases in the period, the share met before release; the bureau's "
            "service referrals for people released through a pre-release referral, by type (person-times)."
        ),
        rows=tuple(rows),
        columns=("persons",),
    )
