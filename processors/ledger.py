"""The delivery ledger (轉介追蹤帳): one entry per referral, one delivery per destination.

The router is a pure step over (event, ledger entry, now) → (new entry, assignments, status changes).
The routing time is fixed in the ledger before anything is sent, so after a crash the same event yields
byte-identical assignments: transport is at-least-once, and consumers dedupe on ``assignment_id``.

The entry keeps what an assignment is made of — a JSON-safe template of the referral and, per delivery, the
routing decision — so the hub can make an assignment later without the event (a partner's 再轉 or SOCIAL's
派案), and so every repeat is rebuilt from the ledger, not recomputed from rules whose inputs may have moved on.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Final, NotRequired, TypedDict

from adapters.agencies import ASSIGNMENT_AGENCIES
from processors import ids
from processors.lifecycle import TERMINAL, IllegalTransition, State, check_transition
from processors.routing import DISPATCH, REDIRECT, Route, dispatch_priority, handed_on, may_dispatch, route

HUB: Final = "HUB"
AMENDED: Final = "AMENDED"
"""Reason code of a delivery the hub cancelled because a newer version of the referral no longer routes to it."""
NOT_ACKNOWLEDGED: Final = "NOT_ACKNOWLEDGED"
"""Reason code of a delivery the hub expired because the partner never acknowledged it."""


class Transition(TypedDict):
    state: str
    at: str
    by: str
    reason_code: str | None
    rule: str | None
    event_id: NotRequired[str]
    """The partner's answer that made this transition (absent for the hub's own)."""
    redirect_to: NotRequired[str]
    """The destination this answer handed the referral on to (再轉 / 派案), whose delivery it created: kept so a
    repeat of the answer re-sends that destination's assignment too."""


class RouteRecord(TypedDict):
    """The routing decision a delivery's assignment was made from (see :class:`processors.routing.Route`)."""

    priority: str
    copy: bool
    team: str | None
    rule: str
    legal_basis: str
    attributes: dict[str, str]


class Delivery(TypedDict):
    state: str
    version: int
    assignment_id: str
    history: list[Transition]
    route: RouteRecord


class SealedTemplate(TypedDict):
    """The sealed personal envelope, JSON-safe: nonce and ciphertext in base64."""

    key_id: str
    nonce: str
    ciphertext: str


class ReferralTemplate(TypedDict):
    """What :func:`assignment_from_template` needs of a referral event, JSON-safe (times in ISO 8601)."""

    referral_id: str
    version: int
    kind: str
    service_type: str | None
    source: str
    partner_ref: str
    subject_id: str
    gender: str | None
    district: str | None
    out_of_area: bool
    occurred_at: str
    received_at: str
    attributes: dict[str, str]
    personal: SealedTemplate


class LedgerEntry(TypedDict):
    referral_id: str
    kind: str
    source: str
    subject_id: str
    version: int
    digest: str
    routed_at: str
    destinations: dict[str, Delivery]
    template: ReferralTemplate
    """The current version of the referral, for assignments made after routing."""
    dispatched_to: NotRequired[str]
    """SOCIAL's dispatch (派案) of a youth drug-use notice: the target, once dispatched (this version)."""
    dispatched_at: NotRequired[str]
    """When SOCIAL dispatched it (its answer's time, ISO 8601): meets the 24 h dispatch clock."""


@dataclass
class RoutingPlan:
    entry: LedgerEntry | None
    assignments: list[dict[str, Any]] = field(default_factory=list)
    statuses: list[dict[str, Any]] = field(default_factory=list)
    first_time: bool = False
    """False when the event was already routed (a redelivery after a crash, or a stale version)."""


# -- the referral as a template ---------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def referral_template(event: Mapping[str, Any]) -> ReferralTemplate:
    """The JSON-safe part of a referral event an assignment is made of (the sealed personal block included:
    it stays sealed, and erasing the subject's key makes this copy unreadable too)."""
    personal = event["personal"]
    return ReferralTemplate(
        referral_id=event["referral_id"],
        version=int(event["version"]),
        kind=event["kind"],
        service_type=event.get("service_type"),
        source=event["source"],
        partner_ref=event["partner_ref"],
        subject_id=event["subject_id"],
        gender=event.get("gender"),
        district=event.get("district"),
        out_of_area=bool(event.get("out_of_area")),
        occurred_at=event["occurred_at"].isoformat(),
        received_at=event["received_at"].isoformat(),
        attributes=dict(event.get("attributes") or {}),
        personal=SealedTemplate(
            key_id=personal["key_id"], nonce=_b64(personal["nonce"]), ciphertext=_b64(personal["ciphertext"])
        ),
    )


