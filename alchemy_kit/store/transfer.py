"""Export the tables to JSONL, CSV or Parquet (optionally Hive-partitioned by date) and import them back.

One encoding for every format keeps the round trip lossless (equal raw rows, BLOBs included):

- Values are the raw stored values: ids, timestamps and JSON columns stay the exact stored text. JSON
  columns are not nested, even in JSONL: ``configurations.value`` mixes strings, numbers and objects,
  which no reader can type as one column. Parse them with ``json.loads`` or DuckDB's ``json()``.
- Timestamps are stored in one canonical form (``2026-01-31T12:00:00.000Z``, see migration m005):
  text in JSONL and CSV, typed ``timestamp[us, UTC]`` in Parquet (``date_trunc`` in DuckDB,
  ``datetime64[us, UTC]`` in pandas); the millisecond text comes back unchanged on import.
- INTEGER and REAL stay numbers (JSON numbers, Parquet int64/float64, ``repr()`` text in CSV).
- BLOBs: Parquet ``binary``; standard padded base64 text in JSONL and CSV.
- ``embeddings`` gains a ``vector`` column: the decoded float32 vector (Parquet ``list<float>``, a
  JSON array in JSONL and CSV), so DuckDB's ``list_cosine_similarity`` and numpy need no codec. It
  is NULL for a BLOB the codec cannot read (DuckDB 2.0's ``list_cosine_similarity`` then refuses
  the whole chunk, even behind ``WHERE vector IS NOT NULL``; our writers never store such BLOBs).
  On import the BLOB wins; a file with only ``vector`` (from another tool) is encoded with the
  default codec dtype.
- NULL: JSON ``null`` and Parquet null. CSV has no NULL, so it is the two characters ``\\N`` (as in
  PostgreSQL and MySQL dumps); an empty field is the empty string. A text value made of one or more
  backslashes then ``N`` gains one backslash on export and loses it on import, so no text is mistaken
  for NULL. Readers: ``pd.read_csv(f, na_values=["\\N"], keep_default_na=False)``,
  DuckDB ``read_csv(f, nullstr='\\N')``.

Partitioned layout: ``dest/<table>/created_date=YYYY-MM-DD/part-NNNN.<ext>`` from each table's date
column (DATE_COLUMNS). ``created_date`` lives only in the path, as Hive expects, and is ignored on import.
An empty table has no date, so it gets one schema-only ``dest/<table>/part-0000.<ext>`` that carries
``created_date`` as an empty column: every table is readable with ``hive_partitioning=true``.
A pending phase run has no ``started_at``: it goes in its request's ``created_at`` date, so every
partition is a real date. (``__HIVE_DEFAULT_PARTITION__`` reads as NULL in DuckDB and Spark, but
``pd.read_parquet(dir)`` fails on it with pyarrow 26: "Cannot yet unify dictionaries with nulls".)
Rows keep their order within a partition; partitions are imported in date order.

What an import refuses, in one line naming the file and line, leaving the database as it was
(decisions of issue 18; the refusals round-trip because our exports never contain such values):
- NaN and ±infinity in a numeric column (SQLite would store NaN as NULL), integers outside 64 bits;
- JSON nested more than 100 levels (a line, a JSON column, the manifest);
- a CSV whose line ends were converted to ``\r\n`` after export while a value holds a ``\r``
  (whether it was the text's own cannot be told); a ``\r`` in a ``\n`` file is kept as text;
- a file that resolves outside the folder (``../``, an absolute path, a symlink) or is not a regular
  file, with or without a manifest;
- a CSV or Parquet value over 32 Mi characters (transfer_files.MAX_CELL_CHARS; export refuses it too).
``prompts.rank`` is derived (m003/m008 triggers re-rank every request phase by score), so an imported
rank is never kept as given nor counted as a conflict; ``db check`` verifies the ranks.
"""

from __future__ import annotations

import functools
import json
import re
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import records as r
from .. import settings
from ..errors import AlchemyError, CorruptEmbeddingError, ImportConflictError, ImportExportError
from . import outdir
from .calling import store_argument
from .codec import DEFAULT_DTYPE, decode_vector, encode_vector
from .reads import PRIMARY_KEYS, TABLE_RECORDS, TABLES
from .store import Store
from .transfer_files import (
    BATCH_ROWS,
    CSV_NULL,
    PARTITION_COLUMN,
    READERS,
    Col,
    Located,
    TableWriter,
    reason,
)

