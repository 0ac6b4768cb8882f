"""Retrieval quality of semantic, text and hybrid search on real paraphrases, against TF-IDF.

Data: tests/data/retrieval (see its SOURCE.md): 400 tuning and 400 holdout pairs (query: a verse
of the Open English Bible; target: the same verse of the World English Bible) and 3,000 distractor
verses. Two corpora are stored as prompts through the product's own code paths (add_prompts,
embed_prompts with MiniLM): the 800 targets alone, and the 800 targets plus the 3,000 distractors.
Each query of each split runs through `search()` in every mode; top-1 / top-5 is the share of
queries whose target comes first / within the first five. The baseline is scikit-learn's
TfidfVectorizer (default settings, fitted on the corpus) ranked by cosine.

`--tune` runs the grid search that chose fusion.TEXT_WEIGHT, on the tuning split with distractors
only, and prints it beside weighted reciprocal-rank fusion on the same candidates.

Usage: python benchmarks/retrieval.py [--tune]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from alchemy_kit import records as r
from alchemy_kit.search import query as S
from alchemy_kit.search.embeddings import DEFAULT_EMBEDDING_MODEL, get_embedder
from alchemy_kit.search.fusion import TEXT_WEIGHT, Candidates, tune_weight
from alchemy_kit.store import Store, open_store
from alchemy_kit.store.codec import DEFAULT_DTYPE, encode_many

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "retrieval"
SPLITS = ("tuning", "holdout")


def load(name: str) -> list[dict[str, str]]:
    """Read one JSONL file of the retrieval set."""
    with open(DATA / f"{name}.jsonl", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def build(path: Path, texts: list[str], vectors: np.ndarray) -> tuple[Store, list[str]]:
    """Store `texts` as prompts with their MiniLM vectors; return the store and the prompt ids."""
    store = open_store(path)
    prompts = [
        r.Prompt(content=t, phase="solutio", provider="local", model="retrieval-set") for t in texts
    ]
    store.add_prompts(prompts)
    blobs = encode_many(vectors, DEFAULT_DTYPE)
    store._upsert_embeddings(
        [
            r.EmbeddingRecord(
                prompt_id=p.id, model=DEFAULT_EMBEDDING_MODEL, dimensions=384, embedding=b
            )
            for p, b in zip(prompts, blobs, strict=True)
        ]
    )
    return store, [p.id for p in prompts]


def score(ranked: list[list[str]], targets: list[str]) -> tuple[float, float]:
    """(top-1, top-5) share of queries whose target is first / within the first five."""
    top1 = sum(bool(ids) and ids[0] == t for ids, t in zip(ranked, targets, strict=True))
    top5 = sum(t in ids[:5] for ids, t in zip(ranked, targets, strict=True))
    return top1 / len(targets), top5 / len(targets)


def tfidf(texts: list[str], ids: list[str], queries: list[str]) -> list[list[str]]:
    """The baseline: scikit-learn TF-IDF (defaults) fitted on the corpus, cosine ranking."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    vec = TfidfVectorizer()
    docs = vec.fit_transform(texts)
    sims = (vec.transform(queries) @ docs.T).toarray()
    return [[ids[j] for j in np.argsort(-row, kind="stable")[:5]] for row in sims]


def evaluate(store: Store, ids: list[str], texts: list[str], splits: dict[str, Any]) -> list[Any]:
    """One row per mode: (mode, {split: (top-1, top-5)})."""
    rows = []
    modes: list[tuple[str, dict[str, Any]]] = [
        ("semantic", {"mode": "semantic"}),
        ("text (any word, default)", {"mode": "text"}),
        ("text --all-words", {"mode": "text", "match_all": True}),
        ("hybrid", {"mode": "hybrid"}),
    ]
    for label, kw in modes:
        rows.append(
            (
                label,
                {
                    name: score([S.search(store, q, k=5, **kw).ids for q in qs], ts)
                    for name, (qs, ts) in splits.items()
                },
            )
        )
    rows.append(
        (
            "TF-IDF baseline",
            {name: score(tfidf(texts, ids, qs), ts) for name, (qs, ts) in splits.items()},
        )
    )
    return rows


