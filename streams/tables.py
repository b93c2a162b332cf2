"""Where the hub's tables keep their rows: RocksDB files under the worker's own data directory (or memory).

With RocksDB a restart reads only the changelogs' tail (each partition's database remembers the last changelog
offset it holds) and a worker's memory no longer grows with the number of referrals it has seen. Two things
Faust's own RocksDB store (faust-streaming 0.15.3) does not give, and this module adds:

* **The local database never runs ahead of the changelog.** Faust writes a row to RocksDB at once and sends its
  changelog record later; a ``kill -9`` in between keeps a row the changelog never got. The agents would then
  find the row on the redelivery, send what it promised and write nothing (a repeat changes nothing), so the
  changelog would lack it for good — and the next worker to take the partition over would not know the
  referral. Here a write waits in memory (:class:`UnackedWrites`; reads see it) until the broker acknowledged
  its changelog record, and then goes to RocksDB in one batch with that record's offset: what is on disk is
  always a prefix of the changelog, and a restart replays exactly the rest.
* **Bounded memory.** One block cache (data, index and filter blocks) and one memtable budget for every
  partition database of every table of the process, instead of Faust's 2 GiB cache and 3 × 64 MiB memtables
  per partition database (6 tables × 3 partitions, plus standbys).

Iterating a table covers the partitions this worker owns as active only (Faust's ``_dbs_for_actives``), and a
read outside an agent (the gateway) looks only there too: a standby copy is never served as if it were owned.

Every table also tells its watchers about each write an agent makes (:class:`HubTable`), so an index of the
worker's own keys (e.g. the retention index, streams/retention.py) follows the table without scanning it.
"""

from __future__ import annotations

import functools
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, cast

import faust
import rocksdict
from faust.stores import rocksdb
from faust.streams import current_event
from faust.types import AppT
from kafka.admin import KafkaAdminClient
from yarl import URL

from streams.kafka_client import kafka_python_options
from streams.settings import Settings

Watcher = Callable[[Any, Any], None]
"""Called with (key, value) after an agent wrote a key; value None when it was deleted."""

MIB = 1024 * 1024


class UnackedWrites:
    """Table writes whose changelog record the broker has not acknowledged yet, oldest first per key.

    A key's writes are acknowledged in the order they were made (one key lives on one changelog partition,
    whose records the producer resolves in order); a failed send is dropped like an acknowledged one, but never
    reaches the database — the changelog does not have it either."""

    def __init__(self) -> None:
        self._pending: dict[bytes, tuple[int, deque[bytes | None]]] = {}

    def written(self, partition: int, key: bytes, value: bytes | None) -> None:
        _, values = self._pending.setdefault(key, (partition, deque()))
        values.append(value)

    def resolved(self, key: bytes) -> tuple[int, bytes | None] | None:
        """The oldest pending write of ``key`` (its partition and value), no longer pending; None if none."""
        found = self._pending.get(key)
        if found is None:
            return None
        partition, values = found
        value = values.popleft()
        if not values:
            del self._pending[key]
        return partition, value

    def latest(self, key: bytes) -> tuple[bool, bytes | None]:
        """(True, value) when ``key`` has a pending write (value None: a deletion); (False, None) otherwise."""
        found = self._pending.get(key)
        return (False, None) if found is None else (True, found[1][-1])

    def items(self, partitions: Iterable[int]) -> Iterator[tuple[bytes, bytes | None]]:
        wanted = set(partitions)
        for key, (partition, values) in list(self._pending.items()):
            if partition in wanted:
                yield key, values[-1]

    def __contains__(self, key: object) -> bool:
        return key in self._pending

    def __len__(self) -> int:
        return len(self._pending)


@functools.cache
def _shared_cache(capacity: int) -> rocksdict.Cache:
    return rocksdict.Cache(capacity)


@functools.cache
def _shared_write_buffers(budget: int, cache_capacity: int) -> rocksdict.WriteBufferManager:
    # Charged to the block cache, so RocksDB's memory is capped by one figure (cache + memtables).
    return rocksdict.WriteBufferManager.new_write_buffer_manager_with_cache(
        budget, False, _shared_cache(cache_capacity)
    )


