"""Tests for alchemy_kit.search.embeddings: MiniLM, the lexical fallback, llm integration."""

from __future__ import annotations

import json
import time
from pathlib import Path

import llm
import numpy as np
import pytest
from helpers import loaded_by

from alchemy_kit.errors import (
    EmbeddingError,
    MissingKeyError,
    UnknownModelError,
    ValidationError,
)
from alchemy_kit.search import embeddings as E

PARAPHRASES = Path(__file__).resolve().parent.parent / "data" / "paraphrases.jsonl"


@pytest.fixture(scope="module")
def minilm() -> E.MiniLMEmbedder:
    """One loaded MiniLM for the whole module, shared with embed_texts through the cache."""
    embedder = E.get_embedder(E.DEFAULT_EMBEDDING_MODEL)
    assert isinstance(embedder, E.MiniLMEmbedder)
    return embedder


@pytest.fixture
def fresh_cache(monkeypatch):
    """An empty embedder cache for one test; the module's loaded MiniLM comes back afterwards."""
    monkeypatch.setattr(E, "_embedders", {})
    monkeypatch.setattr(E, "_minilm_failure", None)


# --------------------------------------------------------------------------------------------
# MiniLM
# --------------------------------------------------------------------------------------------


def test_import_is_light_and_construction_is_lazy():
    code = "import alchemy_kit.search.embeddings as E; assert not E.MiniLMEmbedder().loaded"
    assert loaded_by(code, ["llm", "onnxruntime", "tokenizers", "sklearn"]) == []


def test_vendored_tokenizer_matches_bert_ids():
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(E.TOKENIZER_PATH))
    tok.no_padding()
    # The bert-base-uncased WordPiece ids MiniLM was trained with.
    assert tok.encode("Hello world").ids == [101, 7592, 2088, 102]
    assert E.TOKENIZER_PATH.with_name("LICENSE").read_text().startswith(" " * 33 + "Apache")


def test_minilm_vectors_are_384_unit_and_deterministic(minilm):
    texts = ["Write a Python function that parses dates.", "", "   ", "naïve café 日本語 🙂"]
    first = minilm.embed(texts)
    assert first.shape == (4, 384)
    assert first.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(first, minilm.embed(texts))


def test_minilm_matches_published_similarities(minilm):
    # sentence-transformers' quickstart prints 0.6660 / 0.1046 / 0.1411 for all-MiniLM-L6-v2 (fp32).
    vecs = minilm.embed(
        ["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."]
    )
    sims = vecs @ vecs.T
    assert sims[0, 1] == pytest.approx(0.6660, abs=0.01)
    assert sims[0, 2] == pytest.approx(0.1046, abs=0.01)
    assert sims[1, 2] == pytest.approx(0.1411, abs=0.01)


def test_batching_matches_one_by_one(minilm):
    texts = [json.loads(line)["idea"] for line in PARAPHRASES.read_text().splitlines()[:12]]
    batched = minilm.embed(texts, batch_size=5)
    single = np.vstack([minilm.embed([t], batch_size=1) for t in texts])
    np.testing.assert_allclose(batched, single, atol=1e-5)


def test_long_text_is_truncated_at_256_tokens(minilm):
    long = " ".join(f"word{i}" for i in range(3000))
    a, b = minilm.embed([long, long + " and a completely different ending about volcanoes"])
    # Both are cut at the same 256 tokens, so the tail cannot change the vector.
    np.testing.assert_allclose(a, b, atol=1e-6)


def test_semantic_sanity(minilm):
    idea, para, other = minilm.embed(
        [
            "Write a Python function that reverses a string.",
            "Create Python code to flip the order of characters in some text.",
            "The recipe needs two cups of flour and an egg.",
        ]
    )
    assert idea @ para > idea @ other + 0.3


