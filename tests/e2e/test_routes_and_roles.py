"""Every declared route × every kind of caller, on the running hub (issue 8, item 4).

Callers: none, a garbage token, an expired token, a revoked token, the source partner of a referral (POLICE),
another partner (SOCIAL), an operator. ANYONE routes answer all of them; a protected route answers 401 to the
first four; a partners' route 403 to the operator and an operators' route 403 to a partner; the referral route
(SOURCE) answers another partner 404 byte for byte as for a referral that does not exist. No 401, 403 or 404
names another partner's referral, a partner code or anything about the person, every refusal is counted by
reason on the metrics port, and the whole walk writes nothing but audit events.

The expired and revoked tokens belong to HOSP_KMUH, whose credentials no other test touches.
"""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from streams.access.policy import KNOWN_PRINCIPALS
from streams.access.roles import Access
from streams.gateway import routes
from streams.gateway.routes import ROUTES, Route
from tests.support import offsets, police, raw_http
from tests.support.processes import HubProcess
from tests.support.refusals import counted_since, refusals
from tests.support.topics import wait_for

pytestmark = pytest.mark.broker

CREDENTIAL_PARTNER = "HOSP_KMUH"
GARBAGE = "rhk_0123456789abcdef_" + "Z" * 43
"""Shaped like a token, known to nobody."""
MADE_UP = "R-" + "7" * 20
"""A referral id of the right shape that no referral has."""
MADE_UP_SUBMISSION = "SUB-20000101000000-00000000"
"""A submission id of the right shape that no dead letter has."""


@dataclass(frozen=True)
class Caller:
    name: str
    token: str | None
    kind: str
    """"anonymous" (no good credential), "source" (POLICE), "partner" (SOCIAL) or "operator"."""


@dataclass(frozen=True)
class Walked:
    route: Route
    caller: Caller
    answer: raw_http.RawAnswer


@dataclass(frozen=True)
class Referral:
    referral_id: str
    subject_id: str
    name: str
    national_id: str