FORMATS = ("jsonl", "csv", "parquet")
# What to do with an imported row whose id is stored with different content.
ON_CONFLICT = ("fail", "skip", "replace")
SHOWN_IDS = 5  # ids listed in a conflict or duplicate error
# 2: typed Parquet timestamps, the embeddings `vector` column, files for empty partitioned tables.
FORMAT_VERSION = 2
MANIFEST = "manifest.json"
# The column whose date partitions each table.
# The date of a row is its created_at, except in these tables (new tables follow the rule).
DATE_COLUMNS = {t: "created_at" for t in TABLES} | {
    "request_phases": "started_at",
    "metrics": "timestamp",
    "configurations": "updated_at",
    "search_history": "timestamp",
}
# Columns the database derives on every write (ranks: from the scores of a request's phase, by
# m003/m008 triggers), so an imported value never conflicts with, nor replaces, the derived one.
DERIVED_COLUMNS = frozenset({"rank"})
# Only reachable if a date column holds no date at all; a plain string every reader accepts.
UNKNOWN_DATE = "unknown"

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_SQL_KINDS = {"TEXT": "text", "INTEGER": "int", "REAL": "real", "BLOB": "blob"}


@dataclass
class ExportReport:
    """What an export wrote: files (manifest included) and row counts per table."""

    dest: Path
    format: str
    partitioned: bool
    counts: dict[str, int]
    files: list[Path] = field(default_factory=list)


@dataclass
class ImportReport:
    """What an import read (counts), wrote (inserted or changed) and left alone (already equal)."""

    src: Path
    format: str
    counts: dict[str, int]
    written: dict[str, int]
    unchanged: dict[str, int]
    files: list[Path] = field(default_factory=list)
    conflicts: dict[str, int] = field(default_factory=dict)  # skipped or replaced, per table


def _columns(store: Store, table: str) -> list[Col]:
    rows = store.query("SELECT name, type FROM pragma_table_info(?) ORDER BY cid", [table])
    stamps = r.TIMESTAMP_FIELDS[TABLE_RECORDS[table]]
    cols = [
        Col(
            row["name"],
            "timestamp" if row["name"] in stamps else _SQL_KINDS.get(row["type"].upper(), "text"),
        )
        for row in rows
    ]
    if table == "embeddings":
        # Either form of the vector is enough on import.
        cols = [Col(c.name, c.kind, "vector") if c.name == "embedding" else c for c in cols]
        cols.append(Col("vector", "vector", "embedding"))
    return cols


def _vector(blob: bytes) -> Any:
    try:
        return decode_vector(blob)
    except CorruptEmbeddingError:
        return None  # the BLOB itself is still exported, byte for byte


def _from_file(table: str, row: dict[str, Any]) -> dict[str, Any]:
    """A row read from a file, as the store holds it (an embeddings row's vector → its BLOB)."""
    if table != "embeddings":
        return row
    vector = row.pop("vector", None)
    if row.get("embedding") is None and vector is not None:
        row["embedding"] = encode_vector(vector, DEFAULT_DTYPE)
        if row.get("dimensions") is None:
            row["dimensions"] = len(vector)
    return row


def _select_tables(tables: Sequence[str] | str | None) -> list[str]:
    if tables is None:
        return list(TABLES)
    wanted = [tables] if isinstance(tables, str) else list(tables)
    unknown = [t for t in wanted if t not in TABLES]
    if unknown or not wanted:
        raise ImportExportError(
            f"unknown table(s) {', '.join(map(repr, unknown)) or '(none given)'}:"
            f" expected some of {', '.join(TABLES)}"
        )
    return [t for t in TABLES if t in wanted]  # FK order, whatever order was asked for


def _version() -> str:
    # The package attribute, not installed metadata: an editable install's metadata lags a bump.
    from .. import __version__

    return __version__


