"""Headless Chromium (Debian's ``chromium``, installed by ``make test``): a page as a person sees it, in a PNG."""

from __future__ import annotations

import shutil
import struct
import subprocess
import tempfile
from pathlib import Path

import pytest


def chromium() -> str:
    """The browser, or a failed test that says how to get it (never a skip: CI must run the page test)."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.fail(
            "headless Chromium is needed for the page test: `make test` installs Debian's chromium (make browser)"
        )
    return found


def screenshot(html: str, png: Path, width: int = 1280, height: int = 2400) -> tuple[int, int]:
    """Render ``html`` from a file (no network, no script needed) into ``png``; its width and height."""
    png.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        page = Path(scratch) / "page.html"
        page.write_text(html, encoding="utf-8")
        done = subprocess.run(
            [
                chromium(),
                "--headless=new",
                "--no-sandbox",  # root in CI's container; the page is our own file
                "--disable-gpu",
                "--hide-scrollbars",
                f"--user-data-dir={scratch}/profile",
                f"--window-size={width},{height}",
                f"--screenshot={png}",
                page.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 0 and png.exists(), done.stderr[-2000:]
    header = png.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    size: tuple[int, int] = struct.unpack(">II", header[16:24])
    return size
