"""Tests for alchemy_kit.transfer: lossless export/import in JSONL, CSV and Parquet, flat and partitioned."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from helpers import loaded_by

from alchemy_kit import records as r
from alchemy_kit import records_eval as ev
from alchemy_kit.errors import ImportExportError, ValidationError
from alchemy_kit.store import PRIMARY_KEYS, TABLES, Store, open_store, transfer, transfer_files
from alchemy_kit.store.codec import decode_vector, encode_vector
from alchemy_kit.store.transfer import export
from alchemy_kit.store.transfer import import_ as verified_import


def import_(store: Store, src: Path, **kwargs: object) -> transfer.ImportReport:
    """Import rows only: the fixture holds embedding bytes no codec can read, on purpose."""
    return verified_import(store, src, verify_blob=None, **kwargs)  # type: ignore[arg-type]


DATES = ("2025-03-02", "2025-03-01", "2025-03-03")  # deliberately not in insertion order
TRICKY = [
    'Line one\nline two, with "quotes", commas; and a tab\t.',
    "Unicode: ünïcødé — 漢字 — emoji 🧪 — RTL שלום — separator\u2028end",
    "",  # empty content is not NULL
    "\\N",  # the CSV NULL marker as real text
    "\\\\N",
    "carriage\r\nreturn and a lone \r and a trailing backslash \\",
    "  leading and trailing spaces  ",
]


VEC_DIMS = 8


def vector_of(i: int) -> np.ndarray:
    """A deterministic unit vector for embedding row i."""
    v = np.random.default_rng(i).standard_normal(VEC_DIMS).astype(np.float32)
    return v / np.linalg.norm(v)


def _ts(date: str, hh: int, ms: int = 0) -> str:
    return f"{date}T{hh:02d}:15:30.{ms:03d}Z"


def build_store(path: Path) -> Store:
    """A small but realistic database touching every table, type and awkward value."""
    store = open_store(path)
    req1 = r.Request(
        input='Write a haiku about SQLite, "quoted", with\nnewlines',
        persona="poet",
        temperature=0.7,
        max_tokens=256,
        tags=["poetry", "ünïcødé"],
        created_at=_ts(DATES[1], 8),
        metadata={"source": "notebook", "nested": {"a": [1, 2.5, None, True]}},
    )
    req2 = r.Request(
        input="Explain WAL mode",
        phases=["solutio"],
        count=2,
        persona="",
        created_at=_ts(DATES[0], 9),
    )
    store._create_request(req1)
    store._create_request(req2)
    # json_patch writes compact JSON text: a byte-exact round trip must keep it as is.
    store._set_request_status(req1.id, "running", metadata={"z": 1, "emoji": "🧪"})
    store._set_request_status(req2.id, "completed")

    runs = [
        r.PhaseRun(req1.id, "prima-materia", "local", "offline-v1"),
        r.PhaseRun(req1.id, "solutio", "openai", "gpt-4o-mini", config={"temperature": 0.7}),
        r.PhaseRun(req1.id, "coagulatio", "anthropic", "claude"),
        r.PhaseRun(req2.id, "solutio", "google", "gemini"),
    ]
    store.add(runs)
    runs[0].status, runs[0].started_at, runs[0].completed_at = (
        "completed",
        _ts(DATES[1], 8, 100),
        _ts(DATES[1], 8, 900),
    )
    runs[1].status, runs[1].started_at = "running", _ts(DATES[2], 10)
    runs[3].status, runs[3].started_at, runs[3].completed_at = (
        "failed",
        _ts(DATES[0], 9, 1),
        _ts(DATES[0], 9, 2),
    )
    runs[3].error_message = 'HTTP 429: rate limited, "retry"\nlater'
    for run in (runs[0], runs[1], runs[3]):
        store._update_phase_run(run)  # runs[2] stays pending with started_at NULL

    prompts = []
    for i, content in enumerate(TRICKY * 2):
        date = DATES[i % 3]
        prompts.append(
            r.Prompt(
                content=content,
                phase=r.PHASES[i % 3],
                provider=("local", "openai", "ollama")[i % 3],
                model="offline-v1",
                persona=None if i % 2 else "",
                temperature=(None, 0.0, 1.25, 2.0)[i % 4],
                max_tokens=None if i % 3 else 512,
                actual_tokens=i + 1,
                request_id=(req1.id, req2.id, None)[i % 3],
                created_at=_ts(date, i % 24, i),
                metadata={"i": i, "text": content, "float": 0.1 * i},
            )
        )
    metrics = []
    for i, p in enumerate(prompts):
        metrics.append(
            r.Metric(
                p.id,
                "cost",
                0.000123 * (i + 1),
                unit="usd",
                cost_usd=1e-7 * i,
                timestamp=p.created_at,
            )
        )
        metrics.append(
            r.Metric(
                p.id,
                "tokens",
                30.0,
                total_tokens=30,
                input_tokens=10,
                output_tokens=20,
                processing_time_ms=0,
                timestamp=p.created_at,
                details={"estimated": i % 2 == 0},
            )
        )
    metrics.append(r.Metric(prompts[0].id, "quality", 0.875, timestamp=_ts(DATES[0], 23)))
    tags = [r.Tag(p.id, f"tag-{i % 3}", created_at=p.created_at) for i, p in enumerate(prompts)]
    tags.append(r.Tag(prompts[0].id, 'ünïcødé, "tag"', created_at=_ts(DATES[2], 1)))
    store.add_prompts(prompts, metrics, tags)
    store._set_scores([(p.id, 0.5 + i / 100) for i, p in enumerate(prompts[:5])])
    store.update_prompt(prompts[1].id, content="edited\ncontent", metadata={"edited": True})

    store.set_config("user.pricing.default", {"input": 0.15, "output": 0.6, "models": ["a", "b"]})
    store.set_config("user.ui.page_size", 25, updated_by="tester")
    store.set_config("user.ui.ratio", 0.333)
    store.set_config("user.flags", [True, False, None])
    # A string configuration, given as JSON text (how the store takes strings as of writing).
    store.set_config("user.ui.theme", '"dark, \\"very\\" dark"', type="string")

    # Real codec BLOBs (even rows) and bytes no codec can read (odd rows): both must survive.
    blobs = [bytes(range(256)), b'\x00\n,"\r\\N' * 3, b"\xff" * 7]
    store._upsert_embeddings(
        [
            r.EmbeddingRecord(
                p.id,
                "minilm-int8",
                VEC_DIMS if i % 2 == 0 else 384,
                encode_vector(vector_of(i)) if i % 2 == 0 else blobs[i % 3] + bytes([i]),
                created_at=p.created_at,
                similarity_threshold=None if i % 2 else 0.42,
            )
            for i, p in enumerate(prompts[:6])
        ]
    )
    store._record_search(
        r.SearchRecord(
            'haiku, "sqlite"',
            "semantic",
            2,
            results=[prompts[0].id, prompts[1].id],
            filters={"phase": "solutio", "min_score": 0.5, "tags": ["a"]},
            min_similarity=-0.25,
            timestamp=_ts(DATES[2], 12),
        )
    )
    store._record_search(r.SearchRecord("", "text", 0, timestamp=_ts(DATES[0], 12)))
    store.add_preferences(
        [
            r.Preference(
                "pairwise",
                prompts[0].id,
                1,
                "ana",
                other_prompt_id=prompts[1].id,
                shown_order=[prompts[1].id, prompts[0].id],
                created_at=_ts(DATES[1], 9),
            ),
            r.Preference("rating", prompts[2].id, 4, "bo", note='with "quotes"\nand a newline'),
            r.Preference("thumb", prompts[2].id, -1, "ana", created_at=_ts(DATES[2], 9)),
        ]
    )
    _add_eval_rows(store, req1.id, prompts[0].id)
    return store


def _add_eval_rows(store: Store, request_id: str, prompt_id: str) -> None:
    """A case, a run, one good and one failed output, and a recorded call (tables of m007)."""
    case = ev.Case(request_id, 'edge, "quoted"', vars={"q": "ünï"}, assertions=[{"type": "x"}])
    run = ev.EvalRun("a" * 64, [prompt_id], [case.id], [{"provider": "local", "model": "m"}])
    call = ev.ModelCall("b" * 64, "openai", "gpt", [{"role": "user", "content": "hi"}], "ok")
    good = ev.Output(run.id, prompt_id, case.id, "openai", "gpt", text="", passed=True, score=1.0)
    bad = ev.Output(run.id, prompt_id, case.id, "local", "m", error="boom", call_key="b" * 64)
    store.add([case], [run])
    store._write_outputs([good, bad], calls=[call])


def table_rows(store: Store, table: str, *, by_key: bool = True) -> list[dict]:
    rows = list(store.rows(table))
    return sorted(rows, key=lambda row: row[PRIMARY_KEYS[table]]) if by_key else rows


def checksum(store: Store) -> str:
    h = hashlib.sha256()
    for table in TABLES:
        for row in table_rows(store, table):
            h.update(repr(sorted(row.items())).encode())
    return h.hexdigest()


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Store:
    store = build_store(tmp_path_factory.mktemp("src") / "source.db")
    yield store
    store.close()


@pytest.fixture
def fresh(tmp_path) -> Store:
    store = open_store(tmp_path / "target.db")
    yield store
    store.close()


def test_fixture_covers_the_awkward_cases(source):
    counts = source.counts()
    assert all(counts[t] > 0 for t in TABLES), counts
    phases = table_rows(source, "request_phases")
    assert any(p["started_at"] is None for p in phases)
    assert {p["created_at"][:10] for p in table_rows(source, "prompts")} == set(DATES)
    meta = [q["metadata"] for q in table_rows(source, "prompt_requests")]
    assert any(":" in m and ": " not in m for m in meta)  # compact json_patch text survives as data
    contents = {p["content"] for p in table_rows(source, "prompts")}
    assert "" in contents and "\\N" in contents
    assert {p["persona"] for p in table_rows(source, "prompts")} == {None, ""}


@pytest.mark.parametrize("partitioned", [False, True], ids=["flat", "partitioned"])
@pytest.mark.parametrize("fmt", transfer.FORMATS)
def test_round_trip_is_lossless_and_reimport_idempotent(source, fresh, tmp_path, fmt, partitioned):
    dest = tmp_path / "export"
    rep = export(source, dest, fmt=fmt, partition_by_date=partitioned)
    assert rep.counts == source.counts()
    assert all(p.is_file() for p in rep.files) and dest / "manifest.json" in rep.files
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # temp dir gone

    got = import_(fresh, dest)
    assert got.counts == source.counts() == fresh.counts()
    assert got.written == got.counts
    for table in TABLES:
        assert table_rows(fresh, table) == table_rows(source, table), table
        if not partitioned:  # a flat file also keeps insertion order
            assert table_rows(fresh, table, by_key=False) == table_rows(source, table, by_key=False)

    before = checksum(fresh)
    again = import_(fresh, dest)
    assert again.counts == got.counts
    assert again.unchanged == got.counts and set(again.written.values()) == {0}
    assert fresh.counts() == source.counts() and checksum(fresh) == before


def test_partitioned_layout_and_manifest(source, tmp_path):
    dest = tmp_path / "p"
    rep = export(source, dest, fmt="parquet", partition_by_date=True)
    manifest = json.loads((dest / "manifest.json").read_text())
    assert manifest["format"] == "parquet" and manifest["version"] == transfer.FORMAT_VERSION
    assert manifest["partitioning"]["column"] == "created_date"
    assert manifest["counts"] == rep.counts and manifest["tables"] == list(TABLES)
    assert manifest["alchemy_kit_version"] and manifest["created_at"].endswith("Z")
    dirs = sorted(p.name for p in (dest / "prompts").iterdir())
    assert dirs == [f"created_date={d}" for d in sorted(DATES)]
    # The pending phase (no started_at) sits in its request's date, not a NULL partition.
    phase_dirs = {p.name for p in (dest / "request_phases").iterdir()}
    assert all(name.startswith("created_date=2025-03-0") for name in phase_dirs)

    import pyarrow.parquet as pq

    part = next((dest / "prompts").glob("*/part-0000.parquet"))
    schema = pq.read_schema(part)
    assert "created_date" not in schema.names
    assert str(schema.field("temperature").type) == "double"
    assert str(schema.field("rank").type) == "int64"
    assert (
        str(pq.read_schema(next((dest / "embeddings").glob("*/*.parquet"))).field("embedding").type)
        == "binary"
    )


def test_pandas_and_duckdb_read_the_output_directly(source, tmp_path):
    import duckdb
    import pandas as pd

    n = source.counts()["prompts"]
    pq_dir, js_dir, flat = tmp_path / "pq", tmp_path / "js", tmp_path / "flat"
    export(source, pq_dir, fmt="parquet", partition_by_date=True)
    export(source, js_dir, fmt="jsonl", partition_by_date=True)
    export(source, flat, fmt="csv")

    df = pd.read_parquet(pq_dir / "prompts")
    assert len(df) == n and df["created_date"].astype(str).nunique() == 3
    assert len(pd.read_parquet(pq_dir / "request_phases")) == source.counts()["request_phases"]
    # pandas has no partitioned-JSONL reader; one read_json per part file does it.
    # (pyarrow's JSON dataset infers types from the first file and trips on all-null columns.)
    parts = sorted((js_dir / "prompts").glob("created_date=*/*.jsonl"))
    flat_js = pd.concat(pd.read_json(f, lines=True, dtype=False) for f in parts)
    assert len(flat_js) == n and len(parts) == 3
    assert set(flat_js["created_at"].str[:10]) == set(DATES)

    con = duckdb.connect()
    for glob, reader in [
        (pq_dir / "prompts" / "*" / "*.parquet", "read_parquet"),
        (js_dir / "prompts" / "*" / "*.jsonl", "read_json_auto"),
    ]:
        count, dates, typ = con.execute(
            f"SELECT count(*), count(DISTINCT created_date), any_value(typeof(created_date))"
            f" FROM {reader}('{glob}', hive_partitioning=true)"
        ).fetchone()
        assert (count, dates, typ) == (n, 3, "DATE")
    # Blobs come back as the same bytes, NULL and empty string stay apart.
    emb = con.execute(
        f"SELECT embedding FROM read_parquet('{pq_dir}/embeddings/*/*.parquet') ORDER BY prompt_id"
    ).fetchall()
    assert [bytes(e[0]) for e in emb] == [
        row["embedding"] for row in table_rows(source, "embeddings")
    ]
    nulls, empties = con.execute(
        f"SELECT count(*) FILTER (persona IS NULL), count(*) FILTER (persona = '')"
        f" FROM read_csv('{flat}/prompts.csv', nullstr='\\N')"
    ).fetchone()
    personas = [row["persona"] for row in table_rows(source, "prompts")]
    assert (nulls, empties) == (personas.count(None), personas.count(""))
    csv_df = pd.read_csv(flat / "prompts.csv", na_values=["\\N"], keep_default_na=False)
    assert len(csv_df) == n and csv_df["persona"].isna().sum() == personas.count(None)
    assert con.execute(
        f"SELECT count(*) FROM read_json_auto('{js_dir}/search_history/*/*.jsonl')"
    ).fetchone() == (source.counts()["search_history"],)


def test_single_table_export_and_import(source, fresh, tmp_path):
    dest = tmp_path / "one"
    rep = export(source, dest, tables=["configurations"], fmt="csv")
    assert sorted(p.name for p in dest.iterdir()) == ["configurations.csv", "manifest.json"]
    assert rep.counts == {"configurations": source.counts()["configurations"]}
    got = import_(fresh, dest)
    assert got.counts == rep.counts
    assert table_rows(fresh, "configurations") == table_rows(source, "configurations")
    assert fresh.get_config("user.pricing.default")["models"] == ["a", "b"]


def test_import_a_subset_of_tables(source, fresh, tmp_path):
    dest = tmp_path / "all"
    export(source, dest, fmt="jsonl")
    got = import_(fresh, dest, tables=["search_history", "prompt_requests"])
    assert set(got.counts) == {"prompt_requests", "search_history"}
    assert fresh.counts()["prompts"] == 0
    # Children without their parents are refused with a clear message, and nothing is written.
    with pytest.raises(ImportExportError, match=r"metrics\.jsonl:1: metrics: .*FOREIGN KEY"):
        import_(fresh, dest, tables=["metrics"])
    assert fresh.counts()["metrics"] == 0


def test_import_without_manifest_detects_the_format(source, fresh, tmp_path):
    dest = tmp_path / "nomani"
    export(source, dest, fmt="parquet", partition_by_date=True)
    (dest / "manifest.json").unlink()
    got = import_(fresh, dest)
    assert got.format == "parquet" and got.counts == source.counts()


def _seeded_target(tmp_path: Path) -> Store:
    store = open_store(tmp_path / "target.db")
    store.set_config("user.already.here", 1)
    store._create_request(r.Request(input="pre-existing"))
    return store


def _corrupt_jsonl(dest: Path) -> None:
    path = dest / "metrics.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[3] = lines[3][: len(lines[3]) // 2] + "\n"  # a torn write
    path.write_text("".join(lines), encoding="utf-8")


def _corrupt_parquet(dest: Path) -> None:
    path = next((dest / "tags").glob("*/*.parquet"))
    path.write_bytes(path.read_bytes()[:-40])


def _corrupt_csv(dest: Path) -> None:
    path = dest / "search_history.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",semantic,", ",semantic,x,", 1))


def _invalid_value(dest: Path) -> None:
    path = dest / "prompts.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    row = json.loads(lines[4])
    row["phase"] = "nigredo"
    lines[4] = json.dumps(row) + "\n"
    path.write_text("".join(lines), encoding="utf-8")


def _bad_blob(dest: Path) -> None:
    path = dest / "embeddings.csv"
    text = path.read_text(encoding="utf-8").splitlines(keepends=True)
    head, *rows = text
    cells = rows[1].split(",")
    cells[3] = "***not base64***"
    path.write_text(head + rows[0] + ",".join(cells) + "".join(rows[2:]), encoding="utf-8")


def _truncated(dest: Path) -> None:
    path = dest / "tags.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:-1]), encoding="utf-8")


@pytest.mark.parametrize(
    ("fmt", "partitioned", "damage", "message"),
    [
        ("jsonl", False, _corrupt_jsonl, r"metrics\.jsonl:4: "),
        ("parquet", True, _corrupt_parquet, r"tags/created_date=.*\.parquet"),
        ("csv", False, _corrupt_csv, r"search_history\.csv row 1: "),
        ("jsonl", False, _invalid_value, r"prompts\.jsonl:5: prompts: unknown phase 'nigredo'"),
        ("csv", False, _bad_blob, r"embeddings\.csv row 2: "),
        ("jsonl", False, _truncated, r"tags: the manifest promises"),
    ],
    ids=[
        "torn-jsonl",
        "truncated-parquet",
        "csv-extra-field",
        "invalid-row",
        "bad-base64",
        "missing-row",
    ],
)
def test_a_damaged_export_changes_nothing(source, tmp_path, fmt, partitioned, damage, message):
    dest = tmp_path / "bad"
    export(source, dest, fmt=fmt, partition_by_date=partitioned)
    damage(dest)
    target = _seeded_target(tmp_path)
    counts, digest = target.counts(), checksum(target)
    with pytest.raises(ImportExportError, match=message) as info:
        import_(target, dest)
    if damage is _invalid_value:
        assert isinstance(info.value.__cause__, ValidationError)
    assert target.counts() == counts and checksum(target) == digest
    target.close()


def test_clear_errors(source, fresh, tmp_path):
    with pytest.raises(ImportExportError, match="not a directory"):
        import_(fresh, tmp_path / "nowhere")
    with pytest.raises(ImportExportError, match="unknown format 'xml'"):
        export(source, tmp_path / "x", fmt="xml")
    with pytest.raises(ImportExportError, match="unknown table"):
        export(source, tmp_path / "x", tables=["prompt"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(ImportExportError, match="cannot tell what to import"):
        import_(fresh, tmp_path / "empty")

    dest = tmp_path / "newer"
    export(source, dest, tables=["configurations"])
    manifest = json.loads((dest / "manifest.json").read_text())
    (dest / "manifest.json").write_text(json.dumps(manifest | {"version": 99}))
    with pytest.raises(ImportExportError, match=r"format version 99.*upgrade"):
        import_(fresh, dest)
    (dest / "manifest.json").write_text(json.dumps(manifest | {"format": "xml"}))
    with pytest.raises(ImportExportError, match="unknown format 'xml'"):
        import_(fresh, dest)
    (dest / "manifest.json").write_text("{not json")
    with pytest.raises(ImportExportError, match="unreadable"):
        import_(fresh, dest)
    assert fresh.counts() == dict.fromkeys(TABLES, 0)


def test_existing_destination_needs_overwrite(source, tmp_path):
    dest = tmp_path / "out"
    export(source, dest, tables=["tags"])
    with pytest.raises(ImportExportError, match="overwrite=True"):
        export(source, dest, tables=["tags"])
    rep = export(source, dest, tables=["prompts"], fmt="csv", overwrite=True)
    assert sorted(p.name for p in dest.iterdir()) == ["manifest.json", "prompts.csv"]
    assert rep.counts == {"prompts": source.counts()["prompts"]}
    stranger = tmp_path / "notes"
    stranger.mkdir()
    (stranger / "keep.txt").write_text("mine")
    with pytest.raises(ImportExportError, match="refusing"):
        export(source, stranger, overwrite=True)
    assert (stranger / "keep.txt").read_text() == "mine"


def test_interrupted_export_leaves_nothing_that_looks_complete(source, tmp_path, monkeypatch):
    real = transfer._export_table

    def failing(store, table, tmp, fmt, partitioned):
        if table == "tags":
            raise KeyboardInterrupt
        return real(store, table, tmp, fmt, partitioned)

    monkeypatch.setattr(transfer, "_export_table", failing)
    root = tmp_path / "exports"
    with pytest.raises(KeyboardInterrupt):
        export(source, root / "out", fmt="parquet", partition_by_date=True)
    assert list(root.iterdir()) == []  # the partial directory was cleaned up
    # A hard kill cannot clean up: then only a hidden partial directory without a manifest remains.
    monkeypatch.setattr(transfer.shutil, "rmtree", lambda *a, **k: None)
    with pytest.raises(KeyboardInterrupt):
        export(source, root / "out", fmt="jsonl")
    (partial,) = root.iterdir()
    assert partial.name.startswith(".out.partial-") and not (partial / "manifest.json").exists()
    assert (partial / "prompts.jsonl").exists()


def test_many_partitions_stream_through_few_open_files(tmp_path, monkeypatch):
    monkeypatch.setattr(transfer_files, "MAX_OPEN_WRITERS", 2)
    monkeypatch.setattr(transfer_files, "BATCH_ROWS", 7)
    monkeypatch.setattr(transfer, "BATCH_ROWS", 7)
    monkeypatch.setattr(transfer_files, "FLUSH_ROWS", 3)
    store = open_store(tmp_path / "many.db")
    days = [f"2025-01-{d:02d}" for d in range(1, 6)]
    # Interleaved dates force writers to close and reopen as new part files.
    store.add([r.Request(input=f"idea {i}", created_at=_ts(days[i % 5], 1, i)) for i in range(40)])
    for fmt in transfer.FORMATS:
        dest = tmp_path / fmt
        export(store, dest, tables=["prompt_requests"], fmt=fmt, partition_by_date=True)
        parts = list((dest / "prompt_requests").glob("*/part-*"))
        # JSONL and CSV reopen a partition's file for appending; Parquet starts another part.
        assert len(parts) > len(days) if fmt == "parquet" else len(parts) == len(days)
        target = open_store(tmp_path / f"{fmt}.db")
        assert import_(target, dest).counts == {"prompt_requests": 40}
        assert table_rows(target, "prompt_requests") == table_rows(store, "prompt_requests")
        target.close()
    store.close()


def test_transfer_import_is_lazy():
    assert loaded_by("import alchemy_kit.store.transfer", ["pyarrow", "pandas"]) == []


def test_duckdb_reads_every_exported_table(source, tmp_path):
    """Every table, empty ones included, with typed timestamps, float32 vectors and JSON text."""
    import duckdb

    small = open_store(tmp_path / "small.db")  # prompts with real vectors; most tables empty
    prompts = [
        r.Prompt(content=f"p{i}", phase="solutio", provider="local", model="m") for i in range(3)
    ]
    small.add_prompts(prompts)
    small._upsert_embeddings(
        [
            r.EmbeddingRecord(p.id, "m", VEC_DIMS, encode_vector(vector_of(i)))
            for i, p in enumerate(prompts)
        ]
    )
    con = duckdb.connect()
    for store, name in ((source, "full"), (small, "small")):
        counts = store.counts()
        for partitioned in (True, False):
            dest = tmp_path / f"{name}-{partitioned}"
            export(store, dest, fmt="parquet", partition_by_date=partitioned)
            for table in TABLES:
                path = f"{dest}/{table}/**/*.parquet" if partitioned else f"{dest}/{table}.parquet"
                rel = f"read_parquet('{path}', hive_partitioning={str(partitioned).lower()})"
                assert con.execute(f"SELECT count(*) FROM {rel}").fetchone() == (counts[table],)
                described = con.execute(f"DESCRIBE SELECT * FROM {rel}").fetchall()
                columns = {c[0]: c[1] for c in described}
                for stamp in r.TIMESTAMP_FIELDS[transfer.TABLE_RECORDS[table]]:
                    assert columns[stamp] == "TIMESTAMP WITH TIME ZONE", (table, stamp)
                    truncated = con.execute(
                        f"SELECT count(date_trunc('hour', {stamp})), count({stamp}) FROM {rel}"
                    ).fetchone()
                    assert truncated[0] == truncated[1], (table, stamp)
                assert not partitioned or "created_date" in columns, table
    assert small.counts()["configurations"] == 0  # so the empty-table case was covered
    # A cosine over the float32 vectors, without our codec, agrees with numpy.
    emb = f"read_parquet('{tmp_path}/small-True/embeddings/**/*.parquet', hive_partitioning=true)"
    rows = con.execute(
        f"SELECT a.prompt_id, b.prompt_id, list_cosine_similarity(a.vector, b.vector)"
        f" FROM {emb} a, {emb} b"
    ).fetchall()
    vectors = {p.id: vector_of(i) for i, p in enumerate(prompts)}
    assert len(rows) == 9
    for a, b, cos in rows:
        assert cos == pytest.approx(float(vectors[a] @ vectors[b]), abs=2e-3)  # int12 codec
    # A BLOB no codec can read is exported byte for byte, with a NULL vector.
    full = f"read_parquet('{tmp_path}/full-False/embeddings.parquet')"
    assert con.execute(f"SELECT count(*) FROM {full} WHERE vector IS NULL").fetchone() == (3,)
    # JSON columns are JSON text that DuckDB parses.
    valid, numbered = con.execute(
        "SELECT count(*) FILTER (json_valid(metadata)), count(json_extract(metadata, '$.i'))"
        f" FROM read_parquet('{tmp_path}/full-False/prompts.parquet')"
    ).fetchone()
    assert valid == source.counts()["prompts"] and numbered == valid - 1  # one was edited
    small.close()


def test_one_timestamp_form_for_pandas(source, tmp_path):
    import pandas as pd

    export(source, tmp_path / "js", fmt="jsonl")
    export(source, tmp_path / "pq", fmt="parquet")
    df = pd.read_json(tmp_path / "js" / "prompts.jsonl", lines=True, dtype=False)
    parsed = pd.to_datetime(df["created_at"])  # one form, so no format= is needed
    assert str(parsed.dt.tz) == "UTC" and parsed.notna().all()
    typed = pd.read_parquet(tmp_path / "pq" / "prompts.parquet")
    assert str(typed["created_at"].dtype) == "datetime64[us, UTC]"
    assert (typed["created_at"] == parsed).all()
    vectors = pd.read_parquet(tmp_path / "pq" / "embeddings.parquet")["vector"]
    assert vectors.notna().sum() == 3 and vectors.dropna().map(len).eq(VEC_DIMS).all()


def test_import_takes_timestamps_and_vectors_in_either_form(fresh, tmp_path):
    """A Parquet file written by another tool: typed or text timestamps, vectors without BLOBs."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    prompt = r.Prompt(content="from elsewhere", phase="solutio", provider="local", model="m")
    dest = tmp_path / "elsewhere"
    (dest / "prompts").mkdir(parents=True)
    (dest / "embeddings").mkdir()
    row = {**prompt.to_row(), "created_at": "2026-02-03T04:05:06.789+00:00", "updated_at": None}
    row["updated_at"] = row["created_at"]
    prompts = pa.Table.from_pylist([row])
    pq.write_table(prompts, dest / "prompts" / "part-0000.parquet")
    from datetime import UTC, datetime

    vec = vector_of(1)
    emb = pa.table(
        {
            "prompt_id": [prompt.id],
            "model": ["other-tool"],
            "dimensions": pa.array([VEC_DIMS], pa.int64()),
            "created_at": pa.array(
                [datetime(2026, 2, 3, 4, 5, 7, 250000, tzinfo=UTC)], pa.timestamp("us", tz="UTC")
            ),
            "similarity_threshold": pa.array([None], pa.float64()),
            "vector": pa.array([vec.tolist()], pa.list_(pa.float32())),
        }
    )
    pq.write_table(emb, dest / "embeddings" / "part-0000.parquet")
    got = import_(fresh, dest)
    assert got.counts == {"prompts": 1, "embeddings": 1}
    stored = fresh.get_prompt(prompt.id)
    assert stored.created_at == stored.updated_at == "2026-02-03T04:05:06.789Z"
    rec = fresh._get_embedding(prompt.id)
    assert rec.created_at == "2026-02-03T04:05:07.250Z"
    assert np.allclose(decode_vector(rec.embedding), vec, atol=1e-3)
    again = import_(fresh, dest)
    assert set(again.written.values()) == {0}  # canonical on the way in, so idempotent


