"""Tests for alchemy_kit.engine.executor: the one seam between in-process runs and a Dask cluster."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from alchemy_kit.engine import executor as X
from alchemy_kit.errors import ClusterError

distributed = pytest.importorskip("distributed")


@pytest.fixture
def client(dask_threads: Any) -> Any:
    """The module's LocalCluster of worker threads (see conftest)."""
    return dask_threads


def test_parse_cluster_addresses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(X.CLUSTER_ENV, raising=False)
    assert X.parse_cluster(None) is None
    assert X.parse_cluster("") is None and X.parse_cluster("none") is None
    assert X.parse_cluster("local:3") == X.ClusterAddress("local:3", 3)
    assert X.parse_cluster(" tcp://10.0.0.5:8786 ") == X.ClusterAddress("tcp://10.0.0.5:8786")
    monkeypatch.setenv(X.CLUSTER_ENV, "local:2")
    assert X.parse_cluster(None) == X.ClusterAddress("local:2", 2)
    assert X.parse_cluster("none") is None  # an explicit value beats the environment


@pytest.mark.parametrize("bad", ["local:0", "local:x", "local:", "8786", "http://h:8786", "tcp://"])
def test_bad_addresses_are_typed_errors(bad: str) -> None:
    with pytest.raises(ClusterError):
        X.parse_cluster(bad)


def test_missing_extra_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(ClusterError, match=r"alchemy-kit\[cluster\]"):
        X.Executor("local:1")


def test_unreachable_scheduler_fails_within_the_timeout() -> None:
    with socket.socket() as s:  # a free loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(ClusterError, match="cannot reach the Dask scheduler") as err:
        X.Executor(f"tcp://127.0.0.1:{port}", timeout=1)
    assert "\n" not in str(err.value)


def test_in_process_map_runs_here_in_order() -> None:
    with X.Executor(None) as ex:
        assert not ex.distributed and ex.dashboard_link is None
        assert list(ex.map(lambda v: v * 2, range(5))) == [0, 2, 4, 6, 8]


def _square(v: int) -> int:
    return v * v


def test_cluster_map_is_bounded_and_lazy(client: Any) -> None:
    pulled = 0
    seen_at_first: list[int] = []

    def items() -> Iterator[int]:
        nonlocal pulled
        for i in range(40):
            pulled += 1
            yield i

    ex = X.Executor(client)
    assert ex.distributed and ex.threads == 2
    results = []
    for value in ex.map(_square, items(), max_in_flight=3):
        if not seen_at_first:
            seen_at_first.append(pulled)
        results.append(value)
    assert sorted(results) == [i * i for i in range(40)]
    assert ex.peak_in_flight == 3
    assert seen_at_first[0] <= 4  # items are read as results return, not all up front
    ex.close()  # a client handed in is the caller's: closing the executor leaves it open
    assert client.status == "running"


_attempts: dict[int, int] = {}
_attempts_lock = threading.Lock()


def _flaky(v: int) -> int:
    with _attempts_lock:  # workers are threads of this process here
        _attempts[v] = _attempts.get(v, 0) + 1
        first = _attempts[v] == 1
    if first and v % 3 == 0:
        raise RuntimeError(f"transient failure on {v}")
    return v


def test_failing_tasks_are_retried(client: Any) -> None:
    _attempts.clear()
    results = list(X.Executor(client).map(_flaky, range(12), max_in_flight=4))
    assert sorted(results) == list(range(12))
    assert _attempts[0] == 2 and _attempts[1] == 1


def _always_fails(v: int) -> int:
    raise ValueError(f"bad item {v}")


def test_a_task_failing_every_retry_raises(client: Any) -> None:
    with pytest.raises(ValueError, match="bad item"):
        list(X.Executor(client).map(_always_fails, range(3), retries=1))


def test_worker_cache_builds_once() -> None:
    X.clear_worker_cache()
    built: list[int] = []
    for _ in range(3):
        X.worker_cached("k", lambda: built.append(1) or object())
    assert built == [1]
    X.clear_worker_cache()


def test_import_alchemy_kit_does_not_import_dask() -> None:
    code = "import sys, alchemy_kit; print('dask' in sys.modules or 'distributed' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
