"""Building partner JSON messages in tests: a valid base message with a few fields changed."""

from __future__ import annotations

import json
from typing import Any


def with_overrides(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``overrides``: ``youth__name=…`` reaches into a block, None removes the key."""
    merged: dict[str, Any] = json.loads(json.dumps(base))
    for path, value in overrides.items():
        *parents, key = path.split("__")
        target = merged
        for parent in parents:
            target = target[parent]
        if value is None:
            target.pop(key, None)
        else:
            target[key] = value
    return merged
