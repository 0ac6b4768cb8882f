"""The shipped notebooks re-execute and reproduce their saved outputs (nbval, sanitised)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
SANITIZE = NOTEBOOKS / "nbval-sanitize.cfg"


def _code_cells(path: Path) -> list[dict]:
    return [c for c in json.loads(path.read_text("utf-8"))["cells"] if c["cell_type"] == "code"]


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.glob("*.ipynb")), ids=lambda p: p.name)
def test_notebook_saved_with_outputs(path: Path) -> None:
    # nbval only compares cells saved with an execution count: an unexecuted notebook would pass vacuously.
    cells = _code_cells(path)
    assert cells and all(c["execution_count"] for c in cells), path.name
    counts = [c["execution_count"] for c in cells]
    assert counts == list(range(1, len(cells) + 1)), "run top to bottom in a fresh kernel"
    assert sum(bool(c["outputs"]) for c in cells) >= len(cells) // 2
    for cell in cells:
        for out in cell["outputs"]:
            assert out["output_type"] != "error", cell["source"]
            assert out.get("name") != "stderr", f"stderr saved: {out.get('text')}"


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.glob("*.ipynb")), ids=lambda p: p.name)
def test_notebook_reproduces_outputs(path: Path, tmp_path: Path) -> None:
    # One notebook per run, each with its own fresh database: a notebook's outputs must not depend
    # on what an earlier notebook left in the store.
    env = dict(os.environ)
    env["ALCHEMY_DB"] = str(tmp_path / "alchemy.db")  # never the repo's data/alchemy.db
    for var, sub in (("LLM_USER_PATH", "llm-user"), ("HOME", "home"), ("IPYTHONDIR", "ipython")):
        env[var] = str(tmp_path / sub)  # the kernel writes history and config here, not in ~
        (tmp_path / sub).mkdir(exist_ok=True)
    env.pop("PYTEST_ADDOPTS", None)
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "--nbval",
        "--nbval-current-env",
        "--nbval-sanitize-with",
        str(SANITIZE.relative_to(ROOT)),
        str(path.relative_to(ROOT)),
        "-q",
        "-p",
        "no:cacheprovider",
    ]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-6000:]
    assert "passed" in output and "failed" not in output, output[-2000:]
    assert (tmp_path / "alchemy.db").exists(), "the notebook did not use $ALCHEMY_DB"
    assert (tmp_path / "ipython").exists()
