"""The KPI report (成果指標) against a data set computed by hand, on a real broker and hub.

Partners post their own files (police CSV, SOCIAL JSON, a prosecutor's XML batch, a women's-prison roster, the
bureau's case-system JSON, a hospital's FHIR Task, LABOUR's CSV reply); the hub's clock is moved to a fixed week
(2031-03-03, a Monday with no holiday near) so every calendar month and deadline is the same on every run, and
forward so clocks breach. The report for 2031-01-01 … 2031-03-05 is then read with ``refhub report`` and over
HTTP; every figure is the one worked out below by hand (the comments give the arithmetic), never by the report's
own code. The HTML page is rendered in headless Chromium (tests/artifacts/kpi-report.png).

Runs its own broker and hub: the clock moves years ahead, and the report counts everything on the topics.
"""

from __future__ import annotations

import json
import random
import re
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from adapters.roster_fixed_width import RosterDetail, format_roster
from tests.conftest import ARTIFACTS
from tests.support import police
from tests.support.browser import screenshot
from tests.support.movable_clock import advance_to, hub_now, own_hub
from tests.support.processes import HubProcess
from tests.support.topics import wait_for

pytestmark = pytest.mark.broker

TAIPEI = ZoneInfo("Asia/Taipei")
PERIOD = ("2031-01-01", "2031-03-05")


def taipei(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2031, month, day, hour, minute, tzinfo=TAIPEI)


@dataclass(frozen=True)
class Person:
    name: str
    national_id: str


def person(seed: int) -> Person:
    who = police.person(random.Random(seed))
    return Person(who.name, who.national_id)


PEOPLE = {key: person(9_000 + n) for n, key in enumerate(
    ("CP", "A", "B", "DP1", "DP2", "P1", "P2", "Y1", "Y2", "Y3", "Y4", "Y5")
)}  # fmt: skip
"""A and B: police recidivism-prevention referrals (A also referred to LABOUR, B's case closed); DP1, DP2: deferred
prosecutions; P1, P2: the prison's roster; Y1–Y5: youth notices; CP: a child-protection notice."""


@pytest.fixture(scope="module")
def kpi_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubProcess]:
    with own_hub(tmp_path_factory, "kpi") as hub:
        yield hub


# --- talking to the hub as the partners do ----------------------------------------------------------------------


def post(hub: HubProcess, partner: str, body: bytes, content_type: str) -> list[str]:
    code, receipt = hub.post("/v1/submissions", body, content_type, hub.token(partner))
    assert code == 202 and receipt["rejected"] == [], receipt
    return [row["referral_id"] for row in receipt["accepted"]]


def post_json(
    hub: HubProcess, partner: str, messages: list[dict[str, Any]], media: str = "application/json"
) -> list[str]:
    return post(hub, partner, json.dumps(messages, ensure_ascii=False).encode(), media)


def status(hub: HubProcess, partner: str, referral_id: str, state: str, **extra: str) -> None:
    at = hub_now(hub).isoformat()
    post_json(hub, partner, [{"type": "STATUS", "referralId": referral_id, "status": state, "at": at, **extra}])


def subject(hub: HubProcess, referral_id: str) -> str:
    [event] = wait_for(hub.broker.bootstrap, "referrals.events", lambda m: m.value["referral_id"] == referral_id, 1)
    return str(event.value["subject_id"])


def sla_event(hub: HubProcess, referral_id: str | None, clock: str, kind: str, subject_id: str | None = None) -> None:
    found = wait_for(
        hub.broker.bootstrap,
        "sla.events",
        lambda m: (
            m.value["clock"] == clock
            and m.value["type"] == kind
            and (referral_id is None or m.value["referral_id"] == referral_id)
            and (subject_id is None or m.value["subject_id"] == subject_id)
        ),
        1,
    )
    assert found, f"no {kind} of {clock} for {referral_id or subject_id}"


def routed(hub: HubProcess, referral_id: str, destination: str) -> None:
    found = wait_for(
        hub.broker.bootstrap,
        "referrals.status",
        lambda m: m.value["referral_id"] == referral_id and m.value["destination"] == destination,
        1,
    )
    assert found, f"{referral_id} never reached {destination}"


# --- the partners' files ---------------------------------------------------------------------------------------


