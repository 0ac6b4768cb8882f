"""Tests for alchemy_kit.scoring.rank and the rank-keeping triggers: ranks always follow scores."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

import alchemy_kit as ak
from alchemy_kit import records as r
from alchemy_kit.scoring.rank import blend, human_scores
from alchemy_kit.store import Store, open_store


@pytest.fixture
def store(db_path: Path) -> Store:
    return open_store(db_path)


def _ranks_are_permutations(store: Store) -> None:
    groups: dict[tuple[str, str], list[int | None]] = defaultdict(list)
    for p in store.list_prompts(limit=None):
        if p.request_id:
            groups[(p.request_id, p.phase)].append(p.rank)
    assert groups
    for ranks in groups.values():
        assert sorted(ranks) == list(range(1, len(ranks) + 1)), ranks  # type: ignore[type-var]


def _ordered_by_score(store: Store, request_id: str, phase: str) -> None:
    prompts = store.list_prompts(request_id=request_id, phase=phase, limit=None)
    by_rank = sorted(prompts, key=lambda p: p.rank or 0)
    scores = [p.score if p.score is not None else -1 for p in by_rank]
    assert scores == sorted(scores, reverse=True)


def test_ranks_stay_a_permutation_after_every_kind_of_score_change(store: Store) -> None:
    res = ak.generate(
        "Plan a two-day team offsite for 12 engineers",
        count=3,
        store=store,
        seed=3,
        embed=False,
        progress=False,
    )
    _ranks_are_permutations(store)
    worst = max(res.by_phase("solutio"), key=lambda p: p.rank or 0)
    store.update_prompt(worst.id, score=1.0)  # the API
    assert store.get_prompt(worst.id).rank == 1
    _ranks_are_permutations(store)
    other = res.by_phase("coagulatio")[0]
    store.conn.execute("UPDATE prompts SET score = 0 WHERE id = ?", [other.id])  # raw SQL too
    assert store.get_prompt(other.id).rank == 3
    _ranks_are_permutations(store)
    store._set_scores([(p.id, None) for p in res.by_phase("prima-materia")[:1]])
    _ranks_are_permutations(store)
    store.delete_prompt(res.by_phase("coagulatio")[1].id)  # a gap closes
    _ranks_are_permutations(store)
    for phase in ak.PHASES:
        _ordered_by_score(store, res.request.id, phase)


def test_ranks_cannot_be_written_directly(store: Store) -> None:
    res = ak.generate(
        "Name a podcast about gardening",
        count=2,
        phases=["coagulatio"],
        store=store,
        embed=False,
        progress=False,
    )
    with pytest.raises(ak.ValidationError, match="ranks follow scores"):
        store.update_prompt(res.prompts[0].id, rank=2)


def test_picks_move_ranks_at_once(store: Store) -> None:
    res = ak.generate(
        "Write a limerick about a late train",
        count=3,
        phases=["coagulatio"],
        store=store,
        embed=False,
        progress=False,
    )
    last = max(res.prompts, key=lambda p: p.rank or 0)
    ak.pick_best(store, last.id, who="ana")
    assert store.get_prompt(last.id).rank == 1
    _ranks_are_permutations(store)
    for pick in store.preferences(who="ana"):
        ak.undo_pick(store, pick.id)
    assert store.get_prompt(last.id).rank == 3  # back to the scorer's order


def test_human_scores_and_blend() -> None:
    a, b, c = (r.new_id() for _ in range(3))
    picks = [
        r.Preference("pairwise", a, 1, "x", other_prompt_id=b),
        r.Preference("pairwise", a, 0, "x", other_prompt_id=c),  # a tie
        r.Preference("rating", b, 5, "x"),
        r.Preference("thumb", c, -1, "x"),
    ]
    h = human_scores(picks)
    assert h[a] == pytest.approx(0.75) and h[b] == pytest.approx(0.5)
    assert h[c] == pytest.approx(0.25)
    assert blend(0.6, None, None) == 0.6
    assert blend(0.6, 0.8, None) == pytest.approx(0.7)
    assert blend(0.6, 0.8, 0.0) == pytest.approx(0.35)


def test_quality_metric_carries_the_breakdown(store: Store) -> None:
    res = ak.generate(
        "Summarise a lease for a tenant",
        count=1,
        phases=["coagulatio"],
        store=store,
        embed=False,
        progress=False,
    )
    (quality,) = [m for m in store.metrics_for([res.prompts[0].id]) if m.metric_type == "quality"]
    assert quality.value == res.prompts[0].score
    assert quality.details["source"] == "scorer"
    assert set(quality.details["contributions"]) and "features" in quality.details


def test_eval_results_decide_ranks_and_text_only_breaks_ties(store: Store) -> None:
    from alchemy_kit import records_eval as ev
    from alchemy_kit.engine.evaluate import evaluate
    from alchemy_kit.scoring.rank import EVAL_TIEBREAK, evidence

    idea = "Answer customer support tickets in at most 30 words, apologising for the trouble"
    req = r.Request(input=idea, phases=["coagulatio"])
    # The text scorer prefers the fuller prompt; only the terse one makes the model apologise.
    fuller = r.Prompt(
        "You answer customer support tickets for a software company. Read the ticket, name the "
        "product area, and give the fix in at most 30 words, in plain language.",
        "coagulatio",
        "local",
        "m",
        request_id=req.id,
    )
    terse = r.Prompt(
        'Reply. Always mention "sorry".', "coagulatio", "local", "m", request_id=req.id
    )
    store.add([req], [fuller, terse])
    ak.rescore(store, [fuller.id, terse.id])
    assert store.get_prompt(fuller.id).rank == 1  # before any eval: the text decides
    tickets = ["My export fails with error 42", "Login loops forever", "Billing page is blank"]
    store.add_cases(
        [
            ev.Case(
                req.id,
                f"t{i}",
                vars={"ticket": t},
                assertions=[{"type": "icontains", "value": "sorry"}],
            )
            for i, t in enumerate(tickets)
        ]
    )
    evaluate(store, request=req.id)
    assert store.get_prompt(terse.id).rank == 1 and store.get_prompt(fuller.id).rank == 2
    sets = evidence(store, [fuller.id, terse.id])
    assert sets[terse.id] == "eval (3 graded outputs) + scorer (tie-break only)"
    ak.prefer(store, fuller.id, terse.id, who="ana")  # the researcher's pick still counts half
    assert "picks" in evidence(store, [fuller.id])[fuller.id]
    assert blend(0.2, None, None, 0.5) == pytest.approx(
        0.5 * (1 - EVAL_TIEBREAK) + 0.2 * EVAL_TIEBREAK
    )
    # two equal eval scores: the text evidence orders them; different ones: it never does
    assert blend(0.9, None, None, 0.5) > blend(0.1, None, None, 0.5)
    assert blend(1.0, 1.0, None, 0.499) < blend(0.0, 0.0, None, 0.5)


def test_setting_or_deleting_the_weights_re_derives_every_score(store: Store) -> None:
    """Weights stored by `config set`/`config delete` and the scores they give land together."""
    from alchemy_kit.engine.configured import delete_setting, set_setting
    from alchemy_kit.scoring.rank import rescore
    from alchemy_kit.scoring.scorer import WEIGHTS_KEY, default_weights

    ak.generate(
        "Plan a two-day team offsite for 12 engineers",
        store=store,
        count=3,
        progress=False,
        embed=False,
    )
    before = {p.id: p.score for p in store.list_prompts(limit=None)}
    flipped = default_weights().as_dict()
    flipped["coef"] = {k: -v for k, v in flipped["coef"].items()}
    set_setting(store, WEIGHTS_KEY, flipped)
    after = {p.id: p.score for p in store.list_prompts(limit=None)}
    assert after != before
    assert rescore(store) == after  # nothing left to re-derive
    delete_setting(store, WEIGHTS_KEY)
    restored = {p.id: p.score for p in store.list_prompts(limit=None)}
    assert restored == {k: pytest.approx(v, abs=1e-4) for k, v in before.items()}