def assignment_from_template(template: ReferralTemplate, r: Route, routed_at: datetime) -> dict[str, Any]:
    """The ``Assignment`` Avro record (schemas/assignment.avsc); the decision's attributes over the referral's."""
    version = int(template["version"])
    personal = template["personal"]
    return {
        "assignment_id": ids.assignment_id(template["referral_id"], r.destination, version),
        "referral_id": template["referral_id"],
        "version": version,
        "destination": r.destination,
        "copy": r.copy,
        "team": r.team,
        "priority": r.priority,
        "kind": template["kind"],
        "service_type": template["service_type"],
        "source": template["source"],
        "partner_ref": template["partner_ref"],
        "subject_id": template["subject_id"],
        "gender": template["gender"],
        "district": template["district"],
        "out_of_area": template["out_of_area"],
        "occurred_at": datetime.fromisoformat(template["occurred_at"]),
        "received_at": datetime.fromisoformat(template["received_at"]),
        "routed_at": routed_at,
        "rule": r.rule,
        "legal_basis": r.legal_basis,
        "attributes": {**template["attributes"], **r.attributes},
        "personal": {
            "key_id": personal["key_id"],
            "nonce": base64.b64decode(personal["nonce"]),
            "ciphertext": base64.b64decode(personal["ciphertext"]),
        },
    }


def assignment(event: Mapping[str, Any], r: Route, routed_at: datetime) -> dict[str, Any]:
    """The ``Assignment`` Avro record for a referral event: one code path with :func:`assignment_from_template`,
    so an assignment made later from the ledger is byte-identical to one made from the event."""
    return assignment_from_template(referral_template(event), r, routed_at)


def _record(r: Route) -> RouteRecord:
    return RouteRecord(
        priority=r.priority,
        copy=r.copy,
        team=r.team,
        rule=r.rule,
        legal_basis=r.legal_basis,
        attributes=dict(r.attributes),
    )


def _route_of(destination: str, record: RouteRecord) -> Route:
    return Route(
        destination=destination,
        priority=record["priority"],
        copy=record["copy"],
        team=record["team"],
        rule=record["rule"],
        legal_basis=record["legal_basis"],
        attributes=dict(record["attributes"]),
    )


# -- routing (分派) ----------------------------------------------------------------------------------------


def plan_routing(
    event: dict[str, Any], entry: LedgerEntry | None, now: datetime, *, earlier_lectures: int = 0
) -> RoutingPlan:
    """Route one version of a referral. ``earlier_lectures``: earlier lecture notices the hub holds for the same
    person (三四級講習 分流). A newer version cancels (AMENDED) the open deliveries its routes no longer include."""
    version = int(event["version"])
    if entry is not None and (
        entry["version"] > version or (entry["version"] == version and entry["digest"] != event["content_digest"])
    ):
        # An older version, or a conflicting copy of this one: the newer state stands.
        return RoutingPlan(entry=entry)
    if entry is not None and entry["version"] == version:
        if "template" not in entry:
            # Routed before the ledger kept templates: recompute from the event, as the hub then did.
            routes = route(event, earlier_lectures=earlier_lectures)
            then = _entry_after(event, None, routes, datetime.fromisoformat(entry["routed_at"]))
            return replace(_routing_outputs(then, first_time=False), entry=entry)
        return _routing_outputs(entry, first_time=False)
    new_entry = _entry_after(event, entry, route(event, earlier_lectures=earlier_lectures), now)
    return _routing_outputs(new_entry, first_time=True)