def police_rows() -> list[dict[str, str]]:
    refs = police.fresh_refs(3)
    child = police.child_protection_row(refs[0], police.Person(PEOPLE["CP"].national_id, PEOPLE["CP"].name))
    child["通報時間"] = "120/03/03 08:30"
    rows = [child]
    for ref, key in zip(refs[1:], ("A", "B"), strict=True):
        row = police.child_protection_row(ref, police.Person(PEOPLE[key].national_id, PEOPLE[key].name))
        row.update({"類別": "再犯防止", "通報時間": "120/03/03 08:40", "子女年齡": "", "同意轉介": "是"})
        rows.append(row)
    return rows


def youth_notice(key: str, number: str, at: str, *, in_school: bool, district: str = "三民區") -> dict[str, Any]:
    youth: dict[str, Any] = {
        "name": PEOPLE[key].name, "nationalId": PEOPLE[key].national_id, "birthDate": "2016-05-01",
        "gender": "M", "district": district, "inSchool": in_school,
    }  # fmt: skip
    if in_school:
        youth["school"] = "高雄市立三民國民中學"
    return {"type": "YOUTH_DRUG_USE_NOTICE", "noticeNo": number, "reportedAt": at, "reporter": "EDU",
            "youth": youth, "drugTier": 3}  # fmt: skip


def prosecutor_batch() -> bytes:
    letters = []
    for n, key in enumerate(("DP1", "DP2"), start=1):
        who = PEOPLE[key]
        letters.append(f"""<轉介函 版本="1">
  <發文機關 代碼="PROS_KS">臺灣高雄地方檢察署</發文機關>
  <發文日期>中華民國120年3月3日</發文日期>
  <發文字號>雄檢120緩字第{900 + n:06d}號</發文字號>
  <案號>120年度毒偵字第{700 + n}號</案號>
  <被告><姓名>{who.name}</姓名><身分證統一編號>{who.national_id}</身分證統一編號>
    <出生日期>073/11/02</出生日期><性別>男</性別><電話>0955-123-456</電話><行政區>三民區</行政區></被告>
  <處分 類別="緩起訴">
    <緩起訴期間 起="120/03/01" 迄="122/02/28"/>
    <附命條件>戒癮治療</附命條件><附命條件>社區處遇</附命條件>
    <社區處遇時數>40</社區處遇時數>
    <分流評估 醫療需求="高" 再犯風險="低"/>
    <指定醫院>凱旋醫院</指定醫院><懷孕>否</懷孕><同意轉介>是</同意轉介>
  </處分>
</轉介函>""")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<轉介函清單>\n' + "\n".join(letters) + "\n</轉介函清單>\n"
    ).encode()


def roster() -> bytes:
    details = [
        RosterDetail(f"1200{n}", PEOPLE[key].name, PEOPLE[key].national_id, date(1990, 1, 1), "F", release)
        for n, (key, release) in enumerate((("P1", date(2031, 3, 5)), ("P2", date(2031, 4, 20))), start=1)
    ]
    return format_roster("KSWP", date(2031, 3, 3), details)


def service_referral(key: str, ref: str, service: str, target: str, *, employment_need: bool) -> dict[str, Any]:
    who = PEOPLE[key]
    return {
        "type": "SERVICE_REFERRAL", "ref": ref, "service": service, "target": target, "need": "個管員評估",
        "subject": {"name": who.name, "nationalId": who.national_id, "birthDate": "1990-01-01", "gender": "M",
                    "phone": "0933-456-789", "district": "鳳山區"},
        "at": taipei(3, 3, 9, 30).isoformat(), "employmentNeed": employment_need,
    }  # fmt: skip


def contact(
    ref: str, subject_id: str, at: datetime, mode: str, *, reached: bool = True, level: str | None = None
) -> dict[str, Any]:
    found = {
        "type": "CONTACT",
        "ref": ref,
        "subjectRef": subject_id,
        "mode": mode,
        "reached": reached,
        "at": at.isoformat(),
    }
    if level:
        found["needLevel"] = level
    return found


