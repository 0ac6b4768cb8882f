"""The Evaluate tab: a request's test cases, an eval run over its prompts, the matrix, A vs B.

Every button calls one library function (engine/evaluate.py, engine/eval_results.py; the cases
editor, notebook/eval_cases.py, engine/cases.py and engine/suggest.py) and renders its result with
notebook/eval_view.py. The matrix is a grid of
small coloured buttons, one per output, so a click shows that output beside its case's vars and the
prompt, with every grader's reason. Runs and suggestions are long work (a task in Jupyter,
synchronous headless), like generation.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from ..engine import eval_results as er
from ..engine.evaluate import EvalResult, aevaluate
from ..errors import ValidationError
from ..models.registry import model_status
from ..vocab import PHASES
from . import eval_view, markup
from .eval_cases import OFFLINE, WIDE, CasesEditor
from .ui import Hub, Tab, choose, request_options, row

if TYPE_CHECKING:
    from .. import records as r
    from ..store import Store

ALL = "all phases"
MAX_GRID_CELLS = 800  # beyond this the grid shows the first rows; charts.eval_matrix shows more
CELL = {"width": "30px", "height": "26px", "padding": "0", "margin": "1px"}


def model_choices(statuses: list[dict[str, Any]]) -> list[tuple[str, tuple[str, str]]]:
    """The models to run on: every provider's model, marked usable or not (a replay needs no key)."""
    return [
        (
            f"{s['provider']}/{s['model']}" + ("" if s["usable"] else " (not usable now)"),
            (s["provider"], s["model"]),
        )
        for s in statuses
    ]


def prompt_label(p: r.Prompt) -> str:
    """A prompt in a list: rank, phase, short id and the opening words."""
    rank = f"#{p.rank} " if p.rank else ""
    return f"{rank}{p.phase} · {p.id[:8]} · {markup.cut(p.content, 50)}"


