"""Tests for alchemy_kit.scoring.rank and the rank-keeping triggers: ranks always follow scores."""

from __future__ import annotations

import itertools
import random
import sqlite3
import uuid
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


# -- ranks equal a reference re-rank after every write, whoever writes (m009's shortcut included) --

GROUPS = [(0, "solutio"), (0, "coagulatio"), (1, "solutio"), (None, "solutio")]
SCORES = [None, None, 0.25, 0.5, 0.5, 0.75, 1.0, 0.0]  # NULLs and ties: the order's hard cases


def _reference_ranks(conn: sqlite3.Connection) -> dict[int, int]:
    """rowid -> rank by the rule, computed in Python: best score first, NULL last, ties by rowid."""
    rows = conn.execute(
        "SELECT rowid, request_id, phase, score FROM prompts WHERE request_id IS NOT NULL"
    ).fetchall()
    groups: dict[tuple[str, str], list[tuple[float, int]]] = defaultdict(list)
    for rowid, req, phase, score in rows:
        groups[(req, phase)].append((-(score if score is not None else -1.0), rowid))
    return {
        rowid: i
        for members in groups.values()
        for i, (_, rowid) in enumerate(sorted(members), start=1)
    }


def _assert_ranks(conn: sqlite3.Connection, step: str) -> None:
    got = dict(conn.execute("SELECT rowid, rank FROM prompts WHERE request_id IS NOT NULL"))
    assert got == _reference_ranks(conn), step


_STAMPS = itertools.count()


def _stamp() -> str:
    """A canonical timestamp no earlier call returned."""
    n = next(_STAMPS)
    return f"2026-01-01T{n // 3_600_000 % 24:02d}:{n // 60_000 % 60:02d}:{n // 1000 % 60:02d}.{n % 1000:03d}Z"


def _uid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _requests(store: Store, rng: random.Random) -> list[str]:
    reqs = [r.Request(input=f"idea {i}", id=_uid(rng)) for i in range(2)]
    store.add(reqs)
    return [q.id for q in reqs]


_INSERT = (
    "INSERT INTO prompts (id, content, phase, provider, model, request_id, score, rank)"
    " VALUES (?, 'c', ?, 'local', 'm', ?, ?, ?)"
)


def _raw_step(conn: sqlite3.Connection, rng: random.Random, reqs: list[str], k: int) -> str:
    """One random write through plain SQL; returns what it did (for the assertion message)."""

    def group() -> tuple[str | None, str]:
        i, phase = rng.choice(GROUPS)
        return (None if i is None else reqs[i]), phase

    def row_values() -> list[object]:
        req, phase = group()
        rank = rng.choice([None, None, rng.randint(1, 9)])  # imported or hand-written ranks
        return [_uid(rng), phase, req, rng.choice(SCORES), rank]

    # A fresh updated_at per UPDATE: with recursive triggers on, m001/m008's prompts_updated_at
    # fires itself again when `now` equals the stamp it replaces (same millisecond) and recurses
    # without end; that trigger is not what this test is about.
    stamp = f", updated_at = '{_stamp()}'"
    ids = [i for (i,) in conn.execute("SELECT id FROM prompts")]
    if not ids or k < 0.3:
        conn.execute(_INSERT, row_values())
        return "insert"
    pid = rng.choice(ids)
    if k < 0.4:
        conn.executemany(_INSERT, [row_values() for _ in range(rng.randint(2, 6))])
        return "executemany"
    if k < 0.45:  # an explicit rowid below the largest: the new row is not the group's last
        free = rng.randint(1, 10_000)
        if conn.execute("SELECT 1 FROM prompts WHERE rowid = ?", [free]).fetchone() is None:
            conn.execute(
                _INSERT.replace("(id,", "(rowid, id,").replace("(?,", "(?, ?,", 1),
                [free, *row_values()],
            )
        return "insert with rowid"
    if k < 0.6:
        conn.execute(f"UPDATE prompts SET score = ?{stamp} WHERE id = ?", [rng.choice(SCORES), pid])
        return "score"
    if k < 0.68:
        conn.execute(
            f"UPDATE prompts SET rank = ?{stamp} WHERE id = ?",
            [rng.choice([None, 1, 2, 5, 9]), pid],
        )
        return "rank by hand"
    if k < 0.72:
        req, phase = group()
        conn.execute(
            f"UPDATE prompts SET rank = 1{stamp} WHERE request_id IS ? AND phase = ?", [req, phase]
        )
        return "every rank of a group"
    if k < 0.8:
        req, phase = group()
        conn.execute(
            f"UPDATE prompts SET request_id = ?, phase = ?{stamp} WHERE id = ?", [req, phase, pid]
        )
        return "move"
    if k < 0.85:
        conn.execute(
            "INSERT INTO prompts (id, content, phase, provider, model, request_id, score, rank)"
            " VALUES (?, 'c', 'solutio', 'local', 'm', ?, ?, ?) ON CONFLICT(id) DO UPDATE SET"
            f" score = excluded.score, rank = excluded.rank{stamp}",
            [pid, reqs[0], rng.choice(SCORES), rng.randint(1, 9)],
        )
        return "upsert"
    if k < 0.95:
        conn.execute("DELETE FROM prompts WHERE id = ?", [pid])
        return "delete"
    req, phase = group()
    conn.execute(
        "DELETE FROM prompts WHERE request_id IS ? AND phase = ? AND rowid % 2 = 0", [req, phase]
    )
    return "delete half a group"


