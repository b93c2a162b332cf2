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
    destination: str
    priority: str = "NORMAL"
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
            return [
                Route(
                    destination=target.destination,
                    priority=target.priority,
                    copy=target.copy,
                    team=target.team(event) if target.team else None,
                    rule=rule.rule_id,
                    legal_basis=rule.legal_basis,
                )
                for target in rule.targets
            ]
    raise NoRoute(f"no routing rule for kind {event['kind']}")
