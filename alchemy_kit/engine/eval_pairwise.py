"""The pairwise grader of a run: every two prompts' outputs on the same case, judged in both orders.

After MT-Bench: the judge compares output A with B and again B with A; a disagreement between the
orders is a tie. Each comparison is a `quality` metric for both prompts (1 won, ½ tie, 0 lost) with
details {source "eval", grader "pairwise", run, case, model, other, winner, verdicts, flipped, judge};
a reply that cannot be read is recorded with `error` and `passed` null, never as a win. Without a
judge nothing is asked, and the run says "no judge ran". A resumed run skips pairs already judged.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from itertools import combinations
from typing import TYPE_CHECKING, Any

from .. import records as r
from ..models import recording
from ..placeholders import as_text
from ..scoring.output_judge import PairGrade, compare_outputs
from .eval_plan import call_unit

if TYPE_CHECKING:
    from .. import records_eval as ev
    from ..store import Store


def case_input(case: ev.Case) -> str:
    """What the judge is told the outputs answer: the case's vars."""
    if len(case.vars) == 1:
        return as_text(next(iter(case.vars.values())))
    return "\n".join(f"{k}: {as_text(v)}" for k, v in case.vars.items())


def judged_pairs(store: Store, run_id: str) -> list[dict[str, Any]]:
    """The pairwise verdicts of a run, one per (case, model, pair), as recorded."""
    rows = store._eval_quality(run_id, grader="pairwise")
    seen: dict[tuple[str, str, frozenset[str]], dict[str, Any]] = {}
    for m in rows:
        d = m.details
        key = (d["case"], d["model"], frozenset((m.prompt_id, d["other"])))
        if key not in seen:
            seen[key] = {
                "case": d["case"],
                "model": d["model"],
                "a": m.prompt_id,
                "b": d["other"],
                "winner": d.get("winner_id"),
                "flipped": d.get("flipped"),
                "error": d.get("error"),
            }
    return list(seen.values())


def win_rates(pairs: list[dict[str, Any]]) -> dict[str, float]:
    """Per prompt: (wins + ½ ties) / comparisons, over readable verdicts."""
    score: dict[str, list[float]] = defaultdict(list)
    for p in pairs:
        if p["error"]:
            continue
        for me in (p["a"], p["b"]):
            score[me].append(0.5 if p["winner"] is None else float(p["winner"] == me))
    return {pid: round(sum(v) / len(v), 4) for pid, v in score.items()}


def _pair_metrics(
    a: ev.Output, b: ev.Output, share: float | None, details: dict[str, Any]
) -> list[r.Metric]:
    """The `quality` metric of each side: A's share of the win, B's the rest (None: not graded)."""
    sides = ((a, b, share), (b, a, None if share is None else 1 - share))
    return [
        r.Metric(
            me.prompt_id,
            "quality",
            0.0 if mine is None else mine,
            unit="grade",
            details=details
            | {"other": other.prompt_id, "passed": None if mine is None else mine > 0.5},
        )
        for me, other, mine in sides
    ]


def _verdict_metrics(
    got: PairGrade, a: ev.Output, b: ev.Output, base: dict[str, Any]
) -> list[r.Metric]:
    """Both sides' metrics from one judged pair: a tie when the orders disagreed, an error row when
    the reply could not be read."""
    if got.winner is None:
        return _pair_metrics(a, b, None, base | {"error": got.error, "reason": "not graded"})
    winner_id = {"a": a.prompt_id, "b": b.prompt_id}.get(got.winner)
    share = {"a": 1.0, "b": 0.0, "tie": 0.5}[got.winner]
    reason = {"a": "A won in both orders", "b": "B won in both orders", "tie": "a tie"}[got.winner]
    if got.flipped:
        reason = "a tie: the two orders disagreed"
    return _pair_metrics(a, b, share, base | {"winner_id": winner_id, "reason": reason})


async def run_pairwise(
    store: Store, run_id: str, plan: Any, rec: recording.Recorder, settings: dict[str, Any]
) -> int:
    """Judge every pair of prompts per case and model in both orders; return the pairs judged."""
    judge = plan.graders.judge
    if judge is None or len(plan.prompts) < 2:
        return 0
    done = {
        (p["case"], p["model"], frozenset((p["a"], p["b"])))
        for p in judged_pairs(store, run_id)
        if not p["error"]
    }
    outs: dict[tuple[str, str], dict[str, ev.Output]] = defaultdict(dict)
    for o in store.outputs_of(run_id):
        if o.error is None:
            outs[(o.case_id, o.model)][o.prompt_id] = o
    cases = {c.id: c for cs in plan.cases.values() for c in cs}
    sem = asyncio.Semaphore(settings["concurrency"])

    async def one(case: ev.Case, model: str, a: ev.Output, b: ev.Output) -> list[r.Metric]:
        async with sem:
            # Both outputs are in the messages; the case name keeps identical inputs apart.
            unit = f"pairwise|{call_unit(case)}"
            with recording.purpose("judge", f"pairwise on case {case.name!r}", unit=unit):
                got = await compare_outputs(
                    judge, case_input(case), a.text or "", b.text or "", plan.graders.rubric
                )
        base = {
            "source": "eval",
            "grader": "pairwise",
            "run": run_id,
            "case": case.id,
            "model": model,
            "judge": judge.model_id,
            "verdicts": got.verdicts,
            "flipped": got.flipped,
            "raw": got.raw,
        }
        return _verdict_metrics(got, a, b, base)

    jobs = []
    for (case_id, model), by_prompt in outs.items():
        order = [p.id for p in plan.prompts if p.id in by_prompt]
        for pa, pb in combinations(order, 2):
            if (case_id, model, frozenset((pa, pb))) in done or case_id not in cases:
                continue
            jobs.append(one(cases[case_id], model, by_prompt[pa], by_prompt[pb]))
    metrics = [m for ms in await asyncio.gather(*jobs) for m in ms]
    store._write_outputs([], metrics, rec.drain())
    return len(jobs)


__all__ = ["case_input", "judged_pairs", "run_pairwise", "win_rates"]
