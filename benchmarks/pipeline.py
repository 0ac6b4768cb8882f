"""Pipeline overhead with a fake async model that sleeps 200 ms per call.

1. One request: 3 phases × 5 variants. Ideal wall time = 3 × 0.2 s (phases in order, variants in parallel).
2. A batch of 50 ideas at concurrency 8 (8 requests in flight, each 3 phases × 5 variants).
   Critical path = ceil(50 / 8) × 3 × 0.2 s.
3. Per-prompt storing overhead: the time `add_prompts` takes per prompt (prompt + 3 metrics + tags, one
   transaction each), measured inside the pipeline.
Usage: python benchmarks/pipeline.py
"""

from __future__ import annotations

import asyncio
import math
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import llm

from alchemy_kit.engine.batch import BatchItem, arun_batch
from alchemy_kit.engine.pipeline import agenerate
from alchemy_kit.store import open_store

DELAY = 0.2


class Opts(llm.Options):
    temperature: float | None = None
    max_tokens: int | None = None
    seed: int | None = None


class Sleepy(llm.AsyncModel):
    model_id = "bench-sleepy"
    Options = Opts

    async def execute(
        self, prompt: Any, stream: bool, response: Any, conversation: Any
    ) -> AsyncIterator[str]:
        await asyncio.sleep(DELAY)
        response.set_usage(input=40, output=120)
        yield "A refined prompt. " * 40


class SleepySync(llm.Model):
    model_id = "bench-sleepy"
    Options = Opts

    def execute(self, prompt: Any, stream: bool, response: Any, conversation: Any) -> Iterator[str]:
        raise NotImplementedError


class Plugin:
    @llm.hookimpl
    def register_models(self, register: Any) -> None:
        register(SleepySync(), Sleepy())


async def one_request(db: Path) -> tuple[float, float]:
    store = open_store(db)
    kw = dict(
        store=store, count=5, provider="local", model="bench-sleepy", embed=False, progress=False
    )
    await agenerate("warm up the plugin registry and price table", **kw)  # type: ignore[arg-type]
    t0 = time.perf_counter()
    res = await agenerate("Summarise quarterly sales for the board", **kw)  # type: ignore[arg-type]
    wall = time.perf_counter() - t0
    return wall, float(res.request.metadata["store_ms_per_prompt"])


async def batch(db: Path, n: int, conc: int) -> tuple[float, list[float]]:
    store = open_store(db)
    items = [
        BatchItem(i + 1, {"idea": f"Idea {i}: draft a memo about topic {i}"}) for i in range(n)
    ]
    t0 = time.perf_counter()
    rep = await arun_batch(
        store,
        items,
        concurrency=conc,
        progress=False,
        count=5,
        provider="local",
        model="bench-sleepy",
        embed=False,
    )
    wall = time.perf_counter() - t0
    assert rep.completed == n, rep.errors
    per = [q.metadata["store_ms_per_prompt"] for q in store.list_requests(limit=None)]
    return wall, per


def main() -> None:
    """Run both scenarios and print a table."""
    llm.pm.register(Plugin(), name="bench-sleepy")
    n, conc = 50, 8
    with tempfile.TemporaryDirectory() as d:
        wall1, store_ms1 = asyncio.run(one_request(Path(d) / "one.db"))
        wall2, per = asyncio.run(batch(Path(d) / "batch.db", n, conc))
    ideal1 = 3 * DELAY
    ideal2 = math.ceil(n / conc) * 3 * DELAY
    print(
        f"fake model: {DELAY * 1000:.0f} ms per call (asyncio.sleep); Python {sys.version.split()[0]}"
    )
    print("| scenario | ideal (s) | ours (s) | ratio | target |")
    print("|---|---:|---:|---:|---|")
    print(
        f"| 1 request, 3 phases × 5 variants | {ideal1:.2f} | {wall1:.3f} | {wall1 / ideal1:.2f}× | ≤ 1.3× |"
    )
    print(
        f"| batch {n} ideas, concurrency {conc} | {ideal2:.2f} | {wall2:.3f} | {wall2 / ideal2:.2f}× | ≤ 1.3× |"
    )
    print(
        f"\nstoring overhead per prompt (prompt + 3 metrics, one transaction): "
        f"single request {store_ms1:.2f} ms; batch median {statistics.median(per):.2f} ms, "
        f"max {max(per):.2f} ms (target < 5 ms)"
    )


if __name__ == "__main__":
    main()
