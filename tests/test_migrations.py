"""Schema conformance with docs/schema.md (the seed) and migration behaviour."""

from __future__ import annotations

import hashlib
import re
import sqlite3
from pathlib import Path

import pytest
import sqlite_utils

from alchemy_kit.errors import NotADatabaseError, SchemaVersionError
from alchemy_kit.store import TABLES, open_store
from alchemy_kit.store import migrations as mig
from alchemy_kit.store.migrations_m007 import M007_SQL
from alchemy_kit.store.migrations_m009 import M009_SQL
from alchemy_kit.store.store import MIGRATION_NAMES

SCHEMA_MD = Path(__file__).resolve().parents[1] / "docs" / "schema.md"


def _seed_text() -> str:
    """docs/schema.md up to the section of additions: the seed document itself."""
    return SCHEMA_MD.read_text().split("\n## Additions by migration", 1)[0]


def seed_tables() -> dict[str, list[str]]:
    """Parse the mermaid erDiagram of the seed into {table: [columns]}."""
    text = _seed_text()
    out: dict[str, list[str]] = {}
    for name, body in re.findall(r"^\s{4}([A-Z_]+) \{\n(.*?)^\s{4}\}", text, re.M | re.S):
        out[name.lower()] = [line.split()[1] for line in body.strip().splitlines()]
    return out


def seed_indexes() -> dict[str, tuple[str, str]]:
    """Parse the CREATE INDEX statements of the seed into {name: (table, column)}."""
    text = _seed_text()
    return {
        name: (table, col)
        for name, table, col in re.findall(r"CREATE INDEX (\w+) ON (\w+)\((\w+)\)", text)
    }


def test_seed_parsed() -> None:
    tables = seed_tables()
    assert len(tables) == 8 and len(seed_indexes()) == 10
    assert tables["prompts"][0] == "id" and "rank" in tables["prompts"]


def test_every_seed_table_and_column_exists(db_path: Path) -> None:
    store = open_store(db_path)
    # the seed's eight tables, plus preferences (m003) and the evaluation tables (m007),
    # documented in docs/schema.md
    evaluation = {"cases", "eval_runs", "outputs", "model_calls"}
    assert set(TABLES) == set(seed_tables()) | {"preferences"} | evaluation
    for table, cols in seed_tables().items():
        actual = [c.name for c in store.db[table].columns]
        assert actual == cols, table


def test_every_seed_index_exists(db_path: Path) -> None:
    store = open_store(db_path)
    for name, (table, col) in seed_indexes().items():
        idx = {i.name: i for i in store.db[table].indexes}
        assert name in idx, name
        assert idx[name].columns == [col]


def test_only_the_eight_tables_hold_data(db_path: Path) -> None:
    store = open_store(db_path)
    names = set(store.db.table_names())
    extra = names - set(TABLES)
    # migrations bookkeeping and the FTS5 index (virtual table + its shadow tables) only
    assert all(n == "_sqlite_migrations" or n.startswith("prompts_fts") for n in extra), extra


def test_pragmas(db_path: Path) -> None:
    store = open_store(db_path)
    conn = store.db.conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000


def test_apply_twice_is_noop(db_path: Path) -> None:
    store = open_store(db_path)
    before = store.db.execute("SELECT name, sql FROM sqlite_master ORDER BY name").fetchall()
    applied = store.applied_migrations()
    store.close()
    store = open_store(db_path)
    mig.migrations.apply(store.db)
    assert store.applied_migrations() == applied == list(MIGRATION_NAMES)
    assert (
        store.db.execute("SELECT name, sql FROM sqlite_master ORDER BY name").fetchall() == before
    )