# -- export --------------------------------------------------------------------------------------
@store_argument
def export(
    store: Store,
    dest_dir: str | Path,
    *,
    tables: Sequence[str] | None = None,
    fmt: str = "jsonl",
    partition_by_date: bool = False,
    overwrite: bool = False,
) -> ExportReport:
    """Write tables and a manifest.json to dest_dir atomically (all files appear at once or none)."""
    if fmt not in FORMATS:
        raise ImportExportError(f"unknown format {fmt!r}: expected one of {', '.join(FORMATS)}")
    wanted = _select_tables(tables)
    dest = Path(dest_dir)
    _check_dest(store, dest, overwrite)
    if fmt == "parquet":
        _require_pyarrow()
    try:
        tmp = outdir.start(dest)
    except OSError as exc:
        raise ImportExportError(f"cannot write the export to {dest}: {reason(exc)}") from None
    try:
        counts: dict[str, int] = {}
        files: dict[str, list[str]] = {}
        # One read transaction: a consistent snapshot even while other processes write.
        with store._snapshot():
            for table in wanted:
                n, paths = _export_table(store, table, tmp, fmt, partition_by_date)
                counts[table] = n
                files[table] = [p.relative_to(tmp).as_posix() for p in paths]
        manifest = {
            "format": fmt,
            "version": FORMAT_VERSION,
            "alchemy_kit_version": _version(),
            "created_at": r.now(),
            "migrations": store.applied_migrations(),
            "tables": wanted,
            "counts": counts,
            "partitioning": (
                {"style": "hive", "column": PARTITION_COLUMN, "source_columns": DATE_COLUMNS}
                if partition_by_date
                else None
            ),
            "encoding": {
                "json_columns": "text",
                "blob": "base64" if fmt != "parquet" else "binary",
                "timestamps": "timestamp[us, UTC]" if fmt == "parquet" else "ISO-8601 text, …Z",
                "vector": "list<float32>" if fmt == "parquet" else "JSON array of float32",
            }
            | ({"null": CSV_NULL} if fmt == "csv" else {}),
            "files": files,
        }
        # The manifest is written last: a directory without one is not a finished export.
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
        _check_dest(store, dest, overwrite)  # again: the folder may have changed meanwhile
        outdir.install(tmp, dest)
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, OSError):  # a full disk, a vanished folder: one line, nothing published
            raise ImportExportError(
                f"cannot write the export to {dest}: {reason(exc)}; nothing was published"
            ) from None
        raise
    out = [dest / rel for rels in files.values() for rel in rels] + [dest / MANIFEST]
    return ExportReport(dest, fmt, partition_by_date, counts, out)


def _require_pyarrow() -> None:
    try:
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        raise ImportExportError("Parquet needs pyarrow: pip install pyarrow") from None


def _check_dest(store: Store, dest: Path, overwrite: bool) -> None:
    """Refuse a destination that is not a new folder or one of our exports (see store/outdir.py)."""
    sources = [Path(store.path)] if store.path else []
    outdir.check_target(dest, "an export", sources)
    outdir.check_replaceable(dest, "an export", MANIFEST, _exported_names, overwrite)


def _exported_names(dest: Path) -> set[str] | None:
    """The top-level names an export's manifest says it wrote (None when it is unreadable)."""
    manifest = outdir.read_marker(dest / MANIFEST)
    files = manifest.get("files") if manifest else None
    if not isinstance(files, dict):
        return None
    rels = [rel for v in files.values() if isinstance(v, list) for rel in v if isinstance(rel, str)]
    return outdir.top_level(rels)


def _export_table(
    store: Store, table: str, tmp: Path, fmt: str, partitioned: bool
) -> tuple[int, list[Path]]:
    out = TableWriter(fmt, tmp, table, _columns(store, table), partitioned)
    date_of = _date_finder(store, table) if partitioned else None
    n = 0
    try:
        for row in store.rows(table):
            if table == "embeddings":
                row["vector"] = _vector(row["embedding"])
            out.add(date_of(row) if date_of else "", row)
            n += 1
    finally:
        files = out.close()
    return n, files


