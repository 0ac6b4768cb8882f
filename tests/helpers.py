"""Small helpers shared by several test modules."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any


def loaded_by(code: str, modules: Iterable[str]) -> list[str]:
    """Run `code` in a fresh interpreter; return which of `modules` it left in sys.modules."""
    names = sorted(set(modules))
    probe = f"{code}\nimport sys; print(','.join(m for m in {names!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return [m for m in out.stdout.strip().split(",") if m]


CHROMIUM = Path("/usr/bin/chromium")


def needs_browser(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Skip a browser check, with the reason shown, where Chromium or playwright is missing."""
    import importlib.util

    import pytest

    fn = pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="browser check skipped: /usr/bin/chromium not found (apt-get install -y chromium)",
    )(fn)
    return pytest.mark.skipif(
        importlib.util.find_spec("playwright") is None,
        reason="browser check skipped: playwright is not installed (pip install playwright)",
    )(fn)


def run_browser_script(script: Path, port: str, shots: Path, timeout: int) -> str:
    """Run a browser check script against a loopback port; return its output (it must pass)."""
    done = subprocess.run(
        [sys.executable, str(script), "--port", port, "--screenshots", str(shots)],
        cwd=script.parents[1],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    return done.stdout
