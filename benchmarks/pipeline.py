"""Pipeline overhead with a fake async model that sleeps 200 ms per call, embedding off and on.

1. One request: 3 phases × 5 variants. Ideal wall time = 3 × 0.2 s (phases in order, variants in
   parallel).
2. A batch of 50 ideas at concurrency 8 (8 requests in flight, each 3 phases × 5 variants).
   Model critical path = ceil(50 / 8) × 3 × 0.2 s. Every variant is also scored offline (the
   scorer reads text only since version 2: no MiniLM). "Scoring must not dominate a batch": the
   reference is the model-only path — the same batch with scoring switched off, measured in the
   same run — and the target is ≤ 1.5× it with ranks final when the command returns (they are:
   the batch awaits every phase's scoring). Both modes are reported: embedding off, and embedding
   on (search vectors for every prompt, which no longer serve scoring); the pure scoring time
   (every prompt of the batch, nothing else running) and the pure embedding time (MiniLM alone,
   one length-sorted pass, cold cache) are printed beside them.
3. `alchemy embed` backfill (embed_missing) of the batch's prompts against that one pass.
4. Per-prompt storing overhead: the time `add_prompts` takes per prompt (prompt + 3 metrics + tags,
   one transaction each), measured inside the pipeline.

The fake model's answers vary in length (20-140 words, fixed per prompt) like real ones, so that
sorting by length matters. Usage: python benchmarks/pipeline.py
"""

from __future__ import annotations

import asyncio
import math
import os
import statistics
import sys
import tempfile
import time
import zlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import llm

from alchemy_kit import records as r
from alchemy_kit.engine.batch import BatchItem, arun_batch
from alchemy_kit.engine.pipeline import agenerate
from alchemy_kit.scoring.rank import current_weights, measure_prompts
from alchemy_kit.scoring.scorer import forget_cached, prefetch
from alchemy_kit.search.embeddings import get_embedder
from alchemy_kit.search.vectors import embed_missing
from alchemy_kit.store import open_store

DELAY = 0.2
WORDS = [
    "clear",
    "concise",
    "audience",
    "format",
    "example",
    "constraint",
    "tone",
    "summary",
    "step",
    "data",
]


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
        seed = zlib.crc32(f"{prompt.prompt}{prompt.options.seed}".encode())
        n = 20 + seed % 121
        yield "A refined prompt: " + " ".join(WORDS[(seed + i) % len(WORDS)] for i in range(n))


class SleepySync(llm.Model):
    model_id = "bench-sleepy"
    Options = Opts

    def execute(self, prompt: Any, stream: bool, response: Any, conversation: Any) -> Iterator[str]:
        raise NotImplementedError


class Plugin:
    @llm.hookimpl
    def register_models(self, register: Any) -> None:
        register(SleepySync(), Sleepy())


OPTIONS: dict[str, Any] = {"count": 5, "provider": "local", "model": "bench-sleepy"}


async def one_request(db: Path, embed: bool) -> tuple[float, float]:
    """Wall time of one request (after a warm-up request) and its storing ms per prompt."""
    store = open_store(db)
    kw = {**OPTIONS, "store": store, "embed": embed, "progress": False}
    await agenerate("warm up the plugin registry and price table", **kw)
    get_embedder().forget_recent()  # every run computes its own vectors
    t0 = time.perf_counter()
    res = await agenerate("Summarise quarterly sales for the board", **kw)
    wall = time.perf_counter() - t0
    return wall, float(res.request.metadata["store_ms_per_prompt"])


async def _no_scoring(*args: Any, **kwargs: Any) -> None:
    """Stands in for the pipeline's scoring step to time the model-only path."""


async def batch(
    db: Path, n: int, conc: int, embed: bool, score: bool = True
) -> tuple[float, list[float]]:
    """Wall time of a batch of n ideas and the storing ms per prompt of each request."""
    from alchemy_kit.engine import pipeline

    real = pipeline._score
    if not score:
        pipeline._score = _no_scoring  # type: ignore[assignment]
    try:
        return await _batch(db, n, conc, embed)
    finally:
        pipeline._score = real  # type: ignore[assignment]


async def _batch(db: Path, n: int, conc: int, embed: bool) -> tuple[float, list[float]]:
    store = open_store(db)
    forget_cached()  # every batch scores its texts from cold
    items = [
        BatchItem(i + 1, {"idea": f"Idea {i}: draft a memo about topic {i}"}) for i in range(n)
    ]
    get_embedder().forget_recent()  # every run computes its own vectors
    t0 = time.perf_counter()
    rep = await arun_batch(store, items, concurrency=conc, progress=False, embed=embed, **OPTIONS)
    wall = time.perf_counter() - t0
    assert rep.completed == n, rep.errors
    per = [q.metadata["store_ms_per_prompt"] for q in store.list_requests(limit=None)]
    return wall, per


