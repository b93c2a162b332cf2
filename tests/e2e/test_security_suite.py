"""The security suite, from a partner's seat, on the running hub (issue 8, item 6).

Each test is something a bounded probe of the hub once found: a 500, a traceback, a token in the log, a
connection held open, one partner's request blinding every other's, a referral that exists told apart from one
that does not. Every refusal is a JSON ``{"error", "reason"}``, counted by reason in
``refhub_refusals_total`` (checked for the whole module at the end), and where the hub must refuse, no topic's
end offset moves (tests/support/offsets.py). Expired and revoked tokens on every route are walked in
tests/e2e/test_routes_and_roles.py.

Partners whose requests here would disturb other tests: NGO_LIBERTAS (its rate limit is spent) and NGO_MICHAEL
(the partner beside it) are used by no other test.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import random
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from streams.access.roles import Access
from streams.gateway.routes import ROUTES, Route
from tests.support import offsets, police, raw_http
from tests.support.processes import HubProcess
from tests.support.raw_http import Header, RawAnswer
from tests.support.refusals import counted_since, refusals
from tests.support.topics import read_topic, wait_for

pytestmark = pytest.mark.broker

MIB = 1024 * 1024
SOCIAL_JSON = "application/json"
WITH_DEAD_LETTERS = {"referrals.dlq", "subjects.keys"}
"""What a refused record legitimately writes: its dead letter, sealed under a quarantine key of its own."""


@dataclass
class Module:
    """What the whole module saw: refusals by reason, every token sent, where the hub's log stood at the start."""

    counted_from: Counter[str]
    logs_from: dict[Path, int]
    """Every worker's log file at the start, and its size then (a worker started since has a new file)."""
    seen: Counter[str]
    tokens: set[str]


@dataclass(frozen=True)
class Referral:
    referral_id: str
    ref: str
    subject_id: str
    name: str
    national_id: str


@pytest.fixture(scope="module")
def module(hub: HubProcess) -> Module:
    logs = hub_logs(hub)
    assert logs, "the hub writes a log"
    return Module(refusals(hub.metrics_urls), {log: log.stat().st_size for log in logs}, Counter(), set())


def hub_logs(hub: HubProcess) -> list[Path]:
    """Every log file of every worker of the hub (one per start: a restarted worker writes a new one)."""
    processes: list[HubProcess] = list(getattr(hub, "workers", [hub]))
    folders = {process.data_dir or process.work_dir for process in processes}
    return sorted(log for folder in folders for log in folder.glob("hub-*.log"))


@pytest.fixture(scope="module")
def referral(hub: HubProcess) -> Referral:
    """A POLICE child-protection notice, routed to SOCIAL and BUREAU, its ROUTED status back to POLICE."""
    who = police.person(random.Random(6_606))
    ref = police.fresh_refs(1)[0]
    body = police.to_csv([police.child_protection_row(ref, who)])
    code, receipt = hub.post("/v1/submissions", body, "text/csv", hub.token("POLICE"))
    assert code == 202 and receipt["rejected"] == [], receipt
    referral_id = receipt["accepted"][0]["referral_id"]
    [event] = wait_for(hub.broker.bootstrap, "referrals.events", lambda m: m.value["referral_id"] == referral_id, 1)
    for agency in ("SOCIAL", "BUREAU"):
        wait_for(hub.broker.bootstrap, f"assignments.{agency}", lambda m: m.value["referral_id"] == referral_id, 1)
    wait_for(hub.broker.bootstrap, "status.POLICE", lambda m: m.value["referral_id"] == referral_id, 2)
    return Referral(referral_id, ref, event.value["subject_id"], who.name, who.national_id)


def bearer(token: str | bytes) -> list[Header]:
    return [(b"Authorization", b"Bearer " + (token.encode() if isinstance(token, str) else token))]


def send(hub: HubProcess, method: str, target: str, headers: Sequence[Header] = (), body: bytes = b"") -> RawAnswer:
    return raw_http.send(hub.web_port, raw_http.build(method, target, headers, body))