def test_m001_database_upgrades_cleanly(db_path: Path) -> None:
    # Build a database that only has m001, with data, as an older release would have left it.
    db = sqlite_utils.Database(db_path)
    mig.migrations.apply(db, stop_before="m002_prompts_fts")
    assert [m.name for m in mig.migrations.applied(db)] == ["m001_initial"]
    db.execute(
        "INSERT INTO prompts (id, content, phase, provider, model) VALUES (?, ?, ?, ?, ?)",
        ["6f1c1f0e-5d5b-4c1a-9d7e-0c6f7a1b2c3d", "legacy alembic notes", "solutio", "local", "m"],
    )
    db.conn.commit()
    db.close()
    store = open_store(db_path)
    assert store.applied_migrations() == list(MIGRATION_NAMES)
    # m002 back-filled the FTS index from rows written before it existed
    hits = store.query("SELECT rowid FROM prompts_fts WHERE prompts_fts MATCH 'alembic'")
    assert len(hits) == 1


def test_landed_migrations_are_frozen() -> None:
    # Never edit a landed migration: add m00N instead. Update these digests only for a new migration.
    digest = {
        "m001": hashlib.sha256(mig.M001_SQL.encode()).hexdigest()[:16],
        "m002": hashlib.sha256(mig.M002_SQL.encode()).hexdigest()[:16],
        "m003": hashlib.sha256(mig.M003_SQL.encode()).hexdigest()[:16],
        "m004": hashlib.sha256(mig.M004_SQL.encode()).hexdigest()[:16],
        "m005": hashlib.sha256("\n".join(mig._m005_statements()).encode()).hexdigest()[:16],
        "m006": hashlib.sha256(mig.M006_SQL.encode()).hexdigest()[:16],
        "m008": hashlib.sha256(mig.M008_SQL.encode()).hexdigest()[:16],
        "m007": hashlib.sha256(M007_SQL.encode()).hexdigest()[:16],
        "m009": hashlib.sha256(M009_SQL.encode()).hexdigest()[:16],
    }
    assert digest == FROZEN


FROZEN = {
    "m001": "20c606ac383484f5",
    "m002": "390164064a4e00fb",
    "m003": "bf19bb14bf061ec8",
    "m004": "15387207d9818bc8",
    "m005": "3f7cca43fe498332",
    "m006": "794bb91696ea06e9",
    "m008": "c763ef260178d906",
    "m007": "de039bf03eb195ba",
    "m009": "c9819ac24fc1dabf",
}


def test_newer_database_is_refused_and_untouched(db_path: Path) -> None:
    store = open_store(db_path)
    store.db["_sqlite_migrations"].insert(
        {"migration_set": "alchemy_kit", "name": "m999_future", "applied_at": "2099-01-01"}
    )
    store.close()
    size = db_path.stat().st_size
    with pytest.raises(SchemaVersionError, match="newer alchemy_kit"):
        open_store(db_path)
    assert db_path.stat().st_size == size


