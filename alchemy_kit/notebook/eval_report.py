"""`ak.evaluate(...)`: run an eval and get a report that renders in a notebook and exports to pandas.

The engine (engine/evaluate.py, engine/eval_results.py) returns data; this surface wraps it: an
`EvalReport` with a rich HTML repr (per-prompt pass rates with their 95 % Wilson intervals, and the
prompts × cases matrix with coloured cells), `.to_pandas()` (one row per output), `.summary()`,
`.matrix()`, `.cell(output_id)` and `.compare(a, b)`. `ak.eval_report(run_id)` opens a stored run.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..engine import eval_results as er
from ..engine.evaluate import EvalResult, aevaluate
from ..store.calling import store_argument
from . import markup

if TYPE_CHECKING:
    import pandas as pd

    from ..scoring.stats import Verdict
    from ..store import Store

PASS, FAIL, ERROR, UNGRADED = "#d8f0d8", "#f6d5d5", "#e8e8e8", "#fff6d6"


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
            {
                "run_id": o.run_id,
                "output_id": o.id,
                "prompt_id": o.prompt_id,
                "case_id": o.case_id,
                "case": names.get(o.case_id),
                "provider": o.provider,
                "model": o.model,
                "passed": o.passed,
                "score": o.score,
                "error": o.error,
                "input_tokens": o.input_tokens,
                "output_tokens": o.output_tokens,
                "cost_usd": o.cost_usd,
                "latency_ms": o.latency_ms,
                "text": o.text,
                "grades": o.grades,
            }
            for o in self.store.outputs_of(self.run.id)
        ]
        return pd.DataFrame(rows, columns=list(rows[0]) if rows else ["run_id", "output_id"])

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
        rows = [s.as_dict() for s in self.summary(by_model=len(self.run.models) > 1)]

        def rate(row: Mapping[str, Any]) -> str:
            if row["pass_rate"] is None:
                return "not graded"
            return f"{row['passed']}/{row['graded']} ({row['pass_rate']:.0%}) [{row['low']:.2f}, {row['high']:.2f}]"

        cols = [
            "prompt_id",
            "model",
            "pass",
            "mean_grade",
            "failed_calls",
            "cost_per_case",
            "latency_ms_per_case",
            "preview",
        ]
        if len(self.run.models) == 1:
            cols.remove("model")
        return markup.table(
            rows,
            cols,
            cells={"prompt_id": lambda r: markup.short_id(r["prompt_id"]), "pass": rate},
            titles={
                "pass": "passed (95% CI)",
                "mean_grade": "grade",
                "failed_calls": "failed",
                "cost_per_case": "$/case",
                "latency_ms_per_case": "ms/case",
            },
            width=60,
        )

    def _matrix_html(self) -> str:
        m = self.matrix()
        head = "".join(
            f'<th style="{markup.CELL_STYLE}" title="{html.escape(name)}">{html.escape(markup.cut(name, 18))}</th>'
            for _, name in m.cases
        )
        body = []
        for pid, model in m.rows:
            tds = [
                f'<td style="{markup.CELL_STYLE}">{markup.short_id(pid)} {html.escape(model)}</td>'
            ]
            for cid, _ in m.cases:
                got = m.get(pid, model, cid)
                if got is None:
                    colour, mark, tip = "#fff", "·", "not run"
                elif got.error:
                    colour, mark, tip = ERROR, "!", got.error
                elif got.passed is None:
                    colour, mark, tip = UNGRADED, "?", got.preview
                else:
                    colour, mark, tip = (
                        (PASS, "✓", got.preview) if got.passed else (FAIL, "✗", got.preview)
                    )
                tds.append(
                    f'<td style="{markup.CELL_STYLE};background:{colour};text-align:center" '
                    f'title="{html.escape(tip)}" data-output="{got.output_id if got else ""}">{mark}</td>'
                )
            body.append("<tr>" + "".join(tds) + "</tr>")
        return (
            f'<table style="{markup.TABLE_STYLE}"><thead><tr><th style="{markup.CELL_STYLE}">prompt · model</th>'
            f"{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
        )

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
            rate = (
                "not graded"
                if s.pass_rate is None
                else f"{s.passed}/{s.graded} [{s.low:.2f}, {s.high:.2f}]"
            )
            lines.append(f"  {s.prompt_id[:8]}  {rate}  grade {s.mean_grade}")
        return "\n".join(lines)


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
