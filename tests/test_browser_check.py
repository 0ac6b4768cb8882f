"""The real-browser check of the notebooks and the workbench (scripts/browser_check.py) runs in `make test`:
the Generate, Dashboard and Evaluate tabs, each clicked in JupyterLab.

It needs Debian's Chromium at /usr/bin/chromium and pip's playwright; without them the test is
skipped with the reason shown in pytest's summary (addopts has -rs), except under .ci/run, which
installs Chromium (as root) and sets ALCHEMY_REQUIRE_BROWSER=1 so that a check that cannot run fails.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import helpers
import pytest
from helpers import needs_browser, run_browser_script

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "browser_check.py"


@needs_browser
def test_browser_check(tmp_path: Path) -> None:
    stdout = run_browser_script(SCRIPT, tmp_path, timeout=900)
    summary = stdout.split("summary:")[-1].splitlines()
    passed = [line for line in summary if line.startswith("PASS")]
    assert len(passed) == 16 and not any(line.startswith("FAIL") for line in summary), stdout
    shots = ("quickstart.png", "workbench-generate.png", "workbench-dashboard.png")
    for shot in (*shots, "workbench-evaluate.png", "workbench-cluster.png"):
        assert (tmp_path / shot).stat().st_size > 20_000, shot


def _script_module() -> Any:
    """scripts/browser_check.py as a module (its sibling import needs scripts/ on sys.path)."""
    import importlib
    import sys

    sys.path.insert(0, str(SCRIPT.parent))
    try:
        return importlib.import_module("browser_check")
    finally:
        sys.path.remove(str(SCRIPT.parent))


def test_jupyterlab_exiting_early_fails_with_the_tail_of_its_log(tmp_path: Path) -> None:
    log = tmp_path / "lab.log"
    lines = "".join(f"line {i}\n" for i in range(100))
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-c", f"print({lines!r} + 'ERROR port in use', end='')"],
            stdout=out,
            stderr=out,
            text=True,
        )
        proc.wait()
    with pytest.raises(SystemExit) as failure:
        _script_module().wait_for_lab("http://127.0.0.1:9/api/status", proc, log, timeout=5)
    message = str(failure.value)
    assert "JupyterLab exited early" in message and message.endswith("ERROR port in use")
    assert "line 99" in message and "line 50" not in message  # the tail, not the whole log


def test_a_missing_browser_fails_when_ci_requires_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(helpers, "CHROMIUM", tmp_path / "no-chromium")
    monkeypatch.delenv(helpers.REQUIRE_BROWSER_ENV, raising=False)  # CI sets it: start without
    check = needs_browser(lambda: "ran")
    with pytest.raises(pytest.skip.Exception, match="no-chromium not found"):
        check()
    monkeypatch.setenv(helpers.REQUIRE_BROWSER_ENV, "1")
    with pytest.raises(pytest.fail.Exception, match="ALCHEMY_REQUIRE_BROWSER=1"):
        check()


def test_ci_requires_the_browser_checks() -> None:
    # .ci/run installs Chromium when it can and otherwise stops; either way pytest may not skip.
    text = (ROOT / ".ci" / "run").read_text("utf-8")
    assert "export ALCHEMY_REQUIRE_BROWSER=1" in text and "apt-get install -y" in text
