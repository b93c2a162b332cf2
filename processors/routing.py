"""Routing rules (分派規則): which agencies receive a referral, as data.

A rule names the kind it applies to, its targets, and the legal basis that lets each target receive
the referral; every routing decision carries the rule id, so an auditor can see why a case went where it
went. Rules are checked in order; the first rule whose kind and condition match decides.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

Event = Mapping[str, Any]


@dataclass(frozen=True)
class Target:
    destination: str | Callable[[Event], str | None]
    """An agency code, or a function of the referral (e.g. the hospital a prosecutor named)."""
    priority: str | Callable[[Event], str] = "NORMAL"
    copy: bool = False
    team: Callable[[Event], str | None] | None = None


@dataclass(frozen=True)
class Rule:
    rule_id: str
    kind: str
    description: str
    legal_basis: str
    targets: tuple[Target, ...]
    applies: Callable[[Event], bool] = lambda _event: True


@dataclass(frozen=True)
class Route:
    """One routing decision: an assignment for ``destination``."""

    destination: str
    priority: str
    copy: bool
    team: str | None
    rule: str
    legal_basis: str


def district_team(event: Event) -> str | None:
    """The bureau's district team, or the hand-off desk for subjects living outside the city."""
    if event.get("out_of_area"):
        return "OUT_OF_AREA_HANDOFF"
    district = event.get("district")
    return f"DISTRICT:{district}" if district else None


def _attribute(name: str) -> Callable[[Event], str | None]:
    return lambda event: (event.get("attributes") or {}).get(name) or None


def _yes(name: str) -> Callable[[Event], bool]:
    return lambda event: (event.get("attributes") or {}).get(name) == "Y"


def treating_hospital(event: Event) -> str:
    """The hospital the prosecutor named; HEALTH finds one when the name matched none of ours."""
    return _attribute("hospital_code")(event) or "HEALTH"


def triage_priority(event: Event) -> str:
    """RANT triage (分流評估): high medical need or high recidivism risk raises the priority."""
    attributes = event.get("attributes") or {}
    return "HIGH" if "HIGH" in (attributes.get("medical_need"), attributes.get("recidivism_risk")) else "NORMAL"


def triage_team(event: Event) -> str | None:
    attributes = event.get("attributes") or {}
    need, risk = attributes.get("medical_need"), attributes.get("recidivism_risk")
    return f"RANT:{need}/{risk}" if need and risk else district_team(event)


def _team(name: str) -> Callable[[Event], str | None]:
    return lambda _event: name


WOMEN_TEAM = "WOMEN"  # 女性藥癮者關懷輔導專組 (LADY HELP)
YOUTH_TEAM = "YOUTH"

_DRUG_ACT = "毒品危害防制條例第2條之1"

