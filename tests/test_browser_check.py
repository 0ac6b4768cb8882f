"""The real-browser check of the notebooks and the workbench (scripts/browser_check.py) runs in `make test`.

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
SCRIPT = ROOT / "scripts" / "browser_check.py"
CHROMIUM = Path("/usr/bin/chromium")
PORT = "8822"  # loopback; 8821-8840 are reserved for the notebook checks


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
        timeout=900,
    )
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    summary = done.stdout.split("summary:")[-1].splitlines()
    passed = [line for line in summary if line.startswith("PASS")]
    assert len(passed) == 8 and not any(line.startswith("FAIL") for line in summary), done.stdout
    for shot in ("quickstart.png", "workbench-generate.png", "workbench-dashboard.png"):
        assert (tmp_path / shot).stat().st_size > 20_000, shot
