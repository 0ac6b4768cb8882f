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
from alchemy_kit.store.store import MIGRATION_NAMES

SCHEMA_MD = Path(__file__).resolve().parents[1] / "docs" / "schema.md"


def seed_tables() -> dict[str, list[str]]:
    """Parse the mermaid erDiagram of the seed into {table: [columns]}."""
    text = SCHEMA_MD.read_text()
    out: dict[str, list[str]] = {}
    for name, body in re.findall(r"^\s{4}([A-Z_]+) \{\n(.*?)^\s{4}\}", text, re.M | re.S):
        out[name.lower()] = [line.split()[1] for line in body.strip().splitlines()]
    return out


def seed_indexes() -> dict[str, tuple[str, str]]:
    """Parse the CREATE INDEX statements of the seed into {name: (table, column)}."""
    text = SCHEMA_MD.read_text()
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
    assert set(TABLES) == set(seed_tables())
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
        "m006": hashlib.sha256(mig.M006_SQL.encode()).hexdigest()[:16],
    }
    assert digest == FROZEN


FROZEN = {"m001": "20c606ac383484f5", "m002": "390164064a4e00fb", "m006": "794bb91696ea06e9"}


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


def test_default_path_and_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert open_store().path == tmp_path / "data" / "alchemy.db"
    monkeypatch.setenv("ALCHEMY_DB", str(tmp_path / "env.db"))
    assert open_store().path == tmp_path / "env.db"
    assert open_store(tmp_path / "arg.db").path == tmp_path / "arg.db"


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
