"""An eval run's results as data: per-prompt summary, the prompts × cases matrix, one cell, A vs B.

Plain dataclasses with `as_dict()`, no HTML: the CLI prints them, `ak.evaluate` wraps them in a
rich repr (notebook/eval_report.py), the workbench and charts draw them.
- `summary`: per prompt (and model, or pooled over models): outputs, passed, pass rate with its 95 %
  Wilson interval, mean grade, failed calls, ungraded outputs, mean cost and latency per case.
- `matrix`: rows are (prompt, model), columns are cases, each cell the output's id, pass/fail, grade,
  error and a preview.
- `cell`: everything behind one cell: the case's vars and reference, the prompt, the messages the
  model received, the output, and every grader's verdict with its reason.
- `compare`: "does A beat B?" over the (case, model) units both have a graded output for: the exact
  sign test on pass/fail, or a paired bootstrap of the grades when they are not all 0/1; "not
  enough cases" below the minimum (scoring/stats.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from ..placeholders import apply
from ..scoring.stats import Verdict, wilson
from ..scoring.stats import compare as paired_compare

if TYPE_CHECKING:
    from .. import records_eval as ev
    from ..store import Store

PREVIEW = 80


@dataclass
class PromptSummary:
    """One prompt's results in a run (for one model, or pooled over the run's models)."""

    prompt_id: str
    model: str | None  # None: pooled over every model of the run
    outputs: int
    graded: int
    passed: int
    failed_calls: int
    pass_rate: float | None
    low: float | None  # 95 % Wilson interval of the pass rate
    high: float | None
    mean_grade: float | None
    cost_per_case: float | None
    latency_ms_per_case: float | None
    preview: str = ""

    def as_dict(self) -> dict[str, Any]:
        """Plain values (for --json and DataFrames)."""
        return asdict(self)


@dataclass
class Cell:
    """One matrix cell: a (prompt, model) row's output on one case."""

    output_id: str
    passed: bool | None
    score: float | None
    error: str | None
    preview: str


@dataclass
class Matrix:
    """Prompts (× models) as rows, cases as columns."""

    run_id: str
    rows: list[tuple[str, str]]  # (prompt id, model)
    cases: list[tuple[str, str]]  # (case id, name)
    cells: dict[tuple[str, str, str], Cell]  # (prompt id, model, case id) → cell

    def get(self, prompt_id: str, model: str, case_id: str) -> Cell | None:
        """The cell of a row and a case, or None when that output is missing."""
        return self.cells.get((prompt_id, model, case_id))

    def as_dict(self) -> dict[str, Any]:
        """Rows of cells keyed by case id (for --json)."""
        return {
            "run_id": self.run_id,
            "cases": [{"id": cid, "name": name} for cid, name in self.cases],
            "rows": [
                {
                    "prompt_id": pid,
                    "model": model,
                    "cells": {
                        cid: asdict(got) if (got := self.get(pid, model, cid)) else None
                        for cid, _ in self.cases
                    },
                }
                for pid, model in self.rows
            ],
        }


@dataclass
class CellDetail:
    """Everything behind one cell, side by side."""

    output: ev.Output
    case: ev.Case
    prompt_id: str
    prompt: str
    messages: list[dict[str, str]]
    grades: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """Plain values (for --json): the output and the case as their fields."""
        return asdict(self)


def _preview(text: str | None, error: str | None) -> str:
    flat = " ".join((f"error: {error}" if error is not None else text or "").split())
    return flat if len(flat) <= PREVIEW else flat[: PREVIEW - 1] + "…"


def _mean(values: Sequence[float]) -> float | None:
    return round(sum(values) / len(values), 6) if values else None