# -- a tampered export is refused, and the database stays byte for byte as it was -----------------
def _real_store(path: Path) -> Store:
    """A store made by the pipeline, with embeddings the codec can decode."""
    from alchemy_kit.engine.pipeline import generate

    store = open_store(path)
    store.set_config("embeddings.model", "alchemy-lexical")  # fast, offline, real BLOBs
    for idea in ("Summarise a clinical trial for patients", "Explain vector databases"):
        generate(idea, store=store, count=1, seed=3, progress=False)
    assert store.counts()["embeddings"] == 6
    return store


@pytest.fixture(scope="module")
def real_export(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("real")
    store = _real_store(root / "real.db")
    export(store, root / "clean")
    export(store, root / "clean-parquet", fmt="parquet")
    # The embedding worker keeps its own connection open: fold the WAL in before files are copied.
    store.checkpoint()
    store.close()
    return root


def _rewrite(path: Path, change) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(change(lines)) + "\n", encoding="utf-8")


def _edit_row(dest: Path, table: str, n: int, **changes) -> None:
    def change(lines: list[str]) -> list[str]:
        row = json.loads(lines[n])
        row.update(changes)
        lines[n] = json.dumps(row)
        return lines

    _rewrite(dest / f"{table}.jsonl", change)


def _set_manifest(dest: Path, **changes) -> None:
    path = dest / "manifest.json"
    path.write_text(json.dumps(json.loads(path.read_text()) | changes))