# --- the story -------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def story(kpi_hub: HubProcess) -> dict[str, str]:
    """Drive the data set; returns the referral and subject ids by their names in the expected figures."""
    hub = kpi_hub
    advance_to(hub, taipei(3, 3, 9))  # T0: Monday 2031-03-03 09:00
    ids: dict[str, str] = {}
    ids["CP"], ids["RP-A"], ids["RP-B"] = post(hub, "POLICE", police.to_csv(police_rows()), "text/csv")
    notices = [youth_notice("Y1", "Y-120-0001", "2031-03-03T08:00:00+08:00", in_school=True),
               youth_notice("Y2", "Y-120-0002", "2031-03-03T08:00:00+08:00", in_school=False),
               youth_notice("Y3", "Y-120-0003", "2031-03-03T08:00:00+08:00", in_school=False, district="100"),
               youth_notice("Y4", "Y-120-0004", "2031-03-03T08:00:00+08:00", in_school=False)]  # fmt: skip
    ids["Y1"], ids["Y2"], ids["Y3"], ids["Y4"] = post_json(hub, "SOCIAL", notices)
    ids["DP1"], ids["DP2"] = post(hub, "PROS_KS", prosecutor_batch(), "application/xml")
    ids["P1"], ids["P2"] = post(hub, "PRISON_KSWP", roster(), "text/plain")
    ids["SR-A"], ids["SR-DP2"] = post_json(
        hub,
        "BUREAU",
        [service_referral("A", "KDPB-SR-120-001", "EMPLOYMENT", "LABOUR", employment_need=True),
         service_referral("DP2", "KDPB-SR-120-002", "COUNSELLING", "NGO_MUEN", employment_need=False)],
    )  # fmt: skip
    for key, referral in (("A", "RP-A"), ("B", "RP-B"), ("DP1", "DP1"), ("DP2", "DP2"), ("P1", "P1"), ("P2", "P2")):
        ids[f"S-{key}"] = subject(hub, ids[referral])
    assert subject(hub, ids["SR-A"]) == ids["S-A"], "one person, one subject, whoever refers them"
    for name, destination in (("DP1", "HOSP_KSPH"), ("DP2", "HOSP_KSPH"), ("SR-A", "LABOUR"), ("Y1", "SOCIAL")):
        routed(hub, ids[name], destination)

    advance_to(hub, taipei(3, 3, 10))
    status(hub, "BUREAU", ids["DP1"], "IN_PROGRESS")  # DP_ACCEPT, DP_CASE_OPENED, ACK_EXPIRY met at the bureau
    status(hub, "BUREAU", ids["DP2"], "IN_PROGRESS")
    advance_to(hub, taipei(3, 3, 11))
    status(hub, "SOCIAL", ids["Y1"], "ACCEPTED", dispatchTo="EDU")  # 2 h after receipt: on time
    advance_to(hub, taipei(3, 3, 12))
    status(hub, "SOCIAL", ids["CP"], "ACCEPTED")  # CP_TRIAGE within 24 h
    status(hub, "BUREAU", ids["P1"], "IN_PROGRESS")  # the transfer meeting, before the 03-05 release
    post_json(hub, "BUREAU", [{"type": "TREATMENT_HOURS", "ref": "KDPB-TH-120-001", "referralId": ids["DP1"],
                               "hours": 6, "period": "2031-03"}])  # fmt: skip
    # The case managers' records since January (補登). Contacts first, the assessments that open each follow-up
    # last: the journey then judges February's cadence with the month's contacts already known.
    post_json(hub, "BUREAU", [
        contact("KDPB-C-01", ids["S-A"], taipei(2, 10, 10), "HOME"),
        contact("KDPB-C-02", ids["S-DP1"], taipei(1, 20, 10), "PHONE", reached=False),
        contact("KDPB-C-03", ids["S-DP1"], taipei(2, 15, 10), "PHONE"),
        contact("KDPB-C-04", ids["S-DP2"], taipei(2, 20, 10), "PHONE"),
    ])  # fmt: skip
    post_json(hub, "BUREAU", [
        contact("KDPB-C-11", ids["S-A"], taipei(1, 4, 10), "PHONE", level="LOW"),
        contact("KDPB-C-12", ids["S-DP1"], taipei(1, 10, 9), "HOME", level="HIGH"),
        contact("KDPB-C-13", ids["S-DP2"], taipei(1, 15, 14), "NETWORK", level="MEDIUM"),
        contact("KDPB-C-14", ids["S-P2"], taipei(2, 1, 10), "PHONE", level="LOW"),
        contact("KDPB-C-15", ids["S-B"], taipei(1, 6, 10), "PHONE", level="LOW"),
    ])  # fmt: skip

    advance_to(hub, taipei(3, 4, 10))  # 25 h after receipt: Y2 and Y4 breached their 24-hour dispatch
    sla_event(hub, ids["Y2"], "YD_DISPATCH", "BREACH")
    sla_event(hub, ids["Y4"], "YD_DISPATCH", "BREACH")
    status(hub, "SOCIAL", ids["Y2"], "ACCEPTED", dispatchTo="YOUTH_COUNSEL")  # late
    for name, state in (("DP1", "in-progress"), ("DP2", "accepted")):
        task = {"resourceType": "Task", "status": state, "intent": "order", "lastModified": hub_now(hub).isoformat(),
                "identifier": [{"system": "urn:refhub:referral", "value": ids[name]}]}  # fmt: skip
        post(hub, "HOSP_KSPH", json.dumps(task).encode(), "application/fhir+json")
    status(hub, "BUREAU", ids["RP-B"], "COMPLETED")  # B's case closes (結案)

    advance_to(hub, taipei(3, 5, 10, 30))  # P1 was released at 00:00
    post_json(hub, "BUREAU", [contact("KDPB-C-21", ids["S-P1"], taipei(3, 5, 10), "PHONE", level="LOW")])
    [ids["SR-P1"]] = post_json(hub, "BUREAU", [
        service_referral("P1", "KDPB-SR-120-003", "EMPLOYMENT", "LABOUR", employment_need=True)
    ])  # fmt: skip
    advance_to(hub, taipei(3, 5, 20))
    [ids["Y5"]] = post_json(hub, "SOCIAL", [youth_notice("Y5", "Y-120-0005", "2031-03-05T19:00:00+08:00",
                                                         in_school=False)])  # fmt: skip
    advance_to(hub, taipei(3, 6, 10))
    reply = f"\ufeff轉介編號,回覆日期,狀態,就業單位,備註\r\n{ids['SR-A']},120/03/06,已收案,,\r\n".encode()
    post(hub, "LABOUR", reply, "text/csv")

    # Everything the figures count has happened once these have.
    sla_event(hub, ids["SR-A"], "SV_ACK", "MET")
    sla_event(hub, ids["Y2"], "YD_DISPATCH", "MET")
    sla_event(hub, ids["P1"], "FIRST_CONTACT_AFTER_RELEASE", "MET")
    sla_event(hub, ids["DP1"], "DP_TREATMENT_START", "MET")
    for key in ("S-DP1", "S-DP2", "S-B"):
        sla_event(hub, None, "FOLLOWUP_CADENCE", "BREACH", subject_id=ids[key])
    sla_event(hub, None, "FOLLOWUP_CADENCE", "MET", subject_id=ids["S-A"])
    wait_for(hub.broker.bootstrap, "protection.gaps", lambda m: m.value["status"] == "CLOSED", 1)
    for name, destination in (("Y5", "SOCIAL"), ("SR-P1", "LABOUR"), ("Y2", "YOUTH_COUNSEL"), ("Y1", "EDU")):
        routed(hub, ids[name], destination)
    return ids


