"""Store: SQL-level constraints, Python validation, atomic writes, cascades, configs, concurrency."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from alchemy_kit import records as r
from alchemy_kit.errors import IntegrityError, NotFoundError, ValidationError
from alchemy_kit.store import Store, open_store

U1 = "6f1c1f0e-5d5b-4c1a-9d7e-0c6f7a1b2c3d"
U2 = "0b9f5a52-3a8e-4f0e-8a51-2f8a9d3e4c5b"
TS = "2026-11-26T10:00:00.000Z"


@pytest.fixture
def store(db_path: Path) -> Store:
    s = open_store(db_path)
    yield s
    s.close()


def _prompt(**kw: Any) -> r.Prompt:
    base: dict[str, Any] = dict(content="c", phase="solutio", provider="local", model="m")
    base.update(kw)
    return r.Prompt(**base)


def _raw_insert(store: Store, table: str, row: dict[str, Any]) -> None:
    cols = ", ".join(row)
    marks = ", ".join("?" * len(row))
    store.db.conn.execute(f"INSERT INTO {table} ({cols}) VALUES ({marks})", list(row.values()))


def _good(table: str) -> dict[str, Any]:
    """A minimal valid raw row for each table (parents inserted by the fixture below)."""
    return {
        "prompt_requests": {"id": U2, "input": "idea", "phases": '["solutio"]', "count": 1},
        "request_phases": {
            "id": U2,
            "request_id": U1,
            "phase": "solutio",
            "provider": "local",
            "model": "m",
        },
        "prompts": {
            "id": U2,
            "content": "c",
            "phase": "solutio",
            "provider": "local",
            "model": "m",
        },
        "metrics": {"id": U2, "prompt_id": U1, "metric_type": "time", "value": 1.0},
        "tags": {"id": U2, "prompt_id": U1, "tag": "t"},
        "embeddings": {"prompt_id": U1, "model": "e", "dimensions": 3, "embedding": b"\x00\x01"},
        "configurations": {"key": "k", "value": '"v"', "type": "string"},
        "search_history": {"id": U2, "query": "q", "search_type": "text", "result_count": 0},
    }[table]


@pytest.fixture
def parents(store: Store) -> Store:
    _raw_insert(
        store, "prompt_requests", {"id": U1, "input": "i", "phases": '["solutio"]', "count": 1}
    )
    _raw_insert(
        store,
        "prompts",
        {"id": U1, "content": "c", "phase": "solutio", "provider": "local", "model": "m"},
    )
    return store


BAD_VALUES = [
    # (table, column, bad value)
    ("prompts", "id", "not-a-uuid"),
    ("prompts", "id", "6f1c1f0e-5d5b-1c1a-9d7e-0c6f7a1b2c3d"),  # v1, not v4
    ("prompts", "phase", "nigredo"),
    ("prompts", "provider", "cohere"),
    ("prompts", "score", 1.5),
    ("prompts", "score", -0.1),
    ("prompts", "temperature", 3),
    ("prompts", "max_tokens", 0),
    ("prompts", "actual_tokens", -5),
    ("prompts", "actual_tokens", 2.5),
    ("prompts", "rank", 0),
    ("prompts", "created_at", "2026-11-26 10:00:00"),
    ("prompts", "created_at", "2026-11-26T10:00:00+02:00"),
    ("prompts", "created_at", "yesterday"),
    ("prompts", "metadata", "{not json"),
    ("prompts", "metadata", "[1, 2]"),
    ("prompts", "request_id", "0b9f5a52-3a8e-4f0e-8a51-000000000000"),  # FK: no such request
    ("prompts", "content", None),
    ("prompt_requests", "phases", '["solutio", "albedo"'),
    ("prompt_requests", "phases", "[]"),
    ("prompt_requests", "count", 0),
    ("prompt_requests", "temperature", 2.5),
    ("prompt_requests", "status", "done"),
    ("prompt_requests", "provider_override", "mistral"),
    ("prompt_requests", "input", "   "),
    ("prompt_requests", "tags", '"x"'),
    ("request_phases", "status", "skipped"),
    ("request_phases", "phase", "rubedo"),
    ("request_phases", "config", "nope"),
    ("request_phases", "request_id", U2),  # FK
    ("metrics", "metric_type", "latency"),
    ("metrics", "input_tokens", 0),
    ("metrics", "prompt_id", U2),  # FK
    ("metrics", "details", "{"),
    ("tags", "tag", ""),
    ("tags", "prompt_id", U2),  # FK
    ("embeddings", "dimensions", 0),
    ("embeddings", "embedding", "text not blob"),
    ("embeddings", "prompt_id", U2),  # FK
    ("configurations", "type", "boolean"),
    ("configurations", "value", "{oops"),
    ("search_history", "search_type", "fuzzy"),
    ("search_history", "result_count", -1),
    ("search_history", "results", "{}"),
    ("search_history", "timestamp", "2026-13-45"),
]


@pytest.mark.parametrize(("table", "column", "bad"), BAD_VALUES)
def test_sql_constraint_rejects_raw_insert(
    parents: Store, table: str, column: str, bad: Any
) -> None:
    row = _good(table)
    _raw_insert(parents, table, row)  # the good row is accepted ...
    parents.db.conn.execute(f"DELETE FROM {table}")
    row = {**_good(table), column: bad}
    with pytest.raises(sqlite3.IntegrityError):  # ... and the bad one is refused by SQLite itself
        _raw_insert(parents, table, row)


def test_lifecycle_constraints(parents: Store) -> None:
    conn = parents.db.conn
    with pytest.raises(sqlite3.IntegrityError):  # completed without completed_at
        conn.execute("UPDATE prompt_requests SET status = 'completed' WHERE id = ?", [U1])
    _raw_insert(parents, "request_phases", _good("request_phases"))
    with pytest.raises(sqlite3.IntegrityError):  # failed without an error message
        conn.execute(
            "UPDATE request_phases SET status='failed', started_at=?, completed_at=? WHERE id=?",
            [TS, TS, U2],
        )
    with pytest.raises(sqlite3.IntegrityError):  # completed before it started
        conn.execute(
            "UPDATE request_phases SET status='completed', started_at=?, completed_at=? WHERE id=?",
            [TS, "2026-11-26T09:00:00.000Z", U2],
        )
    with pytest.raises(sqlite3.IntegrityError):  # totals must add up
        _raw_insert(
            parents,
            "metrics",
            {**_good("metrics"), "total_tokens": 5, "input_tokens": 1, "output_tokens": 1},
        )
    with pytest.raises(sqlite3.IntegrityError):  # configuration type must match the JSON value
        _raw_insert(parents, "configurations", {"key": "n", "value": '"text"', "type": "number"})


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"phase": "nigredo"}, "unknown phase"),
        ({"provider": "cohere"}, "unknown provider"),
        ({"score": 1.5}, "score"),
        ({"temperature": 3}, "temperature"),
        ({"max_tokens": 0}, "max_tokens"),
        ({"actual_tokens": 0}, "actual_tokens"),
        ({"id": "abc"}, "UUID v4"),
        ({"metadata": "{bad"}, "not valid JSON"),
    ],
)
def test_python_api_rejects_bad_prompt_and_keeps_store(
    store: Store, kw: dict[str, Any], match: str
) -> None:
    good = _prompt()
    store.add_prompts([good])
    with pytest.raises(ValidationError, match=match):
        store.add_prompts(
            [_prompt(), _prompt(**kw)]
        )  # the first, valid prompt must not land either
    assert [p.id for p in store.list_prompts()] == [good.id]


def test_multi_row_write_is_atomic_on_sql_error(store: Store) -> None:
    p = _prompt()
    # The metric points at a prompt that does not exist: the FK check fails after the prompt insert.
    bad_metric = r.Metric(prompt_id=U2, metric_type="time", value=1)
    with pytest.raises(IntegrityError, match="FOREIGN KEY"):
        store.add_prompts([p], [bad_metric])
    assert store.counts()["prompts"] == 0


def test_delete_cascades(store: Store) -> None:
    p = _prompt()
    store.add_prompts(
        [p],
        [r.Metric(prompt_id=p.id, metric_type="time", value=3)],
        [r.Tag(prompt_id=p.id, tag="a")],
    )
    store._upsert_embeddings(
        [r.EmbeddingRecord(prompt_id=p.id, model="e", dimensions=2, embedding=b"xy")]
    )
    store.delete_prompt(p.id)
    counts = store.counts()
    assert counts["metrics"] == counts["tags"] == counts["embeddings"] == counts["prompts"] == 0
    with pytest.raises(NotFoundError):
        store.delete_prompt(p.id)


def test_updated_at_maintained_by_database(store: Store) -> None:
    p = _prompt(created_at=TS)
    store.add_prompts([p])
    first = store.get_prompt(p.id).updated_at
    time.sleep(0.005)
    store.db.conn.execute("UPDATE prompts SET score = 0.4 WHERE id = ?", [p.id])  # raw SQL too
    second = store.get_prompt(p.id).updated_at
    assert first is not None and second is not None and second > first
    time.sleep(0.005)
    store.update_prompt(p.id, metadata={"edited": True})
    assert store.get_prompt(p.id).updated_at > second


def test_configurations_typed(store: Store) -> None:
    store.set_config("user.name", "alembic", updated_by="ada")
    store.set_config("user.price.x", 1.25)
    store.set_config("user.phases.default", {"solutio": {"provider": "local"}})
    rows = {c.key: c for c in store.list_configs()}
    assert rows["user.name"].type == "string" and rows["user.name"].updated_by == "ada"
    assert rows["user.price.x"].type == "number" and store.get_config("user.price.x") == 1.25
    assert rows["user.phases.default"].type == "object"
    assert rows["user.price.x"].updated_by  # recorded even when not given
    with pytest.raises(ValidationError, match="not of type number"):
        store.set_config("user.price.x", "cheap", type="number")
    assert store.get_config("user.price.x") == 1.25
    with pytest.raises(NotFoundError):
        store.get_config("missing")
    assert store.get_config("missing", None) is None


def test_request_lifecycle_and_prefix_lookup(store: Store) -> None:
    req = store._create_request(r.Request(input="an idea", count=2, tags=["t"]))
    assert store.get_request(req.id[:8]).id == req.id
    store._set_request_status(req.id, "running")
    assert store.get_request(req.id).completed_at is None
    store._set_request_status(req.id, "completed", metadata={"n": 1})
    got = store.get_request(req.id)
    assert got.status == "completed" and got.completed_at and got.metadata == {"n": 1}
    with pytest.raises(ValidationError):
        store._set_request_status(req.id, "finished")
    with pytest.raises(ValidationError, match="count"):
        store._create_request(r.Request(input="x", count=1000))
    with pytest.raises(ValidationError, match="non-empty"):
        store._create_request(r.Request(input="   "))
    assert store.counts()["prompt_requests"] == 1


def test_dataframe_parses_json(store: Store) -> None:
    store.add_prompts([_prompt(metadata={"a": [1, 2]})])
    df = store.dataframe("prompts")
    assert df.loc[0, "metadata"] == {"a": [1, 2]}
    with pytest.raises(ValidationError):
        store.dataframe("DROP TABLE prompts")


WRITER = textwrap.dedent(
    """
    import sys
    from alchemy_kit import records as r
    from alchemy_kit.store import open_store
    store = open_store(sys.argv[1])
    for i in range(100):  # 100 transactions of 10 prompts each, interleaving with the other writer
        ps = [r.Prompt(content=f"{sys.argv[2]}-{i}-{j}", phase="solutio", provider="local",
                       model="m") for j in range(10)]
        store.add_prompts(ps, [r.Metric(prompt_id=p.id, metric_type="time", value=1) for p in ps])
    print("done")
    """
)


def test_two_processes_write_concurrently(db_path: Path, tmp_path: Path) -> None:
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), str(db_path), name],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("a", "b")
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    for p, (out, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err
        assert "locked" not in err and out.strip() == "done"
    store = open_store(db_path)
    assert store.counts()["prompts"] == 2000 and store.counts()["metrics"] == 2000
    for name in ("a", "b"):
        n = store.query("SELECT count(*) AS n FROM prompts WHERE content LIKE ?", [f"{name}-%"])
        assert n[0]["n"] == 1000


def test_the_search_plumbing_is_off_the_public_surface_with_deprecated_aliases(
    tmp_path: Path,
) -> None:
    import warnings

    from alchemy_kit.store.queries import MOVED

    store = open_store(tmp_path / "s.db", create=True)
    public = {n for n in dir(store) if not n.startswith("_")}
    assert not {n for n in public if n.removeprefix("search_") in MOVED and n != "search_sql"}
    assert store.search_sql.embedding_count("m") == 0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert store.search_embedding_count("m") == 0  # the old name, for one release
    assert any("store.search_sql.embedding_count" in str(w.message) for w in caught)
    with pytest.raises(AttributeError, match="no attribute 'search_nothing'"):
        store.search_nothing  # noqa: B018
    store.close()


def test_plumbing_is_private_and_the_old_public_names_warn(tmp_path: Path) -> None:
    import warnings

    from alchemy_kit.store.queries import RENAMED

    store = open_store(tmp_path / "s.db", create=True)
    public = {n for n in dir(store) if not n.startswith("_")}
    assert not public & RENAMED
    for name in sorted(RENAMED):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            alias = getattr(store, name)
        assert alias == getattr(store, f"_{name}"), name
        assert [w.category for w in caught] == [DeprecationWarning], name
        assert f"Store.{name} is deprecated" in str(caught[0].message)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert store.count_requests() == 0  # the old name still works for one release
    assert caught
    store.close()


def test_tags_add_and_remove(store: Store) -> None:
    p = _prompt()
    store.add_prompts([p])
    store.add_tags(p.id, ["a", "b"])
    store.remove_tag(p.id, "a")
    store.remove_tag(p.id, "missing")  # removing a tag that is not there is a no-op
    assert store.tags_for(p.id) == ["b"]
