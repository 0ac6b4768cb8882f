"""Tests for alchemy_kit.engine.cluster_batch: `alchemy batch --cluster`, one writer, resumable.

One LocalCluster(processes=True, n_workers=2) serves the module (conftest's dask_processes).
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from cluster_fakes import count, kill_a_worker_after, prepared, rows, slow_fake_here, wait_idle

from alchemy_kit.cli.main import cli
from alchemy_kit.engine.batch import run_batch
from alchemy_kit.store import open_store

distributed = pytest.importorskip("distributed")

SLOW_CLI = Path(__file__).with_name("slow_cli.py")
DELAY = 0.1  # seconds per slow-fake call on a worker (three phases: three calls per idea)
ITEM_ROWS = (
    "SELECT json_extract(r.metadata, '$.batch_key'), r.status, p.phase, p.content"
    " FROM prompts p JOIN prompt_requests r ON r.id = p.request_id ORDER BY 1, 3, 4"
)


@pytest.fixture(scope="module")
def cluster(dask_processes: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The module's 2 worker processes, with slow-fake on them (its calls counted in a file)."""
    return prepared(dask_processes, DELAY, tmp_path_factory.mktemp("calls") / "calls.txt")


@pytest.fixture
def slow_here() -> Iterator[None]:
    """slow-fake in this process too."""
    with slow_fake_here():
        yield


def ideas(path: Path, n: int) -> Path:
    lines = [
        {"idea": f"summarise report number {i} for a busy manager", "seed": i} for i in range(n)
    ]
    path.write_text("".join(json.dumps(x) + "\n" for x in lines), "utf-8")
    return path


def slow_batch(store: Any, path: Path, cluster: Any) -> Any:
    """One variant per phase of slow-fake, no embedding, on the cluster."""
    opts = {"count": 1, "model": "slow-fake", "provider": "local", "embed": False}
    return run_batch(store, path, progress=False, cluster=cluster, **opts)


def test_cluster_rows_equal_in_process_ones(tmp_path: Path, cluster: Any) -> None:
    """The offline model on workers: the same requests, prompts and metrics as in-process."""
    path = ideas(tmp_path / "ideas.jsonl", 3)
    here, there = tmp_path / "here.db", tmp_path / "there.db"
    opts: dict[str, Any] = {"count": 2, "progress": False, "embed": False}
    with open_store(here) as store:
        a = run_batch(store, path, **opts)
    seen: list[str] = []
    with open_store(there) as store:
        b = run_batch(store, path, cluster=cluster, on_dashboard=seen.append, **opts)
    assert (a.completed, a.failed) == (b.completed, b.failed) == (3, 0)
    assert seen and seen[0].startswith("http")
    assert rows(here, ITEM_ROWS) == rows(there, ITEM_ROWS)
    counts = (
        "SELECT (SELECT count(*) FROM request_phases), (SELECT count(*) FROM metrics),"
        " (SELECT group_concat(key) FROM configurations),"
        " (SELECT count(*) FROM prompts_fts WHERE prompts_fts MATCH 'manager')"
    )
    assert rows(here, counts) == rows(there, counts)
    ranks = "SELECT p.content, p.rank, p.score FROM prompts p ORDER BY 1"
    assert rows(here, ranks) == rows(there, ranks)
    with open_store(there) as store:  # a re-run on the cluster skips everything: no cluster work
        again = run_batch(store, path, cluster=cluster, **opts)
    assert (again.completed, again.skipped) == (0, 3)


def test_worker_calls_come_back_recorded(tmp_path: Path, cluster: Any, slow_here: None) -> None:
    path = ideas(tmp_path / "ideas.jsonl", 2)
    db = tmp_path / "a.db"
    with open_store(db) as store:
        report = slow_batch(store, path, cluster)
    assert (report.completed, report.failed) == (2, 0)
    calls = rows(db, "SELECT purpose, model, response FROM model_calls")
    assert len(calls) == 6 and {c[:2] for c in calls} == {("generate", "slow-fake")}


def test_a_worker_killed_mid_batch_loses_nothing_and_duplicates_nothing(
    tmp_path: Path, cluster: Any, slow_here: None
) -> None:
    path = ideas(tmp_path / "ideas.jsonl", 8)
    db = tmp_path / "a.db"
    killer, killed = kill_a_worker_after(cluster, 4)
    with open_store(db) as store:
        report = slow_batch(store, path, cluster)
    killer.join(5)
    assert killed and (report.completed, report.failed) == (8, 0)
    per_key = rows(db, "SELECT count(*) FROM prompt_requests GROUP BY metadata ->> '$.batch_key'")
    assert len(per_key) == 8 and {n for (n,) in per_key} == {1}
    assert rows(db, "SELECT count(*) FROM prompts") == [(24,)]
    cluster.wait_for_workers(2, timeout=60)  # the nanny restarts it for the next tests