# --- the figures, by hand ----------------------------------------------------------------------------------------

SLA = ("met on time", "met late", "breached", "open", "stopped")


def sla_row(on_time: int, late: int = 0, breached: int = 0) -> tuple[int, int, dict[str, int]]:
    return on_time, on_time + late + breached, dict(zip(SLA, (on_time, late, breached, 0, 0), strict=True))


OUTCOME = ("open", "completed", "rejected", "redirected", "cancelled", "expired", "information copies")


def outcome_row(open_: int, completed: int = 0, copies: int = 0) -> tuple[int, int, dict[str, int]]:
    return completed, open_ + completed, dict(zip(OUTCOME, (open_, completed, 0, 0, 0, 0, copies), strict=True))


EXPECTED: dict[str, tuple[float, int | None, dict[str, float]]] = {
    # Youth notices: Y1 dispatched after 2 h; Y2 breached, dispatched after 25 h (late); Y3 (living in Taipei:
    # SOCIAL still owes the dispatch) and Y4 breached, never dispatched; Y5 came 14 h before the report
    # (pending). 1 ÷ 4.
    "youth_dispatch": (1, 4, {"late": 1, "breached": 2, "not dispatched": 0, "excluded: pending": 1,
                              "excluded: withdrawn": 0}),
    # In follow-up: A, B, DP1, DP2, P1, P2 (assessed). Referred to LABOUR in the period: A, P1. Excused: P2
    # (roster says released 04-20: in prison after the period), B (case closed 03-04), DP2 (service referral
    # says no employment need). Left: DP1. 2 ÷ (6 − 3).
    "employment": (2, 3, {"in follow-up": 6, "excused": 3}),
    "employment.excused": (3, None, {"transferred 移案": 0, "moved away 遷移其他縣市": 0, "imprisoned 入監": 1,
                                     "lost contact 失聯": 0, "employed 已就業": 0, "in school 就學中": 0,
                                     "case closed 期滿／結案": 1, "assessed no need 經評估無需": 1}),
    "casework.clients": (6, None, {}),
    # 30-day months up to 03-06 00:00 (the period's end; the hub's latest record is 03-06 10:00):
    # A LOW from 01-04 10:00, 60.6 days = 2 months: phone 01-04, home 02-10: 2 of 2.
    # DP1 HIGH from 01-10 09:00, 54.6 days = 1 month owing 2 + a home visit: home 01-10, phone 01-20 (not
    #   reached, counts): 3 of 3 (02-15 falls in the left-over days).
    # DP2 MEDIUM from 01-15 14:00, 49.4 days = 1 month owing 1: only the network assessment: 0 of 1.
    # P2 LOW from 02-01 10:00, 32.6 days = 1 month: phone 02-01: 1 of 1.
    # B LOW from 01-06 10:00 to the closure 03-04 10:00, 57 days = 1 month: phone 01-06: 1 of 1.
    # P1 from 03-05 10:00: 14 hours, not judged. 4 ÷ 5.
    "casework.coverage": (4, 5, {"not judged": 1}),
    # Phone, home, face in the spells: A 2, DP1 3, DP2 1, P2 1, B 1, P1 1 = 9, over 6 clients.
    "casework.contacts_per_client": (9, 6, {}),
    "casework.contacts.PHONE": (7, 10, {"reached": 6, "not reached": 1}),
    "casework.contacts.HOME": (2, 10, {"reached": 2, "not reached": 0}),
    "casework.contacts.FACE": (0, 10, {"reached": 0, "not reached": 0}),
    "casework.contacts.NETWORK": (1, 10, {"reached": 1, "not reached": 0}),
    "casework.contacts.OTHER": (0, 10, {"reached": 0, "not reached": 0}),
    # DP1's hospital reported in-progress; DP2's only accepted. Hours: 6 for DP1 in March.
    "treatment.records": (1, 2, {}),
    "treatment.community_hours": (1, 2, {"hours": 6}),
    "transfer.meetings": (1, None, {}),
    "transfer.before_release": (1, 1, {}),
    "transfer.resources.EMPLOYMENT": (1, None, {"persons": 1}),
    "referrals.total": (15, None, {}),
    "referrals.kind.CHILD_PROTECTION": (1, 15, {}),
    "referrals.kind.DEFERRED_PROSECUTION": (2, 15, {}),
    "referrals.kind.PRE_RELEASE": (2, 15, {}),
    "referrals.kind.RECIDIVISM_PREVENTION": (2, 15, {}),
    "referrals.kind.SERVICE": (3, 15, {}),
    "referrals.kind.YOUTH_DRUG_USE": (5, 15, {}),
    "referrals.source.BUREAU": (3, 15, {}),
    "referrals.source.POLICE": (3, 15, {}),
    "referrals.source.PRISON_KSWP": (2, 15, {}),
    "referrals.source.PROS_KS": (2, 15, {}),
    "referrals.source.SOCIAL": (5, 15, {}),
    # BUREAU: RP-A, DP1, DP2, P1, P2 open; RP-B completed; the child-protection copy.
    "referrals.outcome.BUREAU": outcome_row(5, completed=1, copies=1),
    "referrals.outcome.SOCIAL": outcome_row(6),  # Y1, Y2, CP accepted; Y3, Y4, Y5 routed
    "referrals.outcome.EDU": outcome_row(1),
    "referrals.outcome.YOUTH_COUNSEL": outcome_row(1),
    "referrals.outcome.HOSP_KSPH": outcome_row(2),
    "referrals.outcome.LABOUR": outcome_row(2),
    "referrals.outcome.NGO_MUEN": outcome_row(1),
    # Clocks that have spoken (met, warned or due) by 03-06 10:00, started in the period:
    "sla.BUREAU.ACK_EXPIRY": sla_row(4),  # RP-B, DP1, DP2, P1 answered
    "sla.BUREAU.DP_ACCEPT": sla_row(2),
    "sla.BUREAU.DP_CASE_OPENED": sla_row(2),
    "sla.BUREAU.FIRST_CONTACT_AFTER_RELEASE": sla_row(1),  # P1 phoned 10 h after release
    "sla.BUREAU.FOLLOWUP_CADENCE": sla_row(1, breached=3),  # February: A met; DP1, DP2, B short
    "sla.BUREAU.PR_LEAD_TIME": sla_row(1, late=1),  # P2 48 days ahead; P1 2 days ahead (LATE_NOTICE)
    "sla.BUREAU.PR_MEETING": sla_row(1),
    "sla.BUREAU.RP_ASSESSMENT": sla_row(1),  # RP-B completed
    "sla.HOSP_KSPH.ACK_EXPIRY": sla_row(2),
    "sla.HOSP_KSPH.DP_ACCEPT": sla_row(2),
    "sla.HOSP_KSPH.DP_TREATMENT_START": sla_row(1),
    "sla.LABOUR.ACK_EXPIRY": sla_row(1),
    "sla.LABOUR.SV_ACK": sla_row(1),
    "sla.SOCIAL.ACK_EXPIRY": sla_row(3),  # Y1, Y2 dispatched, CP accepted
    "sla.SOCIAL.CP_ROUTE": sla_row(1),
    "sla.SOCIAL.CP_TRIAGE": sla_row(1),
    "sla.SOCIAL.YD_DISPATCH": sla_row(1, late=1, breached=2),
    # February's cadence missed by DP1, DP2, B (opened 03-01); B's closed with the case on 03-04.
    "gaps.BELOW_CADENCE": (3, None, {"opened": 3, "closed": 1, "open at end": 2}),
}  # fmt: skip