def _date_finder(store: Store, table: str) -> Any:
    column = DATE_COLUMNS[table]

    @functools.lru_cache(maxsize=4096)
    def request_date(request_id: str) -> str:
        for row in store.rows("prompt_requests", where="id = ?", params=[request_id]):
            return _date(row["created_at"]) or UNKNOWN_DATE
        return UNKNOWN_DATE

    def date_of(row: dict[str, Any]) -> str:
        date = _date(row[column])
        if date is None and table == "request_phases":
            return request_date(row["request_id"])  # a pending phase: its request's date
        return date or UNKNOWN_DATE

    return date_of


def _date(value: Any) -> str | None:
    # Stored timestamps are UTC, so the first ten characters are the UTC date.
    return value[:10] if isinstance(value, str) and _DATE.match(value) else None


def _read_manifest(src: Path) -> dict[str, Any] | None:
    path = src / MANIFEST
    if not path.exists():
        return None
    try:
        manifest = r.parse_json(path.read_text(encoding="utf-8"), "it")
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ImportExportError(f"{path} is unreadable: {reason(exc)}") from None
    if not isinstance(manifest, dict):
        raise ImportExportError(f"{path} is not a manifest (expected a JSON object)")
    version = manifest.get("version")
    if not isinstance(version, int) or version < 1:
        raise ImportExportError(f"{path} has no valid format version")
    if version > FORMAT_VERSION:
        raise ImportExportError(
            f"{path} is export format version {version}; this alchemy_kit reads up to"
            f" {FORMAT_VERSION}: upgrade alchemy_kit to import it"
        )
    if manifest.get("format") not in FORMATS:
        raise ImportExportError(
            f"{path}: unknown format {manifest.get('format')!r}; expected one of {', '.join(FORMATS)}"
        )
    return manifest


def _discover(src: Path, fmt: str) -> dict[str, list[Path]]:
    found: dict[str, list[Path]] = {}
    for table in TABLES:
        flat = src / f"{table}.{fmt}"
        parts = sorted((src / table).glob(f"*.{fmt}"))  # an empty partitioned table
        parts += sorted((src / table).glob(f"{PARTITION_COLUMN}=*/*.{fmt}"))
        if flat.exists() or flat.is_symlink():
            found[table] = [flat, *parts]
        elif parts:
            found[table] = parts
    return found


def _contained(src: Path, rel: str, where: str) -> Path:
    """`src / rel`, refused unless it is a file inside `src` once every symlink is followed.

    One rule with or without a manifest: nothing outside the export folder is ever read,
    whether a path says ../ or is absolute, or a file or folder on the way is a symbolic link
    pointing out (to another user's file, /dev/zero, a FIFO).
    """
    path = src / rel
    if Path(rel).is_absolute() or not path.resolve().is_relative_to(src.resolve()):
        raise ImportExportError(
            f"{where} {rel!r} is outside the export folder (a symbolic link or a path pointing"
            " out); refusing to read it"
        )
    if path.exists() and not path.is_file():
        raise ImportExportError(
            f"{where} {rel!r}, which is not a regular file; refusing to read it"
        )
    return path


def _detect_format(src: Path) -> str:
    present = [fmt for fmt in FORMATS if _discover(src, fmt)]
    if len(present) != 1:
        what = "no export files" if not present else f"files of several formats ({present})"
        raise ImportExportError(f"{src} has no {MANIFEST} and {what}; cannot tell what to import")
    return present[0]


def _plan(src: Path, fmt: str, manifest: dict[str, Any] | None) -> dict[str, list[Path]]:
    if manifest is None:
        return {
            table: [_contained(src, p.relative_to(src).as_posix(), f"{src} holds") for p in paths]
            for table, paths in _discover(src, fmt).items()
        }
    plan: dict[str, list[Path]] = {}
    files = manifest.get("files") or {}
    if not isinstance(files, dict):
        raise ImportExportError(f"{src / MANIFEST}: 'files' must map table names to file lists")
    for table, rels in files.items():
        if table not in TABLES:
            raise ImportExportError(f"{src / MANIFEST} names an unknown table {table!r}")
        if not isinstance(rels, list) or not all(isinstance(x, str) and x for x in rels):
            raise ImportExportError(f"{src / MANIFEST}: files of {table} must be a list of paths")
        paths = [_contained(src, rel, f"{src / MANIFEST} lists") for rel in rels]
        missing = [str(p) for p in paths if not p.is_file()]
        if missing:
            raise ImportExportError(f"export files listed in the manifest are missing: {missing}")
        plan[table] = paths
    return plan


