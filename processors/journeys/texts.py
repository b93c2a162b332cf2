"""The words on journey events: each clock's basis and each break point's detail, in Traditional Chinese.

Details name periods, dates of the duty, counts and agency codes only — never anything about the person,
since gap events travel to dashboards and partners' supervisors.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Final

from processors.journeys.durations import describe
from processors.journeys.policy import NEED_LEVEL_NAMES, Cadence
from processors.lifecycle import SFAA_HANDLING_CODE, State

BASIS: Final = {
    "FIRST_CONTACT_AFTER_RELEASE": "貫穿式保護：出監後社區個案管理無縫接續",
    "DP_TREATMENT_START": "緩起訴附命處遇：轉介後開始治療／社區處遇",
    "YOUTH_FOLLOWUP": "少年離開矯正機關後定期追蹤至少 1 年，每季 1 次",
}


def cadence_basis(level: str, cadence: Cadence) -> str:
    return (
        f"追輔模式（衛部心字第1121760500號函）：{NEED_LEVEL_NAMES[level]}需求每月至少聯繫 "
        f"{cadence.contacts_per_month} 次、每 {cadence.home_visit_every_months} 個月家訪 1 次"
    )


def released_no_contact(release_day: date, allowed: timedelta) -> str:
    return f"預定 {release_day.isoformat()} 出監後 {describe(allowed)}內無社區個管成功聯繫"


def no_treatment_start(destination: str | None, allowed: timedelta) -> str:
    return f"緩起訴轉介後 {describe(allowed)}內治療單位（{destination or '未定'}）未開始治療或處遇"


def treatment_refused(destination: str, state: str) -> str:
    handling = SFAA_HANDLING_CODE.get(State(state), state)
    return f"治療單位（{destination}）{handling}，尚無其他單位開始治療或處遇"


def referral_withdrawn(detail: str) -> str:
    """A break point closed because its referral was withdrawn: what was missed, then why it ended."""
    return f"{detail}；轉介已撤回（來源機關取消轉介，或更正後不再轉介），本斷點隨之結束"


def youth_followup_lapsed(quarter: int, first_day: date, last_day: date) -> str:
    return f"離開少年矯正機關後第 {quarter} 期（{first_day.isoformat()}～{last_day.isoformat()}）無成功聯繫"


def below_cadence(
    month: str, level: str, reached: int, required: int, home_missing_since: str | None, home_months: int
) -> str:
    parts = []
    if reached < required:
        parts.append(f"{month} 成功聯繫 {reached} 次，{NEED_LEVEL_NAMES[level]}需求應至少 {required} 次")
    if home_missing_since is not None:
        parts.append(f"近 {home_months} 個月（{home_missing_since} 起）無成功家訪")
    return "；".join(parts)