def refused(module: Module, answer: RawAnswer, status: int, code: str) -> dict[str, Any]:
    """The answer is the JSON refusal ``code`` with status ``status``; counted for the module's metrics check."""
    assert answer.status == status, (answer.status, answer.body[:300])
    assert answer.header("Content-Type") == "application/json", answer.headers
    body: dict[str, Any] = answer.json()
    assert body["error"] == code and isinstance(body["reason"], str) and body["reason"], body
    module.seen[code] += 1
    return body


def pull(hub: HubProcess, path: str, token: str, after: str | None = None, limit: int | None = None) -> RawAnswer:
    query = "&".join(q for q in (f"after={after}" if after else "", f"limit={limit}" if limit else "") if q)
    answer = send(hub, "GET", path + (f"?{query}" if query else ""), bearer(token))
    assert answer.status == 200, (path, answer.status, answer.body[:300])
    return answer


def made_up_token() -> str:
    """Shaped like a token, known to nobody: sent in malformed headers, then looked for in the log."""
    return f"rhk_{uuid.uuid4().hex[:16]}_{base64.urlsafe_b64encode(uuid.uuid4().bytes * 2).decode()[:43]}"


def pull_all(hub: HubProcess, path: str, token: str) -> tuple[bytes, str]:
    """Every page to the end: the bodies, and the cursor after the last record."""
    body, cursor = b"", None
    while True:
        page = pull(hub, path, token, after=cursor, limit=500)
        body += page.body
        cursor = page.header("X-Refhub-Next-Cursor")
        assert cursor
        if page.header("X-Refhub-Count") == "0":
            return body, cursor


def concrete(route: Route) -> str:
    path = route.path.replace("{referral_id}", "R-" + "0" * 20)
    return path.replace("{submission_id}", "SUB-20000101000000-00000000").replace("{record_no}", "1")


def social_referral(case_no: str, reason: str, seed: int) -> dict[str, Any]:
    who = police.person(random.Random(seed))
    return {
        "type": "ADULT_USER_REFERRAL",
        "caseNo": case_no,
        "reportedAt": "2025-07-18T15:20:00+08:00",
        "adult": {"name": who.name, "nationalId": who.national_id, "district": "三民區"},
        "reason": reason,
    }


# --- credentials in headers ----------------------------------------------------------------------------------


def test_an_authorization_header_of_invalid_utf8_is_401_on_every_route(hub: HubProcess, module: Module) -> None:
    token, marker = hub.token("SOCIAL"), made_up_token()
    module.tokens.update({token, marker})
    headers = [
        b"Bearer \xff\xfe\xfd",
        b"Bearer " + token.encode() + b"\xff",
        b"\xc3\x28 " + token.encode(),
        b"Bearer " + marker.encode() + "é".encode(),
    ]
    with offsets.unchanged(hub.broker.bootstrap, what="headers of invalid UTF-8"):
        for route in ROUTES:
            for header in headers:
                answer = send(hub, route.method, concrete(route), [(b"Authorization", header)])
                if route.access is Access.ANYONE:
                    assert answer.status == 200, (route.path, answer.status)
                elif route.access is Access.PEER:
                    refused(module, answer, 403, "PEERS_ONLY")
                else:
                    refused(module, answer, 401, "UNAUTHENTICATED")


def test_two_authorization_headers_are_400(hub: HubProcess, module: Module) -> None:
    good, other, marker = hub.token("SOCIAL"), hub.token("POLICE"), made_up_token()
    module.tokens.update({good, other, marker})
    with offsets.unchanged(hub.broker.bootstrap, what="two Authorization headers"):
        for pair in ((good, good), (good, other), (marker, good)):
            answer = send(hub, "GET", "/v1/outbox/status", bearer(pair[0]) + bearer(pair[1]))
            refused(module, answer, 400, "DUPLICATE_AUTHORIZATION")
        # Names differing in case are the same header.
        answer = send(hub, "GET", "/v1/outbox/status", [*bearer(good), (b"authorization", b"Bearer " + other.encode())])
        refused(module, answer, 400, "DUPLICATE_AUTHORIZATION")


