"""datasette-metadata.json: every table and column of the real schema described, canned queries run."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

import alchemy_kit as ak
from alchemy_kit.store import TABLES

METADATA_PATH = Path(__file__).resolve().parents[1] / "datasette-metadata.json"
DB_NAME = "alchemy"  # Datasette names a database by its file stem
# Values for canned-query parameters (`:name` in the SQL); Datasette sends "" for an empty field.
QUERY_PARAMS = {
    "tag": "legal",
    "phase": "",
    "persona": "",
    "request_id": "",
    "q": "checklist",
    "prompt_id": "",
    "min_similarity": "",
    "page": "",
}


@pytest.fixture(scope="module")
def metadata() -> dict[str, Any]:
    """The parsed metadata file."""
    return json.loads(METADATA_PATH.read_text(encoding="utf-8"))


@pytest.fixture
def db_meta(metadata: dict[str, Any]) -> dict[str, Any]:
    """The metadata block of our database."""
    return metadata["databases"][DB_NAME]


@pytest.fixture
def empty_db(tmp_path: Path) -> Path:
    """A freshly migrated, empty store file."""
    path = tmp_path / "alchemy.db"
    ak.open_store(path).close()
    return path


@pytest.fixture
def populated(tmp_path: Path, record_failed_request: Any) -> Iterator[dict[str, Any]]:
    """A store with two completed requests (one tagged) and one failed phase run."""
    from alchemy_kit.datasette import vectors

    path = tmp_path / "alchemy.db"
    store = ak.open_store(path)
    kw = {"count": 2, "seed": 7, "store": store, "embed": False, "progress": False}
    legal = ak.generate("summarise a legal contract for a busy founder", tags=["legal"], **kw)
    haiku = ak.generate("write a haiku about rain", **kw)
    failed, _ = record_failed_request(store)
    store.checkpoint()
    store.close()
    yield {"path": path, "legal": legal, "haiku": haiku, "failed": failed}
    vectors.forget()  # the index functions' read-only connections to this file


def _schema(path: Path) -> dict[str, list[str]]:
    """Every table in the file (sqlite internals aside) → its column names."""
    with closing(sqlite3.connect(path)) as conn:
        names = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {n: [c[1] for c in conn.execute(f"PRAGMA table_info([{n}])")] for n in names}


def _run(path: Path, sql: str, **params: str) -> list[dict[str, Any]]:
    from datasette.utils import escape_fts

    from alchemy_kit.datasette import functions

    with closing(sqlite3.connect(path)) as conn:
        conn.row_factory = sqlite3.Row
        # What Datasette's connections have: its escape_fts and our embedding functions.
        conn.create_function("escape_fts", 1, escape_fts)
        functions.register(conn, path.resolve())
        return [dict(row) for row in conn.execute(sql, {**QUERY_PARAMS, **params})]


def test_top_level_fields(metadata: dict[str, Any]) -> None:
    for key in ("title", "description", "license", "license_url", "source"):
        assert isinstance(metadata[key], str) and metadata[key].strip(), key
    assert list(metadata["databases"]) == [DB_NAME]
    assert metadata["databases"][DB_NAME]["description"].strip()


def test_every_table_and_column_described(db_meta: dict[str, Any], empty_db: Path) -> None:
    schema = _schema(empty_db)
    tables = db_meta["tables"]
    visible = {t for t, m in tables.items() if not m.get("hidden")}
    assert visible == set(TABLES)
    for table in TABLES:
        meta = tables[table]
        assert meta["description"].strip(), table
        described = meta["columns"]
        # Both directions: no column undocumented, no description for a column that does not exist.
        assert set(described) == set(schema[table]), table
        for col, text in described.items():
            assert isinstance(text, str) and len(text.strip()) > 10, f"{table}.{col}"


def test_internal_tables_hidden(db_meta: dict[str, Any], empty_db: Path) -> None:
    schema = _schema(empty_db)
    internal = set(schema) - set(TABLES)
    assert {"_sqlite_migrations", "prompts_fts", "prompts_fts_data"} <= internal
    hidden = {t for t, m in db_meta["tables"].items() if m.get("hidden")}
    assert hidden == internal


def test_local_provider_and_checks_documented(db_meta: dict[str, Any]) -> None:
    tables = db_meta["tables"]
    for table in ("prompts", "request_phases"):
        text = tables[table]["columns"]["provider"]
        for provider in ak.PROVIDERS:
            assert provider in text, (table, provider)
    assert "0..1" in tables["prompts"]["columns"]["score"]
    assert "0..2" in tables["prompts"]["columns"]["temperature"]
    for phase in ak.PHASES:
        assert phase in tables["prompts"]["columns"]["phase"]


def test_facets_sorts_and_labels_name_real_columns(db_meta: dict[str, Any], empty_db: Path) -> None:
    schema = _schema(empty_db)
    for table in TABLES:
        meta, cols = db_meta["tables"][table], schema[table]
        assert meta["sort_desc"] in cols, table
        assert meta["facets"], table
        for facet in meta["facets"]:
            col = facet if isinstance(facet, str) else facet["array"]
            assert col in cols, (table, facet)
        if "label_column" in meta:
            assert meta["label_column"] in cols, table
        if "fts_table" in meta:
            assert meta["fts_table"] in schema, table
    facets = {t: db_meta["tables"][t]["facets"] for t in TABLES}
    assert {"phase", "provider"} <= set(facets["prompts"])
    assert {"phase", "status"} <= set(facets["request_phases"])
    assert "metric_type" in facets["metrics"]


def test_canned_queries_run(db_meta: dict[str, Any], populated: dict[str, Any]) -> None:
    path, queries = populated["path"], db_meta["queries"]
    assert {"leaderboard", "cost_per_model", "failed_phases"} <= set(queries)
    results = {name: _run(path, q["sql"]) for name, q in queries.items()}
    for name, q in queries.items():
        assert q["title"].strip() and q["description"].strip(), name

    legal, haiku = populated["legal"], populated["haiku"]
    assert len(results["leaderboard"]) == 6  # best per request and phase
    board = _run(path, queries["leaderboard"]["sql"], phase="coagulatio")
    assert {row["prompt_id"] for row in board} == {legal.best.id, haiku.best.id}
    assert all(row["phase"] == "coagulatio" for row in board)
    assert [row["score"] for row in board] == sorted((row["score"] for row in board), reverse=True)

    (cost,) = results["cost_per_model"]
    assert (cost["provider"], cost["model"], cost["prompts"]) == ("local", "alchemy-local", 12)
    assert cost["cost_usd"] == 0
    tokens = sum(m.input_tokens for res in (legal, haiku) for m in res.metrics if m.input_tokens)
    assert cost["input_tokens"] == tokens

    (failed,) = results["failed_phases"]
    assert failed["request_id"] == populated["failed"].id
    assert "connection refused" in failed["error_message"]

    tagged = results["prompts_tagged"]
    assert {row["prompt_id"] for row in tagged} == {p.id for p in legal.prompts}

    phases = results["phase_summary"]
    assert [row["phase"] for row in phases] == list(ak.PHASES)
    assert all(row["prompts"] == 4 for row in phases)


async def test_datasette_serves_store_with_metadata(
    metadata: dict[str, Any], populated: dict[str, Any]
) -> None:
    from datasette.app import Datasette
    from markupsafe import escape  # what Datasette's Jinja templates escape with

    ds = Datasette(files=[str(populated["path"])], metadata=metadata)
    await ds.invoke_startup()
    client = ds.client

    resp = await client.get(f"/{DB_NAME}/prompts.json?_shape=array&_size=max")
    assert resp.status_code == 200
    rows = resp.json()
    assert {row["id"] for row in rows} == {
        p.id for res in (populated["legal"], populated["haiku"]) for p in res.prompts
    }

    resp = await client.get(f"/{DB_NAME}/leaderboard.json?_shape=array&phase=coagulatio")
    assert resp.status_code == 200
    assert {row["prompt_id"] for row in resp.json()} == {
        populated["legal"].best.id,
        populated["haiku"].best.id,
    }
    for name in metadata["databases"][DB_NAME]["queries"]:
        resp = await client.get(f"/{DB_NAME}/{name}")
        assert resp.status_code == 200, name

    resp = await client.get(f"/{DB_NAME}/prompts")
    assert resp.status_code == 200
    page = resp.text
    description = metadata["databases"][DB_NAME]["tables"]["prompts"]["columns"]["score"]
    assert str(escape(description)) in page
    assert str(escape(metadata["databases"][DB_NAME]["tables"]["prompts"]["description"])) in page

    tables = metadata["databases"][DB_NAME]["tables"]
    for table in TABLES:
        resp = await client.get(f"/{DB_NAME}/{table}.json")
        assert resp.status_code == 200, table
        configured = {f if isinstance(f, str) else f["array"] for f in tables[table]["facets"]}
        assert set(resp.json()["facet_results"]) == configured, table

    # label_column: phase runs show their request's idea instead of a bare UUID.
    resp = await client.get(f"/{DB_NAME}/request_phases")
    assert "summarise a legal contract for a busy founder" in resp.text

    # Datasette finds the FTS5 index on its own: the prompts table is searchable.
    resp = await client.get(f"/{DB_NAME}/prompts.json?_search=checklist&_shape=array")
    found = resp.json()
    assert found and all("checklist" in row["content"].lower() for row in found)

    resp = await client.get(f"/{DB_NAME}.json")
    listed = {t["name"]: t["hidden"] for t in resp.json()["tables"]}
    assert not any(listed[t] for t in TABLES)
    assert listed["_sqlite_migrations"] and listed["prompts_fts"] and listed["prompts_fts_data"]
