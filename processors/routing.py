"""Routing rules (分派規則): which agencies receive a referral, as data.

A rule names the kind it applies to, its targets, and the legal basis that lets each target receive
the referral; every routing decision carries the rule id, so an auditor can see why a case went where it
went. Rules are checked in order; the first rule whose kind and condition match decides. A rule marked
``also`` does not decide: when it matches, its targets are added to the deciding rule's (every client with an
employment need is referred to LABOUR, whatever else the case manager asked for).

Two policies hold for every rule: a subject living outside the city goes to the bureau's hand-off desk
(``handoff`` = ``OUT_OF_AREA``); and a rule may refuse a referral that does not meet its criteria
(:class:`RouteRefused`), which is dead-lettered with a reason the sender can act on.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Final

from adapters.agencies import DISPATCH_TARGETS

Event = Mapping[str, Any]
Attributes = Callable[[Event], Mapping[str, str]]

EARLIER_LECTURES: Final = "earlier_lectures"
"""Key of the hub's own fact the rules see beside the referral: how many earlier lecture notices it holds for
the same person (the router counts them; the referral itself cannot know)."""


@dataclass(frozen=True)
class Target:
    destination: str | Callable[[Event], str | None]
    """An agency code, or a function of the referral (e.g. the hospital a prosecutor named)."""
    priority: str | Callable[[Event], str] = "NORMAL"
    copy: bool = False
    team: Callable[[Event], str | None] | None = None
    attributes: Attributes | None = None
    """Notes the decision adds to the assignment (a proposed dispatch, a flag for the bureau)."""


@dataclass(frozen=True)
class Rule:
    rule_id: str
    kind: str
    description: str
    legal_basis: str
    targets: tuple[Target, ...]
    applies: Callable[[Event], bool] = lambda _event: True
    also: bool = False
    """Adds its targets to the deciding rule's instead of deciding (see the module docstring)."""
    refuses: Callable[[Event], str | None] | None = None
    """The reason (Traditional Chinese, for the sender) this referral is refused rather than routed, or None."""


@dataclass(frozen=True)
class Route:
    """One routing decision: an assignment for ``destination``."""

    destination: str
    priority: str
    copy: bool
    team: str | None
    rule: str
    legal_basis: str
    attributes: dict[str, str] = field(default_factory=dict)
    """Merged over the referral's own attributes in the assignment."""


OUT_OF_AREA_TEAM: Final = "OUT_OF_AREA_HANDOFF"


def district_team(event: Event) -> str | None:
    """The bureau's district team, or the hand-off desk for subjects living outside the city."""
    if event.get("out_of_area"):
        return OUT_OF_AREA_TEAM
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


def _fixed(**attributes: str) -> Attributes:
    return lambda _event: attributes


HIGH_NEED_FLAG: Final = "HIGH_NEED_NO_TREATMENT_ORDER"


def high_need_flag(event: Event) -> Mapping[str, str]:
    """High medical need without a treatment order (高醫療需求而未附命戒癮治療) is flagged for the bureau."""
    return {"flag": HIGH_NEED_FLAG} if _attribute("medical_need")(event) == "HIGH" else {}


# Tiers 1 and 2 are the hard drugs (heroin, amphetamines): those youths come first. An unknown tier is treated
# as the worse case, so a missing field never slows down a child's case.
_TIER_PRIORITY: Final[Mapping[str, str]] = {"1": "HIGH", "2": "HIGH", "3": "NORMAL", "4": "NORMAL"}


def youth_dispatch_proposal(event: Event) -> Mapping[str, str]:
    """The hub's proposed 派案 for SOCIAL to confirm or override: in school → EDU, otherwise → YOUTH_COUNSEL
    (少輔會); the drug tier proposes the priority of the dispatched assignment."""
    in_school = _attribute("in_school")(event) == "Y"
    return {
        "proposed_dispatch": "EDU" if in_school else "YOUTH_COUNSEL",
        "proposed_priority": _TIER_PRIORITY.get(_attribute("drug_tier")(event) or "", "HIGH"),
    }


def reported_by_bureau(event: Event) -> bool:
    """The bureau itself found a client's children poorly cared for: it is the reporter, not a recipient."""
    return event.get("source") == "BUREAU"