def test_cr_lf_or_nul_inside_a_header_value_is_400_json(hub: HubProcess, module: Module) -> None:
    token, marker = hub.token("SOCIAL"), made_up_token()
    module.tokens.update({token, marker})
    values = [b"a\rb", b"a\x00b", b"Bearer " + token.encode() + b"\x00", b"Bearer " + marker.encode() + b"\rX: y"]
    with offsets.unchanged(hub.broker.bootstrap, what="header injection"):
        for value in values:
            for name in (b"X-Anything", b"Authorization"):
                answer = send(hub, "GET", "/v1/outbox/status", [(name, value)])
                refused(module, answer, 400, "MALFORMED_REQUEST")
                assert answer.header("Server") == "refhub", answer.headers
        # A request id the hub cannot echo safely is replaced, not reflected.
        answer = send(hub, "GET", "/healthz", [(b"X-Request-Id", b"<script>x</script>")])
        assert answer.status == 200 and "<" not in (answer.header("X-Request-Id") or "<")


def test_a_client_trickling_its_headers_is_answered_408_and_closed_in_time(hub: HubProcess, module: Module) -> None:
    timeout = float(hub.env().get("REFHUB_HEADER_TIMEOUT_SECONDS", "10"))
    token = made_up_token()
    module.tokens.add(token)
    request = raw_http.build("GET", "/v1/outbox/status", bearer(token))
    # 0.3 s a byte: the whole request would take well over a minute.
    answer, took = raw_http.trickle(hub.web_port, (bytes([b]) for b in request), 0.3, deadline=timeout + 10)
    assert answer is not None, f"no answer within {timeout + 10} s"
    refused(module, answer, 408, "REQUEST_TIMEOUT")
    assert answer.header("Connection") == "close"
    assert timeout - 1 <= took <= timeout + 5, f"answered and closed after {took:.1f} s (timeout {timeout} s)"


# --- cursors and limits ----------------------------------------------------------------------------------------

POISONS = ([1, 2], None, {"0": 5}, "1e400", '{"0": 1e+30}')


def poisoned_cursors() -> Iterator[str]:
    for poison in POISONS:
        text = (poison if isinstance(poison, str) else json.dumps(poison)).encode()
        yield base64.urlsafe_b64encode(text).decode()  # the old format: base64 JSON of offsets
        yield "c1." + base64.urlsafe_b64encode(text).decode().rstrip("=")  # shaped like a sealed one


def test_a_cursor_decoding_to_anything_is_400_and_blinds_nobody(
    hub: HubProcess, module: Module, referral: Referral
) -> None:
    pulls = [
        ("/v1/outbox/assignments", "SOCIAL"),
        ("/v1/outbox/assignments", "BUREAU"),
        ("/v1/outbox/status", "POLICE"),
    ]
    module.tokens.update(hub.token(p) for _, p in pulls)
    # The pulls write their disclosures' audit events; nothing else may move, so before and after read the same.
    with offsets.unchanged(hub.broker.bootstrap, allowed={"audit.events"}, what="poisoned cursors"):
        before = [pull(hub, path, hub.token(partner)) for path, partner in pulls]
        for cursor in poisoned_cursors():
            for path in ("/v1/outbox/assignments", "/v1/outbox/status"):
                answer = send(hub, "GET", f"{path}?after={cursor}", bearer(hub.token("SOCIAL")))
                refused(module, answer, 400, "INVALID_CURSOR")
        after = [pull(hub, path, hub.token(partner)) for path, partner in pulls]
    assert all(int(page.header("X-Refhub-Count") or 0) > 0 for page in before), "each has something to pull"
    assert [page.body for page in after] == [page.body for page in before], (
        "every partner's outbox answers with its data after the poisoned cursors"
    )
    assert hub.get("/healthz", None)[0] == 200


@pytest.mark.parametrize("limit", ["%C2%B2", "%EF%BC%95", "1e3", "-1", "0", "501", "0x10", "%20" + "5"])
def test_a_limit_that_is_not_1_to_500_in_ascii_digits_is_400(hub: HubProcess, module: Module, limit: str) -> None:
    module.tokens.add(hub.token("SOCIAL"))
    answer = send(hub, "GET", f"/v1/outbox/status?limit={limit}", bearer(hub.token("SOCIAL")))
    refused(module, answer, 400, "INVALID_LIMIT")


