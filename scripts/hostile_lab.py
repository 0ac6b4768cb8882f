"""The harness of scripts/hostile_cases.py: run a checkout's CLI in subprocesses, look at its database.

`Lab` runs `python -m alchemy_kit` (or tests/slow_cli.py, with a slow fake model) with the checkout
on PYTHONPATH from a scratch folder; the helpers inspect databases with plain sqlite3 connections
(looking must change nothing) and mount small tmpfs filesystems for full and read-only disks.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
SLOW_CLI = HERE / "tests" / "slow_cli.py"
IDEA = "Summarise a clinical trial for patients"


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def one_line_error(self) -> bool:
        """Non-zero exit, no traceback, and exactly one `Error:` line on stderr."""
        errors = [line for line in self.err.splitlines() if line.startswith("Error:")]
        return self.code != 0 and "Traceback" not in self.err and len(errors) == 1


class Lab:
    """Runs the CLI of one checkout in subprocesses, in a scratch folder."""

    def __init__(self, repo: Path, root: Path) -> None:
        self.repo, self.root = repo, root
        self.env = os.environ | {
            "PYTHONPATH": str(repo),
            "LLM_USER_PATH": str(root / "llm"),
            "ALCHEMY_BUSY_TIMEOUT": "1",
            "PYTHONWARNINGS": "ignore",
        }
        self.env.pop("ALCHEMY_DB", None)
        self.n = 0

    def package(self) -> str:
        """Where the subprocesses import alchemy_kit from (to be sure which code is tried)."""
        code = "import alchemy_kit; print(alchemy_kit.__file__)"
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, env=self.env, cwd=self.root
        )
        return done.stdout.decode().strip()

    def path(self, name: str) -> Path:
        self.n += 1
        return self.root / f"{self.n:03d}-{name}"

    def cli(
        self,
        *args: str | bytes,
        input: bytes | None = None,
        timeout: float = 150,
        slow: float = 0,
        cwd: Path | None = None,
        env: dict[str, str] | None = None,
    ) -> Run:
        head = (
            [sys.executable, str(SLOW_CLI), str(slow)]
            if slow
            else [sys.executable, "-m", "alchemy_kit"]
        )
        return self.cli_argv([*head, *args], timeout, input=input, cwd=cwd, env=env)

    def py(self, code: str, *args: str, timeout: float = 300) -> Run:
        """Run a Python snippet against the checkout (setup a CLI cannot do, or a precise kill)."""
        return self.cli_argv([sys.executable, "-c", code, *args], timeout)

    def cli_peak(self, *args: str, timeout: float = 900) -> tuple[Run, float]:
        """Run the CLI and return its result and its peak resident memory in MB (Linux).

        Through a small middle process: Linux carries a parent's peak RSS into each child it
        forks (ru_maxrss survives exec), so a harness that once held a big value would report
        its own peak for every command. The middle process starts small and reports its child's.
        """
        peak_file = self.path("peak.txt")
        middle = (
            "import os, subprocess, sys\n"
            "p = subprocess.Popen(sys.argv[2:])\n"
            "_, status, usage = os.wait4(p.pid, 0)\n"
            "open(sys.argv[1], 'w').write(str(usage.ru_maxrss / 1024))\n"
            "sys.exit(os.waitstatus_to_exitcode(status))\n"
        )
        cmd = [sys.executable, "-c", middle, str(peak_file), sys.executable, "-m", "alchemy_kit"]
        run = self.cli_argv([*cmd, *args], timeout)
        peak = float(peak_file.read_text()) if peak_file.exists() else 0.0
        return run, peak

    def cli_argv(
        self,
        argv: list[str | bytes],
        timeout: float,
        *,
        input: bytes | None = None,
        cwd: Path | None = None,
        env: dict[str, str] | None = None,
    ) -> Run:
        """Run a command line in the scratch folder with the lab's environment (plus `env`)."""
        try:
            done = subprocess.run(
                argv,
                input=input,
                capture_output=True,
                env=self.env | (env or {}),
                timeout=timeout,
                # Never the checkout: `-m` would import the package found there.
                cwd=cwd or self.root,
            )
        except subprocess.TimeoutExpired:
            return Run(-1, "", "timed out")
        return Run(
            done.returncode,
            done.stdout.decode(errors="replace"),
            done.stderr.decode(errors="replace"),
        )

    def start(self, *args: str, slow: float) -> tuple[subprocess.Popen[bytes], list[bytes]]:
        proc = subprocess.Popen(
            [sys.executable, str(SLOW_CLI), str(slow), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=self.env,
            cwd=self.root,
        )
        err: list[bytes] = []
        threading.Thread(
            target=lambda: err.extend(iter(proc.stderr.readline, b"")), daemon=True
        ).start()  # type: ignore[union-attr]
        return proc, err


def raw(db: Path, sql: str, params: tuple = ()) -> list[tuple]:
    """Query with a plain connection: looking must not change anything (no reclaim, no migration)."""
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def unfinished(db: Path) -> int:
    return sum(
        raw(db, f"SELECT count(*) FROM {t} WHERE status IN ('pending', 'running')")[0][0]
        for t in ("prompt_requests", "request_phases")
    )


def ideas_file(path: Path, n: int) -> Path:
    path.write_text(
        "".join(
            json.dumps({"idea": f"Summarise report number {i} for the board"}) + "\n"
            for i in range(n)
        )
    )
    return path


def completed_once(db: Path, n: int) -> bool:
    rows = raw(
        db,
        "SELECT json_extract(metadata, '$.batch_line'), count(*) FROM prompt_requests"
        " WHERE status = 'completed' GROUP BY 1 ORDER BY 1",
    )
    return rows == [(i, 1) for i in range(1, n + 1)]


@contextlib.contextmanager
def tmpfs(path: Path, size: str) -> Iterator[Path | None]:
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or shutil.which("mount") is None:
        yield None
        return
    ok = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True
    )
    if ok.returncode != 0:
        yield None
        return
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


