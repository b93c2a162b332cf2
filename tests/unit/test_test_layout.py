"""The test tree itself: without __init__.py files pytest imports each test module by its file name, so two
modules of one name stop the whole collection ("import file mismatch") — twice this session, each time only
in a full run. Caught here, in the unit run, instead."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def _rootless(path: Path) -> bool:
    """A module pytest imports by its bare name: no __init__.py in its directory."""
    return not (path.parent / "__init__.py").exists()


def test_every_test_module_outside_a_package_has_a_name_of_its_own() -> None:
    names = Counter(p.name for p in TESTS.rglob("test_*.py") if _rootless(p))
    assert [name for name, count in names.items() if count > 1] == []