def poll(check: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"not within {timeout} s"
        time.sleep(0.2)


def status_of(hub: HubProcess, token: str) -> int:
    request = raw_http.build("GET", "/v1/outbox/status?limit=1", [(b"Authorization", f"Bearer {token}".encode())])
    return raw_http.send(hub.web_port, request).status


def issue(hub: HubProcess, *args: str) -> dict[str, str]:
    done = hub.cli("credentials", "issue", "--partner", CREDENTIAL_PARTNER, "--by", "e2e-routes", *args)
    assert done.returncode == 0, done.stderr
    issued: dict[str, str] = json.loads(done.stdout)
    return issued


@pytest.fixture(scope="module")
def callers(hub: HubProcess) -> list[Caller]:
    # Both tokens are seen working first: a 401 later is then the revocation or the expiry, not a token the
    # hub never heard of. (One at a time: with its development token the partner may hold two live.)
    revoked = issue(hub, "--expires-in", "1h")
    poll(lambda: status_of(hub, revoked["token"]) == 200)
    done = hub.cli("credentials", "revoke", "--credential", revoked["credential_id"], "--by", "e2e-routes")
    assert done.returncode == 0, done.stderr
    poll(lambda: status_of(hub, revoked["token"]) == 401)
    expiring = issue(hub, "--expires-in", "4s")
    poll(lambda: status_of(hub, expiring["token"]) == 200)
    poll(lambda: status_of(hub, expiring["token"]) == 401)
    listed = hub.cli("credentials", "list", "--partner", CREDENTIAL_PARTNER)
    states = {row["credential_id"]: row["state"] for row in map(json.loads, listed.stdout.splitlines())}
    assert states[expiring["credential_id"]] == "expired" and states[revoked["credential_id"]] == "revoked"
    return [
        Caller("no credential", None, "anonymous"),
        Caller("garbage token", GARBAGE, "anonymous"),
        Caller("expired token", expiring["token"], "anonymous"),
        Caller("revoked token", revoked["token"], "anonymous"),
        Caller("POLICE (source)", hub.token("POLICE"), "source"),
        Caller("SOCIAL (another partner)", hub.token("SOCIAL"), "partner"),
        Caller("operator", hub.token("OPERATOR"), "operator"),
    ]


@pytest.fixture(scope="module")
def referral(hub: HubProcess) -> Referral:
    """A POLICE child-protection notice, routed to SOCIAL and BUREAU."""
    who = police.person(random.Random(8_406))
    body = police.to_csv([police.child_protection_row(police.fresh_refs(1)[0], who)])
    code, receipt = hub.post("/v1/submissions", body, "text/csv", hub.token("POLICE"))
    assert code == 202 and receipt["rejected"] == [], receipt
    referral_id = receipt["accepted"][0]["referral_id"]
    [event] = wait_for(hub.broker.bootstrap, "referrals.events", lambda m: m.value["referral_id"] == referral_id, 1)
    # The ledger has it once the router has routed it: from then on GET /v1/referrals/{id} knows it.
    wait_for(hub.broker.bootstrap, "assignments.SOCIAL", lambda m: m.value["referral_id"] == referral_id, 1)
    poll(lambda: hub.get(f"/v1/referrals/{referral_id}", hub.token("POLICE"))[0] == 200)
    return Referral(referral_id, event.value["subject_id"], who.name, who.national_id)


def expected(route: Route, caller: Caller) -> tuple[int, str | None]:
    """The status (and error code) each caller must get: refusals by the route's access, else its answer to
    the request the walk sends (no body, no query)."""
    if route.access is Access.ANYONE:
        return 200, None
    if route.access is Access.PEER:
        return 403, "PEERS_ONLY"  # only another worker's signature opens it: no credential does
    if caller.kind == "anonymous":
        return 401, "UNAUTHENTICATED"
    if route.access is Access.OPERATOR and caller.kind != "operator":
        return 403, "FORBIDDEN"
    if route.access is Access.PARTNER and caller.kind == "operator":
        return 403, "FORBIDDEN"
    if route.access is Access.SOURCE:
        return (404, "UNKNOWN_REFERRAL") if caller.kind == "partner" else (200, None)
    return ANSWERS[route][caller.kind]


ANSWERS: dict[Route, dict[str, tuple[int, str | None]]] = {
    # No Content-Type: no format of any partner.
    routes.SUBMISSIONS: {k: (415, "UNSUPPORTED_MEDIA_TYPE") for k in ("source", "partner")},
    routes.ASSIGNMENTS: {"source": (404, "NO_ASSIGNMENTS"), "partner": (200, None)},
    routes.STATUS: {k: (200, None) for k in ("source", "partner")},
    routes.REPORTS: {k: (404, "NO_REPORTS") for k in ("source", "partner")},
    routes.KEY_RELEASE: {k: (400, "INVALID_REQUEST") for k in ("source", "partner")},
    routes.REPLAY: {"operator": (400, "INVALID_REQUEST")},
    routes.CLOCK_READ: {"operator": (200, None)},
    routes.CLOCK_MOVE: {"operator": (409, "CLOCK_NOT_MOVABLE")},
    routes.AUDIT: {"operator": (400, "INVALID_SUBJECT")},
    routes.KPI_REPORT: {"operator": (400, "INVALID_PERIOD")},
    routes.DLQ_LIST: {"operator": (200, None)},
    routes.DLQ_SHOW: {"operator": (404, "UNKNOWN_DEAD_LETTER")},
    routes.DLQ_REPLAY: {"operator": (404, "UNKNOWN_DEAD_LETTER")},
}


def call(hub: HubProcess, route: Route, caller: Caller, referral_id: str) -> raw_http.RawAnswer:
    headers = [(b"Authorization", f"Bearer {caller.token}".encode())] if caller.token else []
    path = route.path.replace("{referral_id}", referral_id)
    path = path.replace("{submission_id}", MADE_UP_SUBMISSION).replace("{record_no}", "1")
    return raw_http.send(hub.web_port, raw_http.build(route.method, path, headers))


@pytest.fixture(scope="module")
def walk(hub: HubProcess, callers: list[Caller], referral: Referral) -> Iterator[tuple[list[Walked], Counter[str]]]:
    before = refusals(hub.metrics_urls)
    with offsets.unchanged(hub.broker.bootstrap, allowed={"audit.events"}, what="the route walk"):
        walked = [Walked(r, c, call(hub, r, c, referral.referral_id)) for r in ROUTES for c in callers]
    yield walked, counted_since(before, hub.metrics_urls)


def test_every_route_is_in_the_walk() -> None:
    protected = {r for r in ROUTES if r.access not in (Access.ANYONE, Access.SOURCE, Access.PEER)}
    assert protected == set(ANSWERS), "a new route needs its expected answers here"


def test_every_route_answers_every_caller_as_its_access_says(
    walk: tuple[list[Walked], Counter[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    walked, counted = walk
    wrong = []
    seen: Counter[str] = Counter()
    for step in walked:
        status, code = expected(step.route, step.caller)
        answer = step.answer
        got_code = answer.json().get("error") if answer.body.startswith(b"{") else None
        if (answer.status, code) != (status, got_code):
            wrong.append(f"{step.route.method} {step.route.path} as {step.caller.name}: {answer.status} {got_code}")
        if answer.status >= 400:
            body = answer.json()
            assert set(body) >= {"error", "reason"} and body["reason"], (step.route.path, body)
            assert answer.header("Content-Type") == "application/json"
            seen[body["error"]] += 1
        if answer.status == 401:
            assert answer.header("WWW-Authenticate") == "Bearer"
        assert answer.header("Cache-Control") == "no-store", step.route.path
    assert not wrong, "\n".join(wrong)
    assert counted == seen, "every refusal is counted once, by its reason, in refhub_refusals_total"
    with capsys.disabled():
        print(
            f"\nroutes × roles: {len(ROUTES)} routes × {len(walked) // len(ROUTES)} callers = {len(walked)} checked; "
            f"refusals by reason: {dict(sorted(seen.items()))}"
        )


def test_no_refusal_names_a_referral_a_partner_or_a_person(
    walk: tuple[list[Walked], Counter[str]], referral: Referral
) -> None:
    walked, _ = walk
    secrets = {referral.referral_id, referral.subject_id, referral.name, referral.national_id}
    partner_codes = KNOWN_PRINCIPALS
    refusals_seen = [s for s in walked if s.answer.status in (401, 403, 404)]
    protected = [r for r in ROUTES if r.access is not Access.ANYONE]
    assert len(refusals_seen) > 4 * len(protected), "the four callers without a good credential, and more"
    for step in refusals_seen:
        text = step.answer.raw.decode("utf-8", errors="replace")
        leaked = [s for s in secrets if s in text] + [p for p in partner_codes if p in text]
        assert not leaked, f"{step.route.path} as {step.caller.name} named {leaked}: {text}"


def test_another_partners_referral_answers_exactly_like_one_that_does_not_exist(
    hub: HubProcess, walk: tuple[list[Walked], Counter[str]], referral: Referral
) -> None:
    walked, _ = walk
    [real] = [
        s.answer for s in walked if s.route is routes.REFERRAL and s.caller.kind == "partner"
    ]  # SOCIAL asking for POLICE's referral (SOCIAL even holds its assignment)
    social = Caller("SOCIAL", hub.token("SOCIAL"), "partner")
    made_up = call(hub, routes.REFERRAL, social, MADE_UP)
    police_made_up = call(hub, routes.REFERRAL, Caller("POLICE", hub.token("POLICE"), "source"), MADE_UP)
    assert real.status == made_up.status == police_made_up.status == 404
    assert real.body == made_up.body == police_made_up.body, "byte for byte the same body"
    varying = {"date", "x-request-id"}
    assert {k: v for k, v in real.headers.items() if k not in varying} == {
        k: v for k, v in made_up.headers.items() if k not in varying
    }, "and the same headers"
    # The route does know the referral: its source and operators read it.
    [source] = [s.answer for s in walked if s.route is routes.REFERRAL and s.caller.kind == "source"]
    [operator] = [s.answer for s in walked if s.route is routes.REFERRAL and s.caller.kind == "operator"]
    assert source.json()["referral_id"] == operator.json()["referral_id"] == referral.referral_id