def family_support_to_social(event: Event) -> bool:
    return event.get("service_type") == "FAMILY_SUPPORT" and _attribute("target")(event) == "SOCIAL"


APGAR_THRESHOLD: Final = 3
FAMILY_CONDITIONS: Final = (
    "children_under_12",
    "low_income_allowance",
    "low_income_household",
    "single_parent",
    "grandparent_raised",
    "pregnant_partner",
    "disabled_member",
)
"""家支計畫 conditions that count together with family conflict (attribute names of adapters/bureau_json.py)."""


def meets_family_support_criteria(event: Event) -> bool:
    """Seed 004: APGAR family-function score < 3, or family conflict plus any one of the other conditions."""
    apgar = _attribute("apgar")(event)
    if apgar is not None and apgar.isdigit() and int(apgar) < APGAR_THRESHOLD:
        return True
    return _yes("family_conflict")(event) and any(_yes(name)(event) for name in FAMILY_CONDITIONS)


def unmet_family_support_criteria(event: Event) -> str | None:
    if meets_family_support_criteria(event):
        return None
    return (
        "家庭支持服務（家支計畫）轉介社會局須符合評估指標：家庭功能評估 APGAR 低於 3 分，"
        "或有家庭衝突且另符合下列任一項：家中有 12 歲以下兒童、父母領有低收入津貼、低收入戶、單親、隔代教養、"
        "伴侶懷孕、家中有身心障礙者。本筆轉介未符合任何一項，請於 familySupport 補填評估結果後重新轉介。"
    )


def employment_need_elsewhere(event: Event) -> bool:
    """An employment need on a referral to someone else: LABOUR gets it too (seed 004: 100 % referred)."""
    return _yes("employment_need")(event) and _attribute("target")(event) != "LABOUR"


def first_lecture(event: Event) -> bool:
    return int(event.get(EARLIER_LECTURES) or 0) == 0


WOMEN_TEAM = "WOMEN"  # 女性藥癮者關懷輔導專組 (LADY HELP)
YOUTH_TEAM = "YOUTH"

_DRUG_ACT = "毒品危害防制條例第2條之1"

RULES: tuple[Rule, ...] = (
    Rule(
        rule_id="CP-BUREAU",
        kind="CHILD_PROTECTION",
        description="毒防局發現個案子女照顧不周：立即轉介社會局（毒防局為通報者，不另副知）",
        legal_basis="兒童及少年福利與權益保障法第53條",
        targets=(Target("SOCIAL", priority="URGENT"),),
        applies=reported_by_bureau,
    ),
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
        description="兒少施用毒品通報：立即通報社會局派案（建議：在學→教育局，未在學→少輔會；毒品級別定優先序）",
        legal_basis="兒童及少年福利與權益保障法第53條",
        targets=(Target("SOCIAL", priority="URGENT", attributes=youth_dispatch_proposal),),
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
        description="緩起訴社區處遇：毒防局（依分流評估定組別與優先序；高醫療需求而未附命治療者加註提醒）",
        legal_basis="毒品危害防制條例第24條",
        targets=(Target("BUREAU", priority=triage_priority, team=triage_team, attributes=high_need_flag),),
    ),
    Rule(
        rule_id="SV-FAMILY",
        kind="SERVICE",
        description="家庭支持服務（家支計畫）：符合評估指標者轉介社會局",
        legal_basis=_DRUG_ACT,
        targets=(Target("SOCIAL"),),
        applies=family_support_to_social,
        refuses=unmet_family_support_criteria,
    ),
    Rule(
        rule_id="SV-1",
        kind="SERVICE",
        description="毒防局服務轉介：轉介至個管員指定的單位",
        legal_basis=_DRUG_ACT,
        targets=(Target(_attribute("target")),),
    ),
    Rule(
        rule_id="SV-EMPLOYMENT",
        kind="SERVICE",
        description="有就業需求者一律轉介勞工局（另轉其他單位時亦同）",
        legal_basis=_DRUG_ACT,
        targets=(Target("LABOUR"),),
        applies=employment_need_elsewhere,
        also=True,
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
        rule_id="LE-FIRST",
        kind="LECTURE",
        description="三四級毒品危害講習（初犯）：通知毒防局，排入初犯講習",
        legal_basis="毒品危害防制條例第11條之1",
        targets=(Target("BUREAU", team=district_team, attributes=_fixed(programme="FIRST")),),
        applies=first_lecture,
    ),
    Rule(
        rule_id="LE-REPEAT",
        kind="LECTURE",
        description="三四級毒品危害講習（再犯，第二次以上）：通知毒防局，排入再犯講習",
        legal_basis="毒品危害防制條例第11條之1",
        targets=(Target("BUREAU", team=district_team, attributes=_fixed(programme="REPEAT")),),
    ),
)