def pure_embedding(texts: list[str]) -> float:
    """Seconds to embed `texts` in one length-sorted pass (the model loaded, its cache empty)."""
    get_embedder().forget_recent()
    t0 = time.perf_counter()
    get_embedder().embed(sorted(texts, key=len), batch_size=64)
    return time.perf_counter() - t0


def pure_scoring(db: Path) -> tuple[float, float]:
    """Wall and CPU seconds to score every prompt of `db` with nothing else running."""
    store = open_store(db)
    weights = current_weights(store)
    phases: dict[tuple[str, str], list[r.Prompt]] = {}
    for p in store.list_prompts(limit=None, order_by="rowid"):
        phases.setdefault((p.request_id or "", p.phase), []).append(p)
    ideas = {q.id: q.input for q in store.list_requests(limit=None)}
    get_embedder().forget_recent()
    forget_cached()
    t0, c0 = time.perf_counter(), time.process_time()
    prefetch([(p.content, ideas[rid]) for (rid, _), ps in phases.items() for p in ps])
    for (request_id, _), prompts in phases.items():
        measure_prompts(prompts, ideas[request_id], *weights)
    return time.perf_counter() - t0, time.process_time() - c0


def backfill(db: Path) -> float:
    """Seconds `alchemy embed` (embed_missing) takes over every prompt of `db` (cold cache)."""
    store = open_store(db)
    get_embedder().forget_recent()
    t0 = time.perf_counter()
    embed_missing(store, progress=False)
    return time.perf_counter() - t0


def main() -> None:
    """Run every scenario with embedding off and on, and print one table."""
    llm.pm.register(Plugin(), name="bench-sleepy")
    n, conc = 50, 8
    get_embedder().embed(["load the model before any timing"])
    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        one = {e: asyncio.run(one_request(root / f"one-{e}.db", e)) for e in (False, True)}
        model_only = asyncio.run(batch(root / "batch-model-only.db", n, conc, False, score=False))
        many = {e: asyncio.run(batch(root / f"batch-{e}.db", n, conc, e)) for e in (False, True)}
        texts = [p["content"] for p in open_store(root / "batch-False.db").rows("prompts")]
        pure = pure_embedding(texts)
        scoring, scoring_cpu = pure_scoring(root / "batch-False.db")
        backfilled = backfill(root / "batch-False.db")
    ideal1 = 3 * DELAY
    ideal2 = math.ceil(n / conc) * 3 * DELAY
    ref2 = model_only[0]
    print(
        f"fake model: {DELAY * 1000:.0f} ms per call (asyncio.sleep); {len(texts)} prompts in"
        f" the batch; Python {sys.version.split()[0]}"
    )
    print(
        "| scenario | reference | ref (s) | embedding off (s) | off / ref"
        " | embedding on (s) | on / ref | target |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---|")
    rows = [
        ("1 request, 3 phases × 5 variants", "ideal", ideal1, one[False][0], one[True][0]),
        (
            f"batch {n} ideas, -c {conc}",
            f"model-only path (scoring off; critical path {ideal2:.2f} s)",
            ref2,
            many[False][0],
            many[True][0],
        ),
    ]
    for (name, ref_name, ref, off, on), target in zip(rows, ("≤ 1.3×", "≤ 1.5×"), strict=True):
        off_cells = f"{off:.3f} | {off / ref:.2f}×" if off is not None else "– | –"
        on_cells = f"{on:.3f} | {on / ref:.2f}×" if on is not None else "– | –"
        print(f"| {name} | {ref_name} | {ref:.2f} | {off_cells} | {on_cells} | {target} |")
    print(
        f"\npure scoring of the batch's {len(texts)} prompts, nothing else running: {scoring:.2f} s"
        f" wall, {scoring_cpu:.2f} s CPU ({scoring_cpu / len(texts) * 1000:.1f} ms CPU a prompt);"
        f" load {os.getloadavg()[0]:.1f} (CPU-bound scoring slows with load, sleeping model calls"
        " do not, so the ratios above grow with the load)"
    )
    print(
        f"\nembedding off vs on, batch: {many[True][0] / many[False][0]:.2f}× slower with embedding"
        f" (pure embedding alone, cold cache: {pure:.2f} s)"
    )
    print(
        f"`alchemy embed` backfill of the {len(texts)} prompts: {backfilled:.2f} s against"
        f" {pure:.2f} s for one length-sorted pass ({backfilled / pure:.2f}×)"
    )
    store_ms = [one[False][1], *many[False][1]]
    print(
        f"storing overhead per prompt (prompt + 3 metrics, one transaction): median"
        f" {statistics.median(store_ms):.2f} ms, max {max(store_ms):.2f} ms (target < 5 ms)"
    )


if __name__ == "__main__":
    main()