@pytest.mark.parametrize("recursive", [False, True], ids=["sqlite3", "recursive-triggers"])
def test_ranks_follow_the_rule_after_every_raw_statement(db_path: Path, recursive: bool) -> None:
    """Plain sqlite3 (and sqlite-utils' recursive triggers): random mixed writes, checked each time."""
    rng = random.Random(20260)
    store = open_store(db_path)
    reqs = _requests(store, rng)
    store.close()
    conn = sqlite3.connect(db_path, isolation_level=None)  # autocommit: each statement its own
    conn.execute(f"PRAGMA recursive_triggers = {'ON' if recursive else 'OFF'}")
    for n in range(400):
        step = _raw_step(conn, rng, reqs, rng.random())
        _assert_ranks(conn, f"step {n}: {step}")
    if recursive:  # a REPLACE fires the delete triggers only with recursive triggers on
        for pid in rng.sample([i for (i,) in conn.execute("SELECT id FROM prompts")], 10):
            conn.execute(
                _INSERT.replace("INSERT", "INSERT OR REPLACE"),
                [pid, "solutio", reqs[1], rng.choice(SCORES), None],
            )
            _assert_ranks(conn, "replace")
    conn.execute("BEGIN")  # a transaction that is rolled back leaves the ranks as they were
    for _ in range(20):
        _raw_step(conn, rng, reqs, rng.random())
    conn.execute("ROLLBACK")
    _assert_ranks(conn, "rollback")
    assert conn.execute("SELECT count(*) FROM prompts WHERE request_id IS NOT NULL").fetchone()[0]


def test_ranks_follow_the_rule_after_every_store_call(store: Store) -> None:
    """The Store API: prompts added unscored (the pipeline) and scored, rescored and deleted."""
    rng = random.Random(7)
    reqs = _requests(store, rng)

    def prompt() -> r.Prompt:
        i, phase = rng.choice(GROUPS[:3])
        return r.Prompt("c", phase, "local", "m", request_id=reqs[i], score=rng.choice(SCORES))

    for n in range(200):
        ids = [p.id for p in store.list_prompts(limit=None)]
        k = rng.random()
        if not ids or k < 0.4:
            store.add_prompts([prompt() for _ in range(rng.randint(1, 8))])
        elif k < 0.7:
            store.update_prompt(rng.choice(ids), score=rng.choice(SCORES))
        elif k < 0.85:
            store._set_scores(
                [(pid, rng.choice(SCORES)) for pid in rng.sample(ids, min(3, len(ids)))]
            )
        else:
            store.delete_prompt(rng.choice(ids))
        _assert_ranks(store.conn, f"call {n}")
    assert store.check().ok


def test_unscored_prompts_appended_to_one_request_are_ranked_in_order(store: Store) -> None:
    """The pipeline's write (score NULL, newest rowid) takes the O(log n) path: 1..n in order."""
    req = r.Request(input="one big request")
    store.add([req])
    prompts = [r.Prompt(f"p{i}", "solutio", "local", "m", request_id=req.id) for i in range(500)]
    store.add_prompts(prompts[:250])
    store.add_prompts(prompts[250:])
    assert [store.ranks([p.id])[p.id] for p in prompts[::50]] == list(range(1, 501, 50))
    _assert_ranks(store.conn, "append")
    store.update_prompt(prompts[-1].id, score=0.5)  # scored: first, the rest move down one
    assert store.get_prompt(prompts[-1].id).rank == 1
    assert store.get_prompt(prompts[0].id).rank == 2
    _assert_ranks(store.conn, "score")


def test_sqlite_utils_writes_scored_prompts_into_a_ranked_group(db_path: Path) -> None:
    """sqlite-utils turns recursive triggers on: m008 then failed with 'too many levels of trigger
    recursion' on any insert or score change that moved two ranks or more."""
    import sqlite_utils

    store = open_store(db_path)
    req = r.Request(input="an idea")
    prompts = [r.Prompt(f"p{i}", "solutio", "local", "m", request_id=req.id) for i in range(4)]
    store.add([req], prompts)
    store.close()
    db = sqlite_utils.Database(db_path)  # recursive_triggers=True, its default
    new = r.Prompt("scored", "solutio", "local", "m", request_id=req.id, score=0.5)
    db["prompts"].insert({k: v for k, v in new.to_row().items() if v is not None})
    db["prompts"].update(prompts[3].id, {"score": 0.9, "updated_at": _stamp()})
    ranks = dict(db.execute("SELECT id, rank FROM prompts").fetchall())
    assert [ranks[p.id] for p in [*prompts, new]] == [3, 4, 5, 1, 2]
    _assert_ranks(db.conn, "sqlite-utils")
