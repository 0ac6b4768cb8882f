"""`alchemy eval --cluster`: workers make and grade one (prompt, case, model) unit each.

A task carries everything one unit needs and nothing else: the prompt, the case, the model, the
case's assertions, the run's graders and options, the prices, and the keys of the providers it
calls (engine/executor.ProviderKeys). The worker runs the same `eval_one` as an in-process run
(engine/evaluate.py), under a buffered recorder of its own, and returns the graded output, its
metrics and the model calls it made; the client stores all three in one transaction per batch, so
the recording of a cluster run is the same as an in-process run's and replays anywhere.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .. import records as r
from .. import records_eval as ev
from ..models import recording
from ..models.catalog import ModelChoice
from ..scoring.assertions import Assertion
from ..scoring.graders import Graders
from .eval_plan import Plan
from .executor import Executor, ProviderKeys, provider_keys

if TYPE_CHECKING:
    from .evaluate import _Landing


@dataclass(frozen=True)
class EvalTask:
    """One unit of an eval run, as a worker receives it (never the database path)."""

    run_id: str
    prompt: r.Prompt
    case: ev.Case
    model: ModelChoice
    asserts: tuple[Assertion, ...]
    graders: Graders
    options: dict[str, Any]
    prices: dict[str, Any]
    settings: dict[str, Any]
    mode: str  # record or off: a replay runs in-process
    keys: ProviderKeys = field(default_factory=ProviderKeys, repr=False)


@dataclass(frozen=True)
class EvalDone:
    """A unit's result: the graded output, its metrics and the model calls it made."""

    output: ev.Output
    metrics: list[r.Metric]
    calls: list[ev.ModelCall]


class _NoStore:
    """A worker's call sink: it has no store; the recorder is buffered and drained per task."""

    def _get_call(self, key: str) -> ev.ModelCall | None:
        return None

    def _get_calls(self, keys: Sequence[str]) -> dict[str, ev.ModelCall]:
        return {}

    def _put_calls(self, calls: Sequence[ev.ModelCall]) -> None:
        raise RuntimeError("a worker never writes model calls: it returns them")


def eval_unit(task: EvalTask) -> EvalDone:
    """Make and grade one unit (runs on a worker); return its output, metrics and calls."""
    from .evaluate import eval_one

    plan_ = Plan(
        None,
        {},
        [],
        {},
        [task.model],
        {task.case.id: list(task.asserts)},
        task.graders,
        task.options,
    )
    with (
        task.keys.applied(),
        recording.use(_NoStore(), mode=task.mode, prices=task.prices, buffered=True) as rec,
    ):
        out, metrics = asyncio.run(
            eval_one(
                plan_, task.run_id, task.prompt, task.case, task.model, task.prices, task.settings
            )
        )
        return EvalDone(out, metrics, rec.drain())


def eval_tasks(
    plan_: Plan,
    run_id: str,
    todo: Sequence[tuple[r.Prompt, ev.Case, ModelChoice]],
    prices: dict[str, Any],
    settings: dict[str, Any],
    mode: str,
    keys: ProviderKeys,
) -> list[EvalTask]:
    """The run's pending units as tasks, each with only the keys its own calls need."""
    judge = plan_.graders.judge
    needs: dict[str, ProviderKeys] = {}
    for m in plan_.models:
        wanted = {m.provider} | ({judge.provider} if judge else set())
        needs[m.model_id] = keys.only(wanted)
    return [
        EvalTask(
            run_id,
            p,
            c,
            m,
            tuple(plan_.asserts[c.id]),
            plan_.graders,
            plan_.options,
            prices,
            settings,
            mode,
            needs[m.model_id],
        )
        for p, c, m in todo
    ]


async def run_on_cluster(
    executor: Executor,
    plan_: Plan,
    run_id: str,
    todo: Sequence[tuple[r.Prompt, ev.Case, ModelChoice]],
    prices: dict[str, Any],
    settings: dict[str, Any],
    landing: _Landing,
) -> None:
    """Send the pending units to the workers; their outputs and calls land here, in batches."""
    judge = [plan_.graders.judge] if plan_.graders.judge else []
    keys = provider_keys(plan_.models + judge)
    tasks = eval_tasks(plan_, run_id, todo, prices, settings, landing.result.mode, keys)
    with landing.keeping():
        async for done in executor.amap(eval_unit, tasks):
            landing.add(done.output, done.metrics, done.calls)


__all__ = ["EvalDone", "EvalTask", "eval_tasks", "eval_unit", "run_on_cluster"]