def test_a_cursor_reveals_nothing_and_works_only_for_its_partner_and_stream(
    hub: HubProcess, module: Module, referral: Referral
) -> None:
    social, bureau = hub.token("SOCIAL"), hub.token("BUREAU")
    module.tokens.update({social, bureau})
    first = pull(hub, "/v1/outbox/assignments", social)
    again = pull(hub, "/v1/outbox/assignments", social)
    cursor = first.header("X-Refhub-Next-Cursor")
    assert cursor and cursor.startswith("c1.") and cursor != again.header("X-Refhub-Next-Cursor"), (
        "two cursors for the same position differ: they carry no readable offsets"
    )
    sealed = base64.urlsafe_b64decode(cursor[3:] + "=" * (-len(cursor[3:]) % 4))
    for attempt in (sealed, sealed[12:]):
        with pytest.raises(ValueError):
            json.loads(attempt)

    # The partner's own cursor works: page by page to the end, where nothing is left.
    pages, end = pull_all(hub, "/v1/outbox/assignments", social)
    assert referral.referral_id.encode() in pages
    rest = pull(hub, "/v1/outbox/assignments", social, after=end)
    assert rest.header("X-Refhub-Count") == "0" and referral.referral_id.encode() not in rest.body
    flipped = cursor[:-2] + ("A" if cursor[-2] != "A" else "B") + cursor[-1]
    with offsets.unchanged(hub.broker.bootstrap, what="borrowed and tampered cursors"):
        for path, token, text in (
            ("/v1/outbox/assignments", bureau, cursor),  # another partner's
            ("/v1/outbox/status", social, cursor),  # the other stream's
            ("/v1/outbox/assignments", social, flipped),  # tampered
        ):
            refused(module, send(hub, "GET", f"{path}?after={text}", bearer(token)), 400, "INVALID_CURSOR")


# --- bodies ------------------------------------------------------------------------------------------------


def test_a_record_over_the_brokers_message_size_is_413_naming_it_and_nothing_is_written(
    hub: HubProcess, module: Module
) -> None:
    social = hub.token("SOCIAL")
    module.tokens.add(social)
    stem = f"SW-{uuid.uuid4().hex[:8]}"
    good = social_referral(f"{stem}-1", "需要協助", 1)
    big = social_referral(f"{stem}-2", "備註" * MIB, 2)  # 2 MiB of free text, well within the 10 MiB body limit
    body = json.dumps([good, big], ensure_ascii=False).encode()
    assert 4 * MIB < len(body) < 10 * MIB
    with offsets.unchanged(hub.broker.bootstrap, what="a submission with a record too large"):
        answer = send(hub, "POST", "/v1/submissions", [*bearer(social), (b"Content-Type", SOCIAL_JSON.encode())], body)
        shown = refused(module, answer, 413, "RECORD_TOO_LARGE")
    assert shown["record"] == 2 and "第 2 筆" in shown["reason"], shown
    # Nothing of it was taken in: the good record alone is new, not a duplicate of a half-written submission.
    code, receipt = hub.post("/v1/submissions", json.dumps(good).encode(), SOCIAL_JSON, social)
    assert code == 202 and receipt["accepted"][0]["duplicate"] is False, receipt


def test_a_body_over_ten_mebibytes_is_413_and_nothing_is_written(hub: HubProcess, module: Module) -> None:
    police_token = hub.token("POLICE")
    module.tokens.add(police_token)
    huge = b"a" * (10 * MIB + 1)
    head = [*bearer(police_token), (b"Content-Type", b"text/csv")]
    chunked = raw_http.build(
        "POST", "/v1/submissions", [*head, (b"Transfer-Encoding", b"chunked")], content_length=False
    )
    chunks = b"".join(b"%x\r\n" % len(part) + part + b"\r\n" for part in (huge[:MIB],) * 11) + b"0\r\n\r\n"
    with offsets.unchanged(hub.broker.bootstrap, what="bodies over 10 MiB"):
        refused(module, send(hub, "POST", "/v1/submissions", head, huge), 413, "TOO_LARGE")
        answer = raw_http.send(hub.web_port, chunked + chunks)  # no Content-Length to go by
        refused(module, answer, 413, "TOO_LARGE")


