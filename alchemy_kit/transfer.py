"""Export the eight tables to JSONL, CSV or Parquet (optionally Hive-partitioned by date) and import them back.

One encoding for every format keeps the round trip lossless (equal raw rows, BLOBs included):

- Values are the raw stored values: ids, timestamps and JSON columns stay the exact stored text. JSON
  columns are not nested, even in JSONL: ``configurations.value`` mixes strings, numbers and objects,
  which no reader can type as one column. Parse them with ``json.loads`` or DuckDB's ``json()``.
- INTEGER and REAL stay numbers (JSON numbers, Parquet int64/float64, ``repr()`` text in CSV).
- BLOBs: Parquet ``binary``; standard padded base64 text in JSONL and CSV.
- NULL: JSON ``null`` and Parquet null. CSV has no NULL, so it is the two characters ``\\N`` (as in
  PostgreSQL and MySQL dumps); an empty field is the empty string. A text value made of one or more
  backslashes then ``N`` gains one backslash on export and loses it on import, so no text is mistaken
  for NULL. Readers: ``pd.read_csv(f, na_values=["\\N"], keep_default_na=False)``,
  DuckDB ``read_csv(f, nullstr='\\N')``.

Partitioned layout: ``dest/<table>/created_date=YYYY-MM-DD/part-NNNN.<ext>`` from each table's date
column (DATE_COLUMNS). ``created_date`` lives only in the path, as Hive expects, and is ignored on import.
A pending phase run has no ``started_at``: it goes in its request's ``created_at`` date, so every
partition is a real date. (``__HIVE_DEFAULT_PARTITION__`` reads as NULL in DuckDB and Spark, but
``pd.read_parquet(dir)`` fails on it with pyarrow 26: "Cannot yet unify dictionaries with nulls".)
Rows keep their order within a partition; partitions are imported in date order.
"""

from __future__ import annotations

import base64
import csv
import functools
import json
import re
import shutil
import tempfile
import uuid
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import records as r
from .errors import AlchemyError, ImportExportError
from .store import PRIMARY_KEYS, TABLES, Store

if TYPE_CHECKING:
    import pyarrow as pa

FORMATS = ("jsonl", "csv", "parquet")
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
PARTITION_COLUMN = "created_date"
# The column whose date partitions each table.
DATE_COLUMNS = {
    "prompt_requests": "created_at",
    "request_phases": "started_at",
    "prompts": "created_at",
    "metrics": "timestamp",
    "tags": "created_at",
    "embeddings": "created_at",
    "configurations": "updated_at",
    "search_history": "timestamp",
}
# Only reachable if a date column holds no date at all; a plain string every reader accepts.
UNKNOWN_DATE = "unknown"
BATCH_ROWS = 1000  # rows per import_rows call, PK lookup and Parquet read batch
FLUSH_ROWS = 20_000  # rows buffered per table before writing (a Parquet flush is one row group)
MAX_OPEN_WRITERS = 64  # files open at once per table (see _TableWriter)
CSV_NULL = "\\N"

_ESCAPED_NULL = re.compile(r"\\+N")
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


@dataclass(frozen=True)
class _Col:
    name: str
    kind: str  # text | int | real | blob


def _columns(store: Store, table: str) -> list[_Col]:
    rows = store.query("SELECT name, type FROM pragma_table_info(?) ORDER BY cid", [table])
    return [_Col(row["name"], _SQL_KINDS.get(row["type"].upper(), "text")) for row in rows]


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
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("alchemy-kit")
    except PackageNotFoundError:
        return "unknown"


# -- value encoding ------------------------------------------------------------------------------
def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


def _json_cell(col: _Col, value: Any) -> Any:
    if col.kind == "blob" and isinstance(value, bytes):
        return _b64(value)
    return value


