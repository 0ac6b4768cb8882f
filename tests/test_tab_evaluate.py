"""The workbench's Evaluate tab driven headless (tab_evaluate.py, its cases editor eval_cases.py and
its HTML eval_view.py): cases, a run by click, the matrix, A vs B."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from eval_fakes import Scripted, registered

from alchemy_kit import records as r
from alchemy_kit.errors import ValidationError
from alchemy_kit.notebook import eval_view, tab_evaluate
from alchemy_kit.notebook.eval_cases import parse_assertions, parse_vars
from alchemy_kit.notebook.workbench import Workbench
from alchemy_kit.store import Store, open_store

# The offline model obeys a stated word limit and otherwise writes about 90 words, so a case that
# asserts `max-words: 30` separates the first prompt (passes) from the second (fails).
SHORT = "Summarise the news item for a busy reader in at most 20 words."
LONG = "Summarise the news item for a busy reader, covering every detail you can."
NEWS = [
    "The council voted to close the central library on Sundays from March.",
    "A new bridge opened downtown after five years of work and two delays.",
    "Rain is expected all week, with flooding possible near the river.",
    "Shares in the bakery chain fell three percent after its earnings call.",
    "The school board approved free lunches for every pupil next year.",
    "A rare owl was seen in the city park for the first time in decades.",
    "The airport will add two gates and a new runway by next summer.",
    "Local farmers report the best apple harvest in ten years.",
    "The marathon drew a record twelve thousand runners on Sunday.",
    "A museum reopened after a year of repairs to its glass roof.",
]


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    s = open_store(db_path)
    yield s
    s.close()


@pytest.fixture
def request_id(store: Store) -> str:
    req = r.Request(input="Summarise a news item for a busy reader", phases=["coagulatio"])
    prompts = [
        r.Prompt(text, "coagulatio", "local", "alchemy-local", request_id=req.id)
        for text in (SHORT, LONG)
    ]
    store.add([req], prompts)
    return req.id


@pytest.fixture
def wb(store: Store, request_id: str) -> Workbench:
    return Workbench(store)


def add_cases(tab: tab_evaluate.EvaluateTab, texts: list[str]) -> None:
    for text in texts:
        tab.cases.vars.value = text
        tab.cases.asserts.value = "max-words: 30"
        tab.cases.add.click()
        assert not tab.error.message, tab.error.message


def test_the_workbench_has_an_evaluate_tab_showing_the_newest_request(wb: Workbench) -> None:
    assert list(wb.widget.titles)[2] == "Evaluate"
    tab = wb.evaluate
    assert tab.requests.value == wb.store.list_requests()[0].id
    assert all(" coagulatio · " in f" {label}" for label, _ in tab.prompts.options)
    assert set(tab.prompts.value) == {p.id for p in wb.store.list_prompts(limit=None)}
    assert "no cases yet" in tab.cases.table.value
    assert "no eval run yet" in tab.summary.value


def test_parse_vars_and_assertions() -> None:
    assert parse_vars("hello", []) == {"input": "hello"}
    assert parse_vars("hello", ["topic"]) == {"topic": "hello"}
    assert parse_vars('{"a": 1, "b": "x"}', ["a", "b"]) == {"a": 1, "b": "x"}
    with pytest.raises(ValidationError, match=r"\{\{a\}\}, \{\{b\}\}: give the vars as a JSON"):
        parse_vars("plain", ["a", "b"])
    with pytest.raises(ValidationError, match="not valid JSON"):
        parse_vars("{oops", [])
    with pytest.raises(ValidationError, match="give the case an input"):
        parse_vars("  ", [])
    assert parse_assertions("icontains: rain\n\nmax-words: 30\nis-json") == [
        {"type": "icontains", "value": "rain"},
        {"type": "max-words", "value": 30},
        {"type": "is-json"},
    ]
    assert parse_assertions("equals: exactly this") == [{"type": "equals", "value": "exactly this"}]
    assert parse_assertions('[{"type": "regex", "value": "^a"}]') == [
        {"type": "regex", "value": "^a"}
    ]
    with pytest.raises(ValidationError, match="unknown assertion 'icontain'"):
        parse_assertions("icontain: rain")
    with pytest.raises(ValidationError, match="the assertion list is not valid JSON"):
        parse_assertions("[1, 2")
    assert parse_assertions("") == []


def test_a_cell_shows_its_outcome_or_the_grade_of_a_partly_passed_output() -> None:
    assert eval_view.cell_mark(True, None, 1.0) == "✓"
    assert eval_view.cell_mark(False, None, 0.0) == "✗"
    assert eval_view.cell_mark(False, None, 0.5) == ".50"  # one of two checks passed
    assert eval_view.cell_mark(None, None, None) == "?"
    assert eval_view.cell_mark(None, "timed out", None) == "!"


def test_cases_editor_adds_imports_suggests_and_deletes(wb: Workbench, tmp_path: Path) -> None:
    tab, store = wb.evaluate, wb.store
    rid = tab.requests.value
    tab.cases.name.value = "library"
    tab.cases.vars.value = NEWS[0]
    tab.cases.asserts.value = "icontains: library\nmax-words: 30"
    tab.cases.reference.value = "The library will close on Sundays."
    tab.cases.tags.value = "news, short"
    tab.cases.add.click()
    (case,) = store.cases_for(rid)
    assert (case.name, case.vars, case.source, case.tags) == (
        "library",
        {"input": NEWS[0]},
        "workbench",
        ["news", "short"],
    )
    assert case.assertions == [
        {"type": "icontains", "value": "library"},
        {"type": "max-words", "value": 30},
    ]
    assert "library" in tab.cases.table.value and "icontains: library" in tab.cases.table.value
    assert tab.cases.vars.value == "" and tab.cases.name.value == ""

    # Bad input: one red line, nothing stored.
    for vars_, asserts, message in (
        ("{not json", "", "the vars object is not valid JSON"),
        ("text", "icontain: x", "unknown assertion 'icontain'"),
        ("text", "regex: (", "regex"),
    ):
        tab.cases.vars.value, tab.cases.asserts.value = vars_, asserts
        tab.cases.add.click()
        assert message in tab.error.message and "color:#b00" in tab.error.line.value
    tab.cases.name.value, tab.cases.vars.value, tab.cases.asserts.value = "library", "again", ""
    tab.cases.add.click()
    assert "already has a case named 'library'" in tab.error.message
    assert len(store.cases_for(rid)) == 1

    # Import: good lines are stored, a bad line is reported by number.
    path = tmp_path / "cases.jsonl"
    path.write_text(
        json.dumps({"vars": {"input": NEWS[1]}, "assert": [{"type": "max-words", "value": 30}]})
        + "\n{broken\n"
        + json.dumps({"description": "owl", "vars": {"input": NEWS[5]}})
        + "\n",
        "utf-8",
    )
    tab.cases.path.value = str(path)
    tab.cases.import_button.click()
    assert "imported 2 case(s), 0 already there, 1 bad line(s)" in tab.status.value
    assert tab.error.message.startswith("line 2:") and "not valid JSON" in tab.error.message
    assert len(store.cases_for(rid)) == 3
    tab.cases.path.value = str(tmp_path / "missing.jsonl")
    tab.cases.import_button.click()
    assert "cases file not found" in tab.error.message

    # Suggest, offline: deterministic inputs from the idea, tagged `suggested`, and it says so.
    tab.cases.suggest_n.value = 3
    tab.cases.suggest.click()
    assert not tab.error.message, tab.error.message
    suggested = [c for c in store.cases_for(rid) if "suggested" in c.tags]
    assert len(suggested) == 3 and "offline" in tab.status.value

    # Delete the chosen case.
    tab.cases.pick.value = case.id
    tab.cases.delete.click()
    assert case.id not in {c.id for c in store.cases_for(rid)}
    assert "deleted case &#x27;library&#x27;" in tab.status.value


def test_run_click_writes_outputs_with_progress_and_ranks_follow(wb: Workbench) -> None:
    tab, store = wb.evaluate, wb.store
    add_cases(tab, NEWS[:3])
    seen: list[int] = []
    tab.bar.observe(lambda ch: seen.append(ch["new"]), names="value")
    events: list[object] = []
    wb.hub.on("evaluated", events.append)
    tab.run_button.click()
    assert not tab.error.message, tab.error.message
    result = tab.result
    assert result is not None and (result.total, result.ran, result.failed) == (6, 6, 0)
    outputs = store.outputs_of(result.run_id)
    assert len(outputs) == 6 and all(o.text for o in outputs)
    assert seen[-1] == 6 and tab.bar.max == 6 and tab.bar.bar_style == "success"
    assert "6 output(s) now (record), 0 already done, 0 failed" in tab.status.value
    assert events == [result]
    # The run is the request's coagulatio prompts, shown as the newest run.
    assert result.run.request_id == tab.requests.value
    assert tab.runs.value == result.run_id
    short = next(p for p in store.list_prompts(limit=None) if p.content == SHORT)
    assert "3/3 (100%)" in tab.summary.value and "0/3 (0%)" in tab.summary.value
    # Ranks follow the eval: the prompt that passes is first, in Compare & pick too.
    assert store.get_prompt(short.id).rank == 1
    assert wb.compare.variants_shown()[0].id == short.id
    assert tab.a.value == short.id  # A defaults to the best pass rate

    # A second click resumes: nothing is run twice. "new run" starts another run.
    tab.run_button.click()
    assert (tab.result.ran, tab.result.skipped, tab.result.resumed) == (0, 6, True)
    tab.again.value = True
    tab.run_button.click()
    assert tab.result.run_id != result.run_id and tab.result.ran == 6
    assert len(tab.runs.options) == 2


def test_a_matrix_cell_opens_its_output_beside_the_case_and_prompt(wb: Workbench) -> None:
    tab, store = wb.evaluate, wb.store
    add_cases(tab, NEWS[:2])
    tab.run_button.click()
    matrix = tab.grid.children[0]
    # A header row (an empty corner and one label per case), then per prompt a label and a cell per case.
    assert len(matrix.children) == 3 + 2 * 3
    assert len(tab.cells) == 4
    outputs = {o.id: o for o in store.outputs_of(tab.runs.value)}
    for oid, button in tab.cells.items():
        verdict = "passed" if outputs[oid].passed else "failed"
        assert button.style.button_color == eval_view.OUTCOMES[verdict][0]
        assert button.description == eval_view.OUTCOMES[verdict][1]
    failed = next(o for o in outputs.values() if not o.passed)
    tab.cells[failed.id].click()
    detail = tab.detail.value
    prompt = store.get_prompt(failed.prompt_id)
    assert "alchemy-eval-detail" in detail
    assert NEWS[0] in detail or NEWS[1] in detail  # the case's vars
    assert prompt.content in detail  # the prompt, as the system message sent
    assert "system message" in detail and "user message" in detail
    assert (failed.text or "")[:60] in detail  # the output
    assert "max-words" in detail and "words" in failed.grades[0]["reason"]
    assert failed.grades[0]["reason"].split()[0] in detail  # the grader's reason
    assert "failed" in detail
    # The prompt opens in Compare & pick.
    assert not tab.open_prompt.disabled
    tab.open_prompt.click()
    assert wb.widget.selected_index == wb.tabs.index(wb.compare)


def test_a_failed_call_and_an_ungraded_output_have_their_own_cells(
    store: Store, request_id: str
) -> None:
    def flaky(system: str | None, prompt: str) -> str:
        if "bridge" in prompt:
            raise RuntimeError("the fake model is down")
        return "ok"

    with registered(Scripted("fake-flaky", flaky)):
        wb = Workbench(store)
        tab = wb.evaluate
        tab.cases.vars.value, tab.cases.asserts.value = NEWS[1], "max-words: 30"
        tab.cases.add.click()
        tab.cases.vars.value, tab.cases.asserts.value = NEWS[0], ""  # no assertion: not graded
        tab.cases.add.click()
        tab.models.value = ()
        tab.more_models.value = "fake-flaky"
        tab.run_button.click()
        assert not tab.error.message, tab.error.message
        colours = {b.style.button_color for b in tab.cells.values()}
        assert colours == {
            eval_view.OUTCOMES["call failed"][0],
            eval_view.OUTCOMES["not graded"][0],
        }
        bad = next(o for o in store.outputs_of(tab.runs.value) if o.error)
        tab.cells[bad.id].click()
        assert "the fake model is down" in tab.detail.value and "call failed" in tab.detail.value
        assert "2 failed call(s)" in tab.status.value


def test_a_vs_b_needs_enough_cases_before_naming_a_winner(wb: Workbench) -> None:
    tab = wb.evaluate
    add_cases(tab, NEWS[:3])
    tab.run_button.click()
    tab.compare.click()
    assert "not enough cases: 3 of 3 shared cases differ" in tab.verdict.value
    assert " is better" not in tab.verdict.value
    add_cases(tab, NEWS[3:])
    tab.run_button.click()
    assert tab.result.ran == 14 and tab.result.resumed
    tab.compare.click()
    assert (
        "A is better by 1.000 (sign test (exact McNemar), p = 0.00195, n = 10)" in tab.verdict.value
    )
    tab.a.value, tab.b.value = tab.b.value, tab.a.value
    tab.compare.click()
    assert "B is better" in tab.verdict.value
    tab.b.value = tab.a.value
    tab.compare.click()
    assert tab.error.message == "choose two different prompts"


def test_run_errors_are_one_line_before_any_call(wb: Workbench) -> None:
    tab, store = wb.evaluate, wb.store
    before = store.counts()
    tab.run_button.click()
    assert "has no cases" in tab.error.message
    add_cases(tab, NEWS[:1])
    tab.prompts.value = ()
    tab.run_button.click()
    assert tab.error.message == "choose at least one prompt"
    tab.prompts.value = (tab.prompts.options[0][1],)
    tab.models.value = ()
    tab.run_button.click()
    assert tab.error.message == "choose at least one model"
    tab.more_models.value = "no-such-model"
    tab.run_button.click()
    assert "no-such-model" in tab.error.message
    assert store.counts()["outputs"] == before.get("outputs", 0) == 0
    assert not tab.run_button.disabled  # the buttons come back after a failed start


def test_one_chosen_prompt_runs_alone_and_replay_serves_the_recording(
    store: Store, request_id: str
) -> None:
    fake = Scripted("fake-short", lambda system, prompt: "short answer")
    with registered(fake):
        wb = Workbench(store)
        tab = wb.evaluate
        add_cases(tab, NEWS[:2])
        tab.prompts.value = (tab.prompts.options[0][1],)
        tab.models.value = ()
        tab.more_models.value = "fake-short"
        tab.run_button.click()
        assert tab.result.total == 2 and fake.calls == 2
        assert store.get_eval_run(tab.runs.value).prompt_ids == [tab.prompts.value[0]]
    # The fake is gone: a replay of a new run answers from the recording, with no call made.
    tab.replay.value, tab.again.value = True, True
    tab.run_button.click()
    assert not tab.error.message, tab.error.message
    assert tab.result.mode == "replay" and tab.result.ran == 2 and fake.calls == 2
    assert {o.text for o in store.outputs_of(tab.result.run_id)} == {"short answer"}


def test_the_grid_shows_at_most_a_bounded_number_of_cells(
    wb: Workbench, monkeypatch: pytest.MonkeyPatch
) -> None:
    tab = wb.evaluate
    add_cases(tab, NEWS[:4])
    monkeypatch.setattr(tab_evaluate, "MAX_GRID_CELLS", 4)  # one row of four cases
    tab.run_button.click()
    assert len(tab.cells) == 4
    assert "showing 1 of 2 rows" in tab.grid.children[1].value


def test_the_cases_editor_refuses_json_nested_past_the_recursion_limit() -> None:
    with pytest.raises(ValidationError, match="JSON nested more than 100 levels deep"):
        parse_vars('{"a": ' * 5_000 + "1" + "}" * 5_000, ["a"])
    with pytest.raises(ValidationError, match="JSON nested more than 100 levels deep"):
        parse_assertions("[" * 5_000 + "]" * 5_000)
