"""The chaos run: partners post referrals through every worker's gateway while a killer ``kill -9``s a worker
every 20–40 s (restarting it at once, as a supervisor would) and kills and restarts one broker; then the
ledger of what happened is read back from the broker and the gateways.

What must hold, whatever was killed when (all three must be 0):
- lost: a referral a partner holds a receipt for that did not reach every destination;
- duplicated: a (referral, destination) pair with more than one distinct assignment id (a redelivery must
  repeat the same assignment, byte for byte, never make a second one);
- stuck: a receipted referral whose ledger state no worker knows (GET /v1/referrals/{id} is not 200).

A partner here behaves as the interface agreement asks: a submission without a receipt (connection refused,
5xx, 503 while a worker restarts) is sent again, to whichever worker answers.
"""

from __future__ import annotations

import json
import random
import threading
import time
import urllib.error
import urllib.request
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from kafka import KafkaConsumer, TopicPartition

from schemas.codec import decode_any
from tests.support import police
from tests.support.processes import HubProcess
from tests.support.workers import Workers

MAX_ATTEMPTS = 300
"""A file still without a receipt after this many tries is counted as unreceipted (it would be a finding)."""
STATE_READ_SECONDS = 120.0
"""A referral whose state no worker shows within this long (404 at once) is counted as stuck."""
DESTINATIONS = ("SOCIAL", "BUREAU")
"""Where a police child-protection notice (兒少保護通報) goes."""


class Brokers(Protocol):
    """A Kafka cluster whose nodes can be killed and restarted (tests/support: Cluster)."""

    @property
    def bootstrap(self) -> str: ...

    def kill(self, node: int) -> None: ...

    def restart(self, node: int) -> float: ...


@dataclass
class Kill:
    what: str
    at_s: float
    recovered_s: float | None
    """From the kill until every live worker was ready again, holding each partition once."""


@dataclass
class Figures:
    referrals: int
    submissions: int
    receipted: int
    unreceipted: int
    resent: int
    lost: int
    duplicated: int
    stuck: int
    kills: list[Kill] = field(default_factory=list)
    worker_kills: int = 0
    broker_kills: int = 0
    posting_s: float = 0.0
    drained_s: float = 0.0
    """From the last receipt until every receipted referral had reached every destination (or the wait ended)."""

    def as_json(self) -> str:
        return json.dumps(asdict(self), indent=2)

    @property
    def clean(self) -> bool:
        return self.lost == self.duplicated == self.stuck == self.unreceipted == 0

    def enough_chaos(self, worker_kills: int, broker_kills: int) -> bool:
        return self.worker_kills >= worker_kills and self.broker_kills >= broker_kills


