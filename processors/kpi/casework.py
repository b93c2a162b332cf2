"""個案管理服務落實情形 (seed 004, 綜合規劃組 (三)): case-management coverage, contacts per client, contacts by type.

**Who is in follow-up** (當年度追蹤輔導總人數: every client whose case is open and initially assessed, 開案並完成初評):
a follow-up spell begins with the bureau's first contact that carries a need level (the assessment, 初評) and ends
when the bureau's case closes (結案: a BUREAU delivery of one of the person's referrals moves to COMPLETED or CLOSED
and none of the person's BUREAU deliveries is still open — the journey's rule, information copies (副知) being no
case); a later assessment starts a new spell. A client is in follow-up in the period when a spell overlaps it
(up to the report's *as of*).

**Coverage** (個案管理服務涵蓋率, target 95 %): clients whose actual ÷ required follow-up contacts ≥ 65 % ÷ clients
in follow-up, counted as seed 004 says:

* by month of 30 days (「月(30天)」), counted from the start of each spell's part in the period; a last piece shorter
  than 30 days is not a month, and a client with no whole month in the period is not judged yet (listed);
* each month owes its need level's 追輔模式 (衛部心字第1121760500號函; ``[journey.cadence]`` of the SLA policy): LOW
  and MEDIUM one contact, HIGH two, and — in every k-th month, k = 3 / 2 / 1 — one home visit besides, which a
  home visit in that month or the k − 1 before it gives. The level is the latest assessed before the month ends;
* a contact is a phone call, home visit or face-to-face meeting with a record, reached or not (含聯繫未果);
  network and other contacts are not 追輔 contacts;
* a month counts at most what it owes (以應輔導次數採計), so no client exceeds 100 %.

**Contacts per client** (實際追輔總人次 ÷ 當年度追蹤輔導總人數): phone, home and face-to-face contacts inside the
follow-up spells in the period, uncapped, per client in follow-up. **Contacts by type**: every contact inside
those spells by mode (電訪、家訪、面訪、網路、其他), reached and not reached (訪視未遇).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from processors.journeys.policy import NEED_LEVELS, Cadence, JourneyPolicy
from processors.kpi.facts import BUREAU, FINISHED, Contact, Facts
from processors.kpi.model import Row, Section
from processors.kpi.period import Period

MONTH: Final = timedelta(days=30)
THRESHOLD_PERCENT: Final = 65
TARGET: Final = 0.95
FOLLOW_UP_MODES: Final = frozenset({"PHONE", "HOME", "FACE"})
"""電訪、家訪、面訪: the contacts seed 004 counts as 追輔."""
MODES: Final = ("PHONE", "HOME", "FACE", "NETWORK", "OTHER")
MODE_NAMES: Final = {"PHONE": "電訪 phone", "HOME": "家訪 home visit", "FACE": "面訪 face to face",
                     "NETWORK": "網路 network", "OTHER": "其他 other"}  # fmt: skip
DEFAULT_CADENCE: Final = JourneyPolicy().cadence


@dataclass(frozen=True)
class Spell:
    """One follow-up spell of one client: assessed at ``levels[0]``, closed at ``until`` (None: still open)."""

    subject_id: str
    levels: tuple[tuple[datetime, str], ...]
    until: datetime | None

    @property
    def since(self) -> datetime:
        return self.levels[0][0]

    def level_before(self, at: datetime) -> str:
        """The need level in force for a month ending at ``at``: the latest assessed before it."""
        level = self.levels[0][1]
        for assessed, named in self.levels:
            if assessed >= at:
                break
            level = named
        return level


@dataclass(frozen=True)
class Window:
    """The part of a spell inside the period (and before the report's *as of*)."""

    spell: Spell
    start: datetime
    end: datetime

    def months(self) -> list[tuple[datetime, datetime]]:
        whole = int((self.end - self.start) / MONTH)
        return [(self.start + MONTH * i, self.start + MONTH * (i + 1)) for i in range(whole)]

    def holds(self, at: datetime) -> bool:
        return self.start <= at < self.end


@dataclass(frozen=True)
class Tally:
    actual: int
    required: int

    @property
    def judged(self) -> bool:
        return self.required > 0

    @property
    def covered(self) -> bool:
        # In whole numbers: 13 of 20 is exactly 65 %, whatever a float makes of it.
        return self.actual * 100 >= THRESHOLD_PERCENT * self.required


def closures(facts: Facts) -> dict[str, list[datetime]]:
    """Per subject, the instants their bureau case closed (結案)."""
    bureau: dict[str, list[tuple[datetime, int, str, str]]] = {}
    order = 0
    for (referral_id, destination), delivery in facts.deliveries.items():
        referral = facts.referrals.get(referral_id)
        if destination != BUREAU or referral is None or delivery.copy:
            continue
        for transition in delivery.transitions:
            order += 1
            bureau.setdefault(referral.subject_id, []).append((transition.at, order, referral_id, transition.state))
    found: dict[str, list[datetime]] = {}
    for subject_id, transitions in bureau.items():
        states: dict[str, str] = {}
        for at, _, referral_id, state in sorted(transitions):
            was = states.get(referral_id)
            states[referral_id] = state
            closing = state in ("COMPLETED", "CLOSED") and was not in FINISHED
            if closing and all(s in FINISHED for s in states.values()):
                found.setdefault(subject_id, []).append(at)
    return found


def spells(facts: Facts) -> dict[str, list[Spell]]:
    """Every client's follow-up spells, from their assessed contacts and their case closures."""
    closed = closures(facts)
    assessed: dict[str, list[Contact]] = {}
    for contact in facts.contacts.values():
        if contact.need_level in NEED_LEVELS:
            assessed.setdefault(contact.subject_id, []).append(contact)
    found: dict[str, list[Spell]] = {}
    for subject_id, contacts in assessed.items():
        # At one instant an assessment comes before a closure: a case closed the moment it was assessed is closed.
        happenings = sorted(
            [(c.at, 0, c.event_id, c.need_level or "") for c in contacts]
            + [(at, 1, "", "") for at in closed.get(subject_id, [])]
        )
        levels: list[tuple[datetime, str]] = []
        for at, what, _, level in happenings:
            if what == 0:
                levels.append((at, level))
            elif levels:
                found.setdefault(subject_id, []).append(Spell(subject_id, tuple(levels), at))
                levels = []
        if levels:
            found.setdefault(subject_id, []).append(Spell(subject_id, tuple(levels), None))
    return found


def windows(facts: Facts, period: Period) -> dict[str, list[Window]]:
    """Each client in follow-up in the period, with the parts of their spells inside it."""
    end = period.end if facts.as_of is None else min(period.end, facts.as_of)
    found: dict[str, list[Window]] = {}
    for subject_id, spells_of in spells(facts).items():
        for spell in spells_of:
            start = max(spell.since, period.start)
            stop = end if spell.until is None else min(end, spell.until)
            if stop > start:
                found.setdefault(subject_id, []).append(Window(spell, start, stop))
    return found


def tally(windows_of: list[Window], contacts: list[Contact], cadence: Mapping[str, Cadence]) -> Tally:
    """Actual and required follow-up contacts over a client's whole 30-day months, each month capped."""
    counted = sorted(c.at for c in contacts if c.mode in FOLLOW_UP_MODES)
    homes = sorted(c.at for c in contacts if c.mode == "HOME")
    actual = required = 0
    for window in windows_of:
        months = window.months()
        for number, (start, end) in enumerate(months, start=1):
            level = cadence[window.spell.level_before(end)]
            owed_contacts = level.contacts_per_month
            done = sum(1 for at in counted if start <= at < end)
            actual += min(done, owed_contacts)
            required += owed_contacts
            if number % level.home_visit_every_months == 0:
                since = months[number - level.home_visit_every_months][0]
                required += 1
                actual += 1 if any(since <= at < end for at in homes) else 0
    return Tally(actual, required)


def section(facts: Facts, period: Period, cadence: Mapping[str, Cadence] = DEFAULT_CADENCE) -> Section:
    followed = windows(facts, period)
    contacts_of: dict[str, list[Contact]] = {}
    for contact in facts.contacts.values():
        if contact.subject_id in followed and any(w.holds(contact.at) for w in followed[contact.subject_id]):
            contacts_of.setdefault(contact.subject_id, []).append(contact)
    covered: list[str] = []
    short: list[str] = []
    unjudged: list[str] = []
    for subject_id in sorted(followed):
        counted = tally(followed[subject_id], contacts_of.get(subject_id, []), cadence)
        if not counted.judged:
            unjudged.append(subject_id)
        else:
            (covered if counted.covered else short).append(f"{subject_id} {counted.actual}/{counted.required}")
    inside = [c for found in contacts_of.values() for c in found]
    follow_ups = [c for c in inside if c.mode in FOLLOW_UP_MODES]
    rows = [
        Row(
            key="casework.clients",
            label="追蹤輔導總人數 clients in follow-up",
            numerator=len(followed),
            unit="count",
            detail={"in follow-up": tuple(sorted(followed))},
        ),
        Row(
            key="casework.coverage",
            label="個案管理服務涵蓋率 clients at ≥ 65 % of their required contacts",
            numerator=len(covered),
            denominator=len(covered) + len(short),
            target=TARGET,
            counts={"not judged": len(unjudged)},
            detail={"≥ 65 %": tuple(covered), "< 65 %": tuple(short), "not judged (no whole month)": tuple(unjudged)},
        ),
        Row(
            key="casework.contacts_per_client",
            label="平均追蹤輔導次數 follow-up contacts per client",
            numerator=len(follow_ups),
            denominator=len(followed),
            unit="per_client",
        ),
    ]
    for mode in MODES:
        of_mode = [c for c in inside if c.mode == mode]
        reached = sum(1 for c in of_mode if c.reached)
        rows.append(
            Row(
                key=f"casework.contacts.{mode}",
                label=f"{MODE_NAMES[mode]}",
                numerator=len(of_mode),
                denominator=len(inside),
                counts={"reached": reached, "not reached": len(of_mode) - reached},
                detail={"clients": tuple(sorted({c.subject_id for c in of_mode}))},
            )
        )
    return Section(
        key="casework",
        title="個案管理服務 Case management",
        definition=(
            "涵蓋率＝實際追輔頻次達成率 ≥ 65 % 人數 ÷ 追蹤輔導人數：by 30-day month from the start of each follow-up "
            "spell in the period, each month owing its need level's 追輔模式 (LOW/MEDIUM 1 contact, HIGH 2; a home "
            "visit every 3rd/2nd/1st month) and counting at most that; phone, home and face-to-face contacts count, "
            "reached or not. Contacts by type: share of all contacts in the spells."
        ),
        rows=tuple(rows),
        columns=("not judged", "reached", "not reached"),
    )