def rrf_top1(runs: list[Candidates], text_weight: float, k: int) -> float:
    """Top-1 of weighted reciprocal-rank fusion over the same candidates (for comparison)."""
    hits = 0
    for c in runs:
        score: dict[str, float] = {}
        for weight, part in ((text_weight, c.relevance), (1 - text_weight, c.similarity)):
            ranked = sorted((p for p in part if part[p]), key=lambda p: -(part[p] or 0.0))
            for rank, pid in enumerate(ranked, start=1):
                score[pid] = score.get(pid, 0.0) + weight / (k + rank)
        hits += max(score, key=lambda p: score[p], default="") == c.target
    return hits / len(runs)


def tune(store: Store, ids_of: dict[str, str], pairs: list[dict[str, str]]) -> None:
    """Grid-search the fusion weight on the tuning split (with distractors) and print it."""
    runs = [S.hybrid_candidates(store, p["query"], k=5, target=ids_of[p["target"]]) for p in pairs]
    best, table = tune_weight(runs)
    print(f"\nTuning split, {len(runs)} queries, corpus with distractors: weighted sum")
    print("| text weight | top-1 | top-5 |\n|---:|---:|---:|")
    for w, t1, t5 in table:
        mark = " ← best" if w == best else ""
        print(f"| {w:.2f} | {t1:.3f} | {t5:.3f}{mark} |")
    grid = [(w / 20, k) for w in range(21) for k in (1, 5, 10, 20, 60)]
    rrf = max((rrf_top1(runs, w, k), w, k) for w, k in grid)
    print(
        f"\nbest weighted sum: w={best:.2f} top-1 {dict((w, t) for w, t, _ in table)[best]:.3f};"
        f" best weighted RRF over the same grid: w={rrf[1]:.2f} k={rrf[2]} top-1 {rrf[0]:.3f};"
        f" shipped TEXT_WEIGHT = {TEXT_WEIGHT}"
    )


def main() -> None:
    """Embed the corpus once, build both stores, print the table (and tune with --tune)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tune", action="store_true", help="grid-search the fusion weight")
    args = parser.parse_args()
    pairs = {name: load(name) for name in SPLITS}
    distractors = [d["text"] for d in load("distractors")]
    targets = [p["target"] for name in SPLITS for p in pairs[name]]
    t0 = time.perf_counter()
    vectors = get_embedder().embed(targets + distractors, batch_size=64)
    embed_s = time.perf_counter() - t0
    print(
        f"MiniLM ({DEFAULT_EMBEDDING_MODEL}) embedded {len(vectors)} texts in {embed_s:.0f} s;"
        f" Python {sys.version.split()[0]}"
    )
    results = {}
    with tempfile.TemporaryDirectory() as d:
        for label, texts in (
            ("targets only (800)", targets),
            (f"+ {len(distractors):,} distractors", targets + distractors),
        ):
            store, ids = build(Path(d) / f"{len(texts)}.db", texts, vectors[: len(texts)])
            ids_of = dict(zip(texts, ids, strict=True))
            splits = {
                name: (
                    [p["query"] for p in pairs[name]],
                    [ids_of[p["target"]] for p in pairs[name]],
                )
                for name in SPLITS
            }
            results[label] = evaluate(store, ids, texts, splits)
            if args.tune and len(texts) > len(targets):
                tune(store, ids_of, pairs["tuning"])
            store.close()
    print(
        "\n| corpus | mode | tuning top-1 | tuning top-5 | holdout top-1 | holdout top-5 |"
        "\n|---|---|---:|---:|---:|---:|"
    )
    for label, rows in results.items():
        for mode, by_split in rows:
            cells = " | ".join(f"{by_split[s][0]:.3f} | {by_split[s][1]:.3f}" for s in SPLITS)
            print(f"| {label} | {mode} | {cells} |")


if __name__ == "__main__":
    main()
