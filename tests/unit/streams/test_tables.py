"""streams/tables.py: a table write reaches RocksDB only once its changelog record is acknowledged; table files
belong to one Kafka cluster."""

from __future__ import annotations

from pathlib import Path

from streams.settings import Settings
from streams.tables import UnackedWrites, keep_for_cluster


def test_a_pending_write_is_read_before_it_is_acknowledged() -> None:
    pending = UnackedWrites()
    pending.written(2, b'"R-1"', b"v1")
    assert pending.latest(b'"R-1"') == (True, b"v1")
    assert pending.latest(b'"R-2"') == (False, None)


def test_acknowledgements_resolve_a_keys_writes_oldest_first() -> None:
    pending = UnackedWrites()
    pending.written(1, b"k", b"v1")
    pending.written(1, b"k", b"v2")
    assert pending.latest(b"k") == (True, b"v2")
    assert pending.resolved(b"k") == (1, b"v1")
    assert pending.latest(b"k") == (True, b"v2"), "the newer write is still pending"
    assert pending.resolved(b"k") == (1, b"v2")
    assert b"k" not in pending and len(pending) == 0
    assert pending.resolved(b"k") is None


def test_a_pending_deletion_reads_as_absent() -> None:
    pending = UnackedWrites()
    pending.written(0, b"k", b"v1")
    pending.written(0, b"k", None)
    assert pending.latest(b"k") == (True, None)
    assert list(pending.items([0])) == [(b"k", None)]


def test_items_are_those_of_the_partitions_asked_for() -> None:
    pending = UnackedWrites()
    pending.written(0, b"a", b"1")
    pending.written(1, b"b", b"2")
    assert dict(pending.items([1])) == {b"b": b"2"}
    assert dict(pending.items([0, 1])) == {b"a": b"1", b"b": b"2"}


def test_table_files_of_another_kafka_cluster_are_moved_aside_not_deleted(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "hub")
    assert keep_for_cluster(settings, "cluster-A") is None, "nothing to move on a first start"
    (settings.data_dir / "faust" / "tables").mkdir(parents=True)
    (settings.data_dir / "faust" / "tables" / "referral-ledger-0.db").write_text("rows")
    assert keep_for_cluster(settings, "cluster-A") is None, "same cluster: the files stay"
    moved = keep_for_cluster(settings, "cluster-B")
    assert moved is not None and (moved / "tables" / "referral-ledger-0.db").read_text() == "rows"
    assert not (settings.data_dir / "faust").exists()
    assert (settings.data_dir / "tables-cluster-id").read_text().strip() == "cluster-B"