def test_malformed_bodies_are_rejected_with_reasons_and_only_dead_lettered(hub: HubProcess, module: Module) -> None:
    social, police_token = hub.token("SOCIAL"), hub.token("POLICE")
    module.tokens.update({social, police_token})
    cases = [
        (social, SOCIAL_JSON, b'{"type": "ADULT_USER_REFERRAL", "caseNo": ', "MALFORMED_JSON"),
        (social, SOCIAL_JSON, b"[" * 100_000 + b"]" * 100_000, None),
        (police_token, "text/csv", "欄位一,欄位二\r\n1,2\r\n".encode("cp950"), None),
        (police_token, "text/csv", b"\xff\xfe\x00\x00garbage", None),
    ]
    receipts = []
    with offsets.unchanged(hub.broker.bootstrap, allowed=WITH_DEAD_LETTERS, what="malformed bodies"):
        for token, content_type, body, code in cases:
            status, receipt = hub.post("/v1/submissions", body, content_type, token)
            assert status == 202 and receipt["accepted"] == [] and receipt["rejected"], receipt
            assert all(r["code"] and r["reason"] for r in receipt["rejected"])
            if code:
                assert receipt["rejected"][0]["code"] == code
            receipts.append(receipt["submission_id"])
    letters = {m.value["submission_id"] for m in read_topic(hub.broker.bootstrap, "referrals.dlq")}
    assert set(receipts) <= letters, "each refused file has its dead letter"


def test_nul_bytes_in_names_and_references_are_refused_with_the_field_named(hub: HubProcess, module: Module) -> None:
    police_token, social = hub.token("POLICE"), hub.token("SOCIAL")
    module.tokens.update({police_token, social})
    who = police.person(random.Random(31))
    named = police.child_protection_row(police.fresh_refs(1)[0], police.person(random.Random(32)))
    named["姓名"] = who.name[0] + "\x00" + who.name[1:]
    referenced = police.child_protection_row(police.fresh_refs(1)[0] + "\x00", who)
    stem = f"SW-{uuid.uuid4().hex[:8]}"
    social_named = social_referral(f"{stem}-1", "", 33)
    social_named["adult"]["name"] = "陳\x00冠宇"
    social_referenced = social_referral(f"{stem}\x00-2", "", 34)
    cases = [
        (police_token, "text/csv", police.to_csv([named]), "姓名"),
        (police_token, "text/csv", police.to_csv([referenced]), "通報編號"),
        (social, SOCIAL_JSON, json.dumps(social_named).encode(), "adult.name"),
        (social, SOCIAL_JSON, json.dumps(social_referenced).encode(), "caseNo"),
    ]
    with offsets.unchanged(hub.broker.bootstrap, allowed=WITH_DEAD_LETTERS, what="NUL bytes"):
        for token, content_type, body, field in cases:
            status, receipt = hub.post("/v1/submissions", body, content_type, token)
            assert status == 202 and receipt["accepted"] == [], receipt
            [rejection] = receipt["rejected"]
            assert rejection["code"] == "INVALID_CHARACTER" and rejection["field"] == field, rejection
            assert "U+0000" in rejection["reason"] and "\x00" not in rejection["reason"]


def test_a_replayed_submission_is_all_duplicates_and_writes_nothing(hub: HubProcess, module: Module) -> None:
    police_token = hub.token("POLICE")
    module.tokens.add(police_token)
    rng = random.Random(51)
    body = police.to_csv([police.child_protection_row(r, police.person(rng)) for r in police.fresh_refs(3)])
    code, first = hub.post("/v1/submissions", body, "text/csv", police_token)
    assert code == 202 and len(first["accepted"]) == 3 and not any(a["duplicate"] for a in first["accepted"])
    ids = {a["referral_id"] for a in first["accepted"]}
    wait_for(hub.broker.bootstrap, "referrals.events", lambda m: m.value["referral_id"] in ids, 3)
    with offsets.unchanged(hub.broker.bootstrap, what="a replayed submission"):
        code, again = hub.post("/v1/submissions", body, "text/csv", police_token)
    assert code == 202 and {a["referral_id"] for a in again["accepted"]} == ids
    assert all(a["duplicate"] for a in again["accepted"]) and again["rejected"] == []