def _entry_after(event: dict[str, Any], entry: LedgerEntry | None, routes: list[Route], at: datetime) -> LedgerEntry:
    version = int(event["version"])
    destinations = dict(entry["destinations"]) if entry else {}
    for r in routes:
        previous = destinations.get(r.destination)
        current = State(previous["state"]) if previous and previous["version"] == version else None
        check_transition(current, State.ROUTED)
        history = list(previous["history"]) if previous else []
        history.append(Transition(state=State.ROUTED, at=at.isoformat(), by=HUB, reason_code=None, rule=r.rule))
        destinations[r.destination] = Delivery(
            state=State.ROUTED,
            version=version,
            assignment_id=ids.assignment_id(event["referral_id"], r.destination, version),
            history=history,
            route=_record(r),
        )
    routed = {r.destination for r in routes}
    for destination, delivery in destinations.items():
        if destination not in routed and State(delivery["state"]) not in TERMINAL:
            cancelled = Transition(state=State.CANCELLED, at=at.isoformat(), by=HUB, reason_code=AMENDED, rule=None)
            destinations[destination] = _moved(delivery, cancelled)
    # A new entry, not an update of the old one: a dispatch belongs to the version it was made on.
    return LedgerEntry(
        referral_id=event["referral_id"],
        kind=event["kind"],
        source=event["source"],
        subject_id=event["subject_id"],
        version=version,
        digest=event["content_digest"],
        routed_at=at.isoformat(),
        destinations=destinations,
        template=referral_template(event),
    )


def _routing_outputs(entry: LedgerEntry, *, first_time: bool) -> RoutingPlan:
    """What routing this version sends, rebuilt from the ledger alone: a repeat is byte-identical."""
    routed_at = datetime.fromisoformat(entry["routed_at"])
    plan = RoutingPlan(entry=entry, first_time=first_time)
    for destination, delivery in entry["destinations"].items():
        if _routed_now(entry, delivery):
            plan.assignments.append(
                assignment_from_template(entry["template"], _route_of(destination, delivery["route"]), routed_at)
            )
            plan.statuses.append(_routed_status(entry, destination, delivery))
    for destination, delivery in entry["destinations"].items():
        last = delivery["history"][-1]
        if (last["state"], last["by"], last["reason_code"], last["at"]) == (
            State.CANCELLED,
            HUB,
            AMENDED,
            entry["routed_at"],
        ):
            plan.statuses.append(_transition_status(entry, destination, delivery, len(delivery["history"]) - 1))
    return plan


def _routed_now(entry: LedgerEntry, delivery: Delivery) -> bool:
    """Routed by the hub's rules for the entry's current version (not by a partner's 再轉 or 派案)."""
    return delivery["version"] == entry["version"] and any(
        t["state"] == State.ROUTED and t["by"] == HUB and t["at"] == entry["routed_at"] for t in delivery["history"]
    )


def _routed_status(entry: LedgerEntry, destination: str, delivery: Delivery) -> dict[str, Any]:
    """The ``StatusChange`` Avro record for SUBMITTED → ROUTED by the hub's rules."""
    version = delivery["version"]
    return {
        "event_id": ids.status_event_id(entry["referral_id"], destination, version, State.ROUTED),
        "referral_id": entry["referral_id"],
        "version": version,
        "kind": entry["kind"],
        "source": entry["source"],
        "destination": destination,
        "from_state": State.SUBMITTED.value,
        "state": State.ROUTED.value,
        "at": datetime.fromisoformat(entry["routed_at"]),
        "by": HUB,
        "reason_code": None,
        "rule": delivery["route"]["rule"],
    }


def _moved(delivery: Delivery, transition: Transition) -> Delivery:
    return Delivery(
        state=transition["state"],
        version=delivery["version"],
        assignment_id=delivery["assignment_id"],
        history=[*delivery["history"], transition],
        route=delivery["route"],
    )


def _transition_status(entry: LedgerEntry, destination: str, delivery: Delivery, index: int) -> dict[str, Any]:
    """The StatusChange for the ``index``-th transition of a delivery, built from what is stored, so a repeat is
    byte-identical. A ROUTED transition starts the (referral, destination) pair: it comes from SUBMITTED."""
    history = delivery["history"]
    transition = history[index]
    if transition["state"] == State.ROUTED:
        from_state: str | None = State.SUBMITTED.value
    else:
        from_state = history[index - 1]["state"] if index > 0 else None
    return {
        "event_id": ids.status_event_id(
            entry["referral_id"], destination, delivery["version"], f"{transition['state']}@{transition['at']}"
        ),
        "referral_id": entry["referral_id"],
        "version": delivery["version"],
        "kind": entry["kind"],
        "source": entry["source"],
        "destination": destination,
        "from_state": from_state,
        "state": transition["state"],
        "at": datetime.fromisoformat(transition["at"]),
        "by": transition["by"],
        "reason_code": transition.get("reason_code"),
        "rule": transition["rule"] if transition["state"] == State.ROUTED else None,
    }