def test_embed_texts_default_uses_minilm(minilm):
    mat, model_id = E.embed_texts(["hello world", "hello world"])
    assert model_id == E.DEFAULT_EMBEDDING_MODEL
    np.testing.assert_allclose(mat, minilm.embed(["hello world"] * 2), atol=1e-6)
    empty, _ = E.embed_texts([])
    assert empty.shape == (0, 384)
    with pytest.raises(ValidationError, match="not one string"):
        E.embed_texts("hello")  # type: ignore[arg-type]


def test_sha_mismatch_raises_embedding_error():
    with pytest.raises(EmbeddingError, match="sha256"):
        E.MiniLMEmbedder(sha256="0" * 64).load()
    with pytest.raises(EmbeddingError, match="not found"):
        E.MiniLMEmbedder(model_path="/nonexistent/model.onnx").load()


# --------------------------------------------------------------------------------------------
# Lexical fallback
# --------------------------------------------------------------------------------------------


def test_lexical_is_deterministic_and_normalised():
    texts = ["summarise a legal contract", "summarise the legal agreement", "", "buy fresh bread"]
    a = E.LexicalEmbedder().embed(texts)
    b = E.LexicalEmbedder().embed(texts)
    assert a.shape == (4, E.LEXICAL_DIMS)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(np.linalg.norm(a[[0, 1, 3]], axis=1), 1.0, atol=1e-6)
    assert not a[2].any()  # empty text has no n-grams
    assert a[0] @ a[1] > a[0] @ a[3] + 0.3  # shared words count
    mat, model_id = E.embed_texts(texts, model_id=E.LEXICAL_MODEL)
    assert model_id == E.LEXICAL_MODEL
    np.testing.assert_array_equal(mat, a)


def test_fallback_warns_and_uses_lexical(fresh_cache, monkeypatch):
    calls = []

    def broken() -> E.Embedder:
        calls.append(1)
        raise EmbeddingError("onnxruntime is broken")

    monkeypatch.setattr(E, "_load_minilm", broken)
    with pytest.warns(E.EmbeddingFallbackWarning, match="onnxruntime is broken"):
        mat, model_id = E.embed_texts(["a prompt about contracts"])
    assert model_id == E.LEXICAL_MODEL
    np.testing.assert_array_equal(mat, E.LexicalEmbedder().embed(["a prompt about contracts"]))
    with pytest.warns(E.EmbeddingFallbackWarning):
        E.embed_texts(["again"])
    assert len(calls) == 1  # the failure is remembered, not retried per call
    # Asking for MiniLM by name never falls back silently.
    with pytest.raises(EmbeddingError, match="broken"):
        E.embed_texts(["x"], model_id=E.DEFAULT_EMBEDDING_MODEL)


def test_cache_loads_once_across_threads(fresh_cache, monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    loads = []

    def slow_loader() -> E.Embedder:
        loads.append(1)
        time.sleep(0.05)
        return E.LexicalEmbedder(dims=8)

    monkeypatch.setattr(E, "_load_minilm", slow_loader)
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda _: E.get_embedder(), range(8)))
    assert len(loads) == 1
    assert all(g is got[0] for g in got)


def test_paraphrase_top1_accuracy(minilm, capsys):
    rows = [json.loads(line) for line in PARAPHRASES.read_text().splitlines()]
    assert len(rows) >= 30
    ideas = [r["idea"] for r in rows]

    n = len(rows)
    texts = ideas + [r[k] for k in ("paraphrase", "decoy", "hard_decoy") for r in rows]
    scores = {}
    for name, embedder in (("minilm", minilm), ("lexical", E.LexicalEmbedder())):
        vecs = embedder.embed(texts)
        idea_vecs, paraphrases, decoys, hard = (
            vecs[:n],
            vecs[n : 2 * n],
            vecs[2 * n : 3 * n],
            vecs[3 * n :],
        )
        for decoy, decoy_vecs in (("decoy", decoys), ("hard_decoy", hard)):
            # Row i is a hit when its own paraphrase beats every paraphrase and decoy in the pool.
            sims = idea_vecs @ np.vstack([paraphrases, decoy_vecs]).T
            scores[name, decoy] = float(np.mean(sims.argmax(axis=1) == np.arange(n)))
    with capsys.disabled():
        print(f"\nparaphrase top-1 accuracy ({len(rows)} rows): {scores}")
    assert scores["minilm", "decoy"] >= 0.8
    assert scores["minilm", "decoy"] > scores["lexical", "decoy"]


