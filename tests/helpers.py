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


# .ci/run sets this: in CI a browser check that cannot run is a failure, never a silent skip.
REQUIRE_BROWSER_ENV = "ALCHEMY_REQUIRE_BROWSER"


def browser_missing() -> str | None:
    """Why the real-browser checks cannot run here, or None when they can."""
    import importlib.util

    if not CHROMIUM.exists():
        return f"{CHROMIUM} not found (apt-get install -y chromium)"
    if importlib.util.find_spec("playwright") is None:
        return "playwright is not installed (make installs it with the test extra)"
    return None


def needs_browser(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Skip a browser check, with the reason shown, where Chromium or playwright is missing.

    With ALCHEMY_REQUIRE_BROWSER=1 (as .ci/run sets) the check fails instead of skipping.
    """
    import functools
    import os

    import pytest

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        reason = browser_missing()
        if reason and os.environ.get(REQUIRE_BROWSER_ENV) == "1":
            pytest.fail(f"browser check cannot run and {REQUIRE_BROWSER_ENV}=1: {reason}")
        if reason:
            pytest.skip(f"browser check skipped: {reason}")
        return fn(*args, **kwargs)

    return wrapper


def run_browser_script(script: Path, shots: Path, timeout: int) -> str:
    """Run a browser check script; return its output (it must pass).

    The script picks a free loopback port itself, so two test runs at once never share one.
    """
    done = subprocess.run(
        [sys.executable, str(script), "--screenshots", str(shots)],
        cwd=script.parents[1],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    return done.stdout
