"""Derived schema objects and ranks (store/derived.py): `db check` finds what is lost, --fix rebuilds it."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

import alchemy_kit as ak
from alchemy_kit.cli.main import cli
from alchemy_kit.errors import StoreError
from alchemy_kit.store import open_store


@pytest.fixture
def db(db_path: Path) -> Path:
    with open_store(db_path) as store:
        ak.generate(
            "Summarise a clinical trial for patients",
            store=store,
            count=3,
            progress=False,
            embed=False,
        )
    return db_path


def _raw(db: Path, *sql: str) -> None:
    conn = sqlite3.connect(db)
    for statement in sql:
        conn.execute(statement)
    conn.commit()
    conn.close()


def _check(db: Path, *args: str) -> tuple[int, dict]:
    res = CliRunner().invoke(cli, ["db", "check", "--json", *args, "-d", str(db)])
    return res.exit_code, json.loads(res.output)


# Each way a derived object goes missing, including every FTS shadow table on its own.
LOSSES = [
    "DROP TABLE prompts_fts",
    "DROP TABLE prompts_fts_data",
    "DROP TABLE prompts_fts_docsize",
    "DROP TABLE prompts_fts_config",
    "DROP TRIGGER prompts_fts_ai",
    "DROP TRIGGER prompts_rank_on_score",
    "DROP TRIGGER prompt_requests_batch_claim",
    "DROP INDEX idx_prompts_request_phase",
    "DROP INDEX idx_prompt_requests_batch_key",
    "DROP INDEX idx_prompt_requests_unfinished",
]


@pytest.mark.parametrize("loss", LOSSES)
def test_a_lost_derived_object_is_found_and_rebuilt(db: Path, loss: str) -> None:
    _raw(db, loss)
    code, report = _check(db)
    assert code == 1 and report["schema"] != ["ok"], report
    code, fixed = _check(db, "--fix", "--yes")
    assert code == 0 and fixed["ok"] and fixed["fixed"], fixed
    with open_store(db) as store:  # writes and text search work again
        ak.generate(
            "Plan a team offsite for twelve people",
            store=store,
            count=1,
            progress=False,
            embed=False,
        )
        assert store.check().ok
        assert len(ak.search_prompts(store, "offsite", mode="text")) > 0


def test_a_changed_trigger_is_replaced_with_its_migration(db: Path) -> None:
    _raw(
        db,
        "DROP TRIGGER prompts_rank_on_insert",
        "CREATE TRIGGER prompts_rank_on_insert AFTER INSERT ON prompts BEGIN SELECT 1; END",
    )
    _, report = _check(db)
    assert report["schema"] == ["trigger prompts_rank_on_insert is changed"]
    assert _check(db, "--fix", "--yes")[1]["ok"]


def test_writes_without_the_index_say_how_to_repair(db: Path) -> None:
    _raw(db, "DROP TABLE prompts_fts")
    with open_store(db) as store, pytest.raises(StoreError, match="db check --fix"):
        ak.generate("Plan a team offsite", store=store, count=1, progress=False, embed=False)
    res = CliRunner().invoke(cli, ["db", "migrate", "-d", str(db)])
    assert "run `alchemy db check --fix`" in res.output


def test_a_lost_data_table_is_recreated_empty_and_reported_as_lost_rows(db: Path) -> None:
    _raw(db, "PRAGMA foreign_keys = OFF", "DROP TABLE search_history")
    code, report = _check(db)
    assert code == 1 and "table search_history is missing: its rows are lost" in report["schema"][0]
    code, fixed = _check(db, "--fix", "--yes")
    assert code == 0 and fixed["fixed"][0] == "recreate search_history empty (the rows are lost)"
    with open_store(db) as store:
        assert len(ak.search_prompts(store, "trial", mode="text")) > 0  # and it is logged again
        assert store.counts()["search_history"] == 1


def test_ranks_that_are_not_the_permutation_by_score_are_found_and_rederived(db: Path) -> None:
    """Written past the triggers (as a tool that drops them, or an older file, could)."""
    _raw(
        db,
        "DROP TRIGGER prompts_rank_on_move",
        "UPDATE prompts SET rank = 1",
        "CREATE TRIGGER prompts_rank_on_move AFTER UPDATE OF rank, request_id, phase ON prompts"
        " BEGIN SELECT 1; END",
    )
    code, report = _check(db)
    assert code == 1 and len(report["ranks"]) == 3  # three phases, each ranked 1, 1, 1
    assert "ranks 1,1,1, expected 1,2,3" in report["ranks"][0]
    code, fixed = _check(db, "--fix", "--yes")
    assert code == 0 and fixed["ok"], fixed
    with open_store(db) as store:
        for phase in ak.PHASES:
            ranked = sorted(
                (p for p in store.list_prompts(limit=None) if p.phase == phase),
                key=lambda p: p.rank or 0,
            )
            assert [p.rank for p in ranked] == [1, 2, 3]
            assert [p.score for p in ranked] == sorted((p.score for p in ranked), reverse=True)


def test_inserted_ranks_are_rederived_by_the_database(db: Path) -> None:
    """Any writer: an insert with a made-up rank gets the derived one (m008)."""
    with open_store(db) as store:
        prompt = store.list_prompts(limit=1)[0]
    _raw(
        db,
        "INSERT INTO prompts (id, content, phase, provider, model, request_id, score, rank) VALUES"
        f" ('5a1c1f0e-5d5b-4c1a-9d7e-0c6f7a1b2c3d', 'x', '{prompt.phase}', 'local', 'm',"
        f" '{prompt.request_id}', 0.0, 1)",
    )
    assert _check(db)[1]["ranks"] == ["ok"]
    with open_store(db) as store:
        assert store.get_prompt("5a1c1f0e").rank == 4


def test_check_fix_json_prints_only_json(db: Path) -> None:
    _raw(db, "DROP INDEX idx_prompts_request_phase")
    res = CliRunner().invoke(cli, ["db", "check", "--fix", "--json", "-d", str(db)], input="y\n")
    assert res.exit_code == 0
    body = res.stdout[res.stdout.index("{") :]  # click's test runner mixes the prompt in
    assert json.loads(body)["fixed"] == ["rebuild idx_prompts_request_phase"]
