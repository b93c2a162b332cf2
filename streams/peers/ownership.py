"""Which worker owns a table key: the one Kafka assigned the key's partition to.

A key's state (a referral's ledger entry, a person's subject link) is written by one worker only, the owner of
its partition, so a decision that reads that state — is this a duplicate, which amendment version is this,
does this person have a subject yet — is taken there. Faust's assignor publishes every worker's partitions with
its web address (``canonical_url``); this reads that map. During a rebalance the map may name nobody: callers
answer 503 and the partner retries.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from streams.due import partition_of


class OwnerUnknown(Exception):
    """No worker holds the key's partition right now (a rebalance is under way)."""


def owner_url(metadata: Mapping[str, Mapping[str, Iterable[int]]], topic: str, partition: int) -> str | None:
    """The worker (canonical URL) whose active assignment holds ``topic``/``partition``, from the assignor's map."""
    for url, topics in metadata.items():
        if partition in topics.get(topic, ()):
            return url
    return None


def same_worker(left: str, right: str) -> bool:
    return left.rstrip("/") == right.rstrip("/")


class Ownership:
    """Owners of table keys, for the Faust app of this worker."""

    def __init__(self, app: Any, partitions: int) -> None:
        self._app = app
        self._partitions = partitions

    @property
    def me(self) -> str:
        return str(self._app.conf.canonical_url)

    def changelog(self, table: str) -> str:
        return str(self._app.tables[table].changelog_topic.get_topic_name())

    def owner(self, table: str, key: str) -> str | None:
        """None when this worker owns ``key`` of ``table``; otherwise the owner's URL. Raises OwnerUnknown."""
        topic = self.changelog(table)
        metadata = self._app.assignor.table_metadata(topic)
        url = owner_url(metadata, topic, partition_of(key, self._partitions))
        if url is None:
            raise OwnerUnknown(f"no worker holds {table} partition of {key!r} now")
        return None if same_worker(url, self.me) else url

    def peers(self) -> list[str]:
        """Every worker in the group (this one included), by canonical URL."""
        urls = {url.rstrip("/") for url in self._app.assignor.tables_metadata()} | {self.me.rstrip("/")}
        return sorted(urls)

    def owned(self, table: str) -> frozenset[int]:
        """This worker's active partitions of ``table`` (never its standby ones)."""
        topic = self.changelog(table)
        return frozenset(tp.partition for tp in self._app.assignor.assigned_actives() if tp.topic == topic)

    def owned_items(self, table: str) -> Iterator[tuple[str, Any]]:
        """The rows of ``table`` on this worker's active partitions: a standby copy is another worker's to count."""
        owned = self.owned(table)
        for key, value in self._app.tables[table].items():
            if value is not None and partition_of(key, self._partitions) in owned:
                yield key, value