def test_a_killed_client_resumes_with_only_the_missing_items(tmp_path: Path, cluster: Any) -> None:
    """A real `alchemy batch --cluster` process, SIGKILLed mid-run; the re-run runs the rest."""
    path = ideas(tmp_path / "ideas.jsonl", 10)
    db = tmp_path / "kill.db"
    open_store(db).close()  # migrated before the client starts, so polling it never races that
    address = cluster.scheduler.address
    args = ["batch", str(path), "-n", "1", "-m", "slow-fake", "--provider", "local", "--no-embed"]
    proc = subprocess.Popen(
        [
            sys.executable,
            str(SLOW_CLI),
            "0.01",
            *args,
            "-d",
            str(db),
            "--json",
            "--cluster",
            address,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while not rows(db, "SELECT count(*) FROM prompt_requests")[0][0]:
        assert proc.poll() is None, proc.stderr.read().decode()[-2000:]  # type: ignore[union-attr]
        assert time.monotonic() < deadline, "the batch made no progress"
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    proc.stderr.close()  # type: ignore[union-attr]
    before = rows(db, "SELECT count(*) FROM prompt_requests")[0][0]
    assert 0 < before < 10
    assert rows(db, "SELECT count(*) FROM prompt_requests WHERE status != 'completed'") == [(0,)]
    wait_idle(cluster)  # the dead client's queued items are released, not computed
    computed = count(cluster.calls)
    with slow_fake_here(), open_store(db) as store:
        report = slow_batch(store, path, cluster)
    assert (report.completed, report.skipped, report.failed) == (10 - before, before, 0)
    assert count(cluster.calls) - computed == 3 * (10 - before)  # three phases per missing idea
    per_key = rows(db, "SELECT count(*) FROM prompt_requests GROUP BY metadata ->> '$.batch_key'")
    assert len(per_key) == 10 and {n for (n,) in per_key} == {1}


def test_unreachable_scheduler_is_one_line(tmp_path: Path) -> None:
    path = ideas(tmp_path / "ideas.jsonl", 1)
    open_store(tmp_path / "a.db").close()
    args = ["batch", str(path), "-d", str(tmp_path / "a.db"), "--cluster", "tcp://127.0.0.1:1"]
    started = time.monotonic()
    result = CliRunner().invoke(cli, args)
    assert time.monotonic() - started < 30  # CONNECT_TIMEOUT is 10 s; refused is immediate
    assert result.exit_code != 0
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "cannot reach the Dask scheduler" in lines[0], result.output


def test_a_replay_asked_on_a_cluster_runs_here_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing to distribute in a replay: no scheduler is contacted (this address serves none)."""
    monkeypatch.setenv("ALCHEMY_REPLAY", "1")
    path = ideas(tmp_path / "ideas.jsonl", 2)
    with open_store(tmp_path / "a.db") as store:
        report = run_batch(
            store, path, count=1, progress=False, embed=False, cluster="tcp://127.0.0.1:1"
        )
    assert (report.completed, report.failed) == (2, 0)
    assert any("in-process" in w for w in report.warnings)


def test_a_database_failure_stops_the_batch_and_a_rerun_resumes(
    tmp_path: Path, cluster: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from alchemy_kit.engine import cluster_batch
    from alchemy_kit.errors import StoreError

    path = ideas(tmp_path / "ideas.jsonl", 4)
    db = tmp_path / "a.db"
    real_land = cluster_batch.land
    landed: list[int] = []

    def full_after_one(store: Any, done: Any, again: bool, report: Any) -> None:
        if landed:
            raise StoreError("database or disk is full")
        real_land(store, done, again, report)
        landed.append(done.line)

    monkeypatch.setattr(cluster_batch, "land", full_after_one)
    opts: dict[str, Any] = {"count": 1, "progress": False, "embed": False, "cluster": cluster}
    with open_store(db) as store:
        report = run_batch(store, path, **opts)
    assert (report.completed, report.failed) == (1, 3)
    assert any("disk is full" in e for e in report.errors)
    assert sum("not run" in e for e in report.errors) == 2
    monkeypatch.setattr(cluster_batch, "land", real_land)
    with open_store(db) as store:
        again = run_batch(store, path, **opts)
    assert (again.completed, again.skipped, again.failed) == (3, 1, 0)
    per_key = rows(db, "SELECT count(*) FROM prompt_requests GROUP BY metadata ->> '$.batch_key'")
    assert len(per_key) == 4 and {n for (n,) in per_key} == {1}
