"""Tests for alchemy_kit.engine.cluster_embed: `alchemy embed --cluster`, resumable and idempotent."""

from __future__ import annotations

import os
import signal
import sqlite3
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from alchemy_kit import records as r
from alchemy_kit.cli.main import cli
from alchemy_kit.engine import cluster_embed as CE
from alchemy_kit.engine.executor import Executor
from alchemy_kit.search.embeddings import DEFAULT_EMBEDDING_MODEL, LEXICAL_MODEL
from alchemy_kit.search.vectors import embed_missing as embed_in_process
from alchemy_kit.store import Store, open_store

distributed = pytest.importorskip("distributed")


@pytest.fixture
def client(dask_threads: Any) -> Any:
    """The module's LocalCluster of worker threads (see conftest)."""
    return dask_threads


def texts(n: int) -> list[str]:
    """Prompts of varied length, so chunks are length-sorted and padded differently."""
    return [
        f"prompt {i}: " + "write a careful summary for the reader " * (i % 9 + 1) for i in range(n)
    ]


def make_store(path: Path, n: int) -> Store:
    store = open_store(path, create=True)
    store.add_prompts(
        [r.Prompt(content=t, phase="solutio", provider="local", model="m") for t in texts(n)]
    )
    return store


def vectors(path: Path, model: str) -> dict[str, bytes]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute(
            "SELECT prompt_id, embedding FROM embeddings WHERE model = ?", [model]
        ).fetchall()
    return dict(rows)


def load_minilm_or_skip() -> None:
    from alchemy_kit.errors import EmbeddingError
    from alchemy_kit.search.embeddings import get_embedder

    try:
        get_embedder(DEFAULT_EMBEDDING_MODEL)
    except EmbeddingError as exc:
        pytest.skip(f"MiniLM unavailable: {exc}")


@pytest.mark.parametrize("model", [LEXICAL_MODEL, DEFAULT_EMBEDDING_MODEL])
def test_cluster_rows_equal_in_process_bit_for_bit(tmp_path: Path, client: Any, model: str) -> None:
    if model == DEFAULT_EMBEDDING_MODEL:
        load_minilm_or_skip()
    make_store(tmp_path / "here.db", 150).close()
    # The same prompts with the same ids in both stores.
    (tmp_path / "there.db").write_bytes((tmp_path / "here.db").read_bytes())
    with open_store(tmp_path / "here.db") as s:
        embed_in_process(s, model_id=model, progress=False)
    with open_store(tmp_path / "there.db") as s:
        report = CE.embed_missing_on(s, Executor(client), model_id=model, max_in_flight=2)
    assert report.embedded == 150 and report.model == model
    assert vectors(tmp_path / "there.db", model) == vectors(tmp_path / "here.db", model)


def test_pages_keep_memory_flat_and_cover_every_prompt(tmp_path: Path) -> None:
    store = make_store(tmp_path / "a.db", 70)
    chunks = list(CE.plan_chunks(store, LEXICAL_MODEL, batch_size=8, page_rows=25))
    ids = [pid for c in chunks for pid, _, _ in c.items]
    assert len(ids) == len(set(ids)) == 70
    assert max(len(c.items) for c in chunks) == 8
    store.close()


_failing = threading.Event()
_real_embed_chunk = CE.embed_chunk


def _embed_unless_marked(chunk: CE.EmbedChunk) -> CE.EmbeddedChunk:
    if _failing.is_set() and any("prompt 7:" in text for _, text, _ in chunk.items):
        raise RuntimeError("worker lost")
    return _real_embed_chunk(chunk)


