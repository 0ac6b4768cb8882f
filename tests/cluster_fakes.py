"""Helpers for the cluster tests: the slow fake model on worker processes, counted per call.

Worker processes do not import the test modules: `on_workers(client, ...)` pickles this module and
slow_cli by value and registers a worker plugin that puts `slow-fake` (tests/slow_cli.py) into
each worker's llm, with a delay, appending one line per answered call to a file, so a test can
count exactly how many calls the workers made.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import slow_cli
from distributed import WorkerPlugin


class SlowFakeOnWorkers(WorkerPlugin):
    """Registers slow-fake in every worker (new and restarted ones too), counting its calls."""

    name = "alchemy-test-slow-fake"

    def __init__(self, delay: float, calls: Path) -> None:
        self.delay = delay
        self.calls = str(calls)

    def setup(self, worker: Any) -> None:
        import llm

        slow_cli.SlowAsync.delay = self.delay
        calls = self.calls
        original = slow_cli.SlowAsync.execute

        async def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
            async for chunk in original(self, *args, **kwargs):
                with open(calls, "a", encoding="utf-8") as f:
                    f.write("call\n")
                yield chunk

        if not getattr(slow_cli.SlowAsync, "_counted", False):
            slow_cli.SlowAsync.execute = counted  # type: ignore[method-assign]
            slow_cli.SlowAsync._counted = True  # type: ignore[attr-defined]
        if llm.pm.get_plugin("slow-fake-plugin") is None:
            llm.pm.register(slow_cli.SlowPlugin(), name="slow-fake-plugin")


def on_workers(client: Any, delay: float, calls: Path) -> None:
    """Put slow-fake on every worker of `client`'s cluster, its calls counted in `calls`."""
    import cloudpickle

    for module in (sys.modules[__name__], slow_cli):
        cloudpickle.register_pickle_by_value(module)
    client.register_plugin(SlowFakeOnWorkers(delay, calls))


def count(calls: Path) -> int:
    """Calls the workers have answered so far."""
    return len(calls.read_text("utf-8").splitlines()) if calls.exists() else 0


def _busy(dask_worker: Any) -> int:
    return len(dask_worker.state.executing)


def wait_idle(client: Any, timeout: float = 30.0) -> None:
    """Wait until the scheduler holds no task and no worker runs one: a killed client's queued
    tasks are released, and the ones already running finish (a thread cannot be stopped)."""
    deadline = time.monotonic() + timeout
    while client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks)) or any(
        client.run(_busy).values()
    ):
        assert time.monotonic() < deadline, "the cluster is still busy"
        time.sleep(0.1)


def prepared(client: Any, delay: float, calls: Path) -> Any:
    """A test module's cluster: slow-fake on its workers, their calls counted in `calls`."""
    on_workers(client, delay, calls)
    client.calls = calls
    return client


@contextmanager
def slow_fake_here() -> Iterator[None]:
    """slow-fake in this process too: the client resolves models before it sends any work."""
    slow_cli.SlowAsync.delay = 0.01
    llm_pm().register(slow_cli.SlowPlugin(), name="slow-fake-plugin")
    try:
        yield
    finally:
        llm_pm().unregister(name="slow-fake-plugin")


def llm_pm() -> Any:
    import llm

    return llm.pm


def rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
    """Query a database file directly, as another process sees it."""
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def kill_a_worker_after(client: Any, calls: int) -> tuple[threading.Thread, list[int]]:
    """Start a thread that SIGKILLs one worker process once the workers answered `calls` more
    calls; returns it and the list the killed pid lands in."""
    start, killed = count(client.calls), []

    def kill() -> None:
        deadline = time.monotonic() + 60
        while count(client.calls) < start + calls and time.monotonic() < deadline:
            time.sleep(0.02)
        victim = sorted(client.scheduler_info()["workers"])[0]
        pid = client.run(os.getpid, workers=[victim])[victim]
        os.kill(pid, signal.SIGKILL)
        killed.append(pid)

    thread = threading.Thread(target=kill, daemon=True)
    thread.start()
    return thread, killed