RULES: tuple[Rule, ...] = (
    Rule(
        rule_id="CP-1",
        kind="CHILD_PROTECTION",
        description="兒少保護通報：立即轉介社會局，副知毒防局",
        legal_basis="兒童及少年福利與權益保障法第53條",
        targets=(
            Target("SOCIAL", priority="URGENT"),
            Target("BUREAU", priority="URGENT", copy=True, team=district_team),
        ),
    ),
    Rule(
        rule_id="RP-1",
        kind="RECIDIVISM_PREVENTION",
        description="再犯防止推進計畫：轉介毒防局開案評估",
        legal_basis="毒品危害防制條例第2條之1",
        targets=(Target("BUREAU", team=district_team),),
    ),
    Rule(
        rule_id="AU-1",
        kind="ADULT_USER",
        description="社會局兒少案件發現成年施用者：轉介毒防局",
        legal_basis=_DRUG_ACT,
        targets=(Target("BUREAU", team=district_team),),
    ),
    Rule(
        rule_id="YD-1",
        kind="YOUTH_DRUG_USE",
        description="兒少施用毒品通報：立即通報社會局派案（在學→教育局，未在學→少輔會）",
        legal_basis="兒童及少年福利與權益保障法第53條",
        targets=(Target("SOCIAL", priority="URGENT"),),
    ),
    Rule(
        rule_id="PR-PREGNANT",
        kind="PRE_RELEASE",
        description="出監前轉銜（懷孕）：女性專組並轉衛生局孕產婦流程",
        legal_basis=_DRUG_ACT,
        targets=(Target("BUREAU", priority="HIGH", team=_team(WOMEN_TEAM)), Target("HEALTH", priority="HIGH")),
        applies=_yes("pregnant"),
    ),
    Rule(
        rule_id="PR-YOUTH",
        kind="PRE_RELEASE",
        description="少年矯正機關出所轉銜：少年專組，追蹤至少一年",
        legal_basis=_DRUG_ACT,
        targets=(Target("BUREAU", team=_team(YOUTH_TEAM)),),
        applies=_yes("youth"),
    ),
    Rule(
        rule_id="PR-WOMEN",
        kind="PRE_RELEASE",
        description="出監前轉銜（女性）：女性藥癮者關懷輔導專組",
        legal_basis=_DRUG_ACT,
        targets=(Target("BUREAU", team=_team(WOMEN_TEAM)),),
        applies=lambda event: event.get("gender") == "F",
    ),
    Rule(
        rule_id="PR-1",
        kind="PRE_RELEASE",
        description="出監前轉銜：毒防局轄區個管",
        legal_basis=_DRUG_ACT,
        targets=(Target("BUREAU", team=district_team),),
    ),
    Rule(
        rule_id="DP-TREATMENT",
        kind="DEFERRED_PROSECUTION",
        description="緩起訴附命戒癮治療：指定醫院治療，毒防局社區處遇（依分流評估定組別與優先序）",
        legal_basis="毒品危害防制條例第24條",
        targets=(
            Target(treating_hospital, priority=triage_priority),
            Target("BUREAU", priority=triage_priority, team=triage_team),
        ),
        applies=_yes("treatment_ordered"),
    ),
    Rule(
        rule_id="DP-1",
        kind="DEFERRED_PROSECUTION",
        description="緩起訴社區處遇：毒防局（依分流評估定組別與優先序）",
        legal_basis="毒品危害防制條例第24條",
        targets=(Target("BUREAU", priority=triage_priority, team=triage_team),),
    ),
    Rule(
        rule_id="SV-1",
        kind="SERVICE",
        description="毒防局服務轉介：轉介至個管員指定的單位",
        legal_basis=_DRUG_ACT,
        targets=(Target(_attribute("target")),),
    ),
    Rule(
        rule_id="JY-1",
        kind="JUDICIAL_YOUTH",
        description="司法少年服務方案：毒防局少年專組",
        legal_basis="少年事件處理法",
        targets=(Target("BUREAU", team=_team(YOUTH_TEAM)),),
    ),
    Rule(
        rule_id="SR-1",
        kind="SELF_REFERRAL",
        description="民眾自行求助（0800 專線／求助e點通）：毒防局轄區個管",
        legal_basis=_DRUG_ACT,
        targets=(Target("BUREAU", team=district_team),),
    ),
    Rule(
        rule_id="LE-1",
        kind="LECTURE",
        description="三四級毒品危害講習：通知毒防局",
        legal_basis="毒品危害防制條例第11條之1",
        targets=(Target("BUREAU", team=district_team),),
    ),
)


class NoRoute(LookupError):
    """No rule covers this referral: it must not be dropped silently (the caller dead-letters it)."""


def route(event: Event, rules: tuple[Rule, ...] = RULES) -> list[Route]:
    for rule in rules:
        if rule.kind == event["kind"] and rule.applies(event):
            return [_route(rule, target, event) for target in rule.targets]
    raise NoRoute(f"no routing rule for kind {event['kind']}")


def _route(rule: Rule, target: Target, event: Event) -> Route:
    destination = target.destination(event) if callable(target.destination) else target.destination
    if not destination:
        raise NoRoute(f"rule {rule.rule_id} names no destination for this referral")
    return Route(
        destination=destination,
        priority=target.priority(event) if callable(target.priority) else target.priority,
        copy=target.copy,
        team=target.team(event) if target.team else None,
        rule=rule.rule_id,
        legal_basis=rule.legal_basis,
    )