@dataclass
class Chaos:
    workers: Workers
    brokers: Brokers | None
    referrals: int
    rows_per_file: int = 25
    worker_kills: int = 5
    kill_every: tuple[float, float] = (20.0, 40.0)
    broker_kill: bool = True
    posters: int = 4
    rate: float | None = None
    """Referrals per second the partners post at, all together (None: as fast as the gateways take them)."""
    seed: int = 20_261_203
    drain_timeout: float = 600.0
    log: Callable[[str], None] = print
    _receipts: dict[str, str] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _resent: int = 0
    _unreceipted: int = 0
    _posting: bool = True

    def run(self) -> Figures:
        rng = random.Random(self.seed)
        files = list(self._files(rng))
        began = time.monotonic()
        killer = threading.Thread(target=self._kill_loop, args=(random.Random(self.seed + 1), began), daemon=True)
        kills: list[Kill] = []
        self._kills = kills
        killer.start()
        self._began = began
        with ThreadPoolExecutor(self.posters) as pool:
            list(pool.map(self._post_until_receipted, enumerate(files)))
        posting_s = time.monotonic() - began
        self._posting = False
        killer.join()
        self.log(f"chaos: {len(self._receipts)} referrals receipted in {posting_s:.0f} s; draining")
        self.workers.wait_settled(timeout=300)
        drained_began = time.monotonic()
        assignments = self._wait_drained()
        drained_s = time.monotonic() - drained_began
        ids = set(self._receipts)
        missing = sorted(r for r in ids if any(not assignments.get((r, d)) for d in DESTINATIONS))
        lost = len(missing)
        if missing:
            self.log(f"chaos: lost {lost}, e.g. {[(r, self._receipts[r]) for r in missing[:5]]} (referral, submission)")
        duplicated = sum(1 for pair, found in assignments.items() if pair[0] in ids and len(found) > 1)
        checked_began = time.monotonic()
        stuck = self._stuck(sorted(ids))
        self.log(f"chaos: {len(ids)} ledger states read in {time.monotonic() - checked_began:.0f} s")
        return Figures(
            referrals=self.referrals,
            submissions=len(files),
            receipted=len(ids),
            unreceipted=self._unreceipted,
            resent=self._resent,
            lost=lost,
            duplicated=duplicated,
            stuck=stuck,
            kills=kills,
            worker_kills=sum(1 for k in kills if k.what.startswith("worker")),
            broker_kills=sum(1 for k in kills if k.what.startswith("broker")),
            posting_s=round(posting_s, 1),
            drained_s=round(drained_s, 1),
        )

    # -- partners ---------------------------------------------------------------------------------------------

    def _files(self, rng: random.Random) -> Iterator[bytes]:
        return partner_files(self.referrals, self.rows_per_file, rng)

    def _post_until_receipted(self, numbered: tuple[int, bytes]) -> None:
        n, body = numbered
        if self.rate:
            time.sleep(max(0.0, self._began + n * self.rows_per_file / self.rate - time.monotonic()))
        attempt = 0
        while attempt < MAX_ATTEMPTS:
            live = self.workers.alive() or self.workers.workers
            worker = live[(hash(body) + attempt) % len(live)]
            receipt = post_receipt(worker, body)
            if receipt is not None:
                with self._lock:
                    for row in receipt["accepted"]:
                        self._receipts[row["referral_id"]] = receipt["submission_id"]
                    if attempt:
                        self._resent += 1
                return
            attempt += 1
            time.sleep(min(0.2 * attempt, 2.0))
        with self._lock:
            self._unreceipted += 1

    # -- the killer -------------------------------------------------------------------------------------------

    def _kill_loop(self, rng: random.Random, began: float) -> None:
        """A kill every ``kill_every`` seconds while the partners post: the broker's at the second slot (or the
        first, if only one worker kill is asked for), a worker's at every other — at least ``worker_kills``."""
        broker_pending = self.broker_kill and self.brokers is not None
        broker_slot = 2 if self.worker_kills > 1 else 1
        slot = 0
        while self._posting:
            deadline = time.monotonic() + rng.uniform(*self.kill_every)
            while self._posting and time.monotonic() < deadline:
                time.sleep(0.2)
            if not self._posting:
                return
            slot += 1
            if broker_pending and slot >= broker_slot:
                self._kill_broker(rng, began)
                broker_pending = False
            else:
                self._kill_worker(rng, began)

    def _kill_worker(self, rng: random.Random, began: float) -> None:
        victim = rng.randrange(len(self.workers.workers))
        worker = self.workers[victim]
        at = time.monotonic()
        worker.kill9()
        self.log(f"chaos: kill -9 worker {victim} at {at - began:.0f} s")
        worker.launch()  # a supervisor restarts it at once
        self._kills.append(Kill(f"worker {victim}", round(at - began, 1), self._recovered(at)))

    def _kill_broker(self, rng: random.Random, began: float) -> None:
        assert self.brokers is not None
        node = rng.choice((1, 2, 3))
        at = time.monotonic()
        self.brokers.kill(node)
        self.log(f"chaos: kill -9 broker {node} at {at - began:.0f} s")
        time.sleep(5.0)
        self.brokers.restart(node)
        self._kills.append(Kill(f"broker {node}", round(at - began, 1), self._recovered(at)))

    def _recovered(self, since: float) -> float | None:
        try:
            self.workers.wait_settled(timeout=240)
        except RuntimeError:
            return None
        return round(time.monotonic() - since, 1)

    # -- what happened ----------------------------------------------------------------------------------------

    def _wait_drained(self) -> dict[tuple[str, str], set[str]]:
        deadline = time.monotonic() + self.drain_timeout
        while True:
            assignments = read_assignments(self.workers.broker.bootstrap)
            missing = sum(1 for r in self._receipts for d in DESTINATIONS if not assignments.get((r, d)))
            if missing == 0 or time.monotonic() > deadline:
                return assignments
            self.log(f"chaos: {missing} deliveries not yet assigned")
            time.sleep(5.0)

    def _stuck(self, ids: list[str]) -> int:
        token = self.workers.token("POLICE")

        def known(pair: tuple[int, str]) -> bool:
            n, referral_id = pair
            deadline = time.monotonic() + STATE_READ_SECONDS
            attempt = 0
            while True:
                live = self.workers.alive() or self.workers.workers
                code = _status(live[(n + attempt) % len(live)], f"/v1/referrals/{referral_id}", token)
                if code == 200:
                    return True
                if code == 404 or time.monotonic() > deadline:
                    return False
                # 429 (the partner's rate limit) and 503 (a worker restoring) say "later", not "stuck": an
                # earlier run counted ten refusals of the rate limit as a referral without a ledger state.
                attempt += 1
                time.sleep(1.0 if code == 429 else 0.5)

        # 32 at once: 100,000 one-by-one reads through the gateways (two thirds passed on to the owner) took
        # eight threads about a quarter of an hour.
        with ThreadPoolExecutor(32) as pool:
            return sum(1 for ok in pool.map(known, enumerate(ids)) if not ok)


