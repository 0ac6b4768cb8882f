"""SQL for browsing the store from outside the Store object: Datasette pages and published bundles.

The lineage reads take an `execute(sql, params)` coroutine so they run on whatever read-only
connection the caller owns (Datasette's `Database.execute`); they never write. `is_alchemy_store`
and `snapshot_to` work on paths, for the Datasette plugin and `alchemy publish`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .reads import chunks

if TYPE_CHECKING:
    from .store import Store

Execute = Callable[[str, dict[str, Any]], Awaitable[Iterable[Any]]]
# (table, column, rowids, chars) -> {rowid: (first chars of the text cell, its size in bytes)}:
# `text_head` run on the caller's connection.
Heads = Callable[[str, str, list[int], int], Awaitable[dict[int, tuple[str, int]]]]

# Characters of a long text a lineage read returns (the page shows a cut and links the whole): a
# 200 MB prompt must not travel into the page's data, nor be read whole to cut it (substr() and
# length() load the entire value), so wide columns are read as heads (text_head).
CONTENT_CHARS = 20_000
IDEA_CHARS = 300
OUTPUT_CHARS = 160  # of each eval output a lineage page lists (the rest is a link away)
OUTPUTS = 100  # the newest eval outputs a lineage page lists (the outputs table has them all)
WIDE = {
    "prompt_requests": ("input", "metadata"),
    "request_phases": ("error_message", "config"),
}

_RESOLVE_SQL = """
SELECT id AS request_id, 'request' AS kind FROM prompt_requests WHERE id = :id
UNION ALL SELECT request_id, 'phase run' FROM request_phases WHERE id = :id
UNION ALL SELECT request_id, 'prompt' FROM prompts WHERE id = :id
UNION ALL SELECT p.request_id, 'metric' FROM metrics m JOIN prompts p ON p.id = m.prompt_id
  WHERE m.id = :id
UNION ALL SELECT p.request_id, 'tag' FROM tags t JOIN prompts p ON p.id = t.prompt_id WHERE t.id = :id
LIMIT 1
"""

_PHASE_ORDER = (
    "CASE {col} WHEN 'prima-materia' THEN 1 WHEN 'solutio' THEN 2 WHEN 'coagulatio' THEN 3 END"
)

_COLUMNS_SQL = "SELECT name FROM pragma_table_info(:table)"

_REQUEST_SQL = "SELECT rowid AS _rowid, {columns} FROM prompt_requests WHERE id = :id"

_PHASE_RUNS_SQL = f"""
SELECT rowid AS _rowid, {{columns}},
  CAST(round((julianday(completed_at) - julianday(started_at)) * 86400000) AS INTEGER)
    AS duration_ms,
  (SELECT count(*) FROM prompts p
    WHERE p.request_id = rp.request_id AND p.phase = rp.phase) AS variants
FROM request_phases rp
WHERE request_id = :id
ORDER BY {_PHASE_ORDER.format(col="phase")}
"""

# Metrics pivoted to one row per variant; tags as a JSON array.
_VARIANTS_SQL = f"""
SELECT
  p.rowid AS _rowid, p.id, p.phase, p.rank, p.score, p.provider, p.model, p.persona,
  p.actual_tokens, p.created_at, json_extract(p.metadata, '$.phase_run_id') AS phase_run_id,
  max(CASE WHEN m.metric_type = 'time' THEN m.value END) AS time_ms,
  max(CASE WHEN m.metric_type = 'tokens' THEN m.input_tokens END) AS input_tokens,
  max(CASE WHEN m.metric_type = 'tokens' THEN m.output_tokens END) AS output_tokens,
  sum(CASE WHEN m.metric_type = 'cost' THEN m.cost_usd END) AS cost_usd,
  max(CASE WHEN m.metric_type = 'quality' THEN m.value END) AS quality,
  count(m.id) AS metric_count,
  EXISTS (SELECT 1 FROM embeddings e WHERE e.prompt_id = p.id) AS embedded,
  (SELECT json_group_array(tag) FROM (SELECT tag FROM tags t WHERE t.prompt_id = p.id ORDER BY tag))
    AS tags
FROM prompts p
LEFT JOIN metrics m ON m.prompt_id = p.id
WHERE p.request_id = :id
GROUP BY p.id
ORDER BY {_PHASE_ORDER.format(col="p.phase")}, p.rank IS NULL, p.rank, p.score DESC, p.created_at
"""

_PROMPT_SUMMARIES_SQL = """
SELECT p.id, p.phase, p.score, p.rank, p.request_id, r.rowid AS _request_rowid
FROM prompts p LEFT JOIN prompt_requests r ON r.id = p.request_id
WHERE p.id IN ({marks})
"""


def _dicts(rows: Iterable[Any]) -> list[dict[str, Any]]:
    return [dict(row) for row in rows]


async def resolve_request(execute: Execute, any_id: str) -> tuple[str | None, str] | None:
    """Return (request id, what kind of row `any_id` named), or None when no row has that id."""
    rows = _dicts(await execute(_RESOLVE_SQL, {"id": any_id}))
    if not rows:
        return None
    return rows[0]["request_id"], rows[0]["kind"]


async def _narrow(execute: Execute, table: str) -> str:
    """The table's columns except its wide ones, for a SELECT list."""
    names = [row["name"] for row in await execute(_COLUMNS_SQL, {"table": table})]
    return ", ".join(f"[{n}]" for n in names if n not in WIDE.get(table, ()))