def test_many_refused_records_in_one_small_file_do_not_stall_the_hub(hub: HubProcess, module: Module) -> None:
    """10,000 empty JSON objects (30 KB) once took the worker's CPU for about a minute (50,000: many minutes,
    /healthz and every partner's requests with it): each refused record's two writes all waited on the
    producer's full batch at once, and each drained batch woke every one of them."""
    social = hub.token("SOCIAL")
    module.tokens.add(social)
    count = 10_000
    began = time.monotonic()
    status, receipt = hub.post("/v1/submissions", b"[" + b"{}," * (count - 1) + b"{}]", SOCIAL_JSON, social)
    took = time.monotonic() - began
    assert status == 202 and len(receipt["rejected"]) == count and receipt["accepted"] == []
    # No timing is asserted (the machine decides that): the writes' bound is tests/unit/streams/gateway/
    # test_intake_writes.py; here the whole file is answered within the client's timeout, and the hub lives on.
    print(f"\n{count} refused records answered in {took:.1f} s")
    assert hub.get("/healthz", None)[0] == 200


def test_deeply_nested_or_unencodable_json_on_the_json_routes_is_400(hub: HubProcess, module: Module) -> None:
    social, operator = hub.token("SOCIAL"), hub.token("OPERATOR")
    module.tokens.update({social, operator})
    deep = b'{"key_ids": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    json_type = (b"Content-Type", b"application/json")
    with offsets.unchanged(hub.broker.bootstrap, what="bad JSON on the key and admin routes"):
        for body in (deep, b"[" * 100_000, b'{"key_ids": ["S-\\ud800#SOCIAL"]}', b'{"key_ids": ["S-1#SOCIAL\\u0000"]}'):
            answer = send(hub, "POST", "/v1/keys/release", [*bearer(social), json_type], body)
            refused(module, answer, 400, "INVALID_REQUEST")
        answer = send(hub, "POST", "/v1/admin/replay", [*bearer(operator), json_type], deep)
        refused(module, answer, 400, "INVALID_REQUEST")


# --- who sees what ---------------------------------------------------------------------------------------------


def test_a_partner_posts_only_its_own_formats(hub: HubProcess, module: Module) -> None:
    social = hub.token("SOCIAL")
    module.tokens.add(social)
    body = police.to_csv([police.child_protection_row(police.fresh_refs(1)[0], police.person(random.Random(61)))])
    with offsets.unchanged(hub.broker.bootstrap, what="SOCIAL posting a POLICE file"):
        answer = send(hub, "POST", "/v1/submissions", [*bearer(social), (b"Content-Type", b"text/csv")], body)
        refused(module, answer, 415, "UNSUPPORTED_MEDIA_TYPE")


def test_a_partner_pulls_only_its_own(hub: HubProcess, module: Module, referral: Referral) -> None:
    tokens = {p: hub.token(p) for p in ("SOCIAL", "BUREAU", "EDU", "POLICE", "LABOUR")}
    module.tokens.update(tokens.values())
    rid = referral.referral_id.encode()

    def everything(path: str, partner: str) -> bytes:
        return pull_all(hub, path, tokens[partner])[0]

    assert rid in everything("/v1/outbox/assignments", "SOCIAL") and rid in everything(
        "/v1/outbox/assignments", "BUREAU"
    )
    for partner in ("EDU", "LABOUR"):
        assert rid not in everything("/v1/outbox/assignments", partner), partner
    assert rid in everything("/v1/outbox/status", "POLICE")
    for partner in ("SOCIAL", "EDU"):
        assert rid not in everything("/v1/outbox/status", partner), f"{partner} sees POLICE's status changes"