@contextlib.contextmanager
def held_open(db: Path) -> Iterator[None]:
    """Keep the -wal and -shm files in place, as a running notebook or server would.

    The disk then fills while the database is in use and writes fail with SQLITE_FULL; on a disk
    that is already full, merely opening a WAL database fails, which is a different case.
    """
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    try:
        yield
    finally:
        conn.close()


def fill(folder: Path) -> Path:
    filler = folder / "filler"
    with contextlib.suppress(OSError), open(filler, "wb") as f:
        while True:
            f.write(b"\0" * 4096)
            f.flush()
    return filler


# -- shared by the case modules ----------------------------------------------------------------------
BATCH = ("-n", "1", "--no-embed", "-c", "2")


def why(reason: str) -> bool:
    """Say why a case was not handled well (on stderr), and return False."""
    print(f"      why: {reason}", file=sys.stderr)
    return False


def bad_batch_line(lab: Lab, bad: bytes) -> bool:
    good = [
        json.dumps({"idea": f"Summarise report number {i} for the board"}).encode()
        for i in range(3)
    ]
    path = lab.path("mixed.jsonl")
    path.write_bytes(b"\n".join([good[0], good[1], bad, good[2]]) + b"\n")
    db = lab.path("mixed.db")
    run = lab.cli("batch", str(path), *BATCH, "-d", str(db))
    if not db.exists():
        return False
    lines = raw(
        db,
        "SELECT json_extract(metadata, '$.batch_line') FROM prompt_requests WHERE status = 'completed' ORDER BY 1",
    )
    bad_rows = raw(
        db, "SELECT count(*) FROM prompt_requests WHERE json_extract(metadata, '$.batch_line') = 3"
    )[0][0]
    return (
        run.code != 0
        and "Traceback" not in run.err
        and lines == [(1,), (2,), (4,)]
        and bad_rows == 0  # refused before any write
        and "3" in (run.out + run.err)
    )


def source_export(lab: Lab, fmt: str = "jsonl") -> tuple[Path, Path]:
    db = lab.path("src.db")
    lab.cli("db", "init", "-d", str(db))
    lab.cli("config", "set", "embeddings.model", "alchemy-lexical", "-d", str(db))
    lab.cli("generate", IDEA, "-n", "1", "-d", str(db))
    dest = lab.path("export")
    lab.cli("export", str(dest), "-f", fmt, "-d", str(db))
    return db, dest


def jsonl_edit(path: Path, n: int, **changes: object) -> None:
    lines = path.read_text().splitlines()
    row = json.loads(lines[n])
    row.update(changes)
    lines[n] = json.dumps(row)
    path.write_text("\n".join(lines) + "\n")


def edit_manifest(dest: Path, **changes: object) -> None:
    m = json.loads((dest / "manifest.json").read_text())
    (dest / "manifest.json").write_text(json.dumps(m | changes))


def tampered_import(
    lab: Lab,
    tamper: Callable[[Path, Path], None],
    fmt: str = "jsonl",
    target_is_source: bool = False,
) -> bool:
    src, dest = source_export(lab, fmt)
    tamper(src, dest)
    target = src if target_is_source else lab.path("target.db")
    if not target_is_source:
        lab.cli("db", "init", "-d", str(target))
    before = target.read_bytes()
    run = lab.cli("import", str(dest), "-d", str(target))
    unchanged = target.read_bytes() == before and (
        not Path(f"{target}-wal").exists() or Path(f"{target}-wal").stat().st_size == 0
    )
    return run.one_line_error and unchanged