async def _with_heads(
    heads: Heads, table: str, rows: list[dict[str, Any]], columns: Sequence[str], chars: int
) -> list[dict[str, Any]]:
    """Fill each row's wide `columns` with their heads, and `<column>_bytes` with their sizes."""
    rowids = [row.pop("_rowid") for row in rows]
    for column in columns:
        found = await heads(table, column, rowids, chars)
        for rowid, row in zip(rowids, rows, strict=True):
            text, size = found.get(rowid, (None, 0))
            row[column], row[f"{column}_bytes"] = text, size
    return rows


async def request_lineage(execute: Execute, request_id: str, heads: Heads) -> dict[str, Any] | None:
    """The request, its phase runs (with durations) and every variant with metrics and tags.

    Long texts (the idea, errors, each variant's content) come as their first CONTENT_CHARS
    characters, with their whole size in bytes beside them (`content_bytes`, …).
    """
    params = {"id": request_id}
    sql = _REQUEST_SQL.format(columns=await _narrow(execute, "prompt_requests"))
    found = _dicts(await execute(sql, params))
    if not found:
        return None
    wide = WIDE["prompt_requests"]
    request = (await _with_heads(heads, "prompt_requests", found, wide, CONTENT_CHARS))[0]
    sql = _PHASE_RUNS_SQL.format(columns=await _narrow(execute, "request_phases"))
    runs = _dicts(await execute(sql, params))
    wide = WIDE["request_phases"]
    variants = _dicts(await execute(_VARIANTS_SQL, params))
    return {
        "request": request,
        "phase_runs": await _with_heads(heads, "request_phases", runs, wide, CONTENT_CHARS),
        "variants": await _with_heads(heads, "prompts", variants, ["content"], CONTENT_CHARS),
    }


_EVAL_PROMPTS_SQL = f"""
SELECT o.prompt_id, p.phase, p.rank, count(*) AS outputs, count(o.passed) AS graded,
  coalesce(sum(o.passed), 0) AS passed, round(avg(o.score), 4) AS mean_grade,
  sum(o.error IS NOT NULL) AS failed_calls, count(DISTINCT o.run_id) AS runs
FROM prompts p JOIN outputs o ON o.prompt_id = p.id
WHERE p.request_id = :id
GROUP BY o.prompt_id
ORDER BY {_PHASE_ORDER.format(col="p.phase")}, p.rank IS NULL, p.rank, o.prompt_id
"""

_EVAL_OUTPUTS_SQL = """
SELECT o.rowid AS _rowid, o.id, o.run_id, o.prompt_id, p.phase, p.rank, o.case_id,
  c.name AS case_name, o.provider, o.model, o.passed, o.score, o.latency_ms, o.created_at
FROM prompts p JOIN outputs o ON o.prompt_id = p.id JOIN cases c ON c.id = o.case_id
WHERE p.request_id = :id
ORDER BY o.created_at DESC, o.rowid DESC
LIMIT :limit
"""


async def request_evals(
    execute: Execute, request_id: str, heads: Heads, limit: int = OUTPUTS
) -> dict[str, Any]:
    """The eval outputs of a request's prompts: per prompt, outputs, passes and mean grade over
    every run; and the newest `limit` outputs, each with its case, model, grade and the first
    OUTPUT_CHARS of its text (or error), sizes in `text_bytes`/`error_bytes`."""
    params = {"id": request_id, "limit": limit}
    prompts = _dicts(await execute(_EVAL_PROMPTS_SQL, params))
    outputs = _dicts(await execute(_EVAL_OUTPUTS_SQL, params))
    outputs = await _with_heads(heads, "outputs", outputs, ["text", "error"], OUTPUT_CHARS)
    return {"prompts": prompts, "outputs": outputs}


async def prompt_summaries(
    execute: Execute, prompt_ids: Sequence[str], heads: Heads
) -> dict[str, dict[str, Any]]:
    """Phase, score, rank, request and idea (its first IDEA_CHARS) of each prompt, by id."""
    if not prompt_ids:
        return {}
    params = {f"p{i}": pid for i, pid in enumerate(prompt_ids)}
    sql = _PROMPT_SUMMARIES_SQL.format(marks=", ".join(f":{k}" for k in params))
    rows = _dicts(await execute(sql, params))
    ideas = await heads(
        "prompt_requests",
        "input",
        [r["_request_rowid"] for r in rows if r["_request_rowid"]],
        IDEA_CHARS,
    )
    for row in rows:
        row["idea"] = ideas.get(row.pop("_request_rowid"), (None, 0))[0]
    return {row["id"]: row for row in rows}