# -- partners' answers (閉環回覆) ------------------------------------------------------------------------


class UpdateRefused(ValueError):
    """An answer the lifecycle cannot take; ``code`` and ``reason`` (Traditional Chinese) go back to the partner."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(code)
        self.code = code
        self.reason = reason


@dataclass
class UpdatePlan:
    entry: LedgerEntry
    statuses: list[dict[str, Any]] = field(default_factory=list)
    changed: bool = False
    """False for a repeat (re-sent or redelivered) or a stale answer: the ledger stays as it is."""
    assignments: list[dict[str, Any]] = field(default_factory=list)
    """New assignments to send: the target of a redirect (再轉) or of SOCIAL's dispatch (派案)."""


@dataclass(frozen=True)
class _HandOn:
    """An answer that names another destination: a redirect (再轉) or SOCIAL's dispatch (派案)."""

    rule: str
    target: str


def answered_destinations(update: Mapping[str, Any], entry: LedgerEntry) -> list[str]:
    """Which deliveries an answer is about: the partner's own, or every open one when the source cancels."""
    partner = update["partner"]
    if partner in entry["destinations"]:
        return [partner]
    if partner == entry["source"] and update["state"] == State.CANCELLED:
        # Every open delivery, and those this very cancellation already closed: a redelivered cancellation
        # must rebuild its status changes, not find nothing open and send nothing.
        return [
            d
            for d, delivery in entry["destinations"].items()
            if State(delivery["state"]) not in TERMINAL
            or any(t.get("event_id") == update["event_id"] for t in delivery["history"])
        ]
    raise UpdateRefused("NOT_ADDRESSED_TO_YOU", f"轉介編號 {entry['referral_id']} 並非轉介給貴單位，無法更新其狀態。")


def _refuse_illegal(current: State, wanted: State) -> None:
    try:
        check_transition(current, wanted)
    except IllegalTransition:
        raise UpdateRefused(
            "ILLEGAL_TRANSITION", f"轉介目前狀態為 {current}，不能改為 {wanted}；請確認案件進度後再回覆。"
        ) from None


def _require_reason(wanted: State, update: Mapping[str, Any]) -> None:
    if wanted == State.REJECTED and not update.get("reason_code"):
        raise UpdateRefused("REASON_REQUIRED", "不受案（REJECTED）須填寫原因代碼 reasonCode。")


def _hand_on(update: Mapping[str, Any], entry: LedgerEntry) -> _HandOn | None:
    """What the answer asks beyond its own state, checked on the answer alone (the same for a repeat)."""
    wanted = State(update["state"])
    target = update.get("redirect_to")
    partner = update["partner"]
    if wanted == State.REDIRECTED and not target:
        raise UpdateRefused("REDIRECT_TARGET_REQUIRED", "再轉（REDIRECTED）須在 redirectTo 填寫再轉單位的機關代碼。")
    if not target:
        return None
    if target not in ASSIGNMENT_AGENCIES:
        raise UpdateRefused(
            "UNKNOWN_TARGET", f"「{target}」不是本平台的機關代碼，請填寫 {'、'.join(ASSIGNMENT_AGENCIES)} 其中之一。"
        )
    if target == partner:
        raise UpdateRefused("REDIRECT_TO_SELF", "不能再轉給貴單位自己；請在 redirectTo 填寫其他單位的機關代碼。")
    if wanted == State.REDIRECTED:
        return _HandOn(REDIRECT, target)
    if wanted in TERMINAL:
        raise UpdateRefused(
            "REDIRECT_CONFLICT", f"狀態為 {wanted} 時不能同時指定轉介單位；如要轉給其他單位，請以 REDIRECTED 回報。"
        )
    if not may_dispatch(entry["kind"], partner, target):
        raise UpdateRefused(
            "DISPATCH_NOT_ALLOWED",
            "只有社會局可將兒少施用毒品通報派案給 EDU 或 YOUTH_COUNSEL；如要轉給其他單位，請以 REDIRECTED 回報。",
        )
    return _HandOn(DISPATCH, target)


_UNSERVED: Final = frozenset({State.REJECTED, State.EXPIRED, State.CANCELLED})
"""How a dispatched delivery can end without anyone serving the youth: SOCIAL may then dispatch again."""


