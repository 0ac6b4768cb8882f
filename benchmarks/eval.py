"""Eval runs (issue 22): overhead per output, replay speed and store writes, beside promptfoo's anchor.

The matrix of `../shared/anchors/promptfoo/run.sh`: 5 prompts × 20 cases × 2 models, every call a
fake model that sleeps 200 ms, 8 calls in flight; each case has two assertions (icontains, and a
length limit standing in for promptfoo's JavaScript one). Ideal = 200 calls × 0.2 s / 8 = 5.0 s.
1. Overhead: our run against the same fake model called directly (acomplete with 8 in flight,
   nothing graded or stored), in-process and as a whole `alchemy eval` process (start-up included,
   which is what promptfoo's "whole process" figure measures). Target ≤ 1.2× ideal.
2. Replay: the same run again from the recording (`--replay --again`). Target ≥ 50× faster than the
   recorded run.
3. Store writes: every batch the one writer stores (outputs, their metrics and recorded calls, one
   transaction) is timed; per output = batch time / outputs in it; median and max. Target < 5 ms.
Usage: python benchmarks/eval.py   (run promptfoo's anchor in the same session to compare)
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import llm

DELAY = 0.2
PROMPTS, CASES, MODELS, CONCURRENCY = 5, 20, ("bench-a", "bench-b"), 8
IDEAL = PROMPTS * CASES * len(MODELS) * DELAY / CONCURRENCY


class Opts(llm.Options):
    temperature: float | None = None
    max_tokens: int | None = None
    seed: int | None = None


def _make(model_id: str) -> tuple[Any, Any]:
    class Sleepy(llm.AsyncModel):
        Options = Opts

        async def execute(
            self, prompt: Any, stream: bool, response: Any, conversation: Any
        ) -> AsyncIterator[str]:
            await asyncio.sleep(DELAY)
            response.set_usage(input=10, output=10)
            yield "rain on the roof: " + prompt.prompt[:40]

    class SleepySync(llm.Model):
        Options = Opts

        def execute(
            self, prompt: Any, stream: bool, response: Any, conversation: Any
        ) -> Iterator[str]:
            raise AssertionError("the async model is used")

    Sleepy.model_id = SleepySync.model_id = model_id
    return SleepySync(), Sleepy()


class Plugin:
    @llm.hookimpl
    def register_models(self, register: Any) -> None:
        for m in MODELS:
            register(*_make(m))


def _setup(db: Path) -> str:
    from alchemy_kit import records as r
    from alchemy_kit import records_eval as ev
    from alchemy_kit.scoring.rank import rescore
    from alchemy_kit.store import open_store

    with open_store(db) as store:
        req = r.Request(input="write a haiku about a topic", phases=["coagulatio"])
        prompts = [
            r.Prompt(
                f"Variant {i}: write a haiku about {{{{topic}}}} with strategy {i}",
                "coagulatio",
                "local",
                "m",
                request_id=req.id,
            )
            for i in range(PROMPTS)
        ]
        asserts = [{"type": "icontains", "value": "rain"}, {"type": "max-chars", "value": 500}]
        cases = [
            ev.Case(req.id, f"rain {j}", vars={"topic": f"rain number {j}"}, assertions=asserts)
            for j in range(CASES)
        ]
        store.add([req], prompts)
        store.add_cases(cases)
        # Generated prompts are scored when they are stored; these are too, so re-ranking after
        # the run re-weighs stored features instead of loading MiniLM to read them.
        rescore(store, [p.id for p in prompts])
        return req.id


async def _direct() -> float:
    """The floor: the same fake model through acomplete, 8 in flight, nothing graded or stored."""
    from alchemy_kit.models.providers import acomplete
    from alchemy_kit.models.registry import resolve

    choices = [resolve("local", m) for m in MODELS]
    sem = asyncio.Semaphore(CONCURRENCY)

    async def one(i: int, j: int, m: Any) -> None:
        async with sem:
            await acomplete(m, f"rain number {j}", system=f"Variant {i}")

    t0 = time.perf_counter()
    await asyncio.gather(
        *(one(i, j, m) for i in range(PROMPTS) for j in range(CASES) for m in choices)
    )
    return time.perf_counter() - t0


def _in_process(db: Path, request_id: str, **kw: Any) -> tuple[float, list[float]]:
    """(seconds, per-output write ms of each batch) of one in-process run."""
    from alchemy_kit.engine.evaluate import evaluate
    from alchemy_kit.store import open_store

    per_output: list[float] = []
    with open_store(db) as store:
        real = store._write_outputs

        def timed(outputs: Any, metrics: Any = (), calls: Any = ()) -> int:
            t = time.perf_counter()
            n = real(outputs, metrics, calls)
            if outputs:
                per_output.append((time.perf_counter() - t) * 1000 / len(outputs))
            return n

        store._write_outputs = timed  # type: ignore[method-assign]
        t0 = time.perf_counter()
        res = evaluate(
            store,
            request=request_id,
            models=list(MODELS),
            concurrency=CONCURRENCY,
            again=True,
            **kw,
        )
        seconds = time.perf_counter() - t0
        assert res.failed == 0 and res.ran == PROMPTS * CASES * len(MODELS), res
    return seconds, per_output


def _whole_process(db: Path, request_id: str, *extra: str, all_plugins: bool = False) -> float:
    args = ["eval", "-r", request_id, "-d", str(db), "-c", str(CONCURRENCY), "--again", "--json"]
    for m in MODELS:
        args += ["-m", m]
    env = dict(os.environ)
    if not all_plugins:  # what the fake models need: llm without the four provider SDKs
        env["LLM_LOAD_PLUGINS"] = "alchemy-kit"
    t0 = time.perf_counter()
    cmd = [sys.executable, __file__, "--cli", *args, *extra]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - t0
    assert done.returncode == 0, done.stderr[-2000:]
    return seconds


def main() -> None:
    """Run the three benchmarks and print one table."""
    llm.pm.register(Plugin(), name="bench-eval")
    load = os.getloadavg()
    with tempfile.TemporaryDirectory() as d:
        db = Path(d) / "bench.db"
        request_id = _setup(db)
        _in_process(db, request_id)  # warm up: imports, plugins, the scorer behind re-ranking
        direct = asyncio.run(_direct())
        recorded, writes = _in_process(db, request_id)
        replayed, replay_writes = _in_process(db, request_id, replay=True)
        whole = _whole_process(db, request_id)
        whole_replay = _whole_process(db, request_id, "--replay")
        whole_all = _whole_process(db, request_id, all_plugins=True)
    writes_all = writes + replay_writes
    print(
        f"{PROMPTS} prompts × {CASES} cases × {len(MODELS)} models, fake model {DELAY * 1000:.0f} ms"
        f" per call, -c {CONCURRENCY}; ideal {IDEAL:.2f} s; load {load[0]:.2f} {load[1]:.2f}"
        f" {load[2]:.2f} on {os.cpu_count()} cores; Python {sys.version.split()[0]}"
    )
    print("| measure | seconds | × ideal | target |")
    print("|---|---:|---:|---|")
    print(f"| ideal: calls × 200 ms / 8 | {IDEAL:.2f} | 1.00× | |")
    print(
        f"| the fake model called directly (acomplete, 8 in flight) | {direct:.2f} | {direct / IDEAL:.2f}× | floor |"
    )
    print(
        f"| `alchemy eval`, in-process (graded, stored, recorded) | {recorded:.2f} | {recorded / IDEAL:.2f}× | ≤ 1.2× |"
    )
    print(
        f"| `alchemy eval`, whole process (LLM_LOAD_PLUGINS=alchemy-kit) | {whole:.2f} | {whole / IDEAL:.2f}× | ≤ 1.2× |"
    )
    print(
        f"| `alchemy eval`, whole process, all four provider plugins loaded | {whole_all:.2f} | {whole_all / IDEAL:.2f}× | |"
    )
    print(
        f"| replay (`--replay --again`), in-process | {replayed:.3f} | {recorded / replayed:.0f}× faster than recorded | ≥ 50× |"
    )
    print(
        f"| replay, whole process | {whole_replay:.2f} | {whole / whole_replay:.1f}× faster than recorded | |"
    )
    print(
        f"\nstore writes per output ({len(writes_all)} batches, outputs + metrics + recorded calls in"
        f" one transaction each): median {statistics.median(writes_all):.3f} ms, max"
        f" {max(writes_all):.3f} ms (target < 5 ms)"
    )
    print(
        f"overhead per output over the direct calls, in-process: {(recorded - direct) * 1000 / (PROMPTS * CASES * len(MODELS)):.2f} ms"
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--cli"]:
        llm.pm.register(Plugin(), name="bench-eval")
        from alchemy_kit.cli.main import cli

        cli(sys.argv[2:], prog_name="alchemy")
    else:
        main()
