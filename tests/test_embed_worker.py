"""Tests for alchemy_kit.search.embed_worker: embedding beside the pipeline, not after it."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from alchemy_kit import records as r
from alchemy_kit.engine.pipeline import generate
from alchemy_kit.search import embed_worker as W
from alchemy_kit.search import vectors
from alchemy_kit.search.embeddings import LEXICAL_MODEL
from alchemy_kit.store import Store, open_store


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    s = open_store(db_path)
    yield s
    W.close_workers()
    s.close()


def stored(store: Store, texts: list[str]) -> list[r.Prompt]:
    prompts = [r.Prompt(content=t, phase="solutio", provider="local", model="m") for t in texts]
    store.add_prompts(prompts)
    return prompts


def test_queued_requests_share_one_length_sorted_pass(store: Store, monkeypatch: Any) -> None:
    calls: list[list[str]] = []
    release = threading.Event()
    real = vectors.embed_prompts

    def recording(st: Store, pairs: Any, **kw: Any) -> Any:
        calls.append([content for _, content in pairs])
        if len(calls) == 1:
            release.wait(10)  # hold the worker so that the next jobs queue up behind it
        return real(st, pairs, **kw)

    monkeypatch.setattr(vectors, "embed_prompts", recording)
    first = stored(store, ["first request"])
    later = [stored(store, [f"request {i} " + "long " * i, f"r{i}"]) for i in range(1, 4)]
    worker = W.worker_for(store, LEXICAL_MODEL)
    futures = [worker.submit([(p.id, p.content) for p in first])]
    while not calls:  # the worker has taken the first job
        threading.Event().wait(0.01)
    futures += [worker.submit([(p.id, p.content) for p in ps]) for ps in later]
    release.set()
    assert [f.result(10) for f in futures] == [1, 2, 2, 2]
    # The three requests queued meanwhile went into one pass, together.
    assert len(calls) == 2 and sorted(calls[1]) == sorted(p.content for ps in later for p in ps)
    assert store.search_sql.embedding_count(LEXICAL_MODEL) == 7
    assert worker.batches == 2


def test_the_worker_writes_through_its_own_connection(store: Store) -> None:
    prompts = stored(store, ["alpha beta", "gamma delta"])
    before = store.conn.total_changes
    future = W.worker_for(store, LEXICAL_MODEL).submit([(p.id, p.content) for p in prompts])
    assert future.result(10) == 2
    assert store.conn.total_changes == before  # none of those writes went through ours
    rows = store.rows("embeddings", where="model = ?", params=[LEXICAL_MODEL])
    assert {row["prompt_id"] for row in rows} == {p.id for p in prompts}


def test_generate_embeds_every_prompt_before_returning(store: Store) -> None:
    store.set_config("embeddings.model", LEXICAL_MODEL)
    res = generate("Summarise a clinical trial for patients", store=store, count=2, progress=False)
    assert res.ok and len(res.prompts) == 6
    assert store._prompts_missing_embeddings(LEXICAL_MODEL) == []


def test_an_embedding_failure_is_a_warning_not_a_lost_request(store: Store) -> None:
    store.set_config("embeddings.model", "no-such-embedding-model")
    with pytest.warns(UserWarning, match="prompts stored but not embedded"):
        res = generate("Summarise a clinical trial", store=store, count=1, progress=False)
    assert res.ok and store.get_request(res.request.id).status == "completed"
    assert store.counts()["embeddings"] == 0 and store.counts()["prompts"] == 3


def test_an_in_memory_store_embeds_on_its_worker_too() -> None:
    mem = open_store(":memory:")
    prompts = stored(mem, ["only in memory"])
    job = W.BackgroundEmbedding(mem, LEXICAL_MODEL)
    job.add(prompts)  # the worker's own connection reaches the same in-memory database
    asyncio.run(job.wait())
    assert mem.search_sql.embedding_count(LEXICAL_MODEL) == 1
    mem.close()
    assert mem not in W._workers


def test_closing_the_store_finishes_and_stops_its_workers(db_path: Path) -> None:
    store = open_store(db_path)
    prompts = stored(store, [f"text {i}" for i in range(5)])
    worker = W.worker_for(store, LEXICAL_MODEL)
    futures = [worker.submit([(p.id, p.content)]) for p in prompts]
    store.close()
    assert all(f.result(0) == 1 for f in futures)  # done before close() returned
    assert not worker._thread.is_alive() and store not in W._workers
    with open_store(db_path) as again:
        assert again.search_sql.embedding_count(LEXICAL_MODEL) == 5


def test_any_failure_is_one_warning_after_the_request_is_stored(
    store: Store, monkeypatch: Any
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("onnxruntime fell over")  # not an AlchemyError

    monkeypatch.setattr(vectors, "embed_prompts", broken)
    store.set_config("embeddings.model", LEXICAL_MODEL)
    with pytest.warns(UserWarning, match="not embedded: onnxruntime fell over"):
        res = generate("Summarise a clinical trial", store=store, count=1, progress=False)
    assert res.ok and store.get_request(res.request.id).status == "completed"
    assert store.counts()["prompts"] == 3 and store.counts()["embeddings"] == 0


def test_close_workers_finishes_the_queue(store: Store) -> None:
    prompts = stored(store, [f"text {i}" for i in range(20)])
    worker = W.worker_for(store, LEXICAL_MODEL)
    futures = [worker.submit([(p.id, p.content)]) for p in prompts]
    W.close_workers()
    assert all(f.done() and f.result() == 1 for f in futures)
    assert store.search_sql.embedding_count(LEXICAL_MODEL) == 20
