"""The real-browser check of `alchemy serve` (scripts/browser_check_datasette.py) runs in `make test`.

It needs Debian's Chromium at /usr/bin/chromium and pip's playwright; without them the test is
skipped with the reason shown in pytest's summary (addopts has -rs).
"""

from __future__ import annotations

from pathlib import Path

from helpers import needs_browser, run_browser_script

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "browser_check_datasette.py"


@needs_browser
def test_browser_check(tmp_path: Path) -> None:
    stdout = run_browser_script(SCRIPT, tmp_path, timeout=540)
    lines = stdout.splitlines()
    assert sum(line.startswith("PASS") for line in lines) >= 16, stdout
    assert not any(line.startswith("FAIL") for line in lines), stdout
    for shot in ("prompts-table.png", "prompt-row.png", "lineage.png", "leaderboard.png"):
        assert (tmp_path / shot).stat().st_size > 10_000, shot
