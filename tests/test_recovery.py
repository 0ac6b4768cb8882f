"""Recovery: owners, liveness, and what opening the store reclaims (and what it must leave alone)."""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from alchemy_kit import records as r
from alchemy_kit.store import Store, open_store, recovery


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()  # reaped: the pid names no process now
    return proc.pid


def _ago(minutes: float) -> str:
    t = datetime.now(UTC) - timedelta(minutes=minutes)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def _running(store: Store, owner: dict | None, *, created: str | None = None) -> str:
    """A running request with one running and one pending phase, owned by `owner`."""
    meta = {"owner": owner} if owner is not None else {}
    req = r.Request(input="an idea", metadata=meta, status="running")
    if created:
        req.created_at = created
    started = created or r.now()
    runs = [
        r.PhaseRun(req.id, "prima-materia", "local", "m", status="running", started_at=started),
        r.PhaseRun(req.id, "solutio", "local", "m"),
    ]
    store.add([req], runs)
    return req.id


def _status(store: Store, request_id: str) -> tuple[str, list[str]]:
    return store.get_request(request_id).status, [pr.status for pr in store.phase_runs(request_id)]


@pytest.fixture
def store(db_path: Path) -> Store:
    return open_store(db_path)


def test_this_process_identifies_us() -> None:
    me = recovery.this_process()
    assert me["pid"] == os.getpid() and me["host"] and me["heartbeat"]
    assert recovery.process_alive(os.getpid())
    assert not recovery.process_alive(_dead_pid())
    if sys.platform == "linux":
        assert me["boot_id"] and isinstance(me["start_ticks"], int)


def test_reclaims_a_dead_owner_and_logs_one_line(
    store: Store, db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    dead = recovery.this_process() | {"pid": _dead_pid()}
    rid = _running(store, dead)
    alive = _running(store, recovery.this_process())
    store.close()
    with caplog.at_level(logging.WARNING, logger="alchemy_kit"):
        store = open_store(db_path)
    assert _status(store, rid) == ("failed", ["failed", "failed"])
    assert _status(store, alive) == ("running", ["running", "pending"])
    req = store.get_request(rid)
    assert "is gone" in req.metadata["error"] and req.completed_at
    assert req.metadata["reclaimed"]["by"]["pid"] == os.getpid()
    running, pending = store.phase_runs(rid)
    assert "is gone" in (running.error_message or "")
    assert (pending.error_message or "").startswith("not run: ")
    assert [rec.getMessage() for rec in caplog.records] == [
        f"recovered 1 request(s) and 2 phase run(s) left unfinished by a crash and marked them"
        f" failed: the owner process (pid {dead['pid']} on {dead['host']}) is gone"
    ]
    store.close()
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="alchemy_kit"):
        open_store(db_path).close()
    assert caplog.records == []  # nothing left to recover: silent


def test_a_reused_pid_or_a_reboot_is_not_the_owner(store: Store) -> None:
    me = recovery.this_process()
    if me["start_ticks"] is None:
        pytest.skip("process start times are read from /proc (Linux only)")
    reused = _running(store, me | {"start_ticks": me["start_ticks"] - 1})
    rebooted = _running(store, me | {"boot_id": "another-boot"})
    found = recovery.reclaim(store)
    assert "pid was reused" in found.requests[reused]
    assert "rebooted" in found.requests[rebooted]


def test_other_hosts_are_judged_by_their_heartbeat(store: Store) -> None:
    far = {"host": "elsewhere.example", "pid": 1, "started_at": None, "start_ticks": 7}
    stale = _running(store, far | {"heartbeat": _ago(recovery.STALE_AFTER_S / 60 + 1)})
    fresh = _running(store, far | {"heartbeat": _ago(1)})
    found = recovery.reclaim(store)
    assert set(found.requests) == {stale} and "no heartbeat" in found.requests[stale]
    assert _status(store, fresh)[0] == "running"


def test_rows_without_an_owner_expire_by_age(store: Store) -> None:
    old = _running(store, None, created=_ago(recovery.STALE_AFTER_S / 60 + 5))
    recent = _running(store, None)
    found = recovery.reclaim(store)
    assert set(found.requests) == {old} and "no owner recorded" in found.requests[old]
    assert _status(store, recent)[0] == "running"


def test_phases_left_open_under_a_finished_request(store: Store) -> None:
    rid = _running(store, recovery.this_process())
    store.conn.execute(
        "UPDATE prompt_requests SET status = 'completed', completed_at = ? WHERE id = ?",
        [r.now(), rid],
    )
    found = recovery.reclaim(store)
    assert found.phases == 2 and not found.requests
    assert _status(store, rid) == ("completed", ["failed", "failed"])


def test_a_heartbeat_between_look_and_write_wins(store: Store, monkeypatch) -> None:
    # The owner came back (its heartbeat changed the row) after reclaim looked: leave it running.
    far = {"host": "elsewhere.example", "pid": 1, "heartbeat": _ago(60)}
    rid = _running(store, far)
    real = recovery.gone_reason

    def look_then_beat(*args, **kwargs):
        reason = real(*args, **kwargs)
        store.conn.execute(
            "UPDATE prompt_requests SET metadata = json_set(metadata, '$.owner.heartbeat', ?)",
            [r.now()],
        )
        return reason

    monkeypatch.setattr(recovery, "gone_reason", look_then_beat)
    assert not recovery.reclaim(store)
    assert _status(store, rid)[0] == "running"


def test_beat_refreshes_running_rows_only(store: Store) -> None:
    owner = recovery.this_process() | {"heartbeat": _ago(10)}
    rid = _running(store, owner)
    store.conn.execute(
        "UPDATE request_phases SET config = json_set(config, '$.owner', json(?))"
        " WHERE request_id = ? AND status = 'running'",
        [json.dumps(owner), rid],
    )
    assert recovery.beat(store, rid) is True
    fresh = store.get_request(rid).metadata["owner"]["heartbeat"]
    assert fresh > owner["heartbeat"]
    assert store.phase_runs(rid)[0].config["owner"]["heartbeat"] == fresh
    store._set_request_status(rid, "completed")
    assert recovery.beat(store, rid) is False


def test_open_does_not_wait_behind_another_writer(db_path: Path) -> None:
    store = open_store(db_path)
    dead = recovery.this_process() | {"pid": _dead_pid()}
    rid = _running(store, dead)
    store.close()
    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process mid-write
    try:
        started = datetime.now(UTC)
        reader = open_store(db_path)  # must not wait 60 s for the lock
        assert (datetime.now(UTC) - started).total_seconds() < 5
        assert reader.get_request(rid).status == "running"  # left for the next open
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert open_store(db_path).get_request(rid).status == "failed"


def test_unfinished_rows_are_found_through_an_index(store: Store) -> None:
    plan = store.conn.execute(
        "EXPLAIN QUERY PLAN SELECT id FROM prompt_requests WHERE status IN ('pending', 'running')"
    ).fetchall()
    assert "idx_prompt_requests_unfinished" in str(plan)
    plan = store.conn.execute(
        "EXPLAIN QUERY PLAN SELECT id FROM request_phases WHERE status IN ('pending', 'running')"
    ).fetchall()
    assert "idx_request_phases_unfinished" in str(plan)
