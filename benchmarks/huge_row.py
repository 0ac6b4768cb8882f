"""Peak memory of one huge row: a 200 MB prompt through embed, score, export and import (issue 18.7).

    python benchmarks/huge_row.py                       # this checkout
    python benchmarks/huge_row.py --repo /tmp/main      # another one, e.g. before the fix
    python benchmarks/huge_row.py --mb 50               # a smaller row

Each command runs as `python -m alchemy_kit ...` in its own process (PYTHONPATH=<repo>), and its
peak resident memory is read from the kernel when it exits (os.wait4's ru_maxrss). A process may
use at most --limit-gb of heap (RLIMIT_DATA), so a checkout without the bounds fails at that line
instead of taking the machine's memory: such a row reads "> limit". Prints one table: command,
exit code, seconds, peak RSS; plus the machine's load.
"""

from __future__ import annotations

import argparse
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
PID = "0b5e8a1c-3d2f-4e6a-9b7c-1d2e3f4a5b6c"


def _limit(gb: float) -> Callable[[], None]:
    def apply() -> None:
        size = int(gb * 1024**3)
        resource.setrlimit(resource.RLIMIT_DATA, (size, size))

    return apply


def run(repo: Path, cwd: Path, args: list[str], limit_gb: float) -> tuple[int, float, float, str]:
    """Run one CLI command; return exit code, seconds, peak RSS in MB, the end of stderr."""
    env = os.environ | {"PYTHONPATH": str(repo), "LLM_USER_PATH": str(cwd / "llm")}
    env.pop("ALCHEMY_DB", None)
    started = time.perf_counter()
    with open(cwd / "err.txt", "wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "alchemy_kit", *args],
            cwd=cwd,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
            preexec_fn=_limit(limit_gb),
        )
        _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    tail = (cwd / "err.txt").read_text(errors="replace").strip().splitlines()[-1:] or [""]
    return code, seconds, usage.ru_maxrss / 1024, tail[0][:90]


def build(repo: Path, cwd: Path, mb: int, limit_gb: float) -> Path:
    """A store with one ordinary request and one prompt of `mb` MB in it."""
    db = cwd / "huge.db"
    run(
        repo,
        cwd,
        [
            "generate",
            "Summarise a clinical trial for patients",
            "-n",
            "1",
            "--no-embed",
            "-d",
            str(db),
        ],
        limit_gb,
    )
    conn = sqlite3.connect(db)
    request = conn.execute("SELECT id FROM prompt_requests").fetchone()[0]
    words = "the trial measured blood pressure in adults over twelve weeks; "
    content = (words * (mb * 1024 * 1024 // len(words) + 1))[: mb * 1024 * 1024]
    conn.execute(
        "INSERT INTO prompts (id, content, phase, provider, model, request_id)"
        " VALUES (?, ?, 'solutio', 'local', 'alchemy-local', ?)",
        [PID, content, request],
    )
    conn.commit()
    conn.close()
    del content
    return db


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=Path, default=HERE)
    parser.add_argument("--mb", type=int, default=200, help="size of the huge prompt (MB)")
    parser.add_argument("--limit-gb", type=float, default=3.0, help="heap limit per process")
    args = parser.parse_args()
    repo = args.repo.resolve()
    with tempfile.TemporaryDirectory(prefix="huge-row-") as tmp:
        cwd = Path(tmp)
        db = build(repo, cwd, args.mb, args.limit_gb)
        steps = [
            ("embed --all", ["embed", "--all", "-d", str(db)]),
            ("score PROMPT", ["score", PID[:8], "-d", str(db)]),
            ("score --all", ["score", "--all", "-d", str(db)]),
            ("prompts list", ["prompts", "list", "-d", str(db)]),
            ("search --text", ["search", "blood pressure", "--text", "-d", str(db)]),
            ("db check", ["db", "check", "-d", str(db)]),
        ]
        for fmt in ("jsonl", "csv", "parquet"):
            out = cwd / f"out-{fmt}"
            steps += [
                (f"export -f {fmt}", ["export", str(out), "-f", fmt, "-d", str(db)]),
                (f"import ({fmt})", ["import", str(out), "-d", str(cwd / f"in-{fmt}.db")]),
            ]
        print(
            f"one {args.mb} MB prompt; checkout {repo}; heap limit {args.limit_gb:g} GB", flush=True
        )
        print(f"{'command':<18} {'exit':>4} {'seconds':>8} {'peak RSS':>10}  note")
        for name, argv in steps:
            code, seconds, rss, tail = run(repo, cwd, argv, args.limit_gb)
            peak = (
                f"{rss:,.0f} MB"
                if code == 0
                else "> limit"
                if "Memory" in tail
                else f"{rss:,.0f} MB"
            )
            print(
                f"{name:<18} {code:>4} {seconds:>8.1f} {peak:>10}  {tail if code else ''}",
                flush=True,
            )
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")


if __name__ == "__main__":
    main()
