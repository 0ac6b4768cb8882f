"""The Evaluate tab: a request's test cases, an eval run over its prompts, the matrix, A vs B.

Every button calls one library function (engine/cases.py, engine/suggest.py, engine/evaluate.py,
engine/eval_results.py) and renders its result with notebook/eval_view.py. The matrix is a grid of
small coloured buttons, one per output, so a click shows that output beside its case's vars and the
prompt, with every grader's reason. Runs and suggestions are long work (a task in Jupyter,
synchronous headless), like generation.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from .. import display
from ..engine import eval_results as er
from ..engine.cases import add_case, expected_assertion, import_cases, prompt_vars
from ..engine.evaluate import EvalResult, aevaluate
from ..engine.suggest import Suggestion, asuggest_cases
from ..errors import ValidationError
from ..models.registry import model_status
from ..scoring.assertions import SUPPORTED
from ..vocab import PHASES
from . import eval_view
from .ui import Hub, Tab, request_label, row

if TYPE_CHECKING:
    from .. import records as r
    from ..store import Store

ALL = "all phases"
OFFLINE = ("local", "alchemy-local")
MAX_GRID_CELLS = 800  # beyond this the grid shows the first rows; charts.eval_matrix shows more
CELL = {"width": "30px", "height": "26px", "padding": "0", "margin": "1px"}
WIDE = {"description_width": "initial"}


def parse_vars(text: str, names: Sequence[str]) -> dict[str, Any]:
    """A case's vars from the editor: a JSON object, or plain text for a prompt's single input."""
    text = text.strip()
    if text.startswith("{"):
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValidationError(f"vars are not valid JSON ({exc.msg})") from None
        if not isinstance(value, dict):
            raise ValidationError("vars must be a JSON object")
        return value
    if len(names) > 1:
        wanted = ", ".join("{{" + n + "}}" for n in names)
        raise ValidationError(f"the prompts use {wanted}: give the vars as a JSON object")
    if not text:
        raise ValidationError("give the case an input (plain text, or vars as a JSON object)")
    return {names[0] if names else "input": text}


def parse_assertions(text: str) -> list[dict[str, Any]]:
    """Assertions from the editor: a JSON list, or one promptfoo `type: value` per line."""
    text = text.strip()
    if not text:
        return []
    if text.startswith("["):
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValidationError(f"assertions are not valid JSON ({exc.msg})") from None
        if not isinstance(value, list):
            raise ValidationError("assertions must be a JSON list")
        return value
    out = []
    for line in text.splitlines():
        if not line.strip():
            continue
        found = expected_assertion(line)
        named = line.split(":", 1)[0].strip()
        # promptfoo's CSV reads an unknown type as `equals`; typed by hand, it is more likely a typo.
        if found["type"] == "equals" and named != "equals":
            raise ValidationError(
                f"unknown assertion {named!r}: write `type: value` with a type of"
                f" {', '.join(SUPPORTED)}"
            )
        out.append(found)
    return out


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
    return f"{rank}{p.phase} · {p.id[:8]} · {display.cut(p.content, 50)}"


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
        self._quiet = False
        self._build_cases()
        self._build_run()
        self._build_results()
        self.widget = widgets.VBox(
            [
                row(self.requests, self.reload),
                self.error.widget,
                self.status,
                self.cases_box,
                self.run_box,
                self.results_box,
            ]
        )
        self.widget.add_class("alchemy-evaluate")

    # -- layout --------------------------------------------------------------------------------------
    def _build_cases(self) -> None:
        self.cases_table = widgets.HTML()
        self.case_name = widgets.Text(placeholder="optional", description="name")
        self.case_vars = widgets.Textarea(
            placeholder='the input as plain text, or vars as JSON: {"topic": "rain"}',
            description="vars",
            layout={"width": "48%", "height": "60px"},
        )
        self.case_assert = widgets.Textarea(
            placeholder="one per line: icontains: rain · max-words: 50 · is-json",
            description="assert",
            layout={"width": "48%", "height": "60px"},
        )
        self.case_reference = widgets.Text(
            placeholder="optional ideal output", description="reference"
        )
        self.case_tags = widgets.Text(placeholder="comma, separated", description="tags")
        self.add = widgets.Button(description="Add case", icon="plus")
        self.import_path = widgets.Text(
            placeholder="cases.jsonl, .json or .csv (promptfoo's test format)",
            description="file",
            layout={"width": "50%"},
        )
        self.import_button = widgets.Button(description="Import", icon="upload")
        self.suggest_n = widgets.BoundedIntText(
            value=5, min=1, max=50, description="suggest", style=WIDE, layout={"width": "130px"}
        )
        self.suggest_model = widgets.Dropdown(layout={"width": "300px"})
        self.suggest = widgets.Button(description="Suggest cases", icon="lightbulb-o")
        self.case_pick = widgets.Dropdown(description="case", layout={"width": "50%"})
        self.delete = widgets.Button(description="Delete case", icon="trash")
        self.add.on_click(self.safely(self.click_add))
        self.import_button.on_click(self.safely(self.click_import))
        self.suggest.on_click(self.safely(self.click_suggest))
        self.delete.on_click(self.safely(self.click_delete))
        self.cases_box = widgets.VBox(
            [
                widgets.HTML("<h4 style='margin:6px 0 2px'>Cases</h4>"),
                self.cases_table,
                row(self.case_vars, self.case_assert),
                row(self.case_name, self.case_reference, self.case_tags, self.add),
                row(self.import_path, self.import_button),
                row(self.suggest_n, self.suggest_model, self.suggest),
                row(self.case_pick, self.delete),
            ]
        )

    def _build_run(self) -> None:
        statuses = model_status()
        choices = model_choices(statuses)
        self.suggest_model.options = choices
        self.suggest_model.value = OFFLINE
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
        self.phase.observe(lambda _: self.safely(self.show_prompts)(), names="value")
        self.run_button.on_click(self.safely(self.click_run))
        self.busy = [self.run_button, self.suggest]
        self.run_box = widgets.VBox(
            [
                widgets.HTML("<h4 style='margin:6px 0 2px'>Run</h4>"),
                self.phase,
                self.prompts,
                row(self.models, widgets.VBox([self.more_models, self.again, self.replay])),
                row(self.run_button, self.bar, self.bar_note),
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

    # -- choosing the request ------------------------------------------------------------------------
    def refresh(self) -> None:
        """Re-read the requests (keeping the selection), their cases, prompts and runs."""
        self.select(self.requests.value)

    def select(self, request_id: str | None) -> None:
        """Show one request (the newest when None or gone), its cases, prompts and newest run."""
        found = self.store.list_requests(limit=50)
        options = [(request_label(q), q.id) for q in found]
        if request_id and request_id not in {q.id for q in found}:
            options.append((request_label(self.store.get_request(request_id)), request_id))
        ids = [v for _, v in options]
        self._quiet = True
        try:
            self.requests.options = options
            self.requests.value = request_id if request_id in ids else (ids[0] if ids else None)
        finally:
            self._quiet = False
        self.show_request()

    def _request_changed(self, _: Any) -> None:
        if not self._quiet:
            self.safely(self.show_request)()

    def _request_id(self) -> str:
        if not self.requests.value:
            raise ValidationError("choose a request first (or generate one)")
        return str(self.requests.value)

    def show_request(self) -> None:
        """Render the chosen request's cases, prompts and runs."""
        self.show_cases()
        self.show_prompts()
        self.show_runs()

    def show_cases(self) -> None:
        """The request's cases as a table, and in the delete list."""
        cases = self.store.cases_for(self.requests.value) if self.requests.value else []
        self.cases_table.value = eval_view.cases_html(cases)
        self.case_pick.options = [(c.name, c.id) for c in cases]

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
        ids = [v for _, v in options]
        self._quiet = True
        try:
            self.runs.options = options
            self.runs.value = run_id if run_id in ids else (ids[0] if ids else None)
        finally:
            self._quiet = False
        self.show_run()

    def _run_changed(self, _: Any) -> None:
        if not self._quiet:
            self.safely(self.show_run)()

    # -- cases ---------------------------------------------------------------------------------------
    def click_add(self) -> None:
        """Add the case the editor describes."""
        rid = self._request_id()
        names = prompt_vars(self.store, rid)
        case = add_case(
            self.store,
            rid,
            parse_vars(self.case_vars.value, names),
            name=self.case_name.value.strip() or None,
            reference=self.case_reference.value.strip() or None,
            assertions=parse_assertions(self.case_assert.value),
            tags=[t.strip() for t in self.case_tags.value.split(",") if t.strip()],
            source="workbench",
        )
        for box in (self.case_name, self.case_vars, self.case_reference):
            box.value = ""
        self.show_cases()
        self.say(f"added case {case.name!r}")

    def click_import(self) -> None:
        """Import a promptfoo-style cases file; bad lines are reported, the rest stored."""
        path = self.import_path.value.strip()
        if not path:
            raise ValidationError("give the path of a .jsonl, .json or .csv cases file")
        report = import_cases(self.store, path, self._request_id())
        self.show_cases()
        self.say(
            f"imported {report.added} case(s), {report.skipped} already there,"
            f" {report.failed} bad line(s)"
        )
        if report.failures:
            lines = "; ".join(f"line {f['line']}: {f['error']}" for f in report.failures[:5])
            more = f" (and {len(report.failures) - 5} more)" if len(report.failures) > 5 else ""
            self.error.show(ValidationError(f"{lines}{more}"))

    def click_suggest(self) -> None:
        """Ask the chosen model for cases (offline, the template model writes varied inputs)."""
        rid, n = self._request_id(), self.suggest_n.value
        provider, model = self.suggest_model.value
        self.say(f"suggesting {n} case(s) with {model} …")
        self.start(
            lambda: asuggest_cases(self.store, rid, n, provider=provider, model=model),
            self._suggested,
        )

    def _suggested(self, got: Suggestion) -> None:
        self.show_cases()
        report = got.report
        note = f"; {report.notes[0]}" if report.notes else ""
        self.say(
            f"{got.model} suggested {report.total}: {report.added} added,"
            f" {report.skipped} already there, {report.failed} refused{note}"
        )

    def click_delete(self) -> None:
        """Delete the chosen case (its outputs go with it)."""
        case_id = self.case_pick.value
        if not case_id:
            raise ValidationError("choose a case to delete")
        name = self.store.get_case(case_id).name
        self.store.delete_case(case_id)
        self.show_cases()
        self.show_runs(self.runs.value)
        self.say(f"deleted case {name!r}")

    # -- running -------------------------------------------------------------------------------------
    def settings(self) -> dict[str, Any]:
        """The keyword arguments of `aevaluate` that the form describes."""
        rid = self._request_id()
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
        self.say("running …")
        self.start(lambda: self._evaluate(kwargs), self.show_result)

    async def run(self) -> EvalResult:
        """Run and show the result; in a notebook, `await tab.run()` is a click that waits."""
        self.error.clear()
        result = await self._evaluate(self.settings())
        self.show_result(result)
        return result

    async def _evaluate(self, kwargs: dict[str, Any]) -> EvalResult:
        return await aevaluate(self.store, on_progress=self._progress, **kwargs)

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
        short = {pid: display.cut(label, 40) for pid, label in self.labels.items()}
        self.summary.value = eval_view.summary_html(rows, short)
        self._grid(er.matrix(self.store, run.id), short)
        pooled = rows if len(run.models) == 1 else er.summary(self.store, run.id)
        best = sorted(pooled, key=lambda s: -(s.pass_rate if s.pass_rate is not None else -1))
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
                f"{html.escape(display.cut(name, 24))}</div>"
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
        if got is None:
            colour, mark = eval_view.MISSING
            button = widgets.Button(description=mark, tooltip=f"{case_name}: not run", layout=CELL)
            button.style.button_color = colour
            button.disabled = True
            return button
        colour, mark = eval_view.OUTCOMES[eval_view.outcome(got.passed, got.error)]
        button = widgets.Button(
            description=mark, tooltip=f"{case_name}: {got.preview}", layout=CELL
        )
        button.style.button_color = colour
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


__all__ = ["EvaluateTab", "model_choices", "parse_assertions", "parse_vars", "prompt_label"]