def test_a_failed_job_resumes_with_only_the_missing_rows(
    tmp_path: Path, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = make_store(tmp_path / "a.db", 120)
    monkeypatch.setattr(CE, "embed_chunk", _embed_unless_marked)
    _failing.set()
    try:
        with pytest.raises(RuntimeError, match="worker lost"):
            CE.embed_missing_on(
                store, Executor(client), model_id=LEXICAL_MODEL, batch_size=10, write_rows=1
            )
    finally:
        _failing.clear()
    kept = store.search_sql.embedding_count(LEXICAL_MODEL)
    assert 0 < kept < 120  # finished chunks were stored before the failure surfaced
    sent: list[int] = []
    real_map = Executor.map

    def counting_map(self: Executor, fn: Any, items: Any, **kw: Any) -> Any:
        def counted() -> Iterator[Any]:
            for chunk in items:
                sent.append(len(chunk.items))
                yield chunk

        return real_map(self, fn, counted(), **kw)

    monkeypatch.setattr(Executor, "map", counting_map)
    report = CE.embed_missing_on(store, Executor(client), model_id=LEXICAL_MODEL, batch_size=10)
    assert sum(sent) == report.embedded == 120 - kept
    assert store.search_sql.embedding_count(LEXICAL_MODEL) == 120
    store.close()


_tries: dict[str, int] = {}
_tries_lock = threading.Lock()


def _flaky_embed(chunk: CE.EmbedChunk) -> CE.EmbeddedChunk:
    key = chunk.items[0][0]
    with _tries_lock:
        _tries[key] = _tries.get(key, 0) + 1
        first = _tries[key] == 1
    if first:
        raise RuntimeError("transient")
    return _real_embed_chunk(chunk)


def test_retried_tasks_never_duplicate_rows(
    tmp_path: Path, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = make_store(tmp_path / "a.db", 60)
    monkeypatch.setattr(CE, "embed_chunk", _flaky_embed)
    _tries.clear()
    report = CE.embed_missing_on(store, Executor(client), model_id=LEXICAL_MODEL, batch_size=7)
    assert report.embedded == 60 and min(_tries.values()) == 2
    # Embedding everything again rewrites the same rows: keyed by (prompt, model).
    monkeypatch.setattr(CE, "embed_chunk", _real_embed_chunk)
    CE.embed_missing_on(store, Executor(client), model_id=LEXICAL_MODEL, all_prompts=True)
    with sqlite3.connect(tmp_path / "a.db") as conn:
        assert conn.execute("SELECT count(*) FROM embeddings").fetchone()[0] == 60
    store.close()


@pytest.fixture
def processes(dask_processes: Any) -> Iterator[Any]:
    """Worker processes (see conftest); they cannot import this module, so its tasks go by value."""
    import cloudpickle

    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    yield dask_processes
    cloudpickle.unregister_pickle_by_value(sys.modules[__name__])


def test_cli_embed_on_worker_processes(tmp_path: Path, processes: Any) -> None:
    """Real worker processes behind a tcp:// scheduler address; the rows equal an in-process run's."""
    db, ref = tmp_path / "a.db", tmp_path / "ref.db"
    make_store(db, 40).close()
    ref.write_bytes(db.read_bytes())
    with open_store(ref) as s:
        embed_in_process(s, model_id=LEXICAL_MODEL, progress=False)
    address = processes.scheduler.address
    assert address.startswith("tcp://")
    args = ["embed", "-d", str(db), "-m", LEXICAL_MODEL, "--cluster", address]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "Dask dashboard: http://" in result.output
    assert "Embedded 40 prompts" in result.output
    assert vectors(db, LEXICAL_MODEL) == vectors(ref, LEXICAL_MODEL)


def _slow_embed(chunk: CE.EmbedChunk) -> CE.EmbeddedChunk:
    time.sleep(0.3)  # long enough for a worker to die with tasks in flight
    return CE.embed_chunk(chunk)


def test_a_worker_killed_mid_job_loses_nothing_and_duplicates_nothing(
    tmp_path: Path, processes: Any
) -> None:
    store = make_store(tmp_path / "a.db", 90)
    ex = Executor(processes)
    real_map = ex.map
    killed: list[str] = []

    def map_then_kill(fn: Any, items: Any, **kw: Any) -> Iterator[Any]:
        for result in real_map(fn, items, **kw):
            if not killed:  # after the first result: one worker process dies at once
                victim = sorted(processes.scheduler_info()["workers"])[0]
                killed.append(victim)
                pid = processes.run(os.getpid, workers=[victim])[victim]
                os.kill(pid, signal.SIGKILL)
            yield result

    ex.map = map_then_kill  # type: ignore[method-assign]
    report = CE.embed_missing_on(
        store, ex, model_id=LEXICAL_MODEL, batch_size=5, max_in_flight=4, task=_slow_embed
    )
    assert killed and report.embedded == 90
    with sqlite3.connect(tmp_path / "a.db") as conn:
        rows = conn.execute("SELECT count(*), count(DISTINCT prompt_id) FROM embeddings").fetchone()
    assert rows == (90, 90)
    store.close()


def test_cli_bad_cluster_is_one_line(tmp_path: Path) -> None:
    make_store(tmp_path / "a.db", 1).close()
    result = CliRunner().invoke(cli, ["embed", "-d", str(tmp_path / "a.db"), "--cluster", "x:1"])
    assert result.exit_code != 0
    assert result.output.strip().count("\n") == 0 and "not a cluster address" in result.output


def test_nothing_missing_starts_no_cluster(tmp_path: Path) -> None:
    store = make_store(tmp_path / "a.db", 3)
    embed_in_process(store, model_id=LEXICAL_MODEL, progress=False)
    # An address nobody serves: it would fail if a cluster were contacted.
    report = CE.embed_missing(store, model_id=LEXICAL_MODEL, cluster="tcp://127.0.0.1:1")
    assert report.embedded == 0
    store.close()


def test_public_embed_missing_runs_in_process_without_a_cluster(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import alchemy_kit as ak

    monkeypatch.delenv("ALCHEMY_CLUSTER", raising=False)
    store = make_store(tmp_path / "a.db", 5)
    report = ak.embed_missing(store, model_id=LEXICAL_MODEL, progress=False)
    assert report.embedded == 5 and store.search_sql.embedding_count(LEXICAL_MODEL) == 5
    store.close()