class EvaluateTab(Tab):
    """Cases (add, import, suggest), a run over chosen prompts and models, the matrix, A vs B."""

    title = "Evaluate"

    def __init__(self, store: Store, hub: Hub) -> None:
        super().__init__(store, hub)
        self.result: EvalResult | None = None
        self.opened: er.CellDetail | None = None
        self.cells: dict[str, widgets.Button] = {}  # output id → its matrix button
        self.labels: dict[str, str] = {}  # prompt id → its label in the shown run
        self.requests = widgets.Dropdown(description="request", layout={"width": "60%"})
        self.reload = widgets.Button(description="Reload", icon="refresh")
        self.requests.observe(self._request_changed, names="value")
        self.reload.on_click(self.safely(self.refresh))
        statuses = model_status()
        self.cases = CasesEditor(self, model_choices(statuses))
        self._build_run(statuses)
        self._build_results()
        self.widget = widgets.VBox(
            [
                row(self.requests, self.reload),
                self.error.widget,
                self.status,
                self.cases.widget,
                self.run_box,
                self.results_box,
            ]
        )
        self.widget.add_class("alchemy-evaluate")

    # -- layout --------------------------------------------------------------------------------------
    def _build_run(self, statuses: list[dict[str, Any]]) -> None:
        choices = model_choices(statuses)
        self.phase = widgets.Dropdown(options=(ALL, *PHASES), value=PHASES[-1], description="phase")
        self.prompts = widgets.SelectMultiple(
            description="prompts", rows=6, layout={"width": "95%"}, style=WIDE
        )
        self.models = widgets.SelectMultiple(
            options=choices, value=(OFFLINE,), description="models", rows=4, style=WIDE
        )
        self.more_models = widgets.Text(
            placeholder="other model ids, comma separated", description="also", style=WIDE
        )
        self.again = widgets.Checkbox(
            value=False, description="new run (do not resume)", indent=False
        )
        self.replay = widgets.Checkbox(
            value=False, description="replay the recording (no network)", indent=False
        )
        self.run_button = widgets.Button(
            description="Run eval", button_style="primary", icon="play"
        )
        self.bar = widgets.IntProgress(value=0, min=0, max=1, layout={"width": "240px"})
        self.bar_note = widgets.Label("")
        # The Dask dashboard's link, shown while a run goes to a cluster ($ALCHEMY_CLUSTER).
        self.dashboard = widgets.HTML("")
        self.phase.observe(lambda _: self.safely(self.show_prompts)(), names="value")
        self.run_button.on_click(self.safely(self.click_run))
        self.busy = [self.run_button, self.cases.suggest]
        self.run_box = widgets.VBox(
            [
                widgets.HTML("<h4 style='margin:6px 0 2px'>Run</h4>"),
                self.phase,
                self.prompts,
                row(self.models, widgets.VBox([self.more_models, self.again, self.replay])),
                row(self.run_button, self.bar, self.bar_note, self.dashboard),
            ]
        )

    def _build_results(self) -> None:
        self.runs = widgets.Dropdown(description="run", layout={"width": "70%"})
        self.runs.observe(self._run_changed, names="value")
        self.summary = widgets.HTML()
        self.grid = widgets.VBox()
        self.detail = widgets.HTML()
        self.open_prompt = widgets.Button(
            description="Compare & pick", icon="columns", disabled=True
        )
        self.open_prompt.on_click(
            self.safely(
                lambda: self.hub.emit("open", self.opened.prompt_id if self.opened else None)
            )
        )
        self.a = widgets.Dropdown(description="A", layout={"width": "45%"})
        self.b = widgets.Dropdown(description="B", layout={"width": "45%"})
        self.compare = widgets.Button(description="A vs B", icon="balance-scale")
        self.compare.on_click(self.safely(self.click_compare))
        self.verdict = widgets.HTML()
        self.results_box = widgets.VBox(
            [
                widgets.HTML("<h4 style='margin:6px 0 2px'>Results</h4>"),
                self.runs,
                self.summary,
                widgets.HTML(eval_view.legend()),
                self.grid,
                self.detail,
                self.open_prompt,
                widgets.HTML("<h4 style='margin:6px 0 2px'>Does A beat B?</h4>"),
                row(self.a, self.b, self.compare),
                self.verdict,
            ]
        )
        self.results_box.add_class("alchemy-eval-results")

    # -- choosing the request ------------------------------------------------------------------------
    def refresh(self) -> None:
        """Re-read the requests (keeping the selection), their cases, prompts and runs."""
        self.select(self.requests.value)

    def select(self, request_id: str | None) -> None:
        """Show one request (the newest when None or gone), its cases, prompts and newest run."""
        with self.quiet():
            choose(self.requests, request_options(self.store, request_id), request_id)
        self.show_request()

    def _request_changed(self, _: Any) -> None:
        if not self.quieted:
            self.safely(self.show_request)()

    def request_id(self) -> str:
        if not self.requests.value:
            raise ValidationError("choose a request first (or generate one)")
        return str(self.requests.value)

    def show_request(self) -> None:
        """Render the chosen request's cases, prompts and runs."""
        self.cases.show()
        self.show_prompts()
        self.show_runs()

    def show_prompts(self) -> None:
        """The request's prompts of the chosen phase: all selected, unless the same prompts were
        listed before (then the selection stays)."""
        rid = self.requests.value
        phase = None if self.phase.value == ALL else self.phase.value
        found = (
            self.store.list_prompts(request_id=rid, phase=phase, limit=None, order_by="rowid")
            if rid
            else []
        )
        ranked = sorted(found, key=lambda p: (p.phase, p.rank or 10**9))
        same = {p.id for p in ranked} == {v for _, v in self.prompts.options}
        keep = self.prompts.value if same and self.prompts.value else tuple(p.id for p in ranked)
        self.prompts.options = [(prompt_label(p), p.id) for p in ranked]
        self.prompts.value = keep

    def show_runs(self, run_id: str | None = None) -> None:
        """The request's runs, newest first; show `run_id` (default the newest)."""
        rid = self.requests.value
        runs = self.store.eval_runs(request_id=rid, limit=30) if rid else []
        options = [
            (
                f"{run.id[:8]} · {run.status} · {len(run.prompt_ids)} prompts × "
                f"{len(run.case_ids)} cases × {', '.join(m['model'] for m in run.models)} · "
                f"{(run.started_at or run.created_at)[:16]}",
                run.id,
            )
            for run in runs
        ]
        with self.quiet():
            choose(self.runs, options, run_id)
        self.show_run()

    def _run_changed(self, _: Any) -> None:
        if not self.quieted:
            self.safely(self.show_run)()

    # -- running -------------------------------------------------------------------------------------
    def settings(self) -> dict[str, Any]:
        """The keyword arguments of `aevaluate` that the form describes."""
        rid = self.request_id()
        chosen = list(self.prompts.value)
        if not chosen:
            raise ValidationError("choose at least one prompt")
        models: list[Any] = list(self.models.value)
        models += [m.strip() for m in self.more_models.value.split(",") if m.strip()]
        if not models:
            raise ValidationError("choose at least one model")
        kwargs: dict[str, Any] = {"models": models, "again": self.again.value}
        if self.replay.value:
            kwargs["replay"] = True
        if set(chosen) == {v for _, v in self.prompts.options}:
            # The whole phase: the run is "this request's <phase> prompts", so re-running it
            # resumes and takes in prompts added since.
            kwargs |= {
                "request": rid,
                "phase": None if self.phase.value == ALL else self.phase.value,
            }
        else:
            kwargs["prompts"] = chosen
        return kwargs

    def click_run(self) -> None:
        """Run eval (the button): check the form now, then run prompts × cases × models."""
        kwargs = self.settings()
        self.bar.value, self.bar.bar_style, self.bar_note.value = 0, "", ""
        self.dashboard.value = ""
        self.say("running …")
        self.start(lambda: self._evaluate(kwargs), self.show_result)

    async def run(self) -> EvalResult:
        """Run and show the result; in a notebook, `await tab.run()` is a click that waits."""
        self.error.clear()
        result = await self._evaluate(self.settings())
        self.show_result(result)
        return result

    async def _evaluate(self, kwargs: dict[str, Any]) -> EvalResult:
        return await aevaluate(
            self.store, on_progress=self._progress, on_dashboard=self._dashboard, **kwargs
        )

    def _dashboard(self, link: str) -> None:
        """Show the Dask dashboard's link while the run goes to a cluster."""
        href = html.escape(link, quote=True)
        self.dashboard.value = f"<a href='{href}' target='_blank' rel='noopener'>Dask dashboard</a>"

    def _progress(self, done: int, total: int) -> None:
        self.bar.max = max(total, 1)
        self.bar.value = done
        self.bar_note.value = f"{done}/{total} outputs"
        if done == total:
            self.bar.bar_style = "success"

    def show_result(self, result: EvalResult) -> None:
        """Show a finished run and tell the other tabs (the request's ranks follow its results)."""
        self.result = result
        self.show_prompts()
        self.show_runs(result.run_id)
        what = (
            f"run {result.run_id[:8]}: {result.ran} output(s) now ({result.mode}),"
            f" {result.skipped} already done, {result.failed} failed call(s)"
            + (", resumed" if result.resumed else "")
        )
        self.say("; ".join([what, *result.warnings]))
        self.hub.emit("evaluated", result)

    # -- results -------------------------------------------------------------------------------------
    def show_run(self) -> None:
        """The chosen run's summary, its matrix and the A vs B choices."""
        run_id = self.runs.value
        self.detail.value, self.verdict.value, self.opened = "", "", None
        self.open_prompt.disabled = True
        if not run_id:
            self.summary.value = "<p><em>no eval run yet: add cases, then Run eval</em></p>"
            self.grid.children, self.cells = [], {}
            self.a.options = self.b.options = []
            return
        run = self.store.get_eval_run(run_id)
        prompts = {pid: self.store.get_prompt(pid) for pid in run.prompt_ids}
        self.labels = {pid: prompt_label(p) for pid, p in prompts.items()}
        rows = er.summary(self.store, run.id, by_model=len(run.models) > 1)
        rows.sort(key=lambda row: prompts[row.prompt_id].rank or 10**9)
        short = {pid: markup.cut(label, 40) for pid, label in self.labels.items()}
        self.summary.value = eval_view.summary_html(rows, short)
        matrix = er.matrix(self.store, run.id)
        # Best-ranked prompt first, as in Compare & pick (the run keeps the order it was given).
        matrix.rows.sort(key=lambda row: (prompts[row[0]].rank or 10**9, row[0]))
        self._grid(matrix, short)
        pooled = rows if len(run.models) == 1 else er.summary(self.store, run.id)
        best = sorted(pooled, key=lambda s: (-(s.pass_rate or 0), -(s.mean_grade or 0)))
        options = [(self.labels[s.prompt_id], s.prompt_id) for s in best]
        self.a.options, self.b.options = options, options
        if len(options) >= 2:
            self.a.value, self.b.value = options[0][1], options[1][1]

    def _grid(self, m: er.Matrix, labels: dict[str, str]) -> None:
        """The matrix as a grid of coloured buttons: rows are prompt × model, columns cases."""
        many = len({model for _, model in m.rows}) > 1
        fit = max(1, MAX_GRID_CELLS // max(1, len(m.cases)))
        rows = m.rows[:fit]
        head = [widgets.HTML("")] + [
            widgets.HTML(
                f"<div title='{html.escape(name, quote=True)}' style='writing-mode:vertical-rl;"
                "transform:rotate(180deg);height:100px;font-size:11px;overflow:hidden'>"
                f"{html.escape(markup.cut(name, 24))}</div>"
            )
            for _, name in m.cases
        ]
        children: list[widgets.Widget] = list(head)
        self.cells = {}
        for pid, model in rows:
            label = labels.get(pid, pid[:8]) + (f" · {model}" if many else "")
            children.append(
                widgets.HTML(
                    f"<div title='{html.escape(self.labels.get(pid, pid), quote=True)}'"
                    f" style='font-size:12px;white-space:nowrap;overflow:hidden'>"
                    f"{html.escape(label)}</div>"
                )
            )
            for cid, name in m.cases:
                children.append(self._cell_button(m.get(pid, model, cid), name))
        note = (
            f"<p><em>showing {len(rows)} of {len(m.rows)} rows; charts.eval_matrix(store,"
            f" run={m.run_id[:8]!r}) draws the whole run</em></p>"
            if len(rows) < len(m.rows)
            else ""
        )
        grid = widgets.GridBox(
            children,
            layout={
                "grid_template_columns": f"280px repeat({len(m.cases)}, 32px)",
                "overflow": "auto",
                "width": "100%",
            },
        )
        self.grid.children = [grid, widgets.HTML(note)]

    def _cell_button(self, got: er.Cell | None, case_name: str) -> widgets.Button:
        colour, mark, tip = eval_view.cell_look(got)
        button = widgets.Button(
            description=mark, tooltip=f"{case_name}: {tip}", layout=CELL, disabled=got is None
        )
        button.style.button_color = colour
        if got is not None:
            button.add_class("alchemy-eval-cell")
            button.on_click(self.safely(lambda: self.open_cell(got.output_id)))
            self.cells[got.output_id] = button
        return button

    def open_cell(self, output_id: str) -> None:
        """Show one output beside its case's vars and the prompt, with the graders' reasons."""
        self.opened = er.cell(self.store, output_id)
        label = self.labels.get(self.opened.prompt_id)
        self.detail.value = eval_view.detail_html(self.opened, label)
        self.open_prompt.disabled = False

    def click_compare(self) -> None:
        """Does A beat B on this run's shared cases? (a paired test; "not enough cases" when so)"""
        if not self.runs.value or not self.a.value or not self.b.value:
            raise ValidationError("choose a run and two prompts to compare")
        if self.a.value == self.b.value:
            raise ValidationError("choose two different prompts")
        verdict = er.compare(self.store, self.runs.value, self.a.value, self.b.value)
        self.verdict.value = eval_view.verdict_html(verdict, self.labels)


__all__ = ["EvaluateTab", "model_choices", "prompt_label"]