def _csv_cell(col: _Col, value: Any) -> str:
    if value is None:
        return CSV_NULL
    if isinstance(value, bytes):
        return _b64(value)
    if isinstance(value, float):
        return repr(value)  # shortest text that parses back to the same double
    if isinstance(value, str):
        return "\\" + value if _ESCAPED_NULL.fullmatch(value) else value
    return str(value)


def _from_csv(col: _Col, text: str) -> Any:
    if text == CSV_NULL:
        return None
    if col.kind == "text":
        return text[1:] if _ESCAPED_NULL.fullmatch(text) else text
    if col.kind == "int":
        return int(text)
    if col.kind == "real":
        return float(text)
    return base64.b64decode(text, validate=True)


def _coerce(col: _Col, value: Any) -> Any:
    """Check and normalise one JSONL/Parquet value to what SQLite stores for the column."""
    if value is None:
        return None
    kind, bad = col.kind, False
    if kind == "blob":
        if isinstance(value, str):
            return base64.b64decode(value, validate=True)
        bad = not isinstance(value, bytes)
    elif kind == "real":
        bad = isinstance(value, bool) or not isinstance(value, int | float)
        value = value if bad else float(value)
    elif kind == "int":
        bad = isinstance(value, bool) or not isinstance(value, int)
    else:
        bad = not isinstance(value, str)
    if bad:
        raise ValueError(f"column {col.name!r} expects {kind}, got {value!r:.60}")
    return value


def _check_names(names: Sequence[str], cols: list[_Col]) -> None:
    expected = {c.name for c in cols}
    got = set(names) - {PARTITION_COLUMN}
    if got != expected:
        missing, extra = sorted(expected - got), sorted(got - expected)
        raise ValueError(
            "columns do not match the table"
            + (f"; missing: {', '.join(missing)}" if missing else "")
            + (f"; unexpected: {', '.join(extra)}" if extra else "")
        )