# -- import --------------------------------------------------------------------------------------
@dataclass
class _Checks:
    """What one import checks across batches: ids seen, conflicts found, how to decode BLOBs."""

    on_conflict: str
    verify_blob: Callable[[bytes], int] | None
    seen: dict[str, set[Any]] = field(default_factory=dict)
    conflicts: dict[str, list[Any]] = field(default_factory=dict)


def blob_dimensions(blob: bytes) -> int:
    """Decode an embedding BLOB (CorruptEmbeddingError if it cannot be) and return its size."""
    return int(decode_vector(blob).shape[0])


@store_argument
def import_(
    store: Store,
    src_dir: str | Path,
    *,
    tables: Sequence[str] | None = None,
    on_conflict: str = "fail",
    verify_blob: Callable[[bytes], int] | None = blob_dimensions,
) -> ImportReport:
    """Import an export folder (`ak.export`, `alchemy export`) into `store`, all or nothing.

    JSONL, CSV or Parquet, partitioned by date or not (the manifest says which, else it is
    detected). Every row is checked as the API checks it and every embedding BLOB is decoded
    (`verify_blob`, returning its dimensions); any error leaves the store untouched. `tables`
    limits the import to some tables (parents first); ids repeated within the import are an
    error, and a row whose id is stored with other content is a conflict: `on_conflict` "fail"
    (default, lists the ids), "skip" (keep the stored row) or "replace". Returns an ImportReport
    with rows read, written and skipped per table.
    """
    if on_conflict not in ON_CONFLICT:
        raise ImportExportError(
            f"on_conflict must be one of {', '.join(ON_CONFLICT)}, got {on_conflict!r}"
        )
    src = Path(src_dir)
    if not src.is_dir():
        raise ImportExportError(f"{src} is not a directory (nothing to import)")
    manifest = _read_manifest(src)
    fmt = manifest["format"] if manifest else _detect_format(src)
    if fmt == "parquet":
        _require_pyarrow()
    plan = _plan(src, fmt, manifest)
    wanted = _select_tables(tables) if tables is not None else [t for t in TABLES if t in plan]
    absent = [t for t in wanted if t not in plan]
    if absent:
        raise ImportExportError(f"{src} holds no export of: {', '.join(absent)}")
    expected = (manifest or {}).get("counts") or {}
    report = ImportReport(src, fmt, {}, {}, {})
    checks = _Checks(on_conflict, verify_blob)
    with store.transaction():
        for table in wanted:
            cols = _columns(store, table)
            read = written = 0
            batch: list[Located] = []
            for path in plan[table]:
                rel = path.relative_to(src).as_posix()
                report.files.append(path)
                for loc, row in READERS[fmt](path, rel, cols):
                    batch.append((loc, _from_file(table, row)))
                    if len(batch) >= BATCH_ROWS:
                        written += _import_batch(store, table, batch, checks)
                        read += len(batch)
                        batch = []
            written += _import_batch(store, table, batch, checks)
            read += len(batch)
            if table in expected and expected[table] != read:
                raise ImportExportError(
                    f"{table}: the manifest promises {expected[table]} rows but the files hold"
                    f" {read}; the export is incomplete or was edited"
                )
            conflicts = len(checks.conflicts.get(table, ()))
            report.counts[table] = read
            report.written[table] = written
            report.conflicts[table] = conflicts
            report.unchanged[table] = read - written - (conflicts if on_conflict == "skip" else 0)
        if on_conflict == "fail" and checks.conflicts:
            raise _conflict_error(checks.conflicts)  # rolls the whole import back
    return report


def _conflict_error(conflicts: dict[str, list[Any]]) -> ImportConflictError:
    total = sum(len(v) for v in conflicts.values())
    table, ids = next(iter(conflicts.items()))
    shown = ", ".join(map(str, ids[:SHOWN_IDS])) + (", …" if len(ids) > SHOWN_IDS else "")
    return ImportConflictError(
        f"{total} imported row(s) reuse ids stored with different content ({table}: {shown});"
        " nothing was imported: pass --on-conflict skip to keep the stored rows or replace to"
        " take the imported ones"
    )