# --------------------------------------------------------------------------------------------
# llm integration
# --------------------------------------------------------------------------------------------


class FakeRemoteEmbedding(llm.EmbeddingModel):
    """A third-party model returning unnormalised vectors."""

    model_id = "fake-remote-embed"

    def embed_batch(self, items, *, key=None):
        return ([float(len(str(i))), 1.0] for i in items)


class _Plugin:
    @llm.hookimpl
    def register_embedding_models(self, register):
        register(E.MiniLMEmbedding())
        register(E.LexicalEmbedding())
        register(FakeRemoteEmbedding())


@pytest.fixture
def llm_plugin():
    """Register our embedding models with llm the way alchemy_kit.search.embedders_plugin does."""
    name = "alchemy-test-embeddings"
    llm.pm.register(_Plugin(), name=name)
    yield
    llm.pm.unregister(name=name)


def test_models_through_llm_api(llm_plugin, minilm):
    model = llm.get_embedding_model(E.DEFAULT_EMBEDDING_MODEL)
    assert isinstance(model, E.MiniLMEmbedding)
    vec = model.embed("x")
    assert len(vec) == 384
    np.testing.assert_allclose(vec, minilm.embed(["x"])[0], atol=1e-6)
    lexical = llm.get_embedding_model(E.LEXICAL_MODEL)
    rows = list(lexical.embed_multi(["a b", "c d", "e f"], batch_size=2))
    np.testing.assert_allclose(rows, E.LexicalEmbedder().embed(["a b", "c d", "e f"]), atol=1e-7)


def test_embed_texts_through_other_llm_models(llm_plugin):
    mat, model_id = E.embed_texts(["abc", "abcdefg"], model_id="fake-remote-embed")
    assert model_id == "fake-remote-embed"
    np.testing.assert_allclose(mat[0], np.array([3.0, 1.0]) / np.sqrt(10), atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(mat, axis=1), 1.0, atol=1e-6)
    with pytest.raises(UnknownModelError, match="no-such-model"):
        E.embed_texts(["x"], model_id="no-such-model")


def test_openai_embeddings_with_mocked_http(httpx2_mock, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-dummy")
    httpx2_mock.add_response(
        url="https://api.openai.com/v1/embeddings",
        json={
            "object": "list",
            "model": "text-embedding-3-small",
            "data": [
                {"object": "embedding", "index": 0, "embedding": [3.0, 4.0, 0.0]},
                {"object": "embedding", "index": 1, "embedding": [0.0, 0.0, 2.0]},
            ],
            "usage": {"prompt_tokens": 4, "total_tokens": 4},
        },
    )
    mat, model_id = E.embed_texts(["first", "second"], model_id="3-small")
    assert model_id == "text-embedding-3-small"
    np.testing.assert_allclose(mat, [[0.6, 0.8, 0.0], [0.0, 0.0, 1.0]], atol=1e-6)
    body = json.loads(httpx2_mock.get_requests()[0].content)
    assert body["model"] == "text-embedding-3-small"
    assert body["input"] == ["first", "second"]


def test_openai_embeddings_errors(httpx2_mock, monkeypatch):
    with pytest.raises(MissingKeyError):
        E.embed_texts(["x"], model_id="3-small")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-dummy")
    httpx2_mock.add_response(
        url="https://api.openai.com/v1/embeddings",
        status_code=401,
        headers={"x-should-retry": "false"},
        json={"error": {"message": "Incorrect API key", "type": "invalid_request_error"}},
    )
    with pytest.raises(EmbeddingError, match="Incorrect API key") as info:
        E.embed_texts(["x"], model_id="3-small")
    assert "sk-test-dummy" not in str(info.value)


def test_length_batches_group_similar_lengths_within_a_size():
    lengths = [300, 10, 120, 100, 5, 900, 110, 950, 40, 45]
    batches = list(E.length_batches(lengths, batch_size=3, spread=1.25, max_chars=1800))
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))
    flat = [lengths[i] for b in batches for i in b]
    assert flat == sorted(lengths)  # one pass, shortest first
    for b in batches:
        assert len(b) <= 3
        assert lengths[b[-1]] <= 1.25 * max(lengths[b[0]], 32)  # little padding
        assert len(b) * lengths[b[-1]] <= 1800 or len(b) == 1
    assert [[lengths[i] for i in b] for b in batches] == [
        [5, 10, 40],  # short texts count as 32, and 40 <= 1.25 * 32
        [45],  # the batch above was full
        [100, 110, 120],
        [300],
        [900],  # 950 is within the spread, but 2 * 950 > 1,800 characters
        [950],
    ]


