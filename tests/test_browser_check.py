"""The real-browser check of the notebooks and the workbench (scripts/browser_check.py) runs in `make test`.

It needs Debian's Chromium at /usr/bin/chromium and pip's playwright; without them the test is
skipped with the reason shown in pytest's summary (addopts has -rs).
"""

from __future__ import annotations

from pathlib import Path

from helpers import needs_browser, run_browser_script

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "browser_check.py"
PORT = "8822"  # loopback; 8821-8840 are reserved for the notebook checks


@needs_browser
def test_browser_check(tmp_path: Path) -> None:
    stdout = run_browser_script(SCRIPT, PORT, tmp_path, timeout=900)
    summary = stdout.split("summary:")[-1].splitlines()
    passed = [line for line in summary if line.startswith("PASS")]
    assert len(passed) == 8 and not any(line.startswith("FAIL") for line in summary), stdout
    for shot in ("quickstart.png", "workbench-generate.png", "workbench-dashboard.png"):
        assert (tmp_path / shot).stat().st_size > 20_000, shot