def summarise_outputs(
    prompt_id: str, model: str | None, outs: Sequence[ev.Output]
) -> PromptSummary:
    """The summary of one prompt's outputs."""
    graded = [o for o in outs if o.passed is not None]
    passed = sum(1 for o in graded if o.passed)
    low, high = wilson(passed, len(graded)) if graded else (None, None)
    calls = [o for o in outs if o.error is None]
    return PromptSummary(
        prompt_id=prompt_id,
        model=model,
        outputs=len(outs),
        graded=len(graded),
        passed=passed,
        failed_calls=sum(1 for o in outs if o.error is not None),
        pass_rate=round(passed / len(graded), 6) if graded else None,
        low=None if low is None else round(low, 6),
        high=None if high is None else round(high, 6),
        mean_grade=_mean([o.score for o in graded if o.score is not None]),
        cost_per_case=_mean([o.cost_usd or 0.0 for o in calls]),
        latency_ms_per_case=_mean([float(o.latency_ms) for o in outs]),
    )


def summary(store: Store, run_id: str, *, by_model: bool = False) -> list[PromptSummary]:
    """Per prompt (per model with `by_model`): pass rate, Wilson interval, mean grade, cost, latency."""
    run = store.get_eval_run(run_id)
    groups: dict[tuple[str, str | None], list[ev.Output]] = defaultdict(list)
    for o in store.outputs_of(run.id):
        groups[(o.prompt_id, o.model if by_model else None)].append(o)
    rows = []
    models = [m["model"] for m in run.models] if by_model else [None]
    for pid in run.prompt_ids:
        for model in models:
            s = summarise_outputs(pid, model, groups.get((pid, model), []))
            s.preview = _preview(store.get_prompt(pid).content, None)
            rows.append(s)
    return rows


def matrix(store: Store, run_id: str) -> Matrix:
    """The run's prompts × cases matrix (one row per prompt and model)."""
    run = store.get_eval_run(run_id)
    cases = [(c.id, c.name) for c in (store.get_case(cid) for cid in run.case_ids)]
    cells = {
        (o.prompt_id, o.model, o.case_id): Cell(
            o.id, o.passed, o.score, o.error, _preview(o.text, o.error)
        )
        for o in store.outputs_of(run.id)
    }
    rows = [(pid, m["model"]) for pid in run.prompt_ids for m in run.models]
    return Matrix(run.id, rows, cases, cells)


def cell(store: Store, output_id: str) -> CellDetail:
    """Everything behind one output: case, prompt, messages sent, output, graders' reasons."""
    out = store._get_output(output_id)
    case = store.get_case(out.case_id)
    prompt = store.get_prompt(out.prompt_id)
    return CellDetail(
        output=out,
        case=case,
        prompt_id=prompt.id,
        prompt=prompt.content,
        messages=apply(prompt.content, case.vars).messages(),
        grades=list(out.grades),
    )


def compare(store: Store, run_id: str, a: str, b: str, *, model: str | None = None) -> Verdict:
    """Does prompt A beat prompt B in this run? A paired test over their shared graded outputs."""
    run = store.get_eval_run(run_id)
    a_id, b_id = store.get_prompt(a).id, store.get_prompt(b).id
    outs = store.outputs_of(run.id, prompt_ids=[a_id, b_id])
    by_unit: dict[tuple[str, str], dict[str, ev.Output]] = defaultdict(dict)
    for o in outs:
        if model is None or o.model == model:
            by_unit[(o.case_id, o.model)][o.prompt_id] = o
    shared = [
        (u[a_id], u[b_id])
        for u in by_unit.values()
        if a_id in u and b_id in u and u[a_id].passed is not None and u[b_id].passed is not None
    ]
    binary = all(x.score in (0, 1) and y.score in (0, 1) for x, y in shared)
    if binary:
        pairs = [(float(bool(x.passed)), float(bool(y.passed))) for x, y in shared]
    else:
        pairs = [(x.score or 0.0, y.score or 0.0) for x, y in shared]
    return paired_compare(a_id, b_id, pairs)


def verdict_dict(v: Verdict) -> dict[str, Any]:
    """A verdict as plain values, with its one-sentence summary."""
    return asdict(v) | {"summary": v.summary}


__all__ = [
    "Cell",
    "CellDetail",
    "Matrix",
    "PromptSummary",
    "cell",
    "compare",
    "matrix",
    "summarise_outputs",
    "summary",
    "verdict_dict",
]
