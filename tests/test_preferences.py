"""Tests for alchemy_kit.scoring.preferences and the preferences table (m003): picks and their CHECKs."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

import alchemy_kit as ak
from alchemy_kit import records as r
from alchemy_kit.store import Store, open_store


@pytest.fixture
def store(db_path: Path) -> Store:
    return open_store(db_path)


@pytest.fixture
def trio(store: Store) -> list[r.Prompt]:
    res = ak.generate(
        "Draft a polite reminder about an unpaid invoice",
        count=3,
        phases=["coagulatio"],
        store=store,
        embed=False,
        progress=False,
    )
    return res.prompts


def test_every_kind_of_pick_is_recorded_and_attributed(store: Store, trio: list[r.Prompt]) -> None:
    a, b, c = trio
    pair = ak.prefer(store, a.id, b.id, who="ana", shown_order=[b.id, a.id], note="clearer")
    tie = ak.prefer(store, b.id, c.id, who="bo", tie=True)
    up = ak.thumb(store, c.id, True, who="ana")
    star = ak.rate(store, a.id, 5, who="bo")
    rows = {p.id: p for p in store.preferences()}
    assert rows[pair.id].shown_order == [b.id, a.id] and rows[pair.id].note == "clearer"
    assert (rows[tie.id].kind, rows[tie.id].value) == ("pairwise", 0)
    assert (rows[up.id].kind, rows[up.id].value, rows[star.id].value) == ("thumb", 1, 5)
    assert {p.who for p in store.preferences()} == {"ana", "bo"}
    assert all(p.created_at.endswith("Z") for p in rows.values())
    assert len(store.preferences(who="ana")) == 2
    assert len(store.preferences(prompt_ids=[c.id])) == 2


def test_best_of_phase_and_undo(store: Store, trio: list[r.Prompt]) -> None:
    made = ak.pick_best(store, trio[2].id, who="ana")
    assert {p.other_prompt_id for p in made} == {trio[0].id, trio[1].id}
    ak.undo_pick(store, made[0].id)
    assert len(store.preferences()) == 1
    with pytest.raises(ak.NotFoundError):
        ak.undo_pick(store, made[0].id)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda s, p: ak.prefer(s, p[0].id, p[0].id), "two different prompts"),
        (lambda s, p: ak.rate(s, p[0].id, 6), "rating pick takes a value"),
        (lambda s, p: ak.rate(s, p[0].id, True), "rating pick takes a value"),
        (lambda s, p: ak.thumb(s, p[0].id, True, who="  "), "who must name"),
        (lambda s, p: ak.prefer(s, p[0].id, "not-an-id"), "no prompt"),
    ],
)
def test_bad_picks_are_refused_and_nothing_is_written(store: Store, trio, call, match) -> None:
    with pytest.raises(ak.AlchemyError, match=match):
        call(store, trio)
    assert store.preferences() == []


@pytest.mark.parametrize(
    "row",
    [
        {"kind": "pairwise", "value": 1, "other": None},  # pairwise needs the other prompt
        {"kind": "pairwise", "value": 2, "other": "b"},
        {"kind": "pairwise", "value": 1, "other": "a"},  # itself
        {"kind": "thumb", "value": 0, "other": None},
        {"kind": "thumb", "value": 1, "other": "b"},
        {"kind": "rating", "value": 6, "other": None},
        {"kind": "stars", "value": 3, "other": None},
        {"kind": "rating", "value": 3, "other": None, "who": ""},
        {"kind": "rating", "value": 3, "other": None, "prompt": r.new_id()},  # no such prompt
        {"kind": "rating", "value": 3, "other": None, "id": "not-a-uuid"},
        {"kind": "rating", "value": 3, "other": None, "created_at": "yesterday"},
    ],
)
def test_sql_checks_reject_bad_rows(store: Store, trio: list[r.Prompt], row: dict) -> None:
    ids = {"a": trio[0].id, "b": trio[1].id, None: None}
    with pytest.raises(sqlite3.IntegrityError):
        store.conn.execute(
            "INSERT INTO preferences (id, kind, prompt_id, other_prompt_id, value, who, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                row.get("id", r.new_id()),
                row["kind"],
                row.get("prompt", trio[0].id),
                ids[row["other"]],
                row["value"],
                row.get("who", "ana"),
                row.get("created_at", r.now()),
            ],
        )


def test_picks_go_with_their_prompts(store: Store, trio: list[r.Prompt]) -> None:
    ak.prefer(store, trio[0].id, trio[1].id, who="ana")
    ak.rate(store, trio[1].id, 2, who="ana")
    store.delete_prompt(trio[1].id)
    assert store.preferences() == []  # ON DELETE CASCADE from either side


def test_a_pick_and_the_scores_it_changes_land_together(
    store: Store, trio: list[r.Prompt], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Interrupted while re-scoring, a pick is not left behind beside scores that ignore it."""
    from alchemy_kit.scoring import preferences

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(preferences, "rescore", interrupted)
    with pytest.raises(KeyboardInterrupt):
        ak.thumb(store, trio[2].id, True, who="ana")
    assert store.preferences() == []
    monkeypatch.undo()
    made = ak.thumb(store, trio[2].id, True, who="ana")
    with monkeypatch.context() as m:
        m.setattr(preferences, "rescore", interrupted)
        with pytest.raises(KeyboardInterrupt):
            ak.undo_pick(store, made.id)
    assert [p.id for p in store.preferences()] == [made.id]