def _truncated_blob(dest: Path) -> None:
    _edit_row(dest, "embeddings", 0, embedding="AAAA")  # 3 bytes


def _wrong_dims(dest: Path) -> None:
    _edit_row(dest, "embeddings", 0, dimensions=7)


def _traversal(dest: Path) -> None:
    outside = dest.parent / "other"
    outside.mkdir(exist_ok=True)
    (outside / "prompts.jsonl").write_text((dest / "prompts.jsonl").read_text())
    files = json.loads((dest / "manifest.json").read_text())["files"]
    _set_manifest(dest, files=files | {"prompts": ["../other/prompts.jsonl"]})


def _absolute(dest: Path) -> None:
    files = json.loads((dest / "manifest.json").read_text())["files"]
    _set_manifest(dest, files=files | {"prompts": [str((dest / "prompts.jsonl").resolve())]})


def _symlink_out(dest: Path) -> None:
    outside = dest.parent / "elsewhere.jsonl"
    outside.write_text((dest / "prompts.jsonl").read_text())
    (dest / "prompts.jsonl").unlink()
    (dest / "prompts.jsonl").symlink_to(outside)


def _duplicate_ids(dest: Path) -> None:
    _rewrite(dest / "prompts.jsonl", lambda lines: [*lines, lines[0]])
    counts = json.loads((dest / "manifest.json").read_text())["counts"]
    _set_manifest(dest, counts=counts | {"prompts": counts["prompts"] + 1})


