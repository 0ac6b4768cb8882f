"""Small helpers shared by several test modules."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterable


def loaded_by(code: str, modules: Iterable[str]) -> list[str]:
    """Run `code` in a fresh interpreter; return which of `modules` it left in sys.modules."""
    names = sorted(set(modules))
    probe = f"{code}\nimport sys; print(','.join(m for m in {names!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return [m for m in out.stdout.strip().split(",") if m]
