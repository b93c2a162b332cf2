"""A fix for a record-loss race in faust-streaming 0.15.3's table recovery.

When a worker restarts with a backlog, Faust's recovery resumes the message flow to read the changelogs,
then resumes the stream partitions and only afterwards seeks them to their committed offsets. In between,
the fetcher already delivers stream records while the seek resets the read offsets under it: records are
dropped as "already read", the committed offset sticks at the gap, and the agent never sees them until the
next restart. Found by ``tests/e2e/test_kill_worker.py`` (kill -9 mid-stream, then restart).

The fix stops the flow before the streams are resumed and sought; Faust's own code resumes it once the
seek is done, so the first stream record is fetched from the committed offset.
"""

from __future__ import annotations

from typing import Any

from faust.tables.manager import TableManager
from faust.tables.recovery import Recovery


class SeekBeforeFlowRecovery(Recovery):
    def _stop_flow(self) -> None:
        self.app.flow_control.suspend()
        self.app.consumer.stop_flow()

    async def _resume_streams(self, generation_id: int = 0) -> None:
        self._stop_flow()
        await super()._resume_streams(generation_id)

    async def on_recovery_completed(self, generation_id: int = 0) -> None:
        self._stop_flow()
        await super().on_recovery_completed(generation_id)


class HubTableManager(TableManager):
    @property
    def recovery(self) -> Any:
        if self._recovery is None:
            self._recovery = SeekBeforeFlowRecovery(self.app, self, beacon=self.beacon, loop=self.loop)
        return self._recovery