def _missing_parent(dest: Path) -> None:
    _edit_row(dest, "metrics", 0, prompt_id="00000000-0000-4000-8000-000000000000")


def _bad_config(dest: Path) -> None:
    _edit_row(dest, "configurations", 0, key="embeddings.auto", value='"no"', type="string")


def _nul_text(dest: Path) -> None:
    _edit_row(dest, "prompts", 0, content="nul \u0000 inside")


def _bad_utf8(dest: Path) -> None:
    path = dest / "tags.jsonl"
    path.write_bytes(path.read_bytes() + b'{"id": "caf\xe9"}\n')


def _torn_parquet(dest: Path) -> None:
    path = dest / "prompts.parquet"
    path.write_bytes(path.read_bytes()[:-60])


TAMPERED = [
    ("truncated-blob", "clean", _truncated_blob, "embedding blob truncated"),
    ("blob-dimensions", "clean", _wrong_dims, "the row says 7"),
    ("traversal", "clean", _traversal, "outside the export folder"),
    ("absolute-path", "clean", _absolute, "outside the export folder"),
    ("symlink-out", "clean", _symlink_out, "outside the export folder"),
    ("duplicate-ids", "clean", _duplicate_ids, "the import repeats ids"),
    ("missing-parent", "clean", _missing_parent, "FOREIGN KEY"),
    ("bad-config", "clean", _bad_config, "embeddings.auto"),
    ("nul-text", "clean", _nul_text, "NUL character"),
    ("bad-utf8", "clean", _bad_utf8, "utf-8"),
    ("torn-parquet", "clean-parquet", _torn_parquet, "prompts.parquet"),
]


