"""The real-browser check of `alchemy serve` (scripts/browser_check_datasette.py) runs in `make test`.

It needs Debian's Chromium at /usr/bin/chromium and pip's playwright; without them the test is
skipped with the reason shown in pytest's summary (addopts has -rs).
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "browser_check_datasette.py"
CHROMIUM = Path("/usr/bin/chromium")
PORT = "8812"  # loopback; the range 8801-8820 is reserved for these checks


@pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="browser check skipped: /usr/bin/chromium not found (apt-get install -y chromium)",
)
@pytest.mark.skipif(
    importlib.util.find_spec("playwright") is None,
    reason="browser check skipped: playwright is not installed (pip install playwright)",
)
def test_browser_check(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--port", PORT, "--screenshots", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=540,
    )
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    lines = done.stdout.splitlines()
    assert sum(line.startswith("PASS") for line in lines) >= 8, done.stdout
    assert not any(line.startswith("FAIL") for line in lines), done.stdout
    for shot in ("prompts-table.png", "prompt-row.png", "lineage.png", "leaderboard.png"):
        assert (tmp_path / shot).stat().st_size > 10_000, shot
