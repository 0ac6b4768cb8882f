"""Cluster benchmark: `alchemy embed` and `alchemy eval`, in-process vs on `local:2`; write ceiling.

Run: python benchmarks/cluster.py [--prompts 20000] [--workers 2] [--write-rows 50000]
                                  [--eval-units 40] [--skip-embed]

Rows:
- in-process, ORT default threads: today's path (`alchemy embed` without --cluster);
- in-process, ORT 1 thread: the fair reference for one worker;
- local:N, ORT 1 thread per worker: `alchemy embed --cluster local:N`;
- write ceiling: workers return a precomputed vector at once, so only the client (reading pages,
  submitting, receiving, writing SQLite) is timed; in-process and through local:N.
- eval, in-process -c 2: `alchemy eval -c 2` on a CPU-bound fake model (a busy loop of 200 ms of
  CPU per call, like a small local model): one call per in-process model runs at a time;
- eval, local:N: `alchemy eval --cluster local:N`, the same units on N worker processes.
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

import llm
import numpy as np
import psutil
from distributed import WorkerPlugin

from alchemy_kit import records as r
from alchemy_kit import records_eval as ev
from alchemy_kit.engine import cluster_embed as CE
from alchemy_kit.engine.evaluate import evaluate
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


BUSY_SECONDS = 0.2  # CPU per call of the fake model


class _BusyOptions(llm.Options):
    temperature: float | None = None
    max_tokens: int | None = None
    seed: int | None = None


class BusyModel(llm.Model):
    """A CPU-bound fake: every call spins for BUSY_SECONDS of this thread's CPU time."""

    model_id = "busy-fake"
    Options = _BusyOptions

    def execute(self, prompt: Any, stream: bool, response: Any, conversation: Any) -> Any:
        end, spins = time.thread_time() + BUSY_SECONDS, 0
        while time.thread_time() < end:
            spins += 1
        response.set_usage(input=len(prompt.prompt.split()), output=4)
        yield f"answered {prompt.prompt[:40]} after {spins} spins"


class BusyPlugin:
    """Registers busy-fake with llm."""

    @llm.hookimpl
    def register_models(self, register: Any) -> None:
        register(BusyModel())


class BusyOnWorkers(WorkerPlugin):
    """Registers busy-fake in every worker process (pickled by value from this script)."""

    def setup(self, worker: Any) -> None:
        import llm

        if llm.pm.get_plugin("busy-fake") is None:
            llm.pm.register(BusyPlugin(), name="busy-fake")


def make_eval_store(path: Path, units: int) -> str:
    """A request with 4 prompts and units/4 cases, each case with one assertion."""
    with open_store(path, create=True) as store:
        req = r.Request(input="summarise a report", phases=["coagulatio"])
        prompts = [
            r.Prompt(
                f"Variant {i}: summarise {{{{topic}}}}.",
                "coagulatio",
                "local",
                "m",
                request_id=req.id,
            )
            for i in range(4)
        ]
        store.add([req], prompts)
        store.add_cases(
            [
                ev.Case(
                    req.id,
                    f"case {i}",
                    vars={"topic": f"report {i}"},
                    assertions=[{"type": "icontains", "value": "report"}],
                )
                for i in range(max(1, units // 4))
            ]
        )
    return req.id


def timed_eval(path: Path, units: int, cluster: Any) -> tuple[int, float, float]:
    """Evaluate a fresh store on busy-fake; return outputs made, wall seconds, CPU share."""
    req = make_eval_store(path, units)
    with open_store(path) as store:
        cpu0, t0 = cpu_seconds(), time.perf_counter()
        res = evaluate(store, request=req, models=["busy-fake"], concurrency=2, cluster=cluster)
        wall = time.perf_counter() - t0
        cpu = (cpu_seconds() - cpu0) / wall / (os.cpu_count() or 1)
        assert res.failed == 0 and len(store.outputs_of(res.run_id)) == res.ran
    return res.ran, wall, cpu


def eval_table(tmp: Path, units: int, workers: int) -> None:
    """In-process `-c 2` against local:N on the CPU-bound fake, in the same run."""
    llm.pm.register(BusyPlugin(), name="busy-fake")
    n1, wall1, cpu1 = timed_eval(tmp / "eval-here.db", units, "none")
    print(
        f"  done: eval in-process -c 2: {n1} outputs in {wall1:.1f} s, CPU {cpu1:.0%}", flush=True
    )
    with Executor(f"local:{workers}") as cluster:
        cluster.client.register_plugin(BusyOnWorkers(), name="busy-fake")
        n2, wall2, cpu2 = timed_eval(tmp / "eval-there.db", units, cluster.client)
    print(
        f"  done: eval local:{workers}: {n2} outputs in {wall2:.1f} s, CPU {cpu2:.0%}", flush=True
    )
    header = f"{'eval on a 200 ms CPU-bound model':40} {'outputs':>7} {'seconds':>8} {'rows/s':>8} {'CPU':>5} {'vs -c 2':>8}"
    print(header)
    print("-" * len(header))
    ref = n1 / wall1
    for name, n, wall, cpu in (
        ("in-process, -c 2", n1, wall1, cpu1),
        (f"local:{workers}, 1 thread/worker", n2, wall2, cpu2),
    ):
        print(f"{name:40} {n:7d} {wall:8.1f} {n / wall:8.2f} {cpu:5.0%} {n / wall / ref:7.2f}x")


def uptime() -> str:
    """The machine's load averages, as `uptime` prints them."""
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", type=int, default=20_000, help="long prompts to embed")
    parser.add_argument("--workers", type=int, default=2, help="local worker processes")
    parser.add_argument("--write-rows", type=int, default=50_000, help="rows for the write ceiling")
    parser.add_argument("--eval-units", type=int, default=40, help="eval outputs per run")
    parser.add_argument("--skip-embed", action="store_true", help="only the eval rows")
    args = parser.parse_args()
    print(f"before: {uptime()}  ({os.cpu_count()} cores)", flush=True)
    tmp = Path(tempfile.mkdtemp(prefix="alchemy-cluster-bench-"))
    # Workers' scratch files go with the rest, not to /tmp/dask-scratch-space.
    os.environ["DASK_TEMPORARY_DIRECTORY"] = str(tmp / "dask")
    try:
        eval_table(tmp, args.eval_units, args.workers)
        print(f"between: {uptime()}", flush=True)
        if not args.skip_embed:
            embed_table(tmp, args)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        print(f"after:  {uptime()}")


def embed_table(tmp: Path, args: argparse.Namespace) -> None:
    """Embedding in-process against local:N, and the client's write ceiling."""
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
    t0 = time.perf_counter()
    with Executor(f"local:{args.workers}") as cluster:
        start = time.perf_counter() - t0
        n, wall, cpu = timed_run(template, tmp / "d.db", cluster, 1, None)
        row(f"local:{args.workers}, ORT 1 thread/worker", n, wall, cpu)
        n, wall, cpu = timed_run(writes, tmp / "e.db", cluster, 1, instant_chunk)
        row(f"write ceiling, local:{args.workers}", n, wall, cpu)
    print(f"local:{args.workers} cluster start: {start:.1f} s (not in the rows below)")
    header = f"{'run':40} {'rows':>7} {'seconds':>8} {'rows/s':>8} {'CPU':>5} {'vs 1 thread':>11}"
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


if __name__ == "__main__":
    main()