@pytest.mark.parametrize(
    ("damage", "message"), [t[2:] for t in TAMPERED], ids=[t[0] for t in TAMPERED]
)
def test_tampered_import_changes_not_one_byte(real_export, tmp_path, damage, message):
    from click.testing import CliRunner

    from alchemy_kit.cli.main import cli

    case = next(t for t in TAMPERED if t[2] is damage)
    dest = tmp_path / "export"
    shutil.copytree(real_export / case[1], dest)
    damage(dest)
    target = tmp_path / "target.db"
    seeded = open_store(target)
    seeded.set_config("user.already.here", 1)
    seeded.close()
    before = target.read_bytes()
    res = CliRunner().invoke(cli, ["import", str(dest), "-d", str(target)])
    assert res.exit_code == 1 and res.output.startswith("Error:"), res.output
    assert res.output.count("\n") == 1 and message in res.output, res.output
    assert target.read_bytes() == before
    assert not Path(f"{target}-wal").exists() or Path(f"{target}-wal").stat().st_size == 0


def test_the_untampered_export_imports(real_export, tmp_path):

    for name in ("clean", "clean-parquet"):
        target = open_store(tmp_path / f"{name}.db")
        report = verified_import(target, real_export / name)
        assert report.counts["embeddings"] == 6 and report.conflicts["prompts"] == 0
        target.close()


