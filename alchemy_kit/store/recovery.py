"""Crash recovery: who owns a running request, whether that process lives, and reclaiming orphans.

A request that is `pending` or `running` records its owner in `prompt_requests.metadata["owner"]`
(and each running phase in `request_phases.config["owner"]`): host, pid, the process start time
(clock ticks since boot plus the boot id on Linux, so a reused pid is not mistaken for the owner)
and a heartbeat the running process refreshes every HEARTBEAT_INTERVAL_S.

Opening the store reclaims what a crash left behind: rows whose owner process is gone on this host,
or whose heartbeat is older than STALE_AFTER_S on any host, are marked `failed` with the reason.
Rows written before owners were recorded count their creation time as their last heartbeat.
"""

from __future__ import annotations

import json
import logging
import os
import socket
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import records as r
from ..errors import StoreError, StoreLockedError
from .reads import chunks

if TYPE_CHECKING:
    from .store import Store

HEARTBEAT_INTERVAL_S = 30.0
# Ten missed heartbeats: long enough for a stalled network or a busy disk, short enough that a
# crashed run on another machine is reclaimed within minutes.
STALE_AFTER_S = 300.0
# An eval run's owner refreshes no heartbeat between writes (a slow model may take minutes per
# call): on this host its pid decides; a run from another host is taken as gone after this long.
EVAL_STALE_AFTER_S = 6 * 3600.0
# How long opening the store waits for the write lock to reclaim orphans before leaving it to the
# next open: a reader must not wait a minute behind another process's long write.
OPEN_LOCK_WAIT_S = 0.2

log = logging.getLogger("alchemy_kit")
# A phase row whose request already finished (looked up by primary key: no scan of requests).
_FINISHED = (
    "EXISTS (SELECT 1 FROM prompt_requests q WHERE q.id = request_phases.request_id"
    " AND q.status IN ('completed', 'failed'))"
)


@cache
def _boot() -> tuple[str | None, float | None]:
    """(boot id, boot time in epoch seconds) on Linux; (None, None) elsewhere."""
    try:
        boot_id = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
        btime = next(
            float(line.split()[1])
            for line in Path("/proc/stat").read_text().splitlines()
            if line.startswith("btime ")
        )
    except (OSError, StopIteration, ValueError, IndexError):
        return None, None
    return boot_id, btime


