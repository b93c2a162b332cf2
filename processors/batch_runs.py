"""A polled batch (批次) cut into runs a stream processor can take at once.

An agent that takes a poll's messages together writes its tables for all of them, flushes the changelog once
and then sends what they mean. That holds the delivery rule only while no key comes twice: a redelivered batch
finds the second message's table write, and the first message's records — planned from a state that is gone —
would never be made again. So a key's second message starts a new run, whose tables are written only after the
run before it was flushed and sent, exactly as if the messages had come one by one.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence


def runs(keys: Sequence[Hashable]) -> list[range]:
    """Consecutive index ranges covering ``keys`` in order, none holding a key twice; each as long as it can be."""
    cut: list[range] = []
    start = 0
    seen: set[Hashable] = set()
    for index, key in enumerate(keys):
        if key in seen:
            cut.append(range(start, index))
            start, seen = index, set()
        seen.add(key)
    if start < len(keys):
        cut.append(range(start, len(keys)))
    return cut