# -- writers -------------------------------------------------------------------------------------
class _JsonlWriter:
    def __init__(self, path: Path, cols: list[_Col], append: bool) -> None:
        self.cols = cols
        self.f = open(path, "a" if append else "w", encoding="utf-8", newline="\n")  # noqa: SIM115

    def write_rows(self, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            obj = {c.name: _json_cell(c, row[c.name]) for c in self.cols}
            # ensure_ascii=False keeps text readable; json escapes \n and \r so a row is one line.
            self.f.write(json.dumps(obj, ensure_ascii=False) + "\n")

    def close(self) -> None:
        self.f.close()


class _CsvWriter:
    def __init__(self, path: Path, cols: list[_Col], append: bool) -> None:
        self.cols = cols
        self.f = open(path, "a" if append else "w", encoding="utf-8", newline="")  # noqa: SIM115
        self.w = csv.writer(self.f, lineterminator="\n")
        if not append:
            self.w.writerow([c.name for c in cols])

    def write_rows(self, rows: list[dict[str, Any]]) -> None:
        self.w.writerows([_csv_cell(c, row[c.name]) for c in self.cols] for row in rows)

    def close(self) -> None:
        self.f.close()


def _arrow_schema(cols: list[_Col]) -> pa.Schema:
    import pyarrow as pa

    types = {"text": pa.string(), "int": pa.int64(), "real": pa.float64(), "blob": pa.binary()}
    return pa.schema([pa.field(c.name, types[c.kind]) for c in cols])


class _ParquetWriter:
    def __init__(self, path: Path, cols: list[_Col], append: bool) -> None:
        import pyarrow.parquet as pq

        self.schema = _arrow_schema(cols)  # explicit, so all-null columns keep their type
        self.w = pq.ParquetWriter(path, self.schema, compression="zstd")

    def write_rows(self, rows: list[dict[str, Any]]) -> None:
        import pyarrow as pa

        self.w.write_table(pa.Table.from_pylist(rows, schema=self.schema))  # one row group

    def close(self) -> None:
        self.w.close()


_Writer = _JsonlWriter | _CsvWriter | _ParquetWriter
_WRITERS: dict[str, type[_Writer]] = {
    "jsonl": _JsonlWriter,
    "csv": _CsvWriter,
    "parquet": _ParquetWriter,
}


class _TableWriter:
    """Route rows to one file (flat) or one per date partition, buffered and written in batches.

    Rows arrive in insertion order, not date order, so every partition may be needed at any time.
    At most MAX_OPEN_WRITERS files stay open; a closed JSONL/CSV file is reopened for appending,
    while Parquet (which cannot append) continues in the partition's next part file.
    """

    def __init__(self, fmt: str, root: Path, table: str, cols: list[_Col], partitioned: bool):
        self.fmt, self.root, self.table, self.cols = fmt, root, table, cols
        self.partitioned = partitioned
        self.buffers: dict[str, list[dict[str, Any]]] = {}
        self.buffered = 0
        self.open: OrderedDict[str, _Writer] = OrderedDict()
        self.paths: dict[str, Path] = {}  # key -> current file
        self.parts: dict[str, int] = {}
        self.files: list[Path] = []
        if partitioned:
            (root / table).mkdir()

    def add(self, key: str, row: dict[str, Any]) -> None:
        self.buffers.setdefault(key, []).append(row)
        self.buffered += 1
        if self.buffered >= FLUSH_ROWS:
            self.flush()

    def flush(self) -> None:
        for key in sorted(self.buffers):
            self._writer(key).write_rows(self.buffers[key])
        self.buffers.clear()
        self.buffered = 0

    def _writer(self, key: str) -> _Writer:
        w = self.open.get(key)
        if w is not None:
            self.open.move_to_end(key)
            return w
        if len(self.open) >= MAX_OPEN_WRITERS:
            self.open.popitem(last=False)[1].close()
        append = key in self.paths and self.fmt != "parquet"
        if not append:
            self.paths[key] = self._new_path(key)
            self.files.append(self.paths[key])
        w = self.open[key] = _WRITERS[self.fmt](self.paths[key], self.cols, append)
        return w

    def _new_path(self, key: str) -> Path:
        if not self.partitioned:
            return self.root / f"{self.table}.{self.fmt}"
        n = self.parts[key] = self.parts.get(key, -1) + 1
        folder = self.root / self.table / f"{PARTITION_COLUMN}={key}"
        folder.mkdir(exist_ok=True)
        return folder / f"part-{n:04d}.{self.fmt}"

    def close(self) -> list[Path]:
        try:
            self.flush()
            if not self.partitioned and not self.files:
                self._writer("")  # an empty table still gets its (header-only) file
        finally:
            while self.open:
                self.open.popitem(last=False)[1].close()
        return self.files


# -- export --------------------------------------------------------------------------------------
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
    _check_dest(dest, overwrite)
    if fmt == "parquet":
        _require_pyarrow()
    dest.parent.mkdir(parents=True, exist_ok=True)
    # A sibling temp dir on the same filesystem, so publishing is one rename.
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.partial-", dir=dest.parent))
    try:
        counts: dict[str, int] = {}
        files: dict[str, list[str]] = {}
        # One read transaction: a consistent snapshot even while other processes write.
        with store.snapshot():
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
            "encoding": {"json_columns": "text", "blob": "base64" if fmt != "parquet" else "binary"}
            | ({"null": CSV_NULL} if fmt == "csv" else {}),
            "files": files,
        }
        # The manifest is written last: a directory without one is not a finished export.
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
        _publish(tmp, dest, overwrite)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    out = [dest / rel for rels in files.values() for rel in rels] + [dest / MANIFEST]
    return ExportReport(dest, fmt, partition_by_date, counts, out)


def _require_pyarrow() -> None:
    try:
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        raise ImportExportError("Parquet needs pyarrow: pip install pyarrow") from None