class SharedRocksDBOptions(rocksdb.RocksDBOptions):
    """Faust's options, but every database of the process shares one block cache and one memtable budget,
    index and filter blocks live in that cache (else they grow with the data, outside any limit), and blocks
    are LZ4-compressed (JSON values shrink about 3×, so the cache holds more rows)."""

    memtable_budget: int = 32 * MIB

    def as_options(self) -> rocksdict.Options:
        options = rocksdict.Options(raw_mode=True)
        options.create_if_missing(True)
        if self.max_open_files is not None:
            options.set_max_open_files(self.max_open_files)
        options.set_write_buffer_size(self.write_buffer_size)
        options.set_max_write_buffer_number(self.max_write_buffer_number)
        options.set_target_file_size_base(self.target_file_size_base)
        options.set_write_buffer_manager(_shared_write_buffers(self.memtable_budget, self.block_cache_size))
        options.set_compression_type(rocksdict.DBCompressionType.lz4())
        table = rocksdict.BlockBasedOptions()
        table.set_bloom_filter(10, True)
        table.set_block_cache(_shared_cache(self.block_cache_size))
        table.set_cache_index_and_filter_blocks(True)
        table.set_pin_l0_filter_and_index_blocks_in_cache(True)
        table.set_index_type(rocksdict.BlockBasedIndexType.binary_search())
        options.set_block_based_table_factory(table)
        return options


class HubRocksStore(rocksdb.Store):
    """Faust's RocksDB store whose disk state is always a prefix of the changelog (see the module docstring)."""

    def __init__(self, url: str | URL, app: AppT, table: Any, **kwargs: Any) -> None:
        options = dict(kwargs.get("options") or {})
        memtable_budget = options.pop("memtable_budget", SharedRocksDBOptions.memtable_budget)
        kwargs["options"] = options
        super().__init__(url, app, table, **kwargs)
        self.rocksdb_options = SharedRocksDBOptions(**options, use_rocksdict=True)
        self.rocksdb_options.memtable_budget = memtable_budget
        self.unacked = UnackedWrites()

    # -- writes wait for their changelog record ---------------------------------------------------------

    def _set(self, key: bytes, value: bytes | None) -> None:
        event = current_event()
        assert event is not None, "table writes need a current event"
        self.unacked.written(event.message.partition, key, value)

    def _del(self, key: bytes) -> None:
        event = current_event()
        assert event is not None, "table writes need a current event"
        self.unacked.written(event.message.partition, key, None)

    def changelog_resolved(self, key: bytes, offset: int | None) -> None:
        """The broker answered the changelog record of ``key``'s oldest pending write: acknowledged at
        ``offset`` (the write goes to disk with that offset, in one batch), or failed (None: it never does)."""
        resolved = self.unacked.resolved(key)
        if resolved is None or offset is None:
            return
        partition, value = resolved
        batch = rocksdict.WriteBatch(raw_mode=True)
        if value is None:
            batch.delete(key)
        else:
            batch.put(key, value)
        batch.put(self.offset_key, str(offset).encode())
        self._db_for_partition(partition).write(batch)
        self._key_index[key] = partition

    # -- reads see pending writes, and only the partitions this worker owns -----------------------------

    def _get(self, key: bytes) -> bytes | None:
        pending, value = self.unacked.latest(key)
        if pending:
            return value
        return super()._get(key)

    def _contains(self, key: bytes) -> bool:
        pending, value = self.unacked.latest(key)
        if pending:
            return value is not None
        return super()._contains(key)

    def _active_partitions(self) -> set[int]:
        topic = cast(Any, self.table).changelog_topic_name
        return {tp.partition for tp in self.app.assignor.assigned_actives() if tp.topic == topic}

    def _get_bucket_for_key(self, key: bytes) -> rocksdb._DBValueTuple | None:
        for partition in self._active_partitions():
            db = self._dbs.get(partition)
            if db is not None and db.key_may_exist(key):
                value = db.get(key)
                if value is not None:
                    self._key_index[key] = partition
                    return rocksdb._DBValueTuple(db, value)
        return None

    def _dbs_for_key(self, key: bytes) -> Iterable[Any]:
        active = self._active_partitions()
        return [db for partition, db in self._dbs.items() if partition in active]

    def _iteritems(self) -> Iterator[tuple[bytes, bytes]]:
        active = self._active_partitions()
        for partition, db in list(self._dbs.items()):
            if partition in active:
                for key, value in self._visible_items(db):
                    if key not in self.unacked:
                        yield key, value
        for key, pending in self.unacked.items(active):
            if pending is not None:
                yield key, pending

    def _iterkeys(self) -> Iterator[bytes]:
        for key, _ in self._iteritems():
            yield key

    def _itervalues(self) -> Iterator[bytes]:
        for _, value in self._iteritems():
            yield value

    def _size(self) -> int:
        return sum(1 for _ in self._iteritems())


