"""Insert N prompts (+1 metric, +1 tag each) through the store API and through raw sqlite3.executemany.

Usage: python benchmarks/store_insert.py [N]   (default 100000)
Both paths write into a freshly migrated database with the same schema, constraints, indexes and
FTS triggers, in one transaction each, so the difference is the store API's own overhead.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from alchemy_kit import records as r
from alchemy_kit.store import open_store

BATCH = 10_000


def make_rows(n: int, request_id: str) -> list[tuple[r.Prompt, r.Metric, r.Tag]]:
    """Build n (prompt, metric, tag) record triples."""
    out = []
    for i in range(n):
        p = r.Prompt(
            content=f"Prompt number {i}: write a concise summary of topic {i % 97}.",
            phase=("prima-materia", "solutio", "coagulatio")[i % 3],
            provider="local",
            model="alchemy-local",
            persona="generic",
            temperature=0.7,
            max_tokens=512,
            actual_tokens=20 + i % 50,
            request_id=request_id,
            metadata={"variant": i % 5},
        )
        m = r.Metric(
            prompt_id=p.id,
            metric_type="tokens",
            value=float(p.actual_tokens or 1),
            unit="tokens",
            total_tokens=(p.actual_tokens or 1) + 10,
            input_tokens=10,
            output_tokens=p.actual_tokens,
        )
        t = r.Tag(prompt_id=p.id, tag=f"topic-{i % 20}")
        out.append((p, m, t))
    return out


def bench_store(
    path: Path, triples: list[tuple[r.Prompt, r.Metric, r.Tag]], req: r.Request
) -> float:
    """Time inserting through Store.add_prompts in batches."""
    store = open_store(path)
    store._create_request(req)
    t0 = time.perf_counter()
    for i in range(0, len(triples), BATCH):
        chunk = triples[i : i + BATCH]
        store.add_prompts([c[0] for c in chunk], [c[1] for c in chunk], [c[2] for c in chunk])
    dt = time.perf_counter() - t0
    assert store.counts()["prompts"] == len(triples)
    store.close()
    return dt


def bench_raw(path: Path, triples: list[tuple[r.Prompt, r.Metric, r.Tag]], req: r.Request) -> float:
    """Time the same rows through plain sqlite3.executemany (tuples prepared inside the timing)."""
    store = open_store(path)
    store._create_request(req)
    conn = store.db.conn
    t0 = time.perf_counter()
    for i in range(0, len(triples), BATCH):
        chunk = triples[i : i + BATCH]
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(
            "INSERT INTO prompts (id, content, phase, provider, model, persona, temperature,"
            " max_tokens, actual_tokens, request_id, created_at, metadata) VALUES"
            " (?,?,?,?,?,?,?,?,?,?,?,?)",
            [
                (
                    p.id,
                    p.content,
                    p.phase,
                    p.provider,
                    p.model,
                    p.persona,
                    p.temperature,
                    p.max_tokens,
                    p.actual_tokens,
                    p.request_id,
                    p.created_at,
                    json.dumps(p.metadata),
                )
                for p, _, _ in chunk
            ],
        )
        conn.executemany(
            "INSERT INTO metrics (id, prompt_id, metric_type, value, unit, total_tokens,"
            " input_tokens, output_tokens, timestamp, details) VALUES (?,?,?,?,?,?,?,?,?,?)",
            [
                (
                    m.id,
                    m.prompt_id,
                    m.metric_type,
                    m.value,
                    m.unit,
                    m.total_tokens,
                    m.input_tokens,
                    m.output_tokens,
                    m.timestamp,
                    "{}",
                )
                for _, m, _ in chunk
            ],
        )
        conn.executemany(
            "INSERT INTO tags (id, prompt_id, tag, created_at) VALUES (?,?,?,?)",
            [(t.id, t.prompt_id, t.tag, t.created_at) for _, _, t in chunk],
        )
        conn.execute("COMMIT")
    dt = time.perf_counter() - t0
    store.close()
    return dt


def import_time() -> float:
    """Best of 5 wall times of a fresh `python -c 'import alchemy_kit'`."""
    best = 1e9
    for _ in range(5):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import alchemy_kit"], check=True)
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    """Run both paths and print a table."""
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    req = r.Request(input="benchmark")
    triples = make_rows(n, req.id)
    with tempfile.TemporaryDirectory() as d:
        raw = bench_raw(Path(d) / "raw.db", triples, req)
        api = bench_store(Path(d) / "api.db", triples, req)
    base = import_time()
    print(f"rows: {n:,} prompts + {n:,} metrics + {n:,} tags (batches of {BATCH:,})")
    print("| path | seconds | rows/s (prompts) | vs raw |")
    print("|---|---:|---:|---:|")
    print(f"| raw sqlite3.executemany | {raw:.2f} | {n / raw:,.0f} | 1.00× |")
    print(f"| Store.add_prompts | {api:.2f} | {n / api:,.0f} | {api / raw:.2f}× (target ≤ 2×) |")
    print(f"\n`python -c 'import alchemy_kit'`: {base:.3f} s best of 5 (target < 0.3 s)")


if __name__ == "__main__":
    main()
