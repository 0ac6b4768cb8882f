"""Lifecycle: killed and signalled batches leave nothing running; a re-run completes each item once."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import llm
import pytest
from slow_cli import SlowAsync, SlowPlugin

from alchemy_kit.engine import lifecycle
from alchemy_kit.engine.batch import run_batch
from alchemy_kit.engine.pipeline import agenerate, generate
from alchemy_kit.errors import Interrupted
from alchemy_kit.store import Store, open_store

SLOW_CLI = Path(__file__).with_name("slow_cli.py")
IDEAS = [f"Summarise quarterly report number {i} for the board" for i in range(6)]
# generate() options for the slow fake model, in-process.
SLOW_GEN: dict = dict(count=1, provider="local", model="slow-fake", embed=False, progress=False)
RUN_OPTS = ["-n", "1", "--provider", "local", "-m", "slow-fake", "--no-embed", "-c", "2", "--json"]


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    s = open_store(db_path)
    yield s
    s.close()


@pytest.fixture
def slow() -> Iterator[type[SlowAsync]]:
    SlowAsync.delay = 0.2
    llm.pm.register(SlowPlugin(), name="slow-fake-plugin")
    try:
        yield SlowAsync
    finally:
        llm.pm.unregister(name="slow-fake-plugin")


def _ideas(tmp_path: Path) -> Path:
    path = tmp_path / "ideas.jsonl"
    path.write_text("".join(json.dumps({"idea": idea}) + "\n" for idea in IDEAS))
    return path


def _start(ideas: Path, db: Path, delay: float) -> tuple[subprocess.Popen[bytes], list[bytes]]:
    proc = subprocess.Popen(
        [sys.executable, str(SLOW_CLI), str(delay), "batch", str(ideas), "-d", str(db), *RUN_OPTS],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    err: list[bytes] = []
    reader = threading.Thread(target=lambda: err.extend(iter(proc.stderr.readline, b"")))  # type: ignore[union-attr]
    reader.daemon = True
    reader.start()
    return proc, err


def _wait_for_answers(proc: subprocess.Popen[bytes], err: list[bytes], n: int) -> None:
    deadline = time.monotonic() + 90
    while sum(b"answered" in line for line in err) < n:
        assert proc.poll() is None, b"".join(err).decode()
        assert time.monotonic() < deadline, "the batch made no progress"
        time.sleep(0.05)


def _raw(db: Path, sql: str) -> list[tuple]:
    # A plain connection: looking must not reclaim anything (open_store would).
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def _completed_prompts(db: Path) -> list[tuple]:
    return _raw(
        db,
        "SELECT p.id, p.content, p.score FROM prompts p JOIN prompt_requests q"
        " ON q.id = p.request_id WHERE q.status = 'completed' ORDER BY p.id",
    )


def _unfinished(db: Path) -> int:
    return sum(
        _raw(db, f"SELECT count(*) FROM {t} WHERE status IN ('pending', 'running')")[0][0]
        for t in ("prompt_requests", "request_phases")
    )


def _rerun_completes_each_item_once(ideas: Path, db: Path) -> None:
    SlowAsync.delay = 0.01
    with open_store(db) as store:
        # The options `alchemy batch` passes, so the items have the same resume keys.
        report = run_batch(
            store,
            ideas,
            concurrency=2,
            count=1,
            persona="generic",
            provider="local",
            model="slow-fake",
            tags=[],
            chain="per-variant",
            embed=False,
            progress=False,
        )
    assert report.failed == 0 and report.completed + report.skipped == len(IDEAS)
    assert report.completed > 0  # the interrupted items ran again
    per_item = _raw(
        db,
        "SELECT json_extract(metadata, '$.batch_line'), count(*) FROM prompt_requests"
        " WHERE status = 'completed' GROUP BY 1 ORDER BY 1",
    )
    assert per_item == [(line, 1) for line in range(1, len(IDEAS) + 1)]
    assert _unfinished(db) == 0


def test_sigkill_mid_batch_is_recovered_on_next_open(tmp_path: Path, slow: type) -> None:
    ideas, db = _ideas(tmp_path), tmp_path / "kill.db"
    proc, err = _start(ideas, db, 0.4)
    _wait_for_answers(proc, err, 7)  # two requests done (3 phases each), more in flight
    proc.kill()
    proc.wait()
    assert _unfinished(db) > 0  # what a hard kill leaves behind
    kept = _completed_prompts(db)
    assert kept

    store = open_store(db)  # opening reclaims: the owner pid is gone
    assert _unfinished(db) == 0
    failed = store.list_requests(status="failed", limit=None)
    assert failed and all("is gone" in q.metadata["error"] for q in failed)
    runs = [pr for q in failed for pr in store.phase_runs(q.id)]
    assert {pr.status for pr in runs} <= {"completed", "failed"}
    assert any("is gone" in (pr.error_message or "") for pr in runs)
    assert _completed_prompts(db) == kept
    store.close()
    _rerun_completes_each_item_once(ideas, db)


def test_sigterm_mid_batch_is_handled_like_ctrl_c(tmp_path: Path, slow: type) -> None:
    # SIGHUP takes the same path: see test_signal_in_process_cancels_generate_and_raises.
    sig = signal.SIGTERM
    ideas, db = _ideas(tmp_path), tmp_path / "term.db"
    proc, err = _start(ideas, db, 0.4)
    _wait_for_answers(proc, err, 7)
    kept = _completed_prompts(db)
    proc.send_signal(sig)
    assert proc.wait(timeout=60) == 128 + sig
    lines = [line.decode() for line in err if line.startswith(b"Error")]
    assert lines == [
        f"Error: interrupted by {sig.name}: finished prompts are kept and unfinished phases are"
        " marked failed; run the same command again to resume\n"
    ]
    # Recorded by the process itself, before any other open could reclaim anything.
    assert _unfinished(db) == 0
    errors = _raw(db, "SELECT DISTINCT error_message FROM request_phases WHERE status = 'failed'")
    assert errors == [(f"interrupted by {sig.name}",)]
    assert set(kept) <= set(_completed_prompts(db))  # completed prompts are kept as they were
    _rerun_completes_each_item_once(ideas, db)


@pytest.fixture
def sighup_default() -> Iterator[None]:
    """SIGHUP at its default for the test, whatever pytest inherited (nohup ignores it)."""
    previous = signal.signal(signal.SIGHUP, signal.SIG_DFL)
    try:
        yield
    finally:
        signal.signal(signal.SIGHUP, previous)


def test_signal_in_process_cancels_generate_and_raises(
    store: Store, slow: type, sighup_default: None
) -> None:
    # The same path in-process: SIGHUP arrives while the first phase runs (each call takes 30 s,
    # so the run cannot have finished and removed its handler: SIGHUP would end pytest).
    SlowAsync.delay = 30.0
    threading.Timer(1.0, os.kill, [os.getpid(), signal.SIGHUP]).start()
    with pytest.raises(Interrupted) as info:
        generate("Draft a memo", store=store, **(SLOW_GEN | {"count": 2}))
    assert info.value.exit_code == 128 + signal.SIGHUP
    req = store.list_requests(limit=1)[0]
    assert req.status == "failed" and req.metadata["error"] == "interrupted by SIGHUP"
    assert {pr.status for pr in store.phase_runs(req.id)} == {"failed"}
    assert signal.getsignal(signal.SIGHUP) == signal.SIG_DFL  # handler removed again


def test_an_application_signal_handler_is_left_alone(store: Store, slow: type) -> None:
    seen: list[int] = []
    previous = signal.signal(signal.SIGHUP, lambda signum, frame: seen.append(signum))
    try:
        threading.Timer(0.3, os.kill, [os.getpid(), signal.SIGHUP]).start()
        res = generate("Draft a memo", store=store, **SLOW_GEN)
        assert res.ok and seen == [signal.SIGHUP]
    finally:
        signal.signal(signal.SIGHUP, previous)


def test_running_rows_record_their_owner_and_heartbeat(
    store: Store, slow: type, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, dict] = {}

    async def watch() -> None:
        import asyncio

        task = asyncio.create_task(agenerate("Draft a memo", store=store, **SLOW_GEN))
        await asyncio.sleep(0.5)
        req = store.list_requests(limit=1)[0]
        seen["request"] = req.metadata["owner"]
        seen["phase"] = next(
            pr for pr in store.phase_runs(req.id) if pr.status == "running"
        ).config["owner"]
        await asyncio.sleep(0.4)  # a few heartbeats at 0.1 s
        seen["later"] = store.get_request(req.id).metadata["owner"]
        await task

    monkeypatch.setattr(lifecycle, "HEARTBEAT_INTERVAL_S", 0.1)
    SlowAsync.delay = 0.5
    lifecycle.run(watch())
    owner = seen["request"]
    assert owner["pid"] == os.getpid() and owner["host"] and owner["heartbeat"]
    if sys.platform == "linux":
        assert isinstance(owner["start_ticks"], int) and owner["started_at"]
    assert seen["phase"]["pid"] == os.getpid()
    assert seen["later"]["heartbeat"] > owner["heartbeat"]


def test_interruption_messages() -> None:
    assert lifecycle.interruption(ValueError("bad")) == "ValueError: bad"
    assert lifecycle.interruption(KeyboardInterrupt()) == "interrupted"


def test_an_ignored_signal_stays_ignored(store: Store, slow: type) -> None:
    # Under nohup SIGHUP is ignored: a run must not take it over, so the hang-up still does nothing.
    previous = signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        threading.Timer(0.3, os.kill, [os.getpid(), signal.SIGHUP]).start()
        res = generate("Draft a memo", store=store, **SLOW_GEN)
        assert res.ok and signal.getsignal(signal.SIGHUP) == signal.SIG_IGN
    finally:
        signal.signal(signal.SIGHUP, previous)