def _target_to_create(hand_on: _HandOn, entry: LedgerEntry, answering: str) -> str | None:
    """The destination whose delivery the answer creates now, or None (SOCIAL confirming its own dispatch);
    refuses a destination that cannot take one. One dispatch stands at a time: another target only once the
    first one refused it or let it expire (else the youth would be left with nobody)."""
    target = hand_on.target
    earlier = entry.get("dispatched_to") if hand_on.rule == DISPATCH else None
    if earlier is not None and State(entry["destinations"][earlier]["state"]) not in _UNSERVED:
        if earlier == target:
            return None
        raise UpdateRefused(
            "ALREADY_DISPATCHED",
            f"本通報已派案給 {earlier}，不能再改派 {target}；如需改派，請由 {earlier} 以 REDIRECTED 再轉。",
        )
    existing = entry["destinations"].get(target)
    if existing is not None and State(existing["state"]) not in TERMINAL:
        raise UpdateRefused(
            "TARGET_ALREADY_OPEN",
            f"{target} 已在處理本轉介（目前狀態 {existing['state']}），不需再轉；請改填其他單位。",
        )
    if existing is not None and existing["version"] == entry["version"]:
        # Its assignment id (referral × destination × version) is spent: a second one would be dropped as a repeat.
        raise UpdateRefused(
            "TARGET_ALREADY_ANSWERED",
            f"{target} 已處理過本轉介（狀態 {existing['state']}），不能再轉給同一單位；請改填其他單位或洽毒防局。",
        )
    if "template" not in entry or "route" not in entry["destinations"][answering]:
        # Written before the ledger kept what an assignment is made of: nothing to make the new one from.
        raise UpdateRefused(
            "CANNOT_HAND_ON", "本轉介建立於平台更新前，系統無法自動再轉或派案；請洽毒品防制局個管員協助轉介。"
        )
    return target


def check_update(update: Mapping[str, Any], entry: LedgerEntry) -> None:
    """Refuse, before anything is written, an answer the lifecycle would not take (the gateway asks this).
    ``update`` needs ``partner``, ``state``, ``event_id``, ``reason_code`` and ``redirect_to``."""
    wanted = State(update["state"])
    answered = answered_destinations(update, entry)
    hand_on = _hand_on(update, entry)
    for destination in answered:
        delivery = entry["destinations"][destination]
        if any(t.get("event_id") == update["event_id"] for t in delivery["history"]):
            continue  # a repeat is answered as a duplicate, not refused
        _refuse_illegal(State(delivery["state"]), wanted)
        if hand_on is not None:
            _target_to_create(hand_on, entry, destination)
    _require_reason(wanted, update)


def plan_update(update: Mapping[str, Any], entry: LedgerEntry) -> UpdatePlan:
    """Apply one answer. Idempotent (the answer's event id is kept in the history) and ordered: an answer
    older than the delivery's latest answer never overwrites it. A redirect (再轉) or dispatch (派案) also
    creates the target's delivery and assignment; a repeat re-sends them byte for byte."""
    wanted = State(update["state"])
    _require_reason(wanted, update)
    answering = answered_destinations(update, entry)
    hand_on = _hand_on(update, entry)
    at: datetime = update["at"]
    plan = UpdatePlan(entry=entry)
    updated = LedgerEntry(**{**entry, "destinations": dict(entry["destinations"])})
    for destination in answering:
        delivery = updated["destinations"][destination]
        seen = [i for i, t in enumerate(delivery["history"]) if t.get("event_id") == update["event_id"]]
        if seen:
            _repeat(plan, entry, destination, seen[0])
            continue
        answered = [t for t in delivery["history"] if t.get("event_id")]
        if answered and datetime.fromisoformat(answered[-1]["at"]) > at:
            # Stale: a newer answer stands. Compared with answers only: the partner's clock (or a date typed
            # without a time) need not agree with the hub's routing time.
            continue
        _refuse_illegal(State(delivery["state"]), wanted)
        target = _target_to_create(hand_on, entry, destination) if hand_on is not None else None
        transition = Transition(
            state=wanted, at=at.isoformat(), by=update["partner"], reason_code=update.get("reason_code"), rule=None
        )
        transition["event_id"] = update["event_id"]
        if target is not None:
            transition["redirect_to"] = target
        updated["destinations"][destination] = _moved(delivery, transition)
        plan.statuses.append(
            _transition_status(updated, destination, updated["destinations"][destination], len(delivery["history"]))
        )
        if hand_on is not None and target is not None:
            _create_delivery(plan, updated, destination, hand_on.rule, target, at)
        plan.changed = True
    if plan.changed:
        plan.entry = updated
    return plan