def _check_dest(dest: Path, overwrite: bool) -> None:
    if not dest.exists() or (dest.is_dir() and not any(dest.iterdir())):
        return
    if not dest.is_dir():
        raise ImportExportError(f"{dest} exists and is not a directory")
    if not overwrite:
        raise ImportExportError(
            f"{dest} is not empty; pass overwrite=True (--overwrite) to replace an export"
        )
    if not (dest / MANIFEST).is_file():
        # Never delete a directory that is not one of our exports.
        raise ImportExportError(
            f"{dest} is not empty and holds no {MANIFEST}; refusing to replace it"
        )


def _publish(tmp: Path, dest: Path, overwrite: bool) -> None:
    _check_dest(dest, overwrite)
    if not dest.exists():
        tmp.rename(dest)
    elif not any(dest.iterdir()):
        dest.rmdir()
        tmp.rename(dest)
    else:
        old = dest.with_name(f".{dest.name}.old-{uuid.uuid4().hex[:8]}")
        dest.rename(old)
        tmp.rename(dest)
        shutil.rmtree(old, ignore_errors=True)


def _export_table(
    store: Store, table: str, tmp: Path, fmt: str, partitioned: bool
) -> tuple[int, list[Path]]:
    out = _TableWriter(fmt, tmp, table, _columns(store, table), partitioned)
    date_of = _date_finder(store, table) if partitioned else None
    n = 0
    try:
        for row in store.rows(table):
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


# -- reading -------------------------------------------------------------------------------------
Located = tuple[str, dict[str, Any]]  # ("file:line" or "file row N", raw row)


def _read_jsonl(path: Path, rel: str, cols: list[_Col]) -> Iterator[Located]:
    # newline="\n": only \n ends a row (json escapes \r; U+2028 may appear raw and is not a break).
    with open(path, encoding="utf-8", newline="\n") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            loc = f"{rel}:{lineno}"
            try:
                obj = json.loads(line)
                if not isinstance(obj, dict):
                    raise ValueError("a row must be a JSON object")
                _check_names(list(obj), cols)
                yield loc, {c.name: _coerce(c, obj[c.name]) for c in cols}
            except ValueError as exc:  # JSONDecodeError and binascii.Error are ValueErrors
                raise ImportExportError(f"{loc}: {_reason(exc)}") from exc


def _read_csv(path: Path, rel: str, cols: list[_Col]) -> Iterator[Located]:
    # Long prompts and base64 BLOBs exceed the csv module's default 128 KiB field limit.
    csv.field_size_limit(max(csv.field_size_limit(), 2**31 - 1))
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        try:
            header = next(reader, None)
            if header is None:
                raise ValueError("empty file (no header row)")
            _check_names(header, cols)
        except (ValueError, csv.Error) as exc:
            raise ImportExportError(f"{rel}: {_reason(exc)}") from exc
        by_name = {c.name: c for c in cols}
        keep = [(i, by_name[name]) for i, name in enumerate(header) if name in by_name]
        n = 0
        while True:
            loc = f"{rel} row {n + 1}"
            try:
                values = next(reader, None)
                if values is None:
                    return
                n += 1
                if len(values) != len(header):
                    raise ValueError(f"{len(values)} fields, the header has {len(header)}")
                yield loc, {c.name: _from_csv(c, values[i]) for i, c in keep}
            except (ValueError, csv.Error) as exc:
                raise ImportExportError(f"{loc}: {_reason(exc)}") from exc


def _read_parquet(path: Path, rel: str, cols: list[_Col]) -> Iterator[Located]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    n = 0
    try:
        pf = pq.ParquetFile(path)
        _check_names(pf.schema_arrow.names, cols)
        names = [c.name for c in cols]
        for batch in pf.iter_batches(batch_size=BATCH_ROWS, columns=names):
            for row in batch.to_pylist():
                n += 1
                yield f"{rel} row {n}", {c.name: _coerce(c, row[c.name]) for c in cols}
    except (OSError, ValueError, pa.ArrowException) as exc:
        raise ImportExportError(f"{rel} row {n + 1}: {_reason(exc)}") from exc