def test_one_partner_pulling_does_not_hold_up_the_others(hub: HubProcess, module: Module, referral: Referral) -> None:
    """Pulls are read one at a time; each once took a second or more (a fetch left waiting at the broker held
    the reader's connection), so a partner polling in a loop made every other partner's pull wait its turn."""
    partners = ("SOCIAL", "BUREAU", "POLICE")
    tokens = {p: hub.token(p) for p in partners}
    module.tokens.update(tokens.values())
    paths = {"SOCIAL": "/v1/outbox/assignments", "BUREAU": "/v1/outbox/assignments", "POLICE": "/v1/outbox/status"}
    rounds = 5

    def pulls(partner: str) -> float:
        began = time.monotonic()
        for _ in range(rounds):
            pull(hub, paths[partner], tokens[partner])  # to the end of its topic
        return time.monotonic() - began

    began = time.monotonic()
    with ThreadPoolExecutor(len(partners)) as pool:
        took = dict(zip(partners, pool.map(pulls, partners), strict=True))
    total = time.monotonic() - began
    assert total < 8, f"{rounds * len(partners)} pulls by {len(partners)} partners took {total:.1f} s: {took}"


def test_referral_ids_are_keyed_and_another_partner_cannot_tell_a_real_one(
    hub: HubProcess, module: Module, referral: Referral
) -> None:
    police_token, operator, edu = hub.token("POLICE"), hub.token("OPERATOR"), hub.token("EDU")
    module.tokens.update({police_token, operator, edu})
    unkeyed = "R-" + hashlib.sha256(f"POLICE\x1f{referral.ref}".encode()).hexdigest()[:20]
    assert unkeyed != referral.referral_id
    for token in (police_token, operator):
        refused(module, send(hub, "GET", f"/v1/referrals/{unkeyed}", bearer(token)), 404, "UNKNOWN_REFERRAL")

    # EDU answering on POLICE's referral (not addressed to it) and on a made-up id: one answer, bar the id.
    made_up = "R-" + uuid.uuid4().hex[:20]
    rows = []
    for referral_id in (referral.referral_id, made_up):
        message = {
            "type": "STATUS",
            "referralId": referral_id,
            "status": "ACKNOWLEDGED",
            "at": "2025-07-16T09:00:00+08:00",
        }
        status, receipt = hub.post("/v1/submissions", json.dumps(message).encode(), SOCIAL_JSON, edu)
        assert status == 202 and receipt["accepted"] == [], receipt
        [row] = receipt["rejected"]
        rows.append(json.loads(json.dumps(row, ensure_ascii=False).replace(referral_id, "R-…")))
    assert rows[0] == rows[1] and rows[0]["code"] == "UNKNOWN_REFERRAL", rows
    for referral_id in (referral.referral_id, made_up):
        answer = send(hub, "GET", f"/v1/referrals/{referral_id}", bearer(edu))
        refused(module, answer, 404, "UNKNOWN_REFERRAL")
    real = send(hub, "GET", f"/v1/referrals/{referral.referral_id}", bearer(edu)).body
    assert real == send(hub, "GET", f"/v1/referrals/{made_up}", bearer(edu)).body
    module.seen["UNKNOWN_REFERRAL"] += 2


def test_metrics_are_not_on_the_partners_port_and_answers_are_not_cached(
    hub: HubProcess, module: Module, referral: Referral
) -> None:
    social, police_token, prosecutor = hub.token("SOCIAL"), hub.token("POLICE"), hub.token("PROS_KS")
    module.tokens.update({social, police_token, prosecutor})
    for headers in ([], bearer(social), bearer(hub.token("OPERATOR"))):
        refused(module, send(hub, "GET", "/metrics", headers), 404, "NOT_FOUND")
    for path in ("/", "/router/", "/router/list/", "/table/", "/stats/"):  # none of Faust's own pages either
        refused(module, send(hub, "GET", path), 404, "NOT_FOUND")
    answers = [
        pull(hub, "/v1/outbox/assignments", social),
        pull(hub, "/v1/outbox/status", police_token),
        send(hub, "GET", "/v1/outbox/reports?period=2025-08", bearer(prosecutor)),
        send(hub, "GET", f"/v1/referrals/{referral.referral_id}", bearer(police_token)),
    ]
    for answer in answers:
        assert answer.status == 200 and answer.header("Cache-Control") == "no-store", answer.headers
    for answer in [*answers, send(hub, "GET", "/healthz"), send(hub, "GET", "/nowhere")]:
        assert answer.header("Server") == "refhub", answer.headers
    module.seen["NOT_FOUND"] += 1