def test_conflicting_content_fails_skips_or_replaces(real_export, tmp_path):
    from alchemy_kit.errors import ImportConflictError

    target_path = tmp_path / "mine.db"
    shutil.copy(real_export / "real.db", target_path)
    mine = open_store(target_path)
    first, second = [row["id"] for row in mine.rows("prompts")][:2]
    mine.update_prompt(first, content="my own edit")
    mine.update_prompt(second, score=0.99)
    mine.close()
    before = target_path.read_bytes()
    mine = open_store(target_path)
    with pytest.raises(
        ImportConflictError, match=rf"2 imported row\(s\).*prompts: {first}, {second}"
    ):
        verified_import(mine, real_export / "clean")
    mine.close()
    assert target_path.read_bytes() == before
    mine = open_store(target_path)
    skipped = verified_import(mine, real_export / "clean", on_conflict="skip")
    assert skipped.conflicts["prompts"] == 2 and skipped.written["prompts"] == 0
    assert mine.get_prompt(first).content == "my own edit"
    replaced = verified_import(mine, real_export / "clean", on_conflict="replace")
    assert replaced.conflicts["prompts"] == 2 and replaced.written["prompts"] == 2
    assert mine.get_prompt(first).content != "my own edit"
    assert verified_import(mine, real_export / "clean").conflicts["prompts"] == 0  # now equal
    with pytest.raises(ImportExportError, match="on_conflict must be one of"):
        verified_import(mine, real_export / "clean", on_conflict="merge")