def open_read_only(path: Path) -> Store:
    """A Store on an existing file that can never write, as it is (no migration, no recovery):
    what a server needs to read embeddings for its vector index."""
    from .connect import busy_timeout, configure, connect
    from .store import Store

    if not path.is_file():
        raise FileNotFoundError(path)
    timeout = busy_timeout()
    conn = connect(path, read_only=True, timeout=timeout)
    configure(conn, timeout, writes_wal=False)
    return Store(conn, path, read_only=True, busy_timeout_s=timeout)


def text_cell_sql(table: str, column: str, key: str) -> str:
    """SQL for the rowid and type of one cell (`table`, `column`, `key` already validated):
    typeof() reads the cell's header only, never the value."""
    return f"SELECT rowid, typeof([{column}]) AS kind FROM [{table}] WHERE [{key}] = :pk"


def text_size(conn: sqlite3.Connection, table: str, column: str, rowid: int) -> tuple[int, str]:
    """Bytes in a text cell and the database's text encoding, without reading the value."""
    with conn.blobopen(table, column, rowid, readonly=True) as blob:
        return len(blob), str(conn.execute("PRAGMA encoding").fetchone()[0])


def text_head(
    conn: sqlite3.Connection, table: str, column: str, rowids: Sequence[int], chars: int
) -> dict[int, tuple[str, int]]:
    """rowid -> (the first `chars` characters of a UTF-8 text cell, its size in bytes).

    Read through SQLite's incremental BLOB I/O (which reads TEXT too): only the head's pages are
    read, so the cost does not grow with the cell. Cells that are not text are left out.
    """
    out: dict[int, tuple[str, int]] = {}
    for rowid in rowids:
        try:
            with conn.blobopen(table, column, rowid, readonly=True) as blob:
                size = len(blob)
                head = blob.read(min(size, chars * 4))  # at most 4 bytes per character
        except sqlite3.Error:  # NULL, a number, or the row is gone
            continue
        out[rowid] = (head.decode("utf-8", errors="ignore")[:chars], size)
    return out


def iter_text(path: Path, table: str, column: str, rowid: int, chunk: int) -> Iterator[bytes]:
    """A text cell's bytes in `chunk`-sized pieces, through one BLOB handle on a read-only
    connection of its own (reopening a handle per piece walks the overflow pages from the start
    each time: 31 s instead of about one for 200 MB)."""
    from .connect import busy_timeout, connect

    conn = connect(path, read_only=True, timeout=busy_timeout())
    try:
        with conn.blobopen(table, column, rowid, readonly=True) as blob:
            while piece := blob.read(chunk):
                yield piece
    finally:
        conn.close()


def embedding_models(store: Store, prompt_ids: Sequence[str]) -> dict[str, str]:
    """prompt id -> the model of its stored embedding, for those that have one."""
    out: dict[str, str] = {}
    for chunk in chunks(list(prompt_ids), 500):
        marks = ",".join("?" * len(chunk))
        sql = f"SELECT prompt_id, model FROM embeddings WHERE prompt_id IN ({marks})"
        out.update(dict(store.conn.execute(sql, chunk).fetchall()))
    return out


def is_alchemy_store(path: str | Path) -> bool:
    """True when the file is an SQLite database migrated by alchemy_kit (opened read-only)."""
    try:
        uri = f"{Path(path).resolve().as_uri()}?mode=ro"
        with closing(sqlite3.connect(uri, uri=True)) as conn:
            row = conn.execute(
                "SELECT 1 FROM _sqlite_migrations WHERE migration_set = 'alchemy_kit' LIMIT 1"
            ).fetchone()
            return row is not None
    except (sqlite3.Error, OSError, ValueError):  # not a database, or no migrations table
        return False


def snapshot_to(source: Path, dest: Path) -> None:
    """Copy a live store into `dest` as one self-contained file (rollback journal, no -wal)."""
    uri = f"{source.resolve().as_uri()}?mode=ro"
    with closing(sqlite3.connect(uri, uri=True)) as src, closing(sqlite3.connect(dest)) as out:
        # The backup API copies a consistent snapshot even while notebooks keep writing.
        src.backup(out)
        # Immutable serving (datasette -i) never reads a WAL: the copy must hold everything itself.
        out.execute("PRAGMA journal_mode = DELETE")


__all__ = [
    "CONTENT_CHARS",
    "embedding_models",
    "is_alchemy_store",
    "iter_text",
    "open_read_only",
    "prompt_summaries",
    "request_evals",
    "request_lineage",
    "resolve_request",
    "snapshot_to",
    "text_cell_sql",
    "text_head",
    "text_size",
]
