"""轉介有就業需求之藥癮個案比率 (seed 004, 保護扶助組 (九)): clients referred to employment services ÷ clients who
should be. Target 100 %.

應轉介就業服務個案數 = 追蹤輔導個案數 − 無需轉介就業個案數: the clients in follow-up in the period (see
:mod:`.casework`), less those the programme excuses. *Referred*: the hub routed one of the client's referrals to
LABOUR (公立就業服務機構) in the period — a bureau employment referral, or any service referral with an employment
need (rule SV-EMPLOYMENT). A referred client always counts; an excusal is looked for only among the others, by
what the hub holds up to the period's end, first reason first:

========================= ==================================================================================
移案 transferred           a BUREAU delivery of the client was redirected (handed on to another agency or city)
遷移其他縣市 moved away     the client's latest referral says they live outside Kaohsiung (out of area)
入監 imprisoned             a prison or juvenile-facility roster still holds them after the period (release later)
失聯 lost contact           a BUREAU delivery was rejected with reason NO_CONTACT
已就業 employed             LABOUR answered an earlier referral 已就業 (``employed = Y``)
就學中 in school            the latest referral that says so has them in school (``in_school = Y``)
期滿／結案 case closed      the bureau closed the client's case in the period and opened none after
經評估無需 assessed no need the latest bureau service referral says 就業需求 否 (``employment_need = N``)
========================= ==================================================================================

The hub cannot know 託管 (entrusted), 死亡 (died), 出境 (abroad, deported), 服役中 (military service), 就養 (in care)
or 傷病 (ill): no partner sends them. Such a client stays in the denominator unless the bureau closes the case
(then: case closed) or its service referral says no employment need — the bureau subtracts the rest by hand.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Final

from processors.kpi.casework import Window, windows
from processors.kpi.facts import BUREAU, Delivery, Facts, Referral
from processors.kpi.model import Row, Section
from processors.kpi.period import Period

LABOUR: Final = "LABOUR"
TARGET: Final = 1.0
CANNOT_KNOW: Final = (
    "託管 entrusted", "死亡 died", "出境 abroad", "服役中 military service", "就養 in care", "傷病 ill",
)  # fmt: skip


class _Client:
    """What the excusals look at for one client, up to the period's end."""

    def __init__(
        self,
        referrals: list[Referral],
        deliveries: dict[str, list[Delivery]],
        employed: bool,
        windows_of: list[Window],
        period: Period,
    ) -> None:
        end = period.end
        self.referrals = [r for r in referrals if r.received_at < end]
        self.bureau = [d for r in self.referrals for d in deliveries.get(r.referral_id, []) if d.destination == BUREAU]
        self.employed = employed
        self.windows = windows_of
        self.period = period

    def _bureau_ended(self, state: str, reason: str | None = None) -> bool:
        return any(
            t.state == state and t.at < self.period.end and (reason is None or t.reason_code == reason)
            for d in self.bureau
            for t in d.transitions
        )

    def transferred(self) -> bool:
        return self._bureau_ended("REDIRECTED")

    def moved_away(self) -> bool:
        return bool(self.referrals) and self.referrals[-1].out_of_area

    def imprisoned(self) -> bool:
        for referral in self.referrals:
            release = referral.attributes.get("expected_release_date")
            if referral.kind == "PRE_RELEASE" and release and date.fromisoformat(release) > self.period.last:
                return True
        return False

    def lost_contact(self) -> bool:
        return self._bureau_ended("REJECTED", "NO_CONTACT")

    def in_school(self) -> bool:
        said = [r.attributes["in_school"] for r in self.referrals if r.attributes.get("in_school") in ("Y", "N")]
        return bool(said) and said[-1] == "Y"

    def case_closed(self) -> bool:
        last = max(self.windows, key=lambda w: w.start)
        return last.spell.until is not None and last.spell.until < self.period.end

    def no_need(self) -> bool:
        said = [
            r.attributes["employment_need"]
            for r in self.referrals
            if r.kind == "SERVICE" and r.source == BUREAU and r.attributes.get("employment_need") in ("Y", "N")
        ]
        return bool(said) and said[-1] == "N"


EXCUSALS: Final[tuple[tuple[str, Callable[[_Client], bool]], ...]] = (
    ("transferred 移案", _Client.transferred),
    ("moved away 遷移其他縣市", _Client.moved_away),
    ("imprisoned 入監", _Client.imprisoned),
    ("lost contact 失聯", _Client.lost_contact),
    ("employed 已就業", lambda client: client.employed),
    ("in school 就學中", _Client.in_school),
    ("case closed 期滿／結案", _Client.case_closed),
    ("assessed no need 經評估無需", _Client.no_need),
)


def _routed_to_labour(facts: Facts, referrals: list[Referral], period: Period) -> bool:
    for referral in referrals:
        labour = facts.deliveries.get((referral.referral_id, LABOUR))
        routed = labour.first(("ROUTED",)) if labour is not None else None
        if routed is not None and period.contains(routed.at):
            return True
    return False


def section(facts: Facts, period: Period) -> Section:
    followed = windows(facts, period)
    by_subject = facts.by_subject()
    deliveries = facts.deliveries_by_referral()
    employed = {
        facts.referrals[a.referral_id].subject_id
        for a in facts.answers.values()
        if a.partner == LABOUR
        and a.attributes.get("employed") == "Y"
        and a.at < period.end
        and a.referral_id in facts.referrals
    }
    referred: list[str] = []
    not_referred: list[str] = []
    excused: dict[str, list[str]] = {name: [] for name, _ in EXCUSALS}
    for subject_id in sorted(followed):
        referrals = by_subject.get(subject_id, [])
        if _routed_to_labour(facts, referrals, period):
            referred.append(subject_id)
            continue
        client = _Client(referrals, deliveries, subject_id in employed, followed[subject_id], period)
        reason = next((name for name, applies in EXCUSALS if applies(client)), None)
        if reason is None:
            not_referred.append(subject_id)
        else:
            excused[reason].append(subject_id)
    row = Row(
        key="employment",
        label="轉介就業服務比率 clients referred to employment services",
        numerator=len(referred),
        denominator=len(referred) + len(not_referred),
        target=TARGET,
        counts={"in follow-up": len(followed), "excused": sum(len(ids) for ids in excused.values())},
        detail={
            "referred": tuple(referred),
            "not referred": tuple(not_referred),
            **{f"excused: {name}": tuple(ids) for name, ids in excused.items()},
        },
    )
    reasons = Row(
        key="employment.excused",
        label="無需轉介就業 excused, by reason",
        numerator=sum(len(ids) for ids in excused.values()),
        unit="count",
        counts={name: len(ids) for name, ids in excused.items()},
    )
    return Section(
        key="employment",
        title="就業轉介 Employment referrals",
        definition=(
            "實際轉介就業服務個案數 ÷ (追蹤輔導個案數 − 無需轉介就業個案數): clients in follow-up routed to LABOUR in "
            "the period ÷ clients in follow-up less those excused (transferred, moved away, imprisoned, lost contact, "
            "employed, in school, case closed, assessed no need). The hub cannot know: " + "、".join(CANNOT_KNOW) + "."
        ),
        rows=(row, reasons),
        columns=("in follow-up", "excused", *(name for name, _ in EXCUSALS)),
    )
