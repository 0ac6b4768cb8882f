"""Embedding codec benchmark: size, recall@10 against float32, encode/decode time per dtype.

Run: python benchmarks/codec.py [--rows 10000] [--dims 384] [--queries 100] [--minilm]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from alchemy_kit.search.embeddings import MiniLMEmbedder
from alchemy_kit.store import codec as E


def unit_rows(n: int, d: int, seed: int) -> np.ndarray:
    """Seeded L2-normalised gaussian rows (the hardest case for quantisation: no structure)."""
    x = np.random.default_rng(seed).standard_normal((n, d)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def recall_at_k(base: np.ndarray, approx: np.ndarray, queries: np.ndarray, k: int = 10) -> float:
    """Mean overlap of exact float32 top-k cosine neighbours with those found on decoded rows."""
    exact = np.argpartition(-(queries @ base.T), k, axis=1)[:, :k]
    got = np.argpartition(-(queries @ approx.T), k, axis=1)[:, :k]
    return float(np.mean([len(set(a) & set(b)) / k for a, b in zip(exact, got, strict=True)]))


def codec_table(rows: int, dims: int, queries: int, seeds: int) -> None:
    """Print one line per dtype."""
    print(f"random gaussian, L2-normalised: {rows} x {dims}, {queries} queries, {seeds} seeds")
    print("decode100k: decode_many of 100,000 rows (the search index build), first/best of 3")
    header = f"{'dtype':8} {'bytes/vec':>9} {'ratio':>6} {'recall@10':>16} {'encode':>9} {'decode100k':>14}"
    print(header)
    print("-" * len(header))
    for dtype in E.DTYPES:
        recalls = []
        encode_s = 0.0
        for seed in range(seeds):
            base = unit_rows(rows, dims, seed)
            qs = unit_rows(queries, dims, 1000 + seed)
            start = time.perf_counter()
            blobs = E.encode_many(base, dtype)
            encode_s += time.perf_counter() - start
            recalls.append(recall_at_k(base, E.decode_many(blobs), qs))
        big = blobs * max(1, 100_000 // rows)
        times = []
        for _ in range(3):  # the first run also pays page faults for fresh buffers
            start = time.perf_counter()
            E.decode_many(big)
            times.append((time.perf_counter() - start) * 100_000 / len(big))
        size = len(blobs[0])
        print(
            f"{dtype:8} {size:9d} {size / (9 + 4 * dims):6.3f} "
            f"{np.mean(recalls):6.4f} (min {min(recalls):.3f}) "
            f"{encode_s / seeds * 1000:7.1f}ms {times[0] * 1000:6.0f}/{min(times) * 1000:.0f}ms"
        )
    print(f"default dtype: {E.DEFAULT_DTYPE}")


def minilm_speed() -> None:
    """Print MiniLM load time and sentences/s on the shipped paraphrase set."""
    data = Path(__file__).resolve().parent.parent / "data" / "paraphrases.jsonl"
    rows = [json.loads(line) for line in data.read_text().splitlines()]
    texts = [r[k] for r in rows for k in ("idea", "paraphrase", "decoy", "hard_decoy")] * 3
    start = time.perf_counter()
    embedder = MiniLMEmbedder()
    embedder.load()
    print(f"\nMiniLM load (sha256 + session): {time.perf_counter() - start:.2f}s")
    embedder.embed(texts[:32])  # warm-up
    for batch_size in (1, 32):
        start = time.perf_counter()
        embedder.embed(texts, batch_size=batch_size)
        rate = len(texts) / (time.perf_counter() - start)
        print(f"MiniLM batch {batch_size:2d}: {rate:.0f} sentences/s ({len(texts)} prompts)")


def main() -> None:
    """Parse arguments and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--dims", type=int, default=384)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--minilm", action="store_true", help="also time the MiniLM embedder")
    args = parser.parse_args()
    codec_table(args.rows, args.dims, args.queries, args.seeds)
    if args.minilm:
        minilm_speed()


if __name__ == "__main__":
    main()