def test_embed_prompts_is_one_length_sorted_pass(tmp_path, monkeypatch):
    from alchemy_kit import records as r
    from alchemy_kit.search import vectors
    from alchemy_kit.store import open_store

    seen: list[str] = []
    real = E.embed_texts

    def recording(texts, model_id=None, batch_size=32):
        seen.extend(texts)
        return real(texts, model_id, batch_size)

    monkeypatch.setattr(E, "embed_texts", recording)
    store = open_store(tmp_path / "v.db")
    texts = ["medium length text", "a", "the longest text of them all by far", "tiny", "mid"]
    prompts = [r.Prompt(content=t, phase="solutio", provider="local", model="m") for t in texts]
    store.add_prompts(prompts)
    report = vectors.embed_prompts(store, prompts, model_id=E.LEXICAL_MODEL, batch_size=2)
    assert report.embedded == 5 and seen == sorted(texts, key=len)
    assert store.search_sql.embedding_count(E.LEXICAL_MODEL) == 5


def test_embedding_reads_a_bounded_prefix_and_the_prompt_says_so(tmp_path, minilm, monkeypatch):
    """A huge prompt is embedded from its first MAX_EMBED_CHARS characters, never tokenised whole."""
    from alchemy_kit import records as r
    from alchemy_kit.search import vectors
    from alchemy_kit.store import open_store

    long = "blood pressure in adults " * 50_000  # 1.25 MB
    assert E.embed_prefix(long) == long[: E.MAX_EMBED_CHARS]
    # Leading blank pages do not eat the window: whitespace runs collapse before the cut.
    padded = "\n" * 100_000 + long
    assert E.embed_prefix(padded).startswith("blood pressure")
    np.testing.assert_allclose(minilm.embed([long]), minilm.embed([long[:20_000]]), atol=1e-6)
    seen: list[int] = []
    real = minilm._embed_batch
    monkeypatch.setattr(
        minilm, "_embed_batch", lambda texts: seen.extend(map(len, texts)) or real(texts)
    )
    minilm.forget_recent()
    minilm.embed([long + "x"])
    assert seen == [E.MAX_EMBED_CHARS]
    store = open_store(tmp_path / "v.db")
    short, huge = (
        r.Prompt(content=c, phase="solutio", provider="local", model="m") for c in ("short", long)
    )
    store.add_prompts([short, huge])
    vectors.embed_prompts(store, [short, huge], model_id=E.LEXICAL_MODEL)
    note = store.get_prompt(huge.id).metadata["embedding_truncated"]
    assert note == {
        "model": E.LEXICAL_MODEL,
        "embedded_chars": E.MAX_EMBED_CHARS,
        "total_chars": len(long),
    }
    assert "embedding_truncated" not in store.get_prompt(short.id).metadata
    stamp = store.get_prompt(huge.id).updated_at
    vectors.embed_prompts(store, [huge], model_id=E.LEXICAL_MODEL)  # the same note again
    assert store.get_prompt(huge.id).updated_at == stamp