# --- the rate limit ------------------------------------------------------------------------------------------


def test_a_burst_past_the_limit_is_429_with_retry_after_and_other_partners_go_on(
    hub: HubProcess, module: Module
) -> None:
    burst = float(hub.env().get("REFHUB_RATE_LIMIT_BURST", "300"))
    rate = float(hub.env().get("REFHUB_RATE_LIMIT_PER_SECOND", "20"))
    noisy, quiet = hub.token("NGO_LIBERTAS"), hub.token("NGO_MICHAEL")
    module.tokens.update({noisy, quiet})
    connection = http.client.HTTPConnection("127.0.0.1", hub.web_port, timeout=30)
    allowed = 0
    began = time.monotonic()
    try:
        while True:
            # A partners' route that answers at once (NO_REPORTS): only the limiter's share is measured.
            connection.request("GET", "/v1/outbox/reports", headers={"Authorization": f"Bearer {noisy}"})
            response = connection.getresponse()
            body = json.loads(response.read())
            if response.status == 429:
                break
            assert response.status == 404 and body["error"] == "NO_REPORTS", body
            module.seen["NO_REPORTS"] += 1
            allowed += 1
            assert allowed <= burst + rate * (time.monotonic() - began) + 1, "no 429 past the burst"
        elapsed = time.monotonic() - began
        retry_after = response.getheader("Retry-After")
        assert body["error"] == "RATE_LIMITED" and body["reason"], body
        module.seen["RATE_LIMITED"] += 1
    finally:
        connection.close()
    assert allowed >= burst, f"refused after {allowed} requests, before the burst of {burst:g}"
    assert retry_after is not None and retry_after.isdigit() and int(retry_after) >= 1, retry_after
    assert allowed <= burst + rate * elapsed + 1

    beside = send(hub, "GET", "/v1/outbox/reports", bearer(quiet))
    refused(module, beside, 404, "NO_REPORTS")  # not 429: another partner's bucket is its own
    time.sleep(int(retry_after))
    refused(module, send(hub, "GET", "/v1/outbox/reports", bearer(noisy)), 404, "NO_REPORTS")


# --- what the whole module left behind -------------------------------------------------------------------------


def test_every_refusal_was_counted_by_its_reason(
    hub: HubProcess, module: Module, capsys: pytest.CaptureFixture[str]
) -> None:
    counted = counted_since(module.counted_from, hub.metrics_urls)
    assert counted == module.seen, {
        r: (counted[r], module.seen[r]) for r in set(counted) | set(module.seen) if counted[r] != module.seen[r]
    }
    with capsys.disabled():
        print(f"\nsecurity suite: {sum(counted.values())} refusals by reason: {dict(sorted(counted.items()))}")


def test_no_credential_and_no_traceback_reached_the_log(hub: HubProcess, module: Module) -> None:
    assert len(module.tokens) >= 12, module.tokens
    logs = hub_logs(hub)
    # Every worker's log, not the first one's only: two thirds of the requests are passed on to another worker.
    assert len(logs) >= len(getattr(hub, "workers", [hub])), logs
    for path in logs:
        log = path.read_bytes()
        for token in module.tokens:
            secret = token.split("_", 2)[2].encode()  # rhk_<id>_<secret>: the id alone is no secret
            assert token.encode() not in log and secret not in log, f"a token reached the hub's log {path}"
        ours = log[module.logs_from.get(path, 0) :]
        assert b"Traceback" not in ours and b"failed (incident" not in ours, ours.decode(errors="replace")[-3000:]
        assert b"Error handling request" not in ours, path
