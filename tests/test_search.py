"""Tests for alchemy_kit.search and alchemy_kit.vector_index (synthetic vectors, small data)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pytest

from alchemy_kit import records as r
from alchemy_kit.errors import DimensionMismatchError, EmbeddingError, ValidationError
from alchemy_kit.notebook import views
from alchemy_kit.search import query as S
from alchemy_kit.search.fusion import TEXT_WEIGHT
from alchemy_kit.search.vector_index import VectorIndex, get_index
from alchemy_kit.store import Store, open_store
from alchemy_kit.store.codec import encode_many

MODEL = "synthetic-test"
DIMS = 16


@pytest.fixture
def store(tmp_path: Any) -> Iterator[Store]:
    s = open_store(tmp_path / "search.db")
    yield s
    S.clear_index_cache(s)
    s.close()


def unit(rng: np.random.Generator, n: int, d: int = DIMS) -> np.ndarray:
    m = rng.standard_normal((n, d)).astype(np.float32)
    return m / np.linalg.norm(m, axis=1, keepdims=True)


def add(
    store: Store,
    vectors: np.ndarray,
    contents: Sequence[str] | None = None,
    emb_model: str = MODEL,
    **fields: Any,
) -> list[r.Prompt]:
    """Add one prompt per vector (float32 blobs, so similarities are exact) and return them."""
    prompts = [
        r.Prompt(
            content=contents[i] if contents else f"prompt number {i}",
            phase=fields.get("phase", "solutio"),
            provider=fields.get("provider", "local"),
            model=fields.get("model", "alchemy-local"),
            **{k: v for k, v in fields.items() if k not in ("phase", "provider", "model")},
        )
        for i in range(len(vectors))
    ]
    store.add_prompts(prompts)
    embed(store, prompts, vectors, emb_model)
    return prompts


def embed(
    store: Store, prompts: Sequence[r.Prompt], vectors: np.ndarray, model: str = MODEL
) -> None:
    blobs = encode_many(vectors, dtype="float32")
    store._upsert_embeddings(
        [
            r.EmbeddingRecord(prompt_id=p.id, model=model, dimensions=vectors.shape[1], embedding=b)
            for p, b in zip(prompts, blobs, strict=True)
        ]
    )


def brute(vectors: np.ndarray, q: np.ndarray) -> np.ndarray:
    return vectors @ (q / np.linalg.norm(q))


# -- ranking ---------------------------------------------------------------------------------


def test_semantic_top_k_matches_numpy(store: Store) -> None:
    rng = np.random.default_rng(1)
    vecs = unit(rng, 300)
    prompts = add(store, vecs)
    q = rng.standard_normal(DIMS).astype(np.float32)
    res = S.search(store, q, model=MODEL, k=7)
    sims = brute(vecs, q)
    order = np.argsort(-sims)[:7]
    assert res.ids == [prompts[i].id for i in order]
    assert [h.rank for h in res] == list(range(1, 8))
    assert np.allclose([h.similarity for h in res], sims[order], atol=1e-5)
    assert [h.score for h in res] == [h.similarity for h in res]


@pytest.mark.parametrize("threshold", [-0.2, 0.0, 0.25, 0.5])
def test_min_similarity_is_exact_radius(store: Store, threshold: float) -> None:
    rng = np.random.default_rng(2)
    vecs = unit(rng, 400, d=4)  # low dims: many rows on both sides of the threshold
    prompts = add(store, vecs)
    q = unit(rng, 1, d=4)[0]
    sims = brute(vecs, q)
    assert np.abs(sims - threshold).min() > 1e-4  # no row sits on the boundary
    index = get_index(store, MODEL)
    got = index.query(q, k=1000, min_similarity=threshold)[0]
    want = [prompts[i].id for i in np.argsort(-sims) if sims[i] >= threshold]
    assert [pid for pid, _ in got] == want
    assert all(s >= threshold for _, s in got)
    res = S.search(store, q, model=MODEL, k=5, min_similarity=threshold)
    assert res.ids == want[:5]


def test_min_similarity_can_return_nothing(store: Store) -> None:
    rng = np.random.default_rng(3)
    vecs = unit(rng, 50)
    add(store, vecs)
    res = S.search(store, -vecs[0], model=MODEL, k=5, min_similarity=0.99)
    assert len(res) == 0


def test_dimension_mismatch_and_zero_query(store: Store) -> None:
    add(store, unit(np.random.default_rng(4), 10))
    with pytest.raises(DimensionMismatchError):
        S.search(store, np.ones(DIMS + 1), model=MODEL)
    with pytest.raises(ValidationError, match="zeros"):
        S.search(store, np.zeros(DIMS), model=MODEL)
    with pytest.raises(ValidationError, match="NaN"):
        S.search(store, np.full(DIMS, np.nan), model=MODEL)
    assert len(S.search(store, np.ones((1, DIMS)), model=MODEL, k=3)) == 3  # a (1, d) row works


def test_models_are_kept_apart(store: Store) -> None:
    rng = np.random.default_rng(5)
    a = add(store, unit(rng, 5), emb_model="model-a")
    b = add(store, unit(rng, 5, d=8), emb_model="model-b")
    res = S.search(store, np.ones(8), model="model-b", k=10)
    assert set(res.ids) == {p.id for p in b}
    assert not set(res.ids) & {p.id for p in a}


def test_similar_to_excludes_itself(store: Store) -> None:
    rng = np.random.default_rng(6)
    vecs = unit(rng, 40)
    prompts = add(store, vecs)
    res = S.similar_to(store, prompts[3].id[:8], k=5)  # an id prefix works too
    assert prompts[3].id not in res.ids
    sims = vecs @ vecs[3]
    sims[3] = -9
    assert res.ids == [prompts[i].id for i in np.argsort(-sims)[:5]]
    row = S.history(store, 1)[0]
    assert row.query == f"similar:{prompts[3].id}"
    assert row.search_type == "semantic"
    assert row.filters["mode"] == "similar" and row.results == res.ids


# -- filters ---------------------------------------------------------------------------------


@pytest.fixture
def varied(store: Store) -> dict[str, r.Prompt]:
    """Six prompts that each differ in one filterable field, all embedded and all 'apple'."""
    req = r.Request(input="idea")
    store._create_request(req)
    specs: dict[str, dict[str, Any]] = {
        "base": {},
        "phase": {"phase": "coagulatio"},
        "provider": {"provider": "openai", "model": "gpt-4o-mini"},
        "persona": {"persona": "poet", "score": 0.9},
        "old": {"created_at": "2020-01-01T00:00:00.000Z"},
        "req": {"request_id": req.id, "score": 0.2},
    }
    rng = np.random.default_rng(7)
    out = {}
    for name, fields in specs.items():
        (p,) = add(store, unit(rng, 1), [f"apple {name}"], **fields)
        out[name] = p
    store.add_tags(out["base"].id, ["red", "fruit"])
    store.add_tags(out["phase"].id, ["red"])
    return out


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"phase": "coagulatio"}, {"phase"}),
        ({"provider": "openai"}, {"provider"}),
        ({"prompt_model": "gpt-4o-mini"}, {"provider"}),
        ({"persona": "poet"}, {"persona"}),
        ({"tags": ["red", "fruit"]}, {"base", "phase"}),
        ({"tags": ["red", "fruit"], "tags_mode": "all"}, {"base"}),
        ({"created_to": "2021-01-01"}, {"old"}),
        ({"created_from": "2021-01-01"}, {"base", "phase", "provider", "persona", "req"}),
        ({"min_score": 0.5}, {"persona"}),
        (
            {"phase": ["coagulatio", "solutio"], "provider": "local", "min_score": 0.1},
            {"req", "persona"},
        ),
    ],
)
@pytest.mark.parametrize("mode", ["semantic", "text", "hybrid"])
def test_each_filter_applies_before_ranking(
    store: Store,
    varied: dict[str, r.Prompt],
    filters: dict[str, Any],
    expected: set[str],
    mode: str,
) -> None:
    query: Any = np.ones(DIMS) if mode == "semantic" else "apple"
    kwargs: dict[str, Any] = {"model": MODEL} if mode != "text" else {}
    if mode == "hybrid":
        pytest.importorskip("sklearn")
        kwargs = {"model": "alchemy-lexical"}  # text query embedded by the fast lexical model
        embed(
            store, list(varied.values()), unit(np.random.default_rng(8), 6, 1024), "alchemy-lexical"
        )
    # k=1 with filters must still find the filtered prompt: filtering happens before top-k.
    res = S.search(store, query, mode=mode, k=len(expected), **kwargs, **filters)
    names = {n for n, p in varied.items() if p.id in res.ids}
    assert names == expected
    assert S.history(store, 1)[0].filters["k"] == len(expected)


def test_request_id_filter(store: Store, varied: dict[str, r.Prompt]) -> None:
    res = S.search(store, "apple", mode="text", request_id=varied["req"].request_id)
    assert res.ids == [varied["req"].id]


def test_request_status_hides_failed_runs_and_says_how_many(store: Store) -> None:
    rng = np.random.default_rng(5)
    done = store._create_request(r.Request(input="a", status="completed", completed_at=r.now()))
    failed = store._create_request(r.Request(input="b", status="failed", completed_at=r.now()))
    kept = add(store, unit(rng, 2), ["apple pie", "apple tart"], request_id=done.id)
    hidden = add(store, unit(rng, 3), ["apple jam", "apple cake", "cider"], request_id=failed.id)
    kept += add(store, unit(rng, 1), ["apple juice"])  # no request at all: nothing to hide
    note = "3 prompt(s) of requests that are not completed were hidden"
    res = S.search(store, "apple", mode="text", k=10, request_status="completed")
    assert set(res.ids) == {p.id for p in kept} and res.note == note
    assert S.history(store, 1)[0].filters["request_status"] == ["completed"]
    res = S.search(store, unit(rng, 1)[0], model=MODEL, k=10, request_status=["completed"])
    assert set(res.ids) == {p.id for p in kept} and res.note == note
    like = S.similar_to(store, kept[0].id, k=10, request_status="completed")
    assert {p.id for p in hidden}.isdisjoint(like.ids) and like.note == note
    everything = S.search(store, "apple", mode="text", k=10)
    assert len(everything) == 5 and everything.note is None
    with pytest.raises(ValidationError, match="request status"):
        S.search(store, "apple", mode="text", request_status="done")


def test_bad_filters_are_rejected(store: Store) -> None:
    with pytest.raises(ValidationError, match="phase"):
        S.search(store, "x", mode="text", phase="boiling")
    with pytest.raises(ValidationError, match="provider"):
        S.search(store, "x", mode="text", provider="acme")
    with pytest.raises(ValidationError, match="tags_mode"):
        S.search(store, "x", mode="text", tags="a", tags_mode="some")
    with pytest.raises(ValidationError, match="timestamp"):
        S.search(store, "x", mode="text", created_from="yesterday")
    with pytest.raises(TypeError):
        S.search(store, "x", mode="text", colour="red")


# -- incremental index -----------------------------------------------------------------------


def test_added_rows_are_seen_without_rebuild(store: Store) -> None:
    rng = np.random.default_rng(9)
    add(store, unit(rng, 20))
    index = get_index(store, MODEL)
    assert (index.builds, len(index)) == (1, 20)
    new = unit(rng, 3)
    fresh = add(store, new)
    res = S.search(store, new[1], model=MODEL, k=1)
    assert res.ids == [fresh[1].id]
    assert get_index(store, MODEL) is index
    assert (index.builds, len(index)) == (1, 23)
    assert index.refreshes >= 2


def test_reembedded_prompt_replaces_its_row(store: Store) -> None:
    rng = np.random.default_rng(10)
    vecs = unit(rng, 30)
    prompts = add(store, vecs)
    index = get_index(store, MODEL)
    target = -vecs[5]  # far from its old vector
    embed(store, [prompts[5]], target[None, :])
    res = S.search(store, target, model=MODEL, k=1)
    assert res.ids == [prompts[5].id]
    assert res[0].similarity == pytest.approx(1.0, abs=1e-6)
    assert (index.builds, len(index)) == (1, 30)
    # Its old vector is gone: searching for it no longer finds prompt 5 at similarity 1.
    old = S.search(store, vecs[5], model=MODEL, k=1)
    assert old.ids != [prompts[5].id]


def test_deleted_and_remodelled_prompts_leave_the_index(store: Store) -> None:
    rng = np.random.default_rng(11)
    vecs = unit(rng, 10)
    prompts = add(store, vecs)
    index = get_index(store, MODEL)
    store.delete_prompt(prompts[2].id)
    embed(store, [prompts[4]], unit(rng, 1), model="another-model")
    res = S.search(store, vecs[2], model=MODEL, k=10)
    assert prompts[2].id not in res.ids and prompts[4].id not in res.ids
    assert (index.builds, len(index)) == (1, 8)
    assert S.similar_to(store, prompts[6].id, k=10).ids[0] != prompts[6].id


def test_reused_rowid_after_deleting_the_last_row_is_seen(store: Store) -> None:
    rng = np.random.default_rng(23)
    prompts = add(store, unit(rng, 5))
    index = get_index(store, MODEL)
    store.delete_prompt(prompts[-1].id)  # frees the largest rowid, which SQLite hands out again
    get_index(store, MODEL)
    vec = unit(rng, 1)
    (fresh,) = add(store, vec)
    res = S.search(store, vec[0], model=MODEL, k=1)
    assert res.ids == [fresh.id]
    assert (index.builds, len(index)) == (1, 5)


def test_changes_from_another_connection_are_seen(store: Store, tmp_path: Any) -> None:
    rng = np.random.default_rng(12)
    vecs = unit(rng, 10)
    prompts = add(store, vecs)
    index = get_index(store, MODEL)
    other = open_store(tmp_path / "search.db")
    try:
        other.delete_prompt(prompts[0].id)
        moved = -vecs[1]
        embed(other, [prompts[1]], moved[None, :])
        fresh = add(other, unit(rng, 2))
    finally:
        other.close()
    res = S.search(store, moved, model=MODEL, k=20)
    assert res.ids[0] == prompts[1].id and res[0].similarity == pytest.approx(1.0, abs=1e-6)
    assert prompts[0].id not in res.ids
    assert {p.id for p in fresh} <= set(res.ids)
    assert (index.builds, len(index)) == (1, 11)


def test_one_index_serves_every_thread_of_a_store(store: Store) -> None:
    """Each thread has its own connection: changes made on either side are seen on the other."""
    from concurrent.futures import ThreadPoolExecutor

    rng = np.random.default_rng(14)
    vecs = unit(rng, 10)
    prompts = add(store, vecs)
    index = get_index(store, MODEL)
    moved = -vecs[3]
    with ThreadPoolExecutor(1) as pool:
        # Another thread re-embeds one prompt, deletes one and searches: it sees its own changes.
        def elsewhere() -> list[str]:
            embed(store, [prompts[3]], moved[None, :])
            store.delete_prompt(prompts[4].id)
            return S.search(store, moved, model=MODEL, k=20).ids

        there = pool.submit(elsewhere).result()
        assert there[0] == prompts[3].id and prompts[4].id not in there
        # This thread sees them too, and its own delete is seen over there.
        here = S.search(store, moved, model=MODEL, k=20).ids
        assert here == there
        store.delete_prompt(prompts[5].id)
        assert prompts[5].id not in pool.submit(lambda: get_index(store, MODEL).prompt_ids).result()
    assert (index.builds, len(index)) == (1, 8)


def test_index_cache_is_per_store(store: Store, tmp_path: Any) -> None:
    add(store, unit(np.random.default_rng(13), 3))
    assert get_index(store, MODEL) is get_index(store, MODEL)
    other = open_store(tmp_path / "search.db")
    try:
        assert get_index(other, MODEL) is not get_index(store, MODEL)
    finally:
        other.close()


def test_no_embeddings_gives_empty_result_with_note(store: Store) -> None:
    add(store, unit(np.random.default_rng(14), 3))
    res = S.search(store, np.ones(8), model="never-used", k=3)
    assert len(res) == 0 and res.note and "never-used" in res.note
    row = S.history(store, 1)[0]
    assert (row.result_count, row.results, row.search_type) == (0, [], "semantic")


def test_vector_index_query_batch(store: Store) -> None:
    rng = np.random.default_rng(15)
    vecs = unit(rng, 100)
    prompts = add(store, vecs)
    index = VectorIndex(store, MODEL)
    index.build()
    queries = unit(rng, 20)  # more than the single-thread cut-off
    out = index.query(queries, k=3)
    for q, hits in zip(queries, out, strict=True):
        assert [p for p, _ in hits] == [prompts[i].id for i in np.argsort(-(vecs @ q))[:3]]


# -- full-text search ------------------------------------------------------------------------


# -- hybrid ----------------------------------------------------------------------------------


def test_hybrid_scores_every_candidate_by_both_rankings(store: Store) -> None:
    contents = [
        "crystal clear prompt for summarising reports",
        "summarising reports quickly",
        "a recipe for apple pie",
        "summarising meeting notes into reports",
        "clear instructions for code review",
    ]
    from alchemy_kit.search.embeddings import embed_texts

    prompts = add(store, unit(np.random.default_rng(20), 5), contents)
    mat, used = embed_texts(contents, model_id="alchemy-lexical")
    embed(store, prompts, mat, used)
    query = "summarising reports"
    res = S.search(store, query, mode="hybrid", k=5, model=used)
    text = {h.prompt_id: h.score for h in S.search(store, query, mode="text", k=50)}
    sem = {h.prompt_id: h.score for h in S.search(store, query, mode="semantic", k=50, model=used)}
    best = max(text.values())
    expected = {
        pid: TEXT_WEIGHT * text.get(pid, 0.0) / best + (1 - TEXT_WEIGHT) * sem[pid] for pid in sem
    }
    assert res.ids == sorted(expected, key=lambda pid: -expected[pid])
    assert [h.score for h in res] == pytest.approx(sorted(expected.values(), reverse=True))
    assert all(h.similarity == pytest.approx(sem[h.prompt_id]) for h in res)
    # snippets for hits holding a searched word, None for the others; content always in full
    by_id = {h.prompt_id: h for h in res}
    assert by_id[prompts[1].id].snippet == "**summarising** **reports** quickly"
    assert by_id[prompts[2].id].snippet is None
    assert all(
        h.content == contents[prompts.index(p)] for p in prompts for h in res if h.prompt_id == p.id
    )
    row = S.history(store, 3)[2]
    assert (row.search_type, row.filters["mode"], row.results) == ("semantic", "hybrid", res.ids)


def test_hits_keep_full_content_and_a_separate_snippet(store: Store) -> None:
    long = "Plan a product launch. " * 20 + "Mention the budget spreadsheet once."
    prompts = add(store, unit(np.random.default_rng(32), 2), [long, "A haiku about the sea"])
    res = S.search(store, "budget", mode="text")
    hit = res[0]
    assert hit.prompt_id == prompts[0].id and hit.content == long
    assert hit.snippet is not None and "**budget**" in hit.snippet and len(hit.snippet) < 200
    data = res.as_dict()
    assert data["hits"][0]["content"] == long and data["hits"][0]["snippet"] == hit.snippet
    assert data["words"] == ["budget"]
    sem = S.search(store, np.ones(DIMS), mode="semantic").as_dict()
    assert all("snippet" not in h and h["content"] for h in sem["hits"])
    html_page = views.search_html(res)
    assert (
        "<mark>budget</mark>" in html_page and ">match<" in html_page and ">content<" in html_page
    )
    md = views.hit_markdown(hit)
    assert "Plan a product launch" in md and "match: " in md and "**budget**" in md


# -- history and validation ------------------------------------------------------------------


def test_history_rows_for_each_mode(store: Store) -> None:
    prompts = add(store, unit(np.random.default_rng(21), 5), ["apple"] * 5)
    sem = S.search(store, np.ones(DIMS), model=MODEL, k=2, min_similarity=-1.0, phase="solutio")
    txt = S.search(store, "apple", mode="text", k=3, tags=["x"])
    rows = S.history(store, 2)
    assert [rw.search_type for rw in rows] == ["text", "semantic"]
    t, s = rows
    assert (t.query, t.result_count, t.results, t.min_similarity) == ("apple", 0, [], None)
    assert t.filters == {"k": 3, "mode": "text", "tags": ["x"], "tags_mode": "any"}
    assert s.query == f"<vector {DIMS}d>"
    assert (s.result_count, s.results, s.min_similarity) == (2, sem.ids, -1.0)
    assert s.filters == {"k": 2, "mode": "semantic", "phase": ["solutio"], "embedding_model": MODEL}
    assert set(sem.ids) <= {p.id for p in prompts} and txt.ids == []


@pytest.mark.parametrize("k", [0, -1, 1001, 2.5, True, "3"])
def test_k_is_validated(store: Store, k: Any) -> None:
    with pytest.raises(ValidationError, match="k must"):
        S.search(store, "apple", mode="text", k=k)
    with pytest.raises(ValidationError, match="k must"):
        S.similar_to(store, r.new_id(), k=k)


@pytest.mark.parametrize("value", [-1.01, 1.5, float("nan"), "0.5"])
def test_min_similarity_is_validated(store: Store, value: Any) -> None:
    with pytest.raises(ValidationError, match="min_similarity"):
        S.search(store, np.ones(DIMS), model=MODEL, min_similarity=value)


def test_mode_and_query_type_are_validated(store: Store) -> None:
    with pytest.raises(ValidationError, match="mode"):
        S.search(store, "x", mode="fuzzy")
    with pytest.raises(ValidationError, match="query text"):
        S.search(store, np.ones(DIMS), mode="text")
    with pytest.raises(ValidationError, match="min_similarity"):
        S.search(store, "x", mode="text", min_similarity=0.5)
    assert S.history(store) == []


def test_result_rendering_escapes_html(store: Store) -> None:
    add(store, unit(np.random.default_rng(22), 1), ["<script>alert(1)</script> apple"])
    res = S.search(store, "apple", mode="text")
    page = views.search_html(res)
    assert "<script>" not in page and "&lt;script&gt;" in page and "<mark>apple</mark>" in page
    assert "apple" in views.search_markdown(res) and "<script>" not in views.hit_html(res[0])
    df = res.to_dataframe()
    assert list(df["prompt_id"]) == res.ids and "snippet" in df.columns


def test_real_minilm_query_finds_paraphrase(store: Store) -> None:
    from alchemy_kit.search.embeddings import DEFAULT_EMBEDDING_MODEL, embed_texts

    contents = ["Summarise this quarterly financial report", "Write a haiku about autumn leaves"]
    try:
        mat, used = embed_texts(contents, model_id=DEFAULT_EMBEDDING_MODEL)
    except EmbeddingError as exc:
        pytest.skip(f"MiniLM unavailable: {exc}")
    prompts = add(store, mat, contents, emb_model=used)
    res = S.search(store, "a short poem on fall foliage", model=used, k=1)
    assert res.ids == [prompts[1].id]


def test_single_batch_and_fallback_queries_agree(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from alchemy_kit.search import knn

    rng = np.random.default_rng(24)
    vecs = unit(rng, 301)
    prompts = add(store, vecs)
    index = get_index(store, MODEL)
    queries = unit(rng, 12)  # more than SINGLE_THREAD_MAX_QUERIES: a batch on every thread
    want = [[prompts[i].id for i in np.argsort(-(vecs @ q))[:10]] for q in queries]
    assert [[p for p, _ in hits] for hits in index.query(queries, 10)] == want
    assert [p for p, _ in index.query(queries[:1], 10)[0]] == want[0]  # one query, one thread
    engine = knn._sklearn()
    monkeypatch.setattr(engine, "argkmin", None)  # the public NearestNeighbors answers
    monkeypatch.setattr(engine, "radius", None)
    assert [[p for p, _ in hits] for hits in index.query(queries, 10)] == want
    q = queries[0]
    within = index.query(q, 1000, min_similarity=0.1)[0]
    order = np.argsort(-(vecs @ q))
    assert [p for p, _ in within] == [prompts[i].id for i in order if vecs[i] @ q >= 0.1]


def test_numpy_single_queries_give_the_same_exact_answer(store: Store) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from alchemy_kit.search import knn

    rng = np.random.default_rng(25)
    vecs = unit(rng, 500)
    prompts = add(store, vecs, phase="coagulatio")
    q = unit(rng, 1)
    index = get_index(store, MODEL)
    by_sklearn = index.query(q, 10)[0]
    filtered_sklearn = S.search(store, q[0], k=5, model=MODEL, phase="coagulatio").ids
    with knn.numpy_for_single_queries():
        by_numpy = index.query(q, 10)[0]
        assert index.query(q, 600)[0] == index.query(q, 500)[0]  # k above the row count
        assert S.search(store, q[0], k=5, model=MODEL, phase="coagulatio").ids == filtered_sklearn
        assert [p for p, _ in index.query(q, 3, exclude=[by_sklearn[0][0]])[0]] == [
            p for p, _ in by_sklearn[1:4]
        ]
        with ThreadPoolExecutor(1) as pool:  # a ContextVar: another thread keeps the default
            assert pool.submit(knn._numpy_single.get).result() is False
    assert [p for p, _ in by_numpy] == [p for p, _ in by_sklearn]
    assert np.allclose([s for _, s in by_numpy], [s for _, s in by_sklearn], atol=1e-6)
    want = [prompts[i].id for i in np.argsort(-(vecs @ q[0]))[:10]]
    assert [p for p, _ in by_numpy] == want
    assert knn._numpy_single.get() is False  # the block restored the default


def test_searches_commit_and_leave_no_transaction_open(store: Store, tmp_path: Any) -> None:
    prompts = add(store, unit(np.random.default_rng(25), 4), ["apple"] * 4)
    get_index(store, MODEL)
    embed(store, prompts[:1], unit(np.random.default_rng(26), 1))  # logged by the TEMP trigger
    S.search(store, np.ones(DIMS), model=MODEL)
    S.search(store, "apple", mode="text")
    S.similar_to(store, prompts[1].id)
    assert not store.db.conn.in_transaction
    other = open_store(tmp_path / "search.db")
    try:
        assert other.counts()["search_history"] == 3  # committed, visible to other readers
        other.delete_prompt(prompts[3].id)  # and the write lock is free
    finally:
        other.close()