class HubTable(faust.Table[Any, Any]):
    """A Faust table that tells its watchers about every write, and stores rows in :class:`HubRocksStore`
    when the app's store is RocksDB."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.watchers: list[Watcher] = []

    def _new_store_by_url(self, url: str | URL) -> Any:
        if URL(str(url)).scheme != "rocksdb":
            return super()._new_store_by_url(url)
        return HubRocksStore(
            url,
            self.app,
            self,
            table_name=self.name,
            key_type=self.key_type,
            key_serializer=self.key_serializer,
            value_serializer=self.value_serializer,
            value_type=self.value_type,
            loop=self.loop,
            options=self.options,
        )

    def _new_changelog_topic(self, **kwargs: Any) -> Any:
        topic = super()._new_changelog_topic(**kwargs)
        if URL(str(self._store or self.app.conf.store)).scheme != "rocksdb":
            return topic
        # Restoring puts each record's bytes into RocksDB as they are, but Faust first decodes every key and value
        # with the topic's schema (JSON): work thrown away, most of a restore's CPU. Writes are unaffected:
        # send_changelog names the table's own serializers.
        return topic.derive(schema=faust.Schema(key_serializer="raw", value_serializer="raw"))

    def send_changelog(self, partition: int | None, key: Any, value: Any, *args: Any, **kwargs: Any) -> Any:
        future = super().send_changelog(partition, key, value, *args, **kwargs)
        if isinstance(self.data, HubRocksStore):
            future.add_done_callback(self._changelog_done)
        return future

    def _changelog_done(self, future: Any) -> None:
        store = cast(HubRocksStore, self.data)
        failed = future.cancelled() or future.exception() is not None
        store.changelog_resolved(store._encode_key(future.message.key), None if failed else future.result().offset)

    def _on_changelog_sent(self, future: Any) -> None:
        # HubRocksStore writes the offset together with the row (_changelog_done); the memory store keeps none.
        if not isinstance(self.data, HubRocksStore):
            super()._on_changelog_sent(future)

    def on_key_set(self, key: Any, value: Any) -> None:
        super().on_key_set(key, value)
        for watcher in self.watchers:
            watcher(key, value)

    def on_key_del(self, key: Any) -> None:
        super().on_key_del(key)
        for watcher in self.watchers:
            watcher(key, None)


def rows(table: Any) -> Iterable[tuple[Any, Any]]:
    """The rows of the partitions this worker owns, safe to iterate across awaits while agents write: a RocksDB
    iterator reads a snapshot of its database; a memory table is copied first."""
    if isinstance(table.data, HubRocksStore):
        return cast(Iterable[tuple[Any, Any]], table.items())
    return list(table.items())


def cluster_id(settings: Settings) -> str:
    """The Kafka cluster's id (admin code, before the worker's loop runs: kafka-python may block here)."""
    admin = KafkaAdminClient(
        bootstrap_servers=settings.bootstrap_servers, client_id="refhub-tables", **kafka_python_options(settings)
    )
    try:
        return str(admin.describe_cluster()["cluster_id"])
    finally:
        admin.close()


def keep_for_cluster(settings: Settings, cluster: str) -> Path | None:
    """Table files hold changelog offsets of one Kafka cluster, meaningless on another (a developer who formatted
    the local broker anew): files of another cluster are moved aside, never deleted, and the tables are restored
    from this cluster's changelogs. Returns where they went, if they were moved."""
    files, mark = settings.data_dir / "faust", settings.data_dir / "tables-cluster-id"
    known = mark.read_text().strip() if mark.exists() else None
    moved = None
    if known != cluster and files.exists():
        moved = settings.data_dir / f"faust.other-cluster.{known or 'unknown'}.{int(time.time())}"
        files.rename(moved)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    mark.write_text(cluster + "\n")
    return moved


def store_url(settings: Settings) -> str:
    return f"{settings.table_store}://"


def declare(app: faust.App, settings: Settings, name: str, help: str) -> HubTable:
    """One of the hub's tables, keyed by a string, values JSON."""
    table = HubTable(
        app,
        name=name,
        default=None,
        partitions=settings.partitions,
        beacon=app.tables.beacon,
        help=help,
        # JSON keys: faust-streaming 0.15.3 decodes changelog keys with JSON during recovery whatever the
        # table's schema says, so a "raw" key would make every restart fail to restore the table. (RocksDB keeps
        # the changelog's key bytes as they are, so both stores see the same JSON-encoded keys.)
        schema=faust.Schema(key_type=str, key_serializer="json", value_serializer="json"),
        options={
            "block_cache_size": settings.rocksdb_block_cache_mb * MIB,
            "memtable_budget": settings.rocksdb_memtable_mb * MIB,
            "write_buffer_size": settings.rocksdb_write_buffer_mb * MIB,
            "max_write_buffer_number": 2,
        }
        if settings.table_store == "rocksdb"
        else None,
        recovery_buffer_size=settings.table_recovery_buffer_size,
    )
    app.tables.add(table)
    return table
