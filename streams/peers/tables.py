"""Reading table rows wherever they live: a key's row from its owner, or every worker's matching rows.

A worker holds the rows of the partitions it owns (and standby copies it must not answer from: a standby may
lag). A gateway request that needs another worker's row asks that worker (``/internal/v1/tables``); a question
over all rows (a prosecutors' office's deferred-prosecution cases) asks every worker for its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from typing import Any

from streams.peers.client import PeerClient
from streams.peers.ownership import Ownership

TABLES_PATH = "/internal/v1/tables"
READABLE = frozenset(("referral-ledger", "sla-clocks", "journeys", "subject-index", "erasure-orders"))
"""The tables another worker may read; lecture notices and the outbox are nobody else's business."""


class PeerTables:
    def __init__(self, ownership: Ownership, client: PeerClient, tables: Mapping[str, Any]) -> None:
        self._ownership = ownership
        self._client = client
        self._tables = tables

    async def get(self, table: str, key: str) -> Any:
        return (await self.get_many(table, [key])).get(key)

    async def get_many(self, table: str, keys: Iterable[str]) -> dict[str, Any]:
        """The rows of ``keys`` that exist, each read from its owner (raises OwnerUnknown, PeerUnavailable)."""
        local: list[str] = []
        remote: dict[str, list[str]] = {}
        for key in dict.fromkeys(keys):
            owner = self._ownership.owner(table, key)
            (local if owner is None else remote.setdefault(owner, [])).append(key)
        found = rows_here(self._tables[table], local)
        answers = await asyncio.gather(
            *(
                self._client.post_json(url, TABLES_PATH, {"table": table, "keys": asked})
                for url, asked in remote.items()
            )
        )
        for answer in answers:
            found.update(answer["rows"])
        return found

    async def scan(self, table: str, where: Mapping[str, str]) -> list[Any]:
        """Every worker's owned rows whose top-level fields equal ``where``."""
        me = self._ownership.me
        others = [url for url in self._ownership.peers() if url.rstrip("/") != me.rstrip("/")]
        answers = await asyncio.gather(
            *(self._client.post_json(url, TABLES_PATH, {"table": table, "where": dict(where)}) for url in others)
        )
        rows = scan_here(self._ownership.owned_items(table), where)
        for answer in answers:
            rows.extend(answer["rows"].values())
        return rows


def rows_here(table: Any, keys: Iterable[str]) -> dict[str, Any]:
    return {key: value for key in keys if (value := table.get(key)) is not None}


def scan_here(items: Iterable[tuple[str, Any]], where: Mapping[str, str]) -> list[Any]:
    return [value for _, value in items if all(value.get(field) == wanted for field, wanted in where.items())]


def answer_here(ownership: Ownership, tables: Mapping[str, Any], payload: Any) -> dict[str, Any]:
    """The owner's side of ``/internal/v1/tables``."""
    if not isinstance(payload, dict) or payload.get("table") not in READABLE:
        raise ValueError("not a readable table")
    table = str(payload["table"])
    if "keys" in payload:
        keys = [str(key) for key in payload["keys"]]
        return {"rows": rows_here(tables[table], keys)}
    where = {str(k): str(v) for k, v in dict(payload.get("where") or {}).items()}
    return {"rows": dict(enumerate(scan_here(ownership.owned_items(table), where)))}
