"""A table write reaches RocksDB only once its changelog record is acknowledged (streams/tables.py)."""

from __future__ import annotations

from streams.tables import UnackedWrites


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
