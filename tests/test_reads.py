"""Tests for alchemy_kit.store.reads: user SQL is truly read-only; sqlite-utils keeps working with pandas."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import loaded_by

from alchemy_kit import records as r
from alchemy_kit.errors import ValidationError
from alchemy_kit.store import Store, open_store

# Each of these would change the database (or another file) if it ran.
WRITES = [
    "WITH x AS (SELECT 1) DELETE FROM prompts",
    "WITH x AS (SELECT 1) UPDATE prompts SET score = 0",
    "WITH x AS (SELECT 1) INSERT INTO tags(id, prompt_id, tag) SELECT id, id, 'x' FROM prompts",
    "DELETE FROM prompts RETURNING id",
    "SELECT 1; DELETE FROM prompts",
    "SELECT * FROM prompts; DROP TABLE tags",
    "ATTACH DATABASE '{other}' AS other",
    "PRAGMA user_version = 7",
    "PRAGMA journal_mode = DELETE",
    "PRAGMA foreign_keys = OFF",
    "PRAGMA writable_schema = ON",
    "CREATE TABLE extra (a)",
    "CREATE TEMP TABLE scratch AS SELECT * FROM prompts",
    "VACUUM INTO '{other}'",
    "BEGIN IMMEDIATE",
    "SELECT load_extension('nothing')",
    "REPLACE INTO configurations(key, value, type) VALUES ('k', '1', 'number')",
]


def _fingerprint(store: Store) -> tuple[dict[str, int], int, str]:
    store.checkpoint()
    assert store.path is not None
    digest = hashlib.sha256(store.path.read_bytes()).hexdigest()
    version = store.conn.execute("PRAGMA user_version").fetchone()[0]
    return store.counts(), version, digest


@pytest.fixture
def filled(db_path: Path) -> Store:
    store = open_store(db_path)
    req = r.Request(input="an idea", count=1)
    p = r.Prompt(content="a prompt", phase="coagulatio", provider="local", model="m")
    p.request_id = req.id
    store.add([req], [p], [r.Tag(prompt_id=p.id, tag="t")])
    return store


@pytest.mark.parametrize("sql", WRITES)
def test_query_refuses_every_write(filled: Store, sql: str, tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    sql = sql.format(other=other)
    before = _fingerprint(filled)
    with pytest.raises(ValidationError):
        filled.query(sql)
    with pytest.raises(ValidationError):
        filled.dataframe(
            sql if sql.lstrip().upper().startswith(("SELECT", "WITH")) else "SELECT 1; " + sql
        )
    assert _fingerprint(filled) == before
    assert not other.exists()
    # the store itself still writes normally afterwards
    filled.set_config("user.after", 1)


@pytest.mark.parametrize("sql", WRITES)
def test_in_memory_store_refuses_writes_and_stays_writable(sql: str, tmp_path: Path) -> None:
    store = open_store(":memory:")
    store.add([r.Request(input="an idea", count=1)])
    with pytest.raises(ValidationError):
        store.query(sql.format(other=tmp_path / "other.db"))
    assert store.counts()["prompt_requests"] == 1
    assert store.conn.execute("PRAGMA query_only").fetchone()[0] == 0
    store.add([r.Request(input="another idea", count=1)])  # the guard is lifted afterwards
    assert store.counts()["prompt_requests"] == 2


def test_reads_still_work(filled: Store) -> None:
    assert filled.query("SELECT count(*) AS n FROM prompts") == [{"n": 1}]
    rows = filled.query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3) SELECT i FROM n"
    )
    assert [row["i"] for row in rows] == [1, 2, 3]
    cols = filled.query("SELECT name FROM pragma_table_info('tags') ORDER BY cid")
    assert [c["name"] for c in cols] == ["id", "prompt_id", "tag", "created_at"]
    assert filled.query("SELECT tag FROM tags WHERE tag = :t", {"t": "t"}) == [{"tag": "t"}]
    df = filled.dataframe(
        "SELECT p.content, t.tag FROM prompts p JOIN tags t ON t.prompt_id = p.id"
    )
    assert df.to_dict("records") == [{"content": "a prompt", "tag": "t"}]
    assert list(filled.dataframe("tags")["tag"]) == ["t"]


def test_query_sees_rows_written_a_moment_ago(filled: Store) -> None:
    filled.add([r.Request(input="fresh", count=1)])
    assert filled.query("SELECT count(*) AS n FROM prompt_requests")[0]["n"] == 2


def test_pandas_values_still_insert_through_sqlite_utils_after_import(tmp_path: Path) -> None:
    """Importing and using alchemy_kit leaves sqlite-utils' pandas support intact, whatever the order."""
    code = f"""
import alchemy_kit, alchemy_kit.store
from alchemy_kit.store import open_store
store = open_store({str(tmp_path / "a.db")!r})
store.db["x"].insert({{"a": 1}})  # sqlite-utils imported through the store
import pandas as pd
import sqlite_utils
db = sqlite_utils.Database({str(tmp_path / "b.db")!r})
db["events"].insert({{"when": pd.Timestamp("2026-01-02 03:04:05"), "n": 1}})
print(list(db["events"].rows)[0]["when"])
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "2026-01-02T03:04:05"


def test_opening_an_up_to_date_store_does_not_import_sqlite_utils(db_path: Path) -> None:
    open_store(db_path).close()  # create and migrate once
    code = (
        "from alchemy_kit.store import open_store; "
        f"s = open_store({str(db_path)!r}); s.counts(); s.query('SELECT 1')"
    )
    assert loaded_by(code, ["sqlite_utils", "pandas"]) == []
