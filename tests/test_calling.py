"""The public API's one rule for `store` (store/calling.py) and its explicit signatures."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

import alchemy_kit as ak
from alchemy_kit.store import Store

# Rewritten by the evaluation work (issue 22.5), which applies the same rule to them.
NOT_YET: set[str] = set()


def _public_functions() -> dict[str, object]:
    return {
        name: getattr(ak, name)
        for name in ak.__all__
        if inspect.isfunction(getattr(ak, name)) or inspect.iscoroutinefunction(getattr(ak, name))
    }


def test_every_function_taking_a_store_follows_the_rule() -> None:
    taking = {
        name: fn
        for name, fn in _public_functions().items()
        if "store" in inspect.signature(fn).parameters  # type: ignore[arg-type]
    }
    assert {"generate", "search_prompts", "judge", "import_", "run_batch", "picks"} <= set(taking)
    unwrapped = sorted(n for n, fn in taking.items() if not hasattr(fn, "__wrapped__"))
    assert set(unwrapped) <= NOT_YET, unwrapped
    for name, fn in taking.items():
        params = list(inspect.signature(fn).parameters)  # type: ignore[arg-type]
        # store comes first, except where the default database lets it be left out
        # (those that can work on the default database take it as store= after their subject)
        default_db = {"generate", "agenerate", "evaluate", "aevaluate", "eval_report", "aoptimize"}
        default_db |= {"optimize"}
        assert params[0] == "store" or name in default_db, name


@pytest.mark.parametrize(
    "name", ["generate", "judge", "judge_pair", "import_", "run_batch", "optimize"]
)
def test_help_shows_every_option(name: str) -> None:
    fn = getattr(ak, name)
    params = inspect.signature(fn).parameters
    assert not any(p.kind is p.VAR_KEYWORD for p in params.values()), name
    assert fn.__doc__ and len(fn.__doc__.splitlines()) > 3, name
    wanted = {
        "generate": {"count", "persona", "provider", "temperature", "seed", "embed"},
        "judge": {"provider", "model", "samples"},
        "judge_pair": {"provider", "model"},
        "import_": {"tables", "on_conflict"},
        "run_batch": {"concurrency", "again", "count", "provider", "seed"},
        "optimize": {"store", "max_iterations", "target", "judge", "holdout", "replay"},
    }[name]
    assert wanted <= set(params), name


def test_optimize_takes_what_aoptimize_takes() -> None:
    # The sync wrapper spells out aoptimize's options (for help()); the two must not drift apart.
    from alchemy_kit.engine.optimize import aoptimize

    sync, run = inspect.signature(ak.optimize), inspect.signature(aoptimize)
    assert sync.parameters == run.parameters


def test_store_first_or_as_store_keyword_anywhere(db_path: Path) -> None:
    store = ak.open_store(db_path)
    first = ak.generate(store, "a haiku about rain", count=1, progress=False, embed=False)
    keyword = ak.generate("a haiku about snow", store=store, count=1, progress=False, embed=False)
    assert {first.request.id, keyword.request.id} == {q.id for q in store.list_requests()}
    a = ak.search_prompts(store, "haiku", mode="text")
    b = ak.search_prompts("haiku", store=store, mode="text")
    c = ak.search_prompts(store=store, query="haiku", mode="text")
    assert a.ids == b.ids == c.ids and a.ids
    assert ak.picks(store) == [] and ak.learn(store=store).stored is False


def test_a_misplaced_store_is_a_clear_type_error(db_path: Path) -> None:
    store = ak.open_store(db_path)
    made = ak.generate("a haiku about rain", store=store, count=1, progress=False, embed=False)
    pid = made.best.id
    cases = [
        (lambda: ak.search_prompts("haiku", store), "not as argument 2"),
        (lambda: ak.judge(pid, store), "not as argument 2"),
        (lambda: ak.pick_best(pid, store), "not as argument 2"),
        (lambda: ak.generate("idea", store, count=1), "not as argument 2"),
        (lambda: ak.export(pid, out=store), "not as out="),
        (lambda: ak.search_prompts(store, "haiku", store=store), "got the store twice"),
        (lambda: ak.learn("my.db"), "takes the store first"),
    ]
    for call, message in cases:
        with pytest.raises(TypeError, match=message) as failure:
            call()
        assert "ak." in str(failure.value) or "twice" in str(failure.value)
    assert isinstance(store, Store) and store.counts()["prompt_requests"] == 1


def test_picks_by_researcher(db_path: Path) -> None:
    store = ak.open_store(db_path)
    made = ak.generate("a haiku about rain", store=store, count=2, progress=False, embed=False)
    one, two = made.by_phase("coagulatio")[:2]
    ak.pick_best(store, one.id, who="ada")
    ak.thumb(store, two.id, up=False, who="bo")
    assert {p.who for p in ak.picks(store)} == {"ada", "bo"}
    assert [p.kind for p in ak.picks(store, by="bo")] == ["thumb"]
    assert all(p.who == "ada" for p in ak.picks(store, by="ada"))
    assert ak.picks(store, prompt_ids=[two.id], by="bo")[0].prompt_id == two.id