def expected_detail(ids: dict[str, str]) -> dict[str, dict[str, set[str]]]:
    def of(*names: str) -> set[str]:
        return {ids[name] for name in names}

    return {
        "youth_dispatch": {"on time": of("Y1"), "late": of("Y2"), "breached": of("Y3", "Y4"),
                           "not dispatched": set(), "excluded: pending": of("Y5"), "excluded: withdrawn": set()},
        "employment": {"referred": of("S-A", "S-P1"), "not referred": of("S-DP1"),
                       "excused: imprisoned 入監": of("S-P2"), "excused: case closed 期滿／結案": of("S-B"),
                       "excused: assessed no need 經評估無需": of("S-DP2")},
        "casework.coverage": {"≥ 65 %": {f"{ids['S-A']} 2/2", f"{ids['S-DP1']} 3/3", f"{ids['S-P2']} 1/1",
                                         f"{ids['S-B']} 1/1"},
                              "< 65 %": {f"{ids['S-DP2']} 0/1"}, "not judged (no whole month)": of("S-P1")},
        "casework.clients": {"in follow-up": of("S-A", "S-B", "S-DP1", "S-DP2", "S-P1", "S-P2")},
        "treatment.records": {"treatment under way": of("DP1"), "no treatment record": of("DP2")},
        "treatment.community_hours": {"hours reported": of("DP1"), "no hours reported": of("DP2")},
        "transfer.meetings": {"meetings": of("P1")},
        "transfer.before_release": {"met before release": of("P1"), "not met before release": set()},
        "transfer.resources.EMPLOYMENT": {"referrals": of("SR-P1")},
        "sla.SOCIAL.YD_DISPATCH": {"met on time": of("Y1"), "met late": of("Y2"), "breached": of("Y3", "Y4")},
        "sla.BUREAU.FOLLOWUP_CADENCE": {"met on time": of("S-A"), "breached": of("S-DP1", "S-DP2", "S-B")},
        "sla.BUREAU.PR_LEAD_TIME": {"met on time": of("P2"), "met late": of("P1")},
        "gaps.BELOW_CADENCE": {"opened": of("S-DP1", "S-DP2", "S-B"), "closed": of("S-B"),
                               "open at end": of("S-DP1", "S-DP2")},
        "referrals.source.BUREAU": {"referrals": of("SR-A", "SR-DP2", "SR-P1")},
    }  # fmt: skip