def _proc_stat(pid: int) -> tuple[str, int] | None:
    """(state, start time in clock ticks since boot) of a live process, from /proc."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
        fields = raw.rsplit(")", 1)[1].split()  # the command name may contain spaces or ')'
        return fields[0], int(fields[19])
    except (OSError, ValueError, IndexError):
        return None


def _pid_exists(pid: int) -> bool:
    if os.name == "nt":  # os.kill(pid, 0) would send CTRL_C_EVENT there: rely on heartbeats
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by another user
        return True
    except OSError:
        return False
    return True


@cache
def _identity() -> dict[str, Any]:
    pid = os.getpid()
    boot_id, btime = _boot()
    stat = _proc_stat(pid)
    ticks = stat[1] if stat else None
    started = None
    if ticks is not None and btime is not None:
        clk = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
        started = datetime.fromtimestamp(btime + ticks / clk, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "host": socket.gethostname(),
        "pid": pid,
        "started_at": started,
        "start_ticks": ticks,
        "boot_id": boot_id,
    }


def this_process() -> dict[str, Any]:
    """The owner record of the current process, with a fresh heartbeat."""
    if _identity()["pid"] != os.getpid():  # forked: the cached identity is the parent's
        _identity.cache_clear()
    return {**_identity(), "heartbeat": r.now()}


def process_alive(pid: int) -> bool:
    """True when a process with this pid runs on this host (and is not a zombie)."""
    if not _pid_exists(pid):
        return False
    stat = _proc_stat(pid)
    return stat is None or stat[0] != "Z"


def _age_s(stamp: Any, now: datetime) -> float | None:
    if not isinstance(stamp, str):
        return None
    try:
        then = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    if then.tzinfo is None:
        then = then.replace(tzinfo=UTC)
    return (now - then).total_seconds()


def gone_reason(
    owner: Any, last_sign: str | None, now: datetime, stale_after_s: float = STALE_AFTER_S
) -> str | None:
    """Why the owner of a running row is gone, or None while it may still be running."""
    if not isinstance(owner, dict):
        age = _age_s(last_sign, now)
        if age is not None and age > stale_after_s:
            return f"abandoned: no owner recorded and no sign of life for {age / 60:.0f} min"
        return None
    me = _identity()
    host, pid = owner.get("host"), owner.get("pid")
    who = f"pid {pid} on {host}"
    if host == me["host"] and isinstance(pid, int):
        boot_id = owner.get("boot_id")
        if boot_id and me["boot_id"] and boot_id != me["boot_id"]:
            return f"abandoned: the owner ({who}) ran before this host rebooted"
        if not process_alive(pid):
            return f"abandoned: the owner process ({who}) is gone"
        stat = _proc_stat(pid)
        ticks = owner.get("start_ticks")
        if stat is not None and isinstance(ticks, int) and stat[1] != ticks:
            return f"abandoned: the owner process ({who}) is gone (its pid was reused)"
    age = _age_s(owner.get("heartbeat"), now)
    if age is not None and age > stale_after_s:
        return f"abandoned: no heartbeat from the owner ({who}) for {age / 60:.0f} min"
    return None


@dataclass
class Reclaimed:
    """What reclaiming found: request ids marked failed, with the reason for each."""

    requests: dict[str, str] = field(default_factory=dict)
    phases: int = 0
    eval_runs: dict[str, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.requests) or self.phases > 0 or bool(self.eval_runs)

    def line(self) -> str:
        """One line for the log."""
        if not self.requests and not self.phases:
            first = sorted(set(self.eval_runs.values()))[0].removeprefix("abandoned: ")
            return (
                f"recovered {len(self.eval_runs)} eval run(s) left running by a crash and marked"
                f" them failed (run the same eval again to resume): {first}"
            )
        reasons = sorted(set(self.requests.values()))
        first = reasons[0].removeprefix("abandoned: ") if reasons else "their request had finished"
        more = f" (and {len(reasons) - 1} other reasons)" if len(reasons) > 1 else ""
        runs = f" and {len(self.eval_runs)} eval run(s)" if self.eval_runs else ""
        return (
            f"recovered {len(self.requests)} request(s) and {self.phases} phase run(s){runs} left"
            f" unfinished by a crash and marked them failed: {first}{more}"
        )


def _last_sign(store: Store, request_id: str, created_at: str) -> str:
    row = store.conn.execute(
        "SELECT max(started_at) FROM request_phases WHERE request_id = ?", [request_id]
    ).fetchone()
    return max(created_at, row[0] or "")


def reclaim(store: Store, *, stale_after_s: float = STALE_AFTER_S) -> Reclaimed:
    """Mark failed every unfinished request whose owner is gone, and its unfinished phases."""
    now = datetime.now(UTC)
    found = Reclaimed()
    snapshot: dict[str, str] = {}
    for rid, created, meta in store.conn.execute(
        "SELECT id, created_at, metadata FROM prompt_requests"
        " WHERE status IN ('pending', 'running')"
    ).fetchall():
        try:
            owner = json.loads(meta).get("owner")
        except (ValueError, AttributeError):
            owner = None
        last = created if owner else _last_sign(store, rid, created)
        reason = gone_reason(owner, last, now, stale_after_s)
        if reason:
            found.requests[rid], snapshot[rid] = reason, meta
    # Phases still open under a finished request (a crash between the two writes).
    stray = store.conn.execute(
        f"SELECT count(*) FROM request_phases WHERE status IN ('pending', 'running') AND {_FINISHED}"
    ).fetchone()[0]
    runs = _gone_eval_runs(store, now)
    if runs:
        _fail_eval_runs(store, runs, found)
    if not found.requests and not stray:
        return found
    stamp = r.now()
    by = {k: v for k, v in this_process().items() if k in ("host", "pid")}
    with store.transaction():
        for rid, reason in list(found.requests.items()):
            patch = json.dumps({"error": reason, "reclaimed": {"at": stamp, "by": by}})
            # Only if nothing changed since we looked: a live owner's heartbeat changes metadata.
            cur = store.conn.execute(
                "UPDATE prompt_requests SET status = 'failed', completed_at = ?,"
                " metadata = json_patch(metadata, ?)"
                " WHERE id = ? AND status IN ('pending', 'running') AND metadata = ?",
                [stamp, patch, rid, snapshot[rid]],
            )
            if cur.rowcount == 0:
                del found.requests[rid]
                continue
            found.phases += _fail_phases(store, "request_id = ?", [rid], reason, stamp)
        found.phases += _fail_phases(
            store,
            _FINISHED,
            [],
            "abandoned: its request had already finished",
            stamp,
        )
    return found


def eval_run_owner_gone(options: Any, started_at: Any, now: datetime | None = None) -> str | None:
    """Why the process running an eval run is gone (None while it may still run)."""
    try:
        owner = (json.loads(options) if isinstance(options, str) else options or {}).get("owner")
    except (ValueError, AttributeError):
        owner = None
    return gone_reason(owner, started_at, now or datetime.now(UTC), EVAL_STALE_AFTER_S)


def _gone_eval_runs(store: Store, now: datetime) -> dict[str, tuple[str, str]]:
    out = {}
    for run_id, started, options in store.conn.execute(
        "SELECT id, started_at, options FROM eval_runs WHERE status = 'running'"
    ).fetchall():
        reason = eval_run_owner_gone(options, started, now)
        if reason:
            out[run_id] = (reason, options)
    return out


def _fail_eval_runs(store: Store, runs: dict[str, tuple[str, str]], found: Reclaimed) -> None:
    stamp = r.now()
    with store.transaction():
        for run_id, (reason, options) in runs.items():
            # Only if nothing changed since we looked (a resume records its own owner).
            cur = store.conn.execute(
                "UPDATE eval_runs SET status = 'failed', completed_at = ?, error = ?"
                " WHERE id = ? AND status = 'running' AND options IS ?",
                [stamp, f"{reason}; run the same eval again to resume", run_id, options],
            )
            if cur.rowcount:
                found.eval_runs[run_id] = reason


def _fail_phases(store: Store, where: str, params: list[Any], reason: str, stamp: str) -> int:
    cur = store.conn.execute(
        "UPDATE request_phases SET started_at = coalesce(started_at, ?), completed_at = ?,"
        " error_message = CASE status WHEN 'pending' THEN ? ELSE ? END, status = 'failed'"
        f" WHERE status IN ('pending', 'running') AND {where}",
        [stamp, stamp, f"not run: {reason}", reason, *params],
    )
    return int(cur.rowcount)


def beat(store: Store, request_id: str) -> bool:
    """Refresh the heartbeat of a running request and its running phases; False once it is done."""
    stamp = r.now()
    with store.transaction():
        cur = store.conn.execute(
            "UPDATE prompt_requests SET metadata = json_set(metadata, '$.owner.heartbeat', ?)"
            " WHERE id = ? AND status = 'running' AND json_type(metadata, '$.owner') = 'object'",
            [stamp, request_id],
        )
        store.conn.execute(
            "UPDATE request_phases SET config = json_set(config, '$.owner.heartbeat', ?)"
            " WHERE request_id = ? AND status = 'running'"
            " AND json_type(config, '$.owner') = 'object'",
            [stamp, request_id],
        )
    return cur.rowcount > 0


def unembedded_batch_prompts(store: Store, keys: list[str], model: str) -> list[tuple[str, str]]:
    """(id, content) of prompts of completed batch items that have no `model` embedding."""
    out: list[tuple[str, str]] = []
    for chunk in chunks(keys, 500):
        out.extend(
            store.conn.execute(
                "SELECT p.id, p.content FROM prompts p JOIN prompt_requests q ON q.id = p.request_id"
                " WHERE q.status = 'completed'"
                f" AND json_extract(q.metadata, '$.batch_key') IN ({','.join('?' * len(chunk))})"
                " AND NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.prompt_id = p.id"
                " AND e.model = ?) ORDER BY p.rowid",
                [*chunk, model],
            )
        )
    return out


def reclaim_on_open(store: Store) -> None:
    """Reclaim orphans when a store opens, logging one line when anything was recovered.

    Never in the way of the command that opened the store: if another process holds the write
    lock the next open will do it, and a full disk is reported in one line, not raised.
    """
    conn = store.conn
    conn.execute(f"PRAGMA busy_timeout = {int(OPEN_LOCK_WAIT_S * 1000)}")
    try:
        found = reclaim(store)
    except StoreLockedError:
        return
    except StoreError as exc:
        log.warning(f"note: could not mark runs abandoned by a crash as failed: {exc}")
        return
    finally:
        conn.execute(f"PRAGMA busy_timeout = {int(store.busy_timeout_s * 1000)}")
    if found:
        log.warning(found.line())


__all__ = [
    "EVAL_STALE_AFTER_S",
    "HEARTBEAT_INTERVAL_S",
    "STALE_AFTER_S",
    "Reclaimed",
    "beat",
    "eval_run_owner_gone",
    "gone_reason",
    "process_alive",
    "reclaim",
    "reclaim_on_open",
    "this_process",
    "unembedded_batch_prompts",
]