def _create_delivery(
    plan: UpdatePlan, entry: LedgerEntry, answering: str, rule: str, target: str, at: datetime
) -> None:
    """The target's new delivery (ROUTED by the answering partner) at the answering delivery's version."""
    template = entry["template"]
    record = entry["destinations"][answering]["route"]
    priority = dispatch_priority(record["attributes"]) if rule == DISPATCH else record["priority"]
    decision = handed_on(
        template, target, rule=rule, by=answering, legal_basis=record["legal_basis"], priority=priority
    )
    version = entry["destinations"][answering]["version"]
    previous = entry["destinations"].get(target)
    routed = Transition(state=State.ROUTED, at=at.isoformat(), by=answering, reason_code=None, rule=rule)
    entry["destinations"][target] = Delivery(
        state=State.ROUTED,
        version=version,
        assignment_id=ids.assignment_id(entry["referral_id"], target, version),
        history=[*(previous["history"] if previous else []), routed],
        route=_record(decision),
    )
    if rule == DISPATCH:
        entry["dispatched_to"] = target
        entry["dispatched_at"] = at.isoformat()
    created = entry["destinations"][target]
    plan.assignments.append(assignment_from_template(template, decision, at))
    plan.statuses.append(_transition_status(entry, target, created, len(created["history"]) - 1))


def _repeat(plan: UpdatePlan, entry: LedgerEntry, destination: str, index: int) -> None:
    """Re-send what an answer already made: its status change and, if it handed the referral on, the target's
    assignment and ROUTED status — unless a newer version has since superseded that delivery."""
    delivery = entry["destinations"][destination]
    transition = delivery["history"][index]
    plan.statuses.append(_transition_status(entry, destination, delivery, index))
    target = transition.get("redirect_to")
    created = entry["destinations"].get(target) if target else None
    if target is None or created is None or "template" not in entry:
        return
    routed = [i for i, t in enumerate(created["history"]) if t["state"] == State.ROUTED]
    last = created["history"][routed[-1]] if routed else None
    if last is None or (last["by"], last["at"]) != (transition["by"], transition["at"]):
        return
    if created["version"] != entry["template"]["version"]:
        return
    decision = _route_of(target, created["route"])
    plan.assignments.append(assignment_from_template(entry["template"], decision, datetime.fromisoformat(last["at"])))
    plan.statuses.append(_transition_status(entry, target, created, routed[-1]))


# -- the hub's own exits ----------------------------------------------------------------------------------

_UNACKNOWLEDGED: Final = frozenset({State.ROUTED, State.DELIVERED})


def plan_expiry(entry: LedgerEntry, destination: str, at: datetime, *, version: int | None = None) -> UpdatePlan:
    """The hub expires a delivery its partner never acknowledged (ROUTED or DELIVERED → EXPIRED, by HUB,
    reason NOT_ACKNOWLEDGED). A repeat re-sends the stored EXPIRED status (its own time, not ``at``); a delivery
    already acknowledged or closed — or, given ``version``, since routed again under another version — is left
    as it is, with nothing to send."""
    delivery = entry["destinations"].get(destination)
    if delivery is None or (version is not None and delivery["version"] != version):
        return UpdatePlan(entry=entry)
    state = State(delivery["state"])
    if state == State.EXPIRED:
        return UpdatePlan(
            entry=entry, statuses=[_transition_status(entry, destination, delivery, len(delivery["history"]) - 1)]
        )
    if state not in _UNACKNOWLEDGED:
        return UpdatePlan(entry=entry)
    expired = Transition(state=State.EXPIRED, at=at.isoformat(), by=HUB, reason_code=NOT_ACKNOWLEDGED, rule=None)
    moved = _moved(delivery, expired)
    updated = LedgerEntry(**{**entry, "destinations": {**entry["destinations"], destination: moved}})
    status = _transition_status(updated, destination, moved, len(moved["history"]) - 1)
    return UpdatePlan(entry=updated, statuses=[status], changed=True)