def test_not_a_database(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.db"
    bogus.write_bytes(b"this is plainly not sqlite" * 100)
    with pytest.raises(NotADatabaseError, match="not an SQLite database"):
        open_store(bogus)
    assert bogus.read_bytes() == b"this is plainly not sqlite" * 100


def test_raw_connection_without_pragma_still_checks(db_path: Path) -> None:
    open_store(db_path).close()
    conn = sqlite3.connect(db_path)
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute(
            "INSERT INTO prompts (id, content, phase, provider, model) VALUES (?,?,?,?,?)",
            ["6f1c1f0e-5d5b-4c1a-9d7e-0c6f7a1b2c3d", "x", "nigredo", "local", "m"],
        )


def test_migration_names_listed_in_the_store_match_the_migrations() -> None:
    # The store checks for pending migrations without importing sqlite-utils, from its own list.
    assert mig.migration_names() == MIGRATION_NAMES


def test_additions_are_documented(db_path: Path) -> None:
    store = open_store(db_path)
    additions = SCHEMA_MD.read_text().split("\n## Additions by migration", 1)[1]
    for table in set(TABLES) - set(seed_tables()):
        assert f"`{table}`" in additions, table
        for col in store.db[table].columns:
            assert f"| {col.name} |" in additions, (table, col.name)


def _prompt_sql(pid: str, content: str, created: str = "2026-01-02T03:04:05.678Z") -> tuple:
    return (
        "INSERT INTO prompts (id, content, phase, provider, model, created_at, updated_at)"
        " VALUES (?, ?, 'solutio', 'local', 'm', ?, ?)",
        [pid, content, created, created],
    )


PID = "6f1c1f0e-5d5b-4c1a-9d7e-0c6f7a1b2c3d"
PID2 = "7a2d2f1e-6e6c-4d2b-8e8f-1d7e8b2c3d4e"


def test_sqlite_utils_search_finds_prompts(db_path: Path) -> None:
    from click.testing import CliRunner
    from sqlite_utils.cli import cli as sqlite_utils_cli

    store = open_store(db_path)
    store.conn.execute(*_prompt_sql(PID, "notes on the alembic and the retort"))
    store.conn.execute(*_prompt_sql(PID2, "a haiku about autumn"))
    store.close()
    assert sqlite_utils.Database(db_path)["prompts"].detect_fts() == "prompts_fts"
    result = CliRunner().invoke(
        sqlite_utils_cli, ["search", str(db_path), "prompts", "alembic", "-c", "id", "--csv"]
    )
    assert result.exit_code == 0, result.output
    assert result.output.split() == ["id", PID]


async def test_datasette_without_metadata_supports_search(db_path: Path) -> None:
    from datasette.app import Datasette

    store = open_store(db_path)
    store.conn.execute(*_prompt_sql(PID, "notes on the alembic and the retort"))
    store.conn.execute(*_prompt_sql(PID2, "a haiku about autumn"))
    store.checkpoint()
    store.close()
    ds = Datasette(files=[str(db_path)])  # no metadata: Datasette must detect prompts_fts itself
    resp = await ds.client.get(f"/{db_path.stem}/prompts.json?_search=retort&_shape=array")
    assert resp.status_code == 200
    assert [row["id"] for row in resp.json()] == [PID]
    everything = await ds.client.get(f"/{db_path.stem}/prompts.json?_shape=array")
    assert len(everything.json()) == 2


def test_m004_rebuilds_the_index_with_its_triggers(db_path: Path) -> None:
    db = sqlite_utils.Database(db_path)
    mig.migrations.apply(db, stop_before="m004_prompts_fts_detectable")
    db.execute(*_prompt_sql(PID, "legacy alembic notes"))
    db.conn.commit()
    assert db["prompts"].detect_fts() is None  # content='prompts' hid it from sqlite-utils
    db.close()
    store = open_store(db_path)
    ddl = store.conn.execute("SELECT sql FROM sqlite_master WHERE name = 'prompts_fts'").fetchone()
    assert 'content="prompts"' in ddl[0] and "porter" in ddl[0]
    match = "SELECT rowid FROM prompts_fts WHERE prompts_fts MATCH ?"
    assert len(store.query(match, ["alembic"])) == 1  # rows from before were indexed
    store.conn.execute(*_prompt_sql(PID2, "fresh retort"))  # the triggers survived
    assert len(store.query(match, ["retort"])) == 1
    store.update_prompt(PID2, content="fresh crucible")
    assert len(store.query(match, ["retort"])) == 0 and len(store.query(match, ["crucible"])) == 1
    store.delete_prompt(PID2)
    assert len(store.query(match, ["crucible"])) == 0
    assert store.check().ok


def test_m005_rewrites_every_timestamp_in_the_canonical_form(db_path: Path) -> None:
    db = sqlite_utils.Database(db_path)
    mig.migrations.apply(db, stop_before="m005_canonical_timestamps")
    db.execute(*_prompt_sql(PID, "x", "2026-01-02T03:04:05+00:00"))
    db.execute("UPDATE prompts SET updated_at = '2026-01-02T03:04:09.123456Z' WHERE id = ?", [PID])
    db.execute(*_prompt_sql(PID2, "y", "2026-01-02T03:04:05.5Z"))
    db.execute("UPDATE prompts SET updated_at = '2026-01-02T03:04:07.000Z' WHERE id = ?", [PID2])
    db.execute(
        "INSERT INTO tags (id, prompt_id, tag, created_at) VALUES (?, ?, 't', ?)",
        ["8b3e3a2f-7f7d-4e3c-9f9a-2e8f9c3d4e5f", PID, "2026-01-02T03:04:05.9996+00:00"],
    )
    db.execute(
        "INSERT INTO configurations (key, value, type, updated_at) VALUES ('k', '1', 'number', ?)",
        ["2026-01-02T03:04:05+00:00"],
    )
    db.conn.commit()
    db.close()
    store = open_store(db_path)
    rows = store.query("SELECT id, created_at, updated_at FROM prompts ORDER BY rowid")
    assert [(r["created_at"], r["updated_at"]) for r in rows] == [
        ("2026-01-02T03:04:05.000Z", "2026-01-02T03:04:09.123Z"),
        # an already canonical updated_at is not bumped to the migration time by the trigger
        ("2026-01-02T03:04:05.500Z", "2026-01-02T03:04:07.000Z"),
    ]
    assert store.query("SELECT created_at FROM tags")[0]["created_at"] == "2026-01-02T03:04:06.000Z"
    assert store.get_config("k") == 1
    assert store.query("SELECT updated_at FROM configurations")[0]["updated_at"] == (
        "2026-01-02T03:04:05.000Z"
    )
    triggers = {
        r["name"] for r in store.query("SELECT name FROM sqlite_master WHERE type = 'trigger'")
    }
    assert {"prompts_updated_at", "configurations_updated_at"} <= triggers


def _m008_prompt(pid: str, request_id: str, score: float | None) -> tuple:
    return (
        "INSERT INTO prompts (id, content, phase, provider, model, request_id, score)"
        " VALUES (?, 'p', 'solutio', 'local', 'm', ?, ?)",
        [pid, request_id, score],
    )


def test_m008_database_upgrades_to_m009_ranks(db_path: Path) -> None:
    """A file at m008 with stale ranks: m009 re-derives them, and its triggers keep them after."""
    db = sqlite_utils.Database(db_path, recursive_triggers=False)
    mig.migrations.apply(db, stop_before="m009_rank_append")
    assert [m.name for m in mig.migrations.applied(db)][-1] == "m008_derived_ranks_and_batch_claims"
    req = "0b1c1f0e-5d5b-4c1a-9d7e-0c6f7a1b2c3d"
    db.execute(
        "INSERT INTO prompt_requests (id, input, phases, count) VALUES (?, 'x', '[\"solutio\"]', 3)",
        [req],
    )
    ids = [f"{i:08x}-5d5b-4c1a-9d7e-0c6f7a1b2c3d" for i in range(1, 5)]
    for pid, score in zip(ids, [None, 0.5, None, 0.9], strict=True):
        db.execute(*_m008_prompt(pid, req, score))
    # Ranks left stale by a writer that got past the triggers (one set aside and restored).
    (move_sql,) = db.execute(
        "SELECT sql FROM sqlite_master WHERE name = 'prompts_rank_on_move'"
    ).fetchone()
    db.execute("DROP TRIGGER prompts_rank_on_move")
    db.execute("UPDATE prompts SET rank = 1")
    db.execute(move_sql)
    db.conn.commit()
    db.close()
    store = open_store(db_path)
    assert store.applied_migrations() == list(MIGRATION_NAMES)
    assert MIGRATION_NAMES[-1] == "m009_rank_append"
    ranks = dict(store.conn.execute("SELECT id, rank FROM prompts"))
    assert [ranks[i] for i in ids] == [3, 2, 4, 1]
    names = {n for (n,) in store.conn.execute("SELECT name FROM sqlite_master")}
    assert {"prompts_rank_on_append", "idx_prompts_request_phase_rank"} <= names
    store.conn.execute(*_m008_prompt(PID, req, None))  # unscored: last, by the shortcut
    store.conn.execute(*_m008_prompt(PID2, req, 0.7))  # scored: the group re-ranks
    ranks = dict(store.conn.execute("SELECT id, rank FROM prompts"))
    assert [ranks[i] for i in [*ids, PID, PID2]] == [4, 3, 5, 1, 6, 2]
    assert store.check().ok