def read_assignments(bootstrap: str) -> dict[tuple[str, str], set[str]]:
    """(referral, destination) → the distinct assignment ids on the destination's topic (erasure notices aside)."""
    found: dict[tuple[str, str], set[str]] = defaultdict(set)
    consumer = KafkaConsumer(bootstrap_servers=bootstrap.split(","), group_id=None, enable_auto_commit=False)
    try:
        for destination in DESTINATIONS:
            topic = f"assignments.{destination}"
            partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])]
            consumer.assign(partitions)
            consumer.seek_to_beginning(*partitions)
            end = consumer.end_offsets(partitions)
            while any(consumer.position(tp) < end[tp] for tp in partitions):
                for records in consumer.poll(timeout_ms=500, max_records=5000).values():
                    for record in records:
                        if record.value is None:
                            continue
                        name, value = decode_any(record.value)
                        if name == "assignment":
                            found[(value["referral_id"], value["destination"])].add(value["assignment_id"])
    finally:
        consumer.close()
    return found


def partner_files(referrals: int, rows_per_file: int, rng: random.Random) -> Iterator[bytes]:
    """Police CSV files of child-protection notices (兒少保護通報), each row a new person."""
    refs = police.fresh_refs(referrals)
    for start in range(0, referrals, rows_per_file):
        rows = [police.child_protection_row(ref, police.person(rng)) for ref in refs[start : start + rows_per_file]]
        yield police.to_csv(rows)


def post_receipt(worker: HubProcess, body: bytes) -> dict[str, Any] | None:
    request = urllib.request.Request(
        worker.url + "/v1/submissions",
        data=body,
        method="POST",
        headers={"Content-Type": "text/csv", "Authorization": f"Bearer {worker.token('POLICE')}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            receipt: dict[str, Any] = json.loads(response.read())
            return receipt if response.status == 202 else None
    except (urllib.error.URLError, ConnectionError, TimeoutError, ValueError):
        return None


def _status(worker: HubProcess, path: str, token: str) -> int:
    request = urllib.request.Request(worker.url + path, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return 0
