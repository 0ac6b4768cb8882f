"""The Evaluate tab's cases editor: add a case, import a promptfoo file, suggest some, delete one.

Each button calls one function of engine/cases.py or engine/suggest.py. A case is typed as its
input (plain text for a prompt with one input, or the vars as a JSON object) and its assertions (a
JSON list, or one promptfoo `type: value` per line, as in promptfoo's CSV `__expected` cells).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from ..engine.cases import add_case, expected_assertion, import_cases, prompt_vars
from ..engine.suggest import Suggestion, asuggest_cases
from ..errors import ValidationError
from ..records import parse_json
from ..scoring.assertions import SUPPORTED
from . import eval_view
from .ui import row

if TYPE_CHECKING:
    from .tab_evaluate import EvaluateTab

OFFLINE = ("local", "alchemy-local")
WIDE = {"description_width": "initial"}


def parse_vars(text: str, names: Sequence[str]) -> dict[str, Any]:
    """A case's vars from the editor: a JSON object, or plain text for a prompt's single input."""
    text = text.strip()
    if text.startswith("{"):  # valid JSON that starts so is an object
        return parse_json(text, "the vars object")
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
    if text.startswith("["):  # valid JSON that starts so is a list
        return parse_json(text, "the assertion list")
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


class CasesEditor:
    """The cases of the tab's request: a table, an editor, import, suggest and delete."""

    def __init__(self, tab: EvaluateTab, models: list[tuple[str, tuple[str, str]]]) -> None:
        self.tab = tab
        self.table = widgets.HTML()
        self.name = widgets.Text(placeholder="optional", description="name")
        self.vars = widgets.Textarea(
            placeholder='the input as plain text, or vars as JSON: {"topic": "rain"}',
            description="vars",
            layout={"width": "48%", "height": "60px"},
        )
        self.asserts = widgets.Textarea(
            placeholder="one per line: icontains: rain · max-words: 50 · is-json",
            description="assert",
            layout={"width": "48%", "height": "60px"},
        )
        self.reference = widgets.Text(placeholder="optional ideal output", description="reference")
        self.tags = widgets.Text(placeholder="comma, separated", description="tags")
        self.add = widgets.Button(description="Add case", icon="plus")
        self.path = widgets.Text(
            placeholder="cases.jsonl, .json or .csv (promptfoo's test format)",
            description="file",
            layout={"width": "50%"},
        )
        self.import_button = widgets.Button(description="Import", icon="upload")
        self.suggest_n = widgets.BoundedIntText(
            value=5, min=1, max=50, description="suggest", style=WIDE, layout={"width": "130px"}
        )
        self.suggest_model = widgets.Dropdown(
            options=models, value=OFFLINE, layout={"width": "300px"}
        )
        self.suggest = widgets.Button(description="Suggest cases", icon="lightbulb-o")
        self.pick = widgets.Dropdown(description="case", layout={"width": "50%"})
        self.delete = widgets.Button(description="Delete case", icon="trash")
        self.add.on_click(tab.safely(self.click_add))
        self.import_button.on_click(tab.safely(self.click_import))
        self.suggest.on_click(tab.safely(self.click_suggest))
        self.delete.on_click(tab.safely(self.click_delete))
        self.widget = widgets.VBox(
            [
                widgets.HTML("<h4 style='margin:6px 0 2px'>Cases</h4>"),
                self.table,
                row(self.vars, self.asserts),
                row(self.name, self.reference, self.tags, self.add),
                row(self.path, self.import_button),
                row(self.suggest_n, self.suggest_model, self.suggest),
                row(self.pick, self.delete),
            ]
        )

    def show(self) -> None:
        """The request's cases as a table, and in the delete list."""
        rid = self.tab.requests.value
        cases = self.tab.store.cases_for(rid) if rid else []
        self.table.value = eval_view.cases_html(cases)
        self.pick.options = [(c.name, c.id) for c in cases]

    def click_add(self) -> None:
        """Add the case the editor describes."""
        store, rid = self.tab.store, self.tab.request_id()
        case = add_case(
            store,
            rid,
            parse_vars(self.vars.value, prompt_vars(store, rid)),
            name=self.name.value.strip() or None,
            reference=self.reference.value.strip() or None,
            assertions=parse_assertions(self.asserts.value),
            tags=[t.strip() for t in self.tags.value.split(",") if t.strip()],
            source="workbench",
        )
        for box in (self.name, self.vars, self.reference):
            box.value = ""
        self.show()
        self.tab.say(f"added case {case.name!r}")

    def click_import(self) -> None:
        """Import a promptfoo-style cases file; bad lines are reported, the rest stored."""
        path = self.path.value.strip()
        if not path:
            raise ValidationError("give the path of a .jsonl, .json or .csv cases file")
        report = import_cases(self.tab.store, path, self.tab.request_id())
        self.show()
        self.tab.say(
            f"imported {report.added} case(s), {report.skipped} already there,"
            f" {report.failed} bad line(s)"
        )
        if report.failures:
            lines = "; ".join(f"line {f['line']}: {f['error']}" for f in report.failures[:5])
            more = f" (and {len(report.failures) - 5} more)" if len(report.failures) > 5 else ""
            self.tab.error.show(ValidationError(f"{lines}{more}"))

    def click_suggest(self) -> None:
        """Ask the chosen model for cases (offline, the template model writes varied inputs)."""
        store, rid, n = self.tab.store, self.tab.request_id(), self.suggest_n.value
        provider, model = self.suggest_model.value
        self.tab.say(f"suggesting {n} case(s) with {model} …")
        self.tab.start(
            lambda: asuggest_cases(store, rid, n, provider=provider, model=model), self._suggested
        )

    def _suggested(self, got: Suggestion) -> None:
        self.show()
        report = got.report
        note = f"; {report.notes[0]}" if report.notes else ""
        self.tab.say(
            f"{got.model} suggested {report.total}: {report.added} added,"
            f" {report.skipped} already there, {report.failed} refused{note}"
        )

    def click_delete(self) -> None:
        """Delete the chosen case (its outputs go with it)."""
        case_id = self.pick.value
        if not case_id:
            raise ValidationError("choose a case to delete")
        name = self.tab.store.get_case(case_id).name
        self.tab.store.delete_case(case_id)
        self.show()
        self.tab.show_runs(self.tab.runs.value)
        self.tab.say(f"deleted case {name!r}")


__all__ = ["CasesEditor", "parse_assertions", "parse_vars"]
