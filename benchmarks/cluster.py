"""Cluster benchmark: `alchemy embed` in-process vs on `local:2`, and the client's write ceiling.

Run: python benchmarks/cluster.py [--prompts 20000] [--workers 2] [--write-rows 50000]

Rows:
- in-process, ORT default threads: today's path (`alchemy embed` without --cluster);
- in-process, ORT 1 thread: the fair reference for one worker;
- local:N, ORT 1 thread per worker: `alchemy embed --cluster local:N`;
- write ceiling: workers return a precomputed vector at once, so only the client (reading pages,
  submitting, receiving, writing SQLite) is timed; in-process and through local:N.
CPU is the CPU time of this process and every descendant (the workers) over wall time, as a
share of all cores. The machine is shared: `uptime` load is printed before and after.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import psutil

from alchemy_kit import records as r
from alchemy_kit.engine import cluster_embed as CE
from alchemy_kit.engine.executor import Executor, worker_cached
from alchemy_kit.search.embeddings import DEFAULT_EMBEDDING_MODEL
from alchemy_kit.store import open_store
from alchemy_kit.store.codec import DEFAULT_DTYPE, encode_many

WORDS = [
    "write",
    "a",
    "careful",
    "summary",
    "of",
    "the",
    "quarterly",
    "report",
    "for",
    "a",
    "busy",
    "executive",
    "audience",
    "keep",
    "the",
    "tone",
    "plain",
    "name",
    "every",
    "risk",
    "explain",
    "each",
    "number",
    "in",
    "context",
    "and",
    "end",
    "with",
    "three",
    "concrete",
    "next",
    "steps",
]


def long_prompts(n: int, seed: int = 7) -> list[str]:
    """Seeded prompts of 120-260 words (MiniLM reads up to 256 word pieces)."""
    rng = np.random.default_rng(seed)
    return [
        f"#{i} " + " ".join(rng.choice(WORDS, size=int(rng.integers(120, 260)))) for i in range(n)
    ]


def make_template(path: Path, n: int) -> None:
    """A store holding n long prompts and no embeddings."""
    with open_store(path, create=True) as store:
        store.add_prompts(
            [
                r.Prompt(content=t, phase="solutio", provider="local", model="m")
                for t in long_prompts(n)
            ]
        )


def instant_chunk(chunk: CE.EmbedChunk) -> CE.EmbeddedChunk:
    """A worker that returns one precomputed vector per prompt at once (the write ceiling)."""
    blob = worker_cached(
        "instant-blob",
        lambda: encode_many(np.full((1, 384), 384**-0.5, dtype=np.float32), DEFAULT_DTYPE)[0],
    )
    rows = tuple((pid, blob, n) for pid, _, n in chunk.items)
    return CE.EmbeddedChunk(chunk.model, 384, rows)


def cpu_seconds() -> float:
    """CPU time of this process and all its live descendants (the Dask workers)."""
    me = psutil.Process()
    total = 0.0
    for proc in [me, *me.children(recursive=True)]:
        try:
            t = proc.cpu_times()
            total += t.user + t.system
        except psutil.Error:
            pass
    return total


def timed_run(
    template: Path,
    work: Path,
    executor: Executor,
    threads: int | None,
    task: Callable[..., Any] | None,
) -> tuple[int, float, float]:
    """Embed a fresh copy of the template; return rows stored, wall seconds, CPU share."""
    shutil.copyfile(template, work)
    with open_store(work) as store:
        cpu0, t0 = cpu_seconds(), time.perf_counter()
        report = CE.embed_missing_on(
            store, executor, model_id=DEFAULT_EMBEDDING_MODEL, threads=threads, task=task
        )
        wall = time.perf_counter() - t0
        cpu = (cpu_seconds() - cpu0) / wall / (os.cpu_count() or 1)
        assert store.search_sql.embedding_count(DEFAULT_EMBEDDING_MODEL) == report.embedded
    return report.embedded, wall, cpu


def uptime() -> str:
    """The machine's load averages, as `uptime` prints them."""
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", type=int, default=20_000, help="long prompts to embed")
    parser.add_argument("--workers", type=int, default=2, help="local worker processes")
    parser.add_argument("--write-rows", type=int, default=50_000, help="rows for the write ceiling")
    args = parser.parse_args()
    print(f"before: {uptime()}  ({os.cpu_count()} cores)", flush=True)
    tmp = Path(tempfile.mkdtemp(prefix="alchemy-cluster-bench-"))
    try:
        template, writes = tmp / "template.db", tmp / "writes.db"
        make_template(template, args.prompts)
        make_template(writes, args.write_rows)
        results: list[tuple[str, int, float, float]] = []

        def row(name: str, n: int, wall: float, cpu: float) -> None:
            results.append((name, n, wall, cpu))
            print(f"  done: {name}: {n} rows in {wall:.1f} s, CPU {cpu:.0%}", flush=True)

        with Executor(None) as here:
            n, wall, cpu = timed_run(template, tmp / "a.db", here, None, None)
            row("in-process, ORT default threads", n, wall, cpu)
            n, wall, cpu = timed_run(template, tmp / "b.db", here, 1, None)
            row("in-process, ORT 1 thread", n, wall, cpu)
            n, wall, cpu = timed_run(writes, tmp / "c.db", here, 1, instant_chunk)
            row("write ceiling, in-process", n, wall, cpu)
        # Workers' scratch files go with the rest, not to /tmp/dask-scratch-space.
        os.environ["DASK_TEMPORARY_DIRECTORY"] = str(tmp / "dask")
        t0 = time.perf_counter()
        with Executor(f"local:{args.workers}") as cluster:
            start = time.perf_counter() - t0
            n, wall, cpu = timed_run(template, tmp / "d.db", cluster, 1, None)
            row(f"local:{args.workers}, ORT 1 thread/worker", n, wall, cpu)
            n, wall, cpu = timed_run(writes, tmp / "e.db", cluster, 1, instant_chunk)
            row(f"write ceiling, local:{args.workers}", n, wall, cpu)
        print(f"local:{args.workers} cluster start: {start:.1f} s (not in the rows below)")
        header = (
            f"{'run':40} {'rows':>7} {'seconds':>8} {'rows/s':>8} {'CPU':>5} {'vs 1 thread':>11}"
        )
        print(header)
        print("-" * len(header))
        ref = results[1][1] / results[1][2]
        for name, n, wall, cpu in results:
            rate = n / wall
            ratio = f"{rate / ref:.2f}x" if "ceiling" not in name else ""
            print(f"{name:40} {n:7d} {wall:8.1f} {rate:8.1f} {cpu:5.0%} {ratio:>11}")
        per_worker = results[3][1] / results[3][2] / args.workers
        ceiling = results[4][1] / results[4][2]
        print(
            f"one SQLite writer fed through Dask stores {ceiling:,.0f} rows/s: about"
            f" {ceiling / per_worker:,.0f} workers at {per_worker:.1f} prompts/s each"
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        print(f"after:  {uptime()}")


if __name__ == "__main__":
    main()