class NoRoute(LookupError):
    """No rule covers this referral: it must not be dropped silently (the caller dead-letters it)."""


class RouteRefused(NoRoute):
    """A rule covers this referral but its criteria are not met; ``reason`` (Traditional Chinese) tells the
    sender what to add or correct. A :class:`NoRoute`, so a caller that only knows NoRoute still dead-letters."""

    def __init__(self, rule_id: str, reason: str) -> None:
        super().__init__(f"rule {rule_id} refuses this referral")
        self.code = "ROUTE_REFUSED"
        self.rule_id = rule_id
        self.reason = reason


def route(event: Event, rules: tuple[Rule, ...] = RULES, *, earlier_lectures: int = 0) -> list[Route]:
    """The routing decisions for a referral; ``earlier_lectures``: earlier lecture notices for the same person."""
    facts = {**event, EARLIER_LECTURES: earlier_lectures}
    deciding = _deciding_rule(facts, rules)
    routes = [_route(deciding, target, facts) for target in deciding.targets]
    for rule in rules:
        if rule.also and rule.kind == facts["kind"] and rule.applies(facts):
            routed = {r.destination for r in routes}
            routes += [r for r in (_route(rule, t, facts) for t in rule.targets) if r.destination not in routed]
    return [_hand_off_out_of_area(r, facts) for r in routes]


def _deciding_rule(event: Event, rules: tuple[Rule, ...]) -> Rule:
    for rule in rules:
        if not rule.also and rule.kind == event["kind"] and rule.applies(event):
            reason = rule.refuses(event) if rule.refuses else None
            if reason:
                raise RouteRefused(rule.rule_id, reason)
            return rule
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
        attributes=dict(target.attributes(event)) if target.attributes else {},
    )


def _hand_off_out_of_area(r: Route, event: Event) -> Route:
    """Whatever team a rule chose, a subject living outside the city is the hand-off desk's: the bureau passes
    the case to that city's drug-prevention centre (DOMAIN.md, OUT_OF_AREA)."""
    if r.destination != "BUREAU" or not event.get("out_of_area"):
        return r
    return replace(r, team=OUT_OF_AREA_TEAM, attributes={**r.attributes, "handoff": "OUT_OF_AREA"})


# -- destinations a partner names (再轉 / 派案) -------------------------------------------------------------

REDIRECT: Final = "REDIRECT"
"""Rule id of an assignment made because a receiving partner redirected the referral (再轉)."""
DISPATCH: Final = "DISPATCH"
"""Rule id of an assignment made by SOCIAL's dispatch (派案) of a youth drug-use notice."""


def handed_on(event: Event, destination: str, *, rule: str, by: str, legal_basis: str, priority: str) -> Route:
    """The decision for a destination a partner named rather than a rule: the partner is recorded
    (``redirected_by`` / ``dispatched_by``) and the bureau's own teams still apply."""
    note = "dispatched_by" if rule == DISPATCH else "redirected_by"
    decision = Route(
        destination=destination,
        priority=priority,
        copy=False,
        team=district_team(event) if destination == "BUREAU" else None,
        rule=rule,
        legal_basis=legal_basis,
        attributes={note: by},
    )
    return _hand_off_out_of_area(decision, event)


def dispatch_priority(social_route_attributes: Mapping[str, str]) -> str:
    """The dispatched assignment's priority: the one the hub proposed to SOCIAL from the drug tier."""
    return social_route_attributes.get("proposed_priority") or "HIGH"


def may_dispatch(kind: str, partner: str, destination: str) -> bool:
    """Only SOCIAL dispatches, only youth drug-use notices, only to EDU or YOUTH_COUNSEL (DOMAIN.md flow 2)."""
    return kind == "YOUTH_DRUG_USE" and partner == "SOCIAL" and destination in DISPATCH_TARGETS