_READERS = {"jsonl": _read_jsonl, "csv": _read_csv, "parquet": _read_parquet}


def _reason(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


def _read_manifest(src: Path) -> dict[str, Any] | None:
    path = src / MANIFEST
    if not path.exists():
        return None
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ImportExportError(f"{path} is unreadable: {_reason(exc)}") from None
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
        parts = sorted((src / table).glob(f"{PARTITION_COLUMN}=*/*.{fmt}"))
        if flat.is_file():
            found[table] = [flat, *parts]
        elif parts:
            found[table] = parts
    return found


def _detect_format(src: Path) -> str:
    present = [fmt for fmt in FORMATS if _discover(src, fmt)]
    if len(present) != 1:
        what = "no export files" if not present else f"files of several formats ({present})"
        raise ImportExportError(f"{src} has no {MANIFEST} and {what}; cannot tell what to import")
    return present[0]


def _plan(src: Path, fmt: str, manifest: dict[str, Any] | None) -> dict[str, list[Path]]:
    if manifest is None:
        return _discover(src, fmt)
    plan: dict[str, list[Path]] = {}
    for table, rels in (manifest.get("files") or {}).items():
        if table not in TABLES:
            raise ImportExportError(f"{src / MANIFEST} names an unknown table {table!r}")
        paths = [src / rel for rel in rels]
        missing = [str(p) for p in paths if not p.is_file()]
        if missing:
            raise ImportExportError(f"export files listed in the manifest are missing: {missing}")
        plan[table] = paths
    return plan


# -- import --------------------------------------------------------------------------------------
def import_(
    store: Store, src_dir: str | Path, *, tables: Sequence[str] | None = None
) -> ImportReport:
    """Upsert an export into the store in one transaction: all rows or, on any error, none."""
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
    with store.transaction():
        for table in wanted:
            cols = _columns(store, table)
            read = written = 0
            batch: list[Located] = []
            for path in plan[table]:
                rel = path.relative_to(src).as_posix()
                report.files.append(path)
                for item in _READERS[fmt](path, rel, cols):
                    batch.append(item)
                    if len(batch) >= BATCH_ROWS:
                        written += _import_batch(store, table, batch)
                        read += len(batch)
                        batch = []
            written += _import_batch(store, table, batch)
            read += len(batch)
            if table in expected and expected[table] != read:
                raise ImportExportError(
                    f"{table}: the manifest promises {expected[table]} rows but the files hold"
                    f" {read}; the export is incomplete or was edited"
                )
            report.counts[table] = read
            report.written[table] = written
            report.unchanged[table] = read - written
    return report


def _import_batch(store: Store, table: str, batch: list[Located]) -> int:
    if not batch:
        return 0
    pk = PRIMARY_KEYS[table]
    keys = [row[pk] for _, row in batch]
    existing = {
        row[pk]: row
        for row in store.rows(table, where=f"{pk} IN ({','.join('?' * len(keys))})", params=keys)
    }
    # Skipping rows that are already equal makes re-import a true no-op: an upsert of an equal row
    # would still fire the updated_at triggers and stamp a new time.
    todo = [(loc, row) for loc, row in batch if existing.get(row[pk]) != row]
    payload = [row for _, row in todo]
    try:
        store.import_rows(table, payload)
    except (AlchemyError, TypeError, ValueError) as exc:
        # Find the offending row; the enclosing transaction rolls back whatever this applies.
        for (loc, _), item in zip(todo, payload, strict=True):
            try:
                store.import_rows(table, [item])
            except (AlchemyError, TypeError, ValueError) as row_exc:
                raise ImportExportError(f"{loc}: {table}: {_reason(row_exc)}") from row_exc
        raise ImportExportError(f"{todo[0][0]}..{todo[-1][0]}: {table}: {_reason(exc)}") from exc
    return len(todo)


__all__ = ["DATE_COLUMNS", "FORMATS", "ExportReport", "ImportReport", "export", "import_"]
