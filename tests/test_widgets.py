"""The workbench widgets, driven headless: button clicks and value changes against a temporary store."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest
from helpers import loaded_by

import alchemy_kit as ak
from alchemy_kit.errors import ValidationError
from alchemy_kit.notebook import charts
from alchemy_kit.notebook.replay import request_settings
from alchemy_kit.notebook.tab_generate import DEFAULT, parse_seed, parse_tags
from alchemy_kit.notebook.ui import ErrorLine, launch
from alchemy_kit.notebook.workbench import Workbench
from alchemy_kit.store import Store

pytest_plugins = ["notebook_fixtures"]  # the `filled` and `store` fixtures


@pytest.fixture
def wb(store: Store) -> Workbench:
    return ak.workbench(store)


def test_importing_the_notebook_package_loads_no_widgets() -> None:
    assert loaded_by("import alchemy_kit.notebook", ["ipywidgets", "altair", "anywidget"]) == []


def test_workbench_has_six_tabs_and_a_stable_text_repr(wb: Workbench) -> None:
    assert list(wb.widget.titles) == [
        "Generate",
        "Compare & pick",
        "Evaluate",
        "Search",
        "History",
        "Dashboard",
    ]
    bundle = wb._repr_mimebundle_()
    assert bundle["text/plain"] == (
        "<Workbench on alchemy.db: Generate | Compare & pick | Evaluate | Search | History | Dashboard>"
    )
    assert "application/vnd.jupyter.widget-view+json" in bundle
    # Opening the workbench shows the newest request in Compare & pick and both in History.
    assert wb.compare.requests.value == wb.store.list_requests()[0].id
    assert len(wb.history.requests.options) == 2 and len(wb.history.searches.options) == 1


# -- Generate ---------------------------------------------------------------------------------------


def test_generate_click_runs_the_phases_and_shows_cards(wb: Workbench) -> None:
    form, store = wb.generate, wb.store
    seen: list[tuple[str, int]] = []
    for phase, bar in form.bars.items():
        bar.observe(lambda ch, phase=phase: seen.append((phase, ch["new"])), names="value")
    form.idea.value = "Plan a two-day team offsite for twelve engineers"
    form.count.value = 2
    form.persona.value = "generic"
    form.tags.value = "offsite, team ,"
    form.seed.value = "5"
    form.button.click()
    result = form.result
    assert result is not None and result.ok, form.error.message
    assert store.get_request(result.request.id).metadata["seed"] == 5
    assert sorted(store.tags_for(result.prompts[0].id)) == ["offsite", "team"]
    # One progress bar per phase counted the variants as they landed.
    for phase in ak.PHASES:
        assert [v for p, v in seen if p == phase] == [1, 2]
        assert form.bars[phase].bar_style == "success"
    sections = form.cards.children
    assert len(sections) == 3
    first_card = sections[0].children[1].children[0].value
    for fact in ("rank", "score", "strategy", "tokens in/out", "ms", "USD"):
        assert fact in first_card
    assert "completed: 6 prompts" in form.status.value
    # The other tabs heard about it.
    assert wb.history.requests.options[0][1] == result.request.id
    assert wb.compare.requests.value == result.request.id


def test_generate_with_chosen_phases_and_a_model_per_phase(wb: Workbench) -> None:
    form = wb.generate
    form.idea.value = "Explain recursion to a twelve-year-old"
    form.count.value = 1
    form.use["prima-materia"].value = False
    local = next(v for _, v in form.models["solutio"].options if v != DEFAULT and v[0] == "local")
    form.models["solutio"].value = local
    form.button.click()
    result = form.result
    assert result is not None and result.request.phases == ["solutio", "coagulatio"]
    assert form.notes["prima-materia"].value == "skipped"
    assert [(run.phase, run.provider) for run in result.phase_runs] == [
        ("solutio", "local"),
        ("coagulatio", "local"),
    ]


def test_generate_errors_show_in_one_line_and_write_nothing(wb: Workbench) -> None:
    form, store = wb.generate, wb.store
    before = store.counts()
    form.idea.value = "   "
    form.button.click()
    assert "the idea is empty" in form.error.message
    assert "color:#b00" in form.error.line.value and form.error.toggle.layout.display == "none"

    form.idea.value = "A fine idea"
    form.seed.value = "seven"
    form.button.click()
    assert "seed must be a whole number" in form.error.message

    form.seed.value = ""
    for phase in ak.PHASES:
        form.use[phase].value = False
    form.button.click()
    assert form.error.message == "tick at least one phase"

    form.use["coagulatio"].value = True
    chooser = form.models["coagulatio"]
    chooser.value = next(v for label, v in chooser.options if label.startswith("openai/"))
    form.button.click()
    assert "no API key for openai" in form.error.message
    assert store.counts() == before  # validated before anything was written
    assert not form.button.disabled  # the button is usable again after a failure


def test_model_chooser_lists_every_provider_with_its_status(wb: Workbench) -> None:
    options = wb.generate.models["coagulatio"].options
    assert options[0] == ("default: local/alchemy-local", DEFAULT)
    providers = {v[0] for _, v in options[1:]}
    assert providers == set(ak.PROVIDERS)
    # Keyed by (provider, model): `local` has two models since SmolLM2 (usable after make smollm).
    labels = {v: label for label, v in options[1:]}
    assert labels[("local", "alchemy-local")].endswith("(usable)")
    assert labels[("openai", "gpt-4o-mini")].endswith("(not usable)")
    table = wb.generate.model_help.children[0].value
    assert "no key" in table and "alchemy-local" in table


def test_form_parsers() -> None:
    assert parse_tags(" a, b ,,c ") == ["a", "b", "c"]
    assert parse_seed(" 42 ") == 42 and parse_seed("") is None
    with pytest.raises(ValidationError):
        parse_seed("4.2")


# -- Compare & pick -------------------------------------------------------------------------------


def test_best_click_writes_picks_and_reranks(wb: Workbench) -> None:
    compare, store = wb.compare, wb.store
    compare.who.value = "ada"
    shown = [c.prompt.id for c in compare.cards]
    worst = compare.cards[-1].prompt
    assert worst.rank == len(shown) > 1
    compare.cards[-1].best.click()
    picks = store.preferences(who="ada")
    assert len(picks) == len(shown) - 1
    assert {p.kind for p in picks} == {"pairwise"} and {p.prompt_id for p in picks} == {worst.id}
    assert {p.other_prompt_id for p in picks} == set(shown) - {worst.id}
    assert all(p.shown_order == shown for p in picks)
    # The ranks moved at once, and the tab shows the new order.
    assert store.get_prompt(worst.id).rank == 1
    assert compare.cards[0].prompt.id == worst.id
    assert "ranks now" in compare.status.value and "ada" in compare.picks.value


def test_thumbs_ratings_and_undo(wb: Workbench) -> None:
    compare, store = wb.compare, wb.store
    compare.who.value = "bo"
    first, last = compare.cards[0].prompt.id, compare.cards[-1].prompt.id
    compare.cards[-1].down.click()
    compare.cards[0].up.click()
    compare.cards[0].stars[3].click()
    picks = store.preferences(who="bo")
    assert [(p.kind, p.prompt_id, p.value) for p in picks] == [
        ("thumb", last, -1),
        ("thumb", first, 1),
        ("rating", first, 4),
    ]
    compare.undo.click()
    assert [p.kind for p in store.preferences(who="bo")] == ["thumb", "thumb"]
    assert compare.undo.disabled


def test_variants_against_the_best(wb: Workbench) -> None:
    cards = wb.compare.cards
    assert "<ins" not in cards[0].html.value and "best" in cards[0].html.value
    # Each other variant: a line diff, or whole when it shares little with the best.
    for card in cards[1:]:
        value = card.html.value
        diffed = "lines against the best" in value and "<ins" in value
        whole = "little in common with the best" in value and "<ins" not in value
        assert diffed or whole, value[:300]


def test_judge_offline_says_the_scorer_stood_in(wb: Workbench) -> None:
    compare, store = wb.compare, wb.store
    quality = len(store.query("SELECT id FROM metrics WHERE metric_type = 'quality'"))
    compare.cards[0].judge.click()
    assert "the offline scorer stood in" in compare.report.value
    assert len(store.query("SELECT id FROM metrics WHERE metric_type = 'quality'")) == quality


def test_optimise_runs_the_loop_from_a_variant(wb: Workbench) -> None:
    compare = wb.compare
    compare.phase.value = "solutio"
    before = len(compare.cards)
    start = compare.cards[-1].prompt
    compare.cards[-1].optimize.click()  # no cases, no judge: nothing independent to accept on
    assert "needs an independent signal" in compare.error.message
    for topic in ("rain", "snow", "fog", "wind"):
        ak.add_case(
            wb.store,
            start.request_id,
            {"input": topic},
            assertions=[{"type": "max-words", "value": 25}],
        )
    compare.cards[-1].optimize.click()
    assert compare.error.message == ""
    assert "Optimised against held-back cases" in compare.report.value
    assert f"optimised {start.id[:8]}" in compare.status.value
    assert len(compare.cards) >= before  # candidates join the phase


def test_learn_and_rerank_buttons(wb: Workbench) -> None:
    compare = wb.compare
    compare.learn.click()
    assert "more needed before learning" in compare.report.value
    compare.rerank.click()
    assert f"re-scored {len(compare.cards)} variants" in compare.status.value


def test_open_prompt_shows_its_request_and_phase(wb: Workbench) -> None:
    store = wb.store
    older = store.list_requests()[-1]
    prompt = store.list_prompts(request_id=older.id, phase="prima-materia", limit=1)[0]
    wb.hub.emit("open", prompt.id)
    assert wb.widget.selected_index == wb.tabs.index(wb.compare)
    assert wb.compare.requests.value == older.id and wb.compare.phase.value == "prima-materia"
    assert prompt.id in [c.prompt.id for c in wb.compare.cards]


# -- Search -----------------------------------------------------------------------------------------


def test_search_click_shows_hits_and_a_hit_shows_its_lineage(wb: Workbench) -> None:
    tab, store = wb.search, wb.store
    tab.query.value = "coffee mug description"
    tab.phase.value = "coagulatio"
    tab.button.click()
    result = tab.result
    assert result is not None and len(result) == 6 and {h.phase for h in result} == {"coagulatio"}
    assert "semantic hit(s)" in tab.results.value and "similarity" in tab.hits.options[0][0]
    assert store.search_history(1)[0].filters["phase"] == ["coagulatio"]
    hit = result[0]
    tab.hits.value = hit.prompt_id
    lineage = tab.lineage.value
    for part in ("Lineage of prompt", "Request", "Phase runs", "Prompts of the request", "Tags"):
        assert part in lineage
    assert store.get_request(store.get_prompt(hit.prompt_id).request_id).id in lineage
    assert not tab.similar.disabled
    tab.similar.click()
    assert tab.result.query == f"similar:{hit.prompt_id}" and hit.prompt_id not in tab.result.ids


def test_search_modes_filters_and_errors(wb: Workbench) -> None:
    tab = wb.search
    tab.query.value = "csv key column"
    tab.mode.value = "text"
    assert tab.min_similarity.disabled
    tab.min_similarity.value = 0.9  # ignored by a words-only search
    tab.tag.value = "csv"
    tab.button.click()
    assert tab.error.message == "" and tab.result is not None and tab.result.mode == "text"
    assert len(tab.result) > 0 and "<mark>" in tab.results.value
    tab.date_from.value = dt.date.today() + dt.timedelta(days=2)
    tab.button.click()
    assert len(tab.result) == 0
    tab.date_from.value = None
    tab.mode.value = "hybrid"
    tab.min_score.value = 0.99
    tab.button.click()
    assert all(wb.store.get_prompt(h.prompt_id).score >= 0.99 for h in tab.result)
    tab.query.value = "  "
    tab.button.click()
    assert tab.error.message == "the search query is empty"


# -- History ----------------------------------------------------------------------------------------


def test_rerun_a_request_with_the_same_seed(wb: Workbench) -> None:
    history, store = wb.history, wb.store
    original = store.list_requests()[-1]
    history.requests.value = original.id
    history.same_seed.value = True
    history.rerun.click()
    again = store.list_requests()[0]
    assert again.id != original.id and again.metadata["rerun_of"] == original.id
    assert again.input == original.input and again.count == original.count
    contents = [
        sorted(p.content for p in store.list_prompts(request_id=q.id, limit=None))
        for q in (original, again)
    ]
    assert contents[0] == contents[1]  # the offline model is deterministic per seed
    assert history.requests.options[0][1] == again.id
    assert "re-ran as" in history.status.value


def test_rerun_follows_the_newest_request_until_one_is_picked(wb: Workbench) -> None:
    # The bug: Re-run acted on the request that was newest when the workbench opened.
    history, store = wb.history, wb.store
    wb.generate.idea.value = "Write release notes for a calendar app"
    wb.generate.count.value = 1
    wb.generate.button.click()
    newest = store.list_requests()[0]
    assert newest.input.startswith("Write release notes") and history.requests.value == newest.id
    history.rerun.click()
    again = store.list_requests()[0]
    assert again.metadata["rerun_of"] == newest.id and history.requests.value == again.id
    # Once the researcher picks a row, new requests no longer move the selection.
    history.requests.value = newest.id
    history.rerun.click()
    assert store.list_requests()[0].metadata["rerun_of"] == newest.id
    assert history.requests.value == newest.id


def test_rerun_a_search_lands_in_the_search_tab(wb: Workbench) -> None:
    history, store = wb.history, wb.store
    ak.search_prompts(store, "deduplicate rows", mode="hybrid", k=4, phase="solutio")
    history.refresh()
    record = store.search_history(1)[0]
    history.searches.value = record.id
    history.rerun_search.click()
    assert wb.widget.selected_index == wb.tabs.index(wb.search)
    result = wb.search.result
    assert result is not None and result.query == "deduplicate rows" and result.mode == "hybrid"
    assert len(result) == 4 and {h.phase for h in result} == {"solutio"}
    newest = store.search_history(1)[0]
    assert newest.id != record.id and newest.filters == record.filters
    assert history.searches.options[0][1] == newest.id


def test_request_settings_keep_each_phase_on_its_model(store: Store) -> None:
    q = store.list_requests()[0]
    settings = request_settings(store, q.id, same_seed=True)
    assert settings["idea"] == q.input and settings["seed"] == q.metadata["seed"]
    assert settings["phase_models"] == {p: ("local", "alchemy-local") for p in ak.PHASES}
    assert "seed" not in request_settings(store, q.id)


def test_unexpected_errors_show_a_details_toggle(wb: Workbench, monkeypatch: Any) -> None:
    def broken(**_: Any) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(wb.store, "list_requests", broken)
    wb.history.reload.click()
    error = wb.history.error
    assert error.message == "RuntimeError: disk on fire"
    assert error.toggle.layout.display is None and error.trace.layout.display == "none"
    error.toggle.value = True
    assert error.trace.layout.display is None and "Traceback" in error.trace.value


# -- Dashboard --------------------------------------------------------------------------------------


def test_dashboard_draws_when_first_shown_and_a_map_click_opens_a_prompt(wb: Workbench) -> None:
    dash, store = wb.dashboard, wb.store
    assert dash.stale and not dash.charts
    wb.widget.selected_index = wb.tabs.index(dash)
    assert not dash.stale, dash.error.message
    assert set(dash.charts) == set(charts.CHARTS)
    assert dash.map_view is not None and dash.grid_view is not None
    picked = store.list_prompts(limit=1)[0]
    # What the browser sends when a point is clicked (see altair's JupyterChart).
    dash.map_view._vl_selections = {
        charts.PICK: {"value": {"vlPoint": {"or": [{"prompt_id": picked.id}]}}, "store": []}
    }
    assert dash.picked_id == picked.id and "Lineage of prompt" in dash.picked.value
    dash.open_button.click()
    assert wb.widget.selected_index == wb.tabs.index(wb.compare) and picked.id in [
        c.prompt.id for c in wb.compare.cards
    ]


def test_dashboard_filters_and_refresh_after_generate(wb: Workbench) -> None:
    dash = wb.dashboard
    dash.phase.value = "solutio"
    dash.button.click()
    data = next(iter(dash.charts["score"].to_dict()["datasets"].values()))
    assert [row["phase"] for row in data] == ["solutio"]
    wb.select(dash)
    wb.generate.idea.value = "Draft interview questions for a backend engineer"
    wb.generate.count.value = 1
    wb.generate.button.click()
    data = next(iter(dash.charts["tokens"].to_dict()["datasets"].values()))
    assert len({row["time"] for row in data}) == 3  # redrawn with the new request


# -- Long work ----------------------------------------------------------------------------------------


def test_launch_without_a_loop_finishes_before_returning() -> None:
    got: list[Any] = []

    async def work() -> int:
        await asyncio.sleep(0)
        return 7

    assert launch(work, got.append, got.append) is None
    assert got == [7]


async def test_launch_in_a_running_loop_is_a_task_that_never_raises() -> None:
    got: list[Any] = []

    async def boom() -> int:
        raise ValidationError("bad input")

    task = launch(boom, got.append, got.append)
    assert task is not None and not got  # the kernel stays responsive: nothing ran yet
    await task
    assert len(got) == 1 and isinstance(got[0], ValidationError)


def test_error_line_for_expected_errors_has_no_traceback() -> None:
    line = ErrorLine()
    line.show(ValidationError("count must be <b>1</b> to 20"))
    assert "&lt;b&gt;" in line.line.value and line.trace.value == ""
    line.clear()
    assert line.message == "" and line.line.value == ""
