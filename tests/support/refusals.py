"""What the hub's metrics port says about refusals: ``refhub_refusals_total{reason}``."""

from __future__ import annotations

import re
import urllib.request
from collections import Counter
from collections.abc import Sequence

_SAMPLE = re.compile(r'^refhub_refusals_total\{reason="([^"]+)"\} ([0-9.e+]+)$', re.MULTILINE)


def refusals(metrics_url: str | Sequence[str]) -> Counter[str]:
    """reason → how many refusals the hub has counted since it started, summed over its workers (a request one
    worker passes to a key's owner is refused, and counted, by the owner)."""
    total: Counter[str] = Counter()
    for url in [metrics_url] if isinstance(metrics_url, str) else metrics_url:
        with urllib.request.urlopen(url, timeout=10) as response:
            text = response.read().decode()
        total.update({reason: int(float(value)) for reason, value in _SAMPLE.findall(text)})
    return total


def counted_since(before: Counter[str], metrics_url: str | Sequence[str]) -> Counter[str]:
    """The refusals counted since ``before`` was read, by reason (reasons with none left out)."""
    after = refusals(metrics_url)
    return Counter({reason: after[reason] - before[reason] for reason in after if after[reason] != before[reason]})