def test_an_abandoned_partial_export_is_removed_on_the_next_run(real_export, tmp_path):
    import subprocess
    import sys

    store = open_store(real_export / "real.db")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    root = tmp_path / "exports"
    root.mkdir()
    abandoned = root / f".out.partial-{dead.pid}-abc123"
    legacy = root / ".out.partial-k2j4h5"  # from an older version: no pid in the name
    running = root / f".out.partial-{os.getpid()}-live01"  # an export still in progress
    unrelated = root / ".other.partial-1-x"
    for folder in (abandoned, legacy, running, unrelated):
        folder.mkdir()
        (folder / "prompts.jsonl").write_text("{}\n")
    export(store, root / "out", tables=["tags"])
    assert sorted(p.name for p in root.iterdir()) == sorted(["out", running.name, unrelated.name])
    store.close()


def test_export_folders_follow_the_umask(real_export, tmp_path):
    store = open_store(real_export / "real.db")
    old = os.umask(0o027)
    try:
        export(store, tmp_path / "out", tables=["tags"], partition_by_date=True)
    finally:
        os.umask(old)
    assert (tmp_path / "out").stat().st_mode & 0o777 == 0o750
    assert (tmp_path / "out" / "manifest.json").stat().st_mode & 0o777 == 0o640
    store.close()


def test_the_same_setting_from_another_store_is_no_conflict(tmp_path):

    a, b = open_store(tmp_path / "a.db"), open_store(tmp_path / "b.db")
    a.set_config("embeddings.auto", False, updated_by="ada")
    b.set_config("embeddings.auto", False, updated_by="bob")  # same value, other time and author
    b.set_config("user.theme", "dark")
    a.set_config("user.theme", "light")
    export(a, tmp_path / "a-export", tables=["configurations"])
    with pytest.raises(ImportExportError, match=r"1 imported row\(s\).*user\.theme"):
        verified_import(b, tmp_path / "a-export")
    report = verified_import(b, tmp_path / "a-export", on_conflict="skip")
    assert report.conflicts["configurations"] == 1
    assert b.list_configs()[0].updated_by == "bob"  # the equal setting was left alone