def report_json(hub: HubProcess, *extra: str) -> dict[str, Any]:
    done = hub.cli("report", "--from", PERIOD[0], "--to", PERIOD[1], "--format", "json", *extra)
    assert done.returncode == 0, done.stderr
    found: dict[str, Any] = json.loads(done.stdout)
    return found


def rows_of(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["key"]: row for section in document["sections"] for row in section["rows"]}


def test_every_figure_is_the_hand_computed_one(kpi_hub: HubProcess, story: dict[str, str]) -> None:
    document = report_json(kpi_hub, "--detail")
    rows = rows_of(document)
    assert sorted(rows) == sorted(EXPECTED), "the report has exactly the rows worked out by hand"
    wrong = []
    for key, (numerator, denominator, counts) in EXPECTED.items():
        row = rows[key]
        got = (row["numerator"], row["denominator"], {k: row["counts"].get(k) for k in counts})
        if got != (numerator, denominator, counts) or (counts and set(row["counts"]) != set(counts)):
            wrong.append(f"{key}: got {got} / {row['counts']}, expected {(numerator, denominator, counts)}")
    assert not wrong, "\n".join(wrong)
    for key, names in expected_detail(story).items():
        detail = {name: set(found) for name, found in rows[key]["detail"].items()}
        assert {name: detail.get(name, set()) for name in names} == names, key
    assert rows["youth_dispatch"]["passed"] is False and rows["youth_dispatch"]["target"] == 0.99
    assert rows["casework.coverage"]["value"] == 0.8 and rows["employment"]["target"] == 1.0
    assert document["as_of"] >= "2031-03-06T02:00"  # the LABOUR reply's receipt, 10:00 in Taipei