def _check_row(table: str, loc: str, row: dict[str, Any], checks: _Checks) -> None:
    """The checks SQL cannot make: BLOBs that decode, configuration values that fit their key."""
    try:
        if table == "embeddings" and checks.verify_blob is not None:
            dims = checks.verify_blob(row["embedding"])
            if dims != row["dimensions"]:
                raise ValueError(
                    f"the BLOB holds {dims} dimensions, the row says {row['dimensions']}"
                )
        elif table == "configurations" and isinstance(row.get("value"), str):
            settings.validate(row["key"], r.parse_json(row["value"], "the value"))
    except (AlchemyError, ValueError, TypeError) as exc:
        raise ImportExportError(f"{loc}: {table}: {reason(exc)}") from None


def _same_setting(stored: dict[str, Any] | None, row: dict[str, Any]) -> bool:
    if stored is None or stored["type"] != row["type"]:
        return False
    try:
        return bool(r.from_json(stored["value"]) == r.from_json(row["value"]))
    except (TypeError, ValueError):
        return False


def _same_row(stored: dict[str, Any] | None, row: dict[str, Any]) -> bool:
    """Equal but for derived columns: a prompt's rank is re-derived from scores (see m008)."""
    if stored is None:
        return False
    return all(stored.get(k) == v for k, v in row.items() if k not in DERIVED_COLUMNS)


def _duplicates(table: str, pk: str, batch: list[Located], checks: _Checks) -> None:
    seen = checks.seen.setdefault(table, set())
    dupes: list[str] = []
    for loc, row in batch:
        if row[pk] in seen:
            dupes.append(f"{row[pk]} at {loc}")
        seen.add(row[pk])
    if dupes:
        shown = "; ".join(dupes[:SHOWN_IDS]) + ("; …" if len(dupes) > SHOWN_IDS else "")
        raise ImportExportError(f"{table}: the import repeats ids ({shown}); nothing was imported")


def _import_batch(store: Store, table: str, batch: list[Located], checks: _Checks) -> int:
    if not batch:
        return 0
    pk = PRIMARY_KEYS[table]
    _duplicates(table, pk, batch, checks)
    for loc, row in batch:
        _check_row(table, loc, row, checks)
    keys = [row[pk] for _, row in batch]
    existing = {
        row[pk]: row
        for row in store.rows(table, where=f"{pk} IN ({','.join('?' * len(keys))})", params=keys)
    }
    # Skipping rows that are already equal makes re-import a true no-op: an upsert of an equal row
    # would still fire the updated_at triggers and stamp a new time.
    todo = [(loc, row) for loc, row in batch if not _same_row(existing.get(row[pk]), row)]
    # A setting with the same value is no conflict: every store seeds `prices` on its first run,
    # so two stores differ in when and by whom, not in what.
    todo = [
        (loc, row)
        for loc, row in todo
        if not (table == "configurations" and _same_setting(existing.get(row[pk]), row))
    ]
    clashes = [row[pk] for _, row in todo if row[pk] in existing]
    if clashes:
        checks.conflicts.setdefault(table, []).extend(clashes)
        if checks.on_conflict != "replace":
            todo = [(loc, row) for loc, row in todo if row[pk] not in existing]
    payload = [row for _, row in todo]
    try:
        store._import_rows(table, payload)
    except (AlchemyError, TypeError, ValueError, OverflowError) as exc:
        # Find the offending row; the enclosing transaction rolls back whatever this applies.
        for (loc, _), item in zip(todo, payload, strict=True):
            try:
                store._import_rows(table, [item])
            except (AlchemyError, TypeError, ValueError, OverflowError) as row_exc:
                raise ImportExportError(f"{loc}: {table}: {reason(row_exc)}") from row_exc
        raise ImportExportError(f"{todo[0][0]}..{todo[-1][0]}: {table}: {reason(exc)}") from exc
    return len(todo)


__all__ = [
    "DATE_COLUMNS",
    "FORMATS",
    "ON_CONFLICT",
    "ExportReport",
    "ImportReport",
    "export",
    "import_",
]
