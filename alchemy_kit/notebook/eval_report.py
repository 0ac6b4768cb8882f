"""`ak.evaluate(...)`: run an eval and get a report that renders in a notebook and exports to pandas.

The engine (engine/evaluate.py, engine/eval_results.py) returns data; this surface wraps it: an
`EvalReport` with a rich HTML repr (per-prompt pass rates with their 95 % Wilson intervals, and the
prompts × cases matrix with coloured cells), `.to_pandas()` (one row per output), `.summary()`,
`.matrix()`, `.cell(output_id)` and `.compare(a, b)`. `ak.eval_report(run_id)` opens a stored run.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from ..engine import eval_results as er
from ..engine.evaluate import EvalResult, aevaluate
from ..store.calling import store_argument
from . import eval_view, markup

if TYPE_CHECKING:
    import pandas as pd

    from ..scoring.stats import Verdict
    from ..store import Store

# The columns of to_pandas(), in order.
COLUMNS = [
    "run_id",
    "output_id",
    "prompt_id",
    "case_id",
    "case",
    "provider",
    "model",
    "passed",
    "score",
    "error",
    "input_tokens",
    "output_tokens",
    "cost_usd",
    "latency_ms",
    "text",
    "grades",
]


class EvalReport:
    """An eval run's results: render it in a notebook, or take its data."""

    def __init__(self, store: Store, run_id: str, result: EvalResult | None = None) -> None:
        self.store = store
        self.run = store.get_eval_run(run_id)
        self.result = result

    @property
    def run_id(self) -> str:
        """The run's id."""
        return self.run.id

    def summary(self, *, by_model: bool = False) -> list[er.PromptSummary]:
        """Per prompt: pass rate, Wilson interval, mean grade, cost and latency per case."""
        return er.summary(self.store, self.run.id, by_model=by_model)

    def matrix(self) -> er.Matrix:
        """The prompts × cases matrix as data."""
        return er.matrix(self.store, self.run.id)

    def cell(self, output_id: str) -> er.CellDetail:
        """One output with its case, prompt, messages and graders' reasons."""
        return er.cell(self.store, output_id)

    def compare(self, a: str, b: str, *, model: str | None = None) -> Verdict:
        """Does prompt A beat prompt B here? (a paired test; "not enough cases" when it cannot say)"""
        return er.compare(self.store, self.run.id, a, b, model=model)

    def to_pandas(self) -> pd.DataFrame:
        """One row per output: prompt, case, model, passed, score, error, tokens, cost, latency, text."""
        import pandas as pd

        names = {cid: self.store.get_case(cid).name for cid in self.run.case_ids}
        rows = [
            o.as_dict() | {"output_id": o.id, "case": names.get(o.case_id)}
            for o in self.store.outputs_of(self.run.id)
        ]
        return pd.DataFrame(rows, columns=COLUMNS)

    # -- rendering -----------------------------------------------------------------------------------
    def _title(self) -> str:
        models = ", ".join(m["model"] for m in self.run.models)
        done = self.result
        note = (
            f"{done.ran} outputs now ({done.mode}), {done.skipped} already done, {done.failed} failed"
            if done
            else f"{self.run.status}"
        )
        return f"Eval run {self.run.id[:8]} · {len(self.run.prompt_ids)} prompts × {len(self.run.case_ids)} cases × {models} · {note}"

    def _summary_html(self) -> str:
        rows = self.summary(by_model=len(self.run.models) > 1)
        # The same table as the Evaluate tab's, each prompt named by its id and opening words.
        return eval_view.summary_html(
            rows, {s.prompt_id: f"{s.prompt_id[:8]} · {s.preview}" for s in rows}
        )

    def _matrix_html(self) -> str:
        m = self.matrix()
        rows = [
            {"prompt": f"{pid[:8]} {model}"} | {cid: m.get(pid, model, cid) for cid, _ in m.cases}
            for pid, model in m.rows
        ]
        cells = {cid: lambda row, cid=cid: _cell(row[cid]) for cid, _ in m.cases}
        titles = {"prompt": "prompt · model"} | {cid: markup.cut(name, 18) for cid, name in m.cases}
        return markup.table(rows, ["prompt", *cells], cells=cells, titles=titles)

    def _repr_html_(self) -> str:
        warnings = "; ".join(self.result.warnings) if self.result else None
        return (
            markup.heading(self._title(), warnings)
            + self._summary_html()
            + markup.heading("Matrix", "✓ passed · ✗ failed · ! call failed · ? not graded")
            + self._matrix_html()
        )

    def __repr__(self) -> str:
        lines = [self._title()]
        for s in self.summary():
            lines.append(f"  {s.prompt_id[:8]}  {eval_view.rate_text(s)}  grade {s.mean_grade}")
        return "\n".join(lines)


def _cell(got: er.Cell | None) -> str:
    """A matrix cell: its mark on its outcome's colour, as in the workbench's grid."""
    colour, mark, tip = eval_view.cell_look(got)
    return (
        f'<span style="background:{colour};padding:1px 6px;border-radius:3px"'
        f' title="{html.escape(tip)}" data-output="{got.output_id if got else ""}">{mark}</span>'
    )


def _print_dashboard(link: str) -> None:
    print(f"Dask dashboard: {link}")  # in a notebook, the cell's output: a link to click


@store_argument
async def aevaluate_report(
    request: str | None = None, *, store: Store | None = None, **kwargs: Any
) -> EvalReport:
    """Run an eval (see `engine.evaluate.aevaluate` for every option) and return its report."""
    from ..store import open_store

    store = store or open_store()
    kwargs.setdefault("on_dashboard", _print_dashboard)
    result = await aevaluate(store, request=request, **kwargs)
    return EvalReport(store, result.run_id, result)


@store_argument
def evaluate(
    request: str | None = None, *, store: Store | None = None, **kwargs: Any
) -> EvalReport:
    """Evaluate a request's prompts (or `prompts=[ids]`) on its cases with `models=[...]`.

    Works in scripts and inside Jupyter's running loop; returns an EvalReport (rich HTML repr,
    `.to_pandas()`). Every option of `alchemy eval` is a keyword here: phase, models, cases, tag,
    judge, rubric, similar, pairwise, temperature, max_tokens, seed, concurrency, again, replay,
    record, on_progress, and cluster (tcp://host:8786, local:N or a distributed.Client; default
    $ALCHEMY_CLUSTER), which prints the Dask dashboard's link.
    """
    from ..runner import run_sync

    return run_sync(aevaluate_report(request, store=store, **kwargs))


@store_argument
def eval_report(run_id: str, *, store: Store | None = None) -> EvalReport:
    """The report of a stored run (an id prefix works)."""
    from ..store import open_store

    return EvalReport(store or open_store(), run_id)


__all__ = ["EvalReport", "aevaluate_report", "eval_report", "evaluate"]