def test_the_markdown_table_and_the_http_answers_show_the_same_figures(
    kpi_hub: HubProcess, story: dict[str, str]
) -> None:
    cli = report_json(kpi_hub)
    query = f"/v1/reports/kpi?from={PERIOD[0]}&to={PERIOD[1]}"
    request = urllib.request.Request(
        kpi_hub.url + query,
        headers={"Authorization": f"Bearer {kpi_hub.token('OPERATOR')}", "Accept": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=120) as answer:
        assert answer.headers["Content-Type"].startswith("application/json")
        over_http = json.loads(answer.read())
    assert over_http["sections"] == cli["sections"]
    markdown = kpi_hub.cli("report", "--from", PERIOD[0], "--to", PERIOD[1])
    assert markdown.returncode == 0, markdown.stderr
    assert (
        "| 兒少施用毒品通報依限派案率 youth drug-use notices dispatched within 24 h | 1 | 4 | 25.0 % | 99 % | fail |"
        in (markdown.stdout)
    )
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "kpi-report.md").write_text(markdown.stdout, encoding="utf-8")


def test_the_page_renders_in_headless_chromium(kpi_hub: HubProcess, story: dict[str, str]) -> None:
    request = urllib.request.Request(
        kpi_hub.url + f"/v1/reports/kpi?from={PERIOD[0]}&to={PERIOD[1]}&detail=1",
        headers={"Authorization": f"Bearer {kpi_hub.token('OPERATOR')}"},
    )
    with urllib.request.urlopen(request, timeout=120) as answer:
        assert answer.headers["Content-Type"].startswith("text/html")
        page = answer.read().decode()
    # One chart; pygal's inline config script only: no script, style or image is loaded from anywhere.
    assert page.count("<svg") == 1
    assert not re.search(r"<(script|link|img)[^>]*(href|src)=", page)
    for label in ("youth drug-use notices dispatched within 24 h", "clients referred to employment services",
                  "clients at ≥ 65 % of their required contacts", "ordered treatment under way"):  # fmt: skip
        assert label in page
    width, height = screenshot(page, ARTIFACTS / "kpi-report.png")
    assert (width, height) == (1280, 2400)


def test_no_clear_text_personal_data_in_any_format(kpi_hub: HubProcess, story: dict[str, str]) -> None:
    outputs = [
        kpi_hub.cli("report", "--from", PERIOD[0], "--to", PERIOD[1], "--format", fmt, "--detail").stdout
        for fmt in ("md", "csv", "json", "html")
    ]
    for who in PEOPLE.values():
        for text in outputs:
            assert who.national_id not in text and who.name not in text


def test_a_bad_period_is_refused_with_a_reason(kpi_hub: HubProcess) -> None:
    done = kpi_hub.cli("report", "--from", "2031-03-05", "--to", "2031-01-01")
    assert done.returncode == 2 and json.loads(done.stderr)["error"] == "INVALID_PERIOD"
    code, body = kpi_hub.get("/v1/reports/kpi?from=114/01/01&to=2031-01-01", kpi_hub.token("OPERATOR"))
    assert code == 400 and body["error"] == "INVALID_PERIOD" and "from=" in body["reason"]
