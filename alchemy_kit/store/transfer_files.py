"""File formats for export/import: one value encoding per format, buffered writers, row readers.

See transfer.py for the encoding rules (raw stored values, base64 BLOBs in text formats, `\\N` for
NULL in CSV, typed timestamps and float32 `vector` lists in Parquet). Writers route rows to one file or one file per date partition; readers check every
row's columns and types and name the file and line of the first problem.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import math
import re
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import records as r
from ..errors import ImportExportError

if TYPE_CHECKING:
    import pyarrow as pa

PARTITION_COLUMN = "created_date"
BATCH_ROWS = 1000  # rows per import_rows call, PK lookup and Parquet read batch
FLUSH_ROWS = 20_000  # rows buffered per table before writing (a Parquet flush is one row group)
MAX_OPEN_WRITERS = 64  # files open at once per table (see TableWriter)
CSV_NULL = "\\N"
# The longest value (text characters or BLOB bytes) CSV and Parquet carry. Their readers and
# writers hold a value several times over (Python's csv reader keeps 4 bytes a character; Parquet
# builds a page, its compressed copy and statistics): a 200 MB prompt took 1.3-1.6 GB. Beyond this
# they refuse it, on export and on import, in one line; JSONL carries any size within 1 GB.
MAX_CELL_CHARS = 32 * 1024 * 1024

_ESCAPED_NULL = re.compile(r"\\+N")


@dataclass(frozen=True)
class Col:
    name: str
    kind: str  # text | int | real | blob | timestamp (stored text) | vector (float32 list) | date
    alternative: str | None = None  # this column may be absent from a file that has that one


# The partition key written into the file of an empty partitioned table (see TableWriter.close).
PARTITION_COL = Col(PARTITION_COLUMN, "date")


# -- value encoding ------------------------------------------------------------------------------
def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


def _json_cell(col: Col, value: Any) -> Any:
    if col.kind == "blob" and isinstance(value, bytes):
        return _b64(value)
    if col.kind == "vector" and value is not None:
        return value.tolist()  # float32 values as JSON numbers
    return value


def _csv_cell(col: Col, value: Any) -> str:
    if value is None:
        return CSV_NULL
    if isinstance(value, bytes):
        return _b64(value)
    if col.kind == "vector":
        return json.dumps(value.tolist())
    if isinstance(value, float):
        return repr(value)  # shortest text that parses back to the same double
    if isinstance(value, str):
        return "\\" + value if _ESCAPED_NULL.fullmatch(value) else value
    return str(value)


def _from_csv(col: Col, text: str) -> Any:
    if text == CSV_NULL:
        return None
    if col.kind == "timestamp":
        return r.check_timestamp(text, col.name)
    if col.kind == "text":
        return text[1:] if _ESCAPED_NULL.fullmatch(text) else text
    if col.kind == "vector":
        return _coerce(col, r.parse_json(text, f"column {col.name!r}"))
    if col.kind == "int":
        return _int64(col, int(text))
    if col.kind == "real":
        return _finite(col, float(text))
    return base64.b64decode(text, validate=True)


def _int64(col: Col, value: int) -> int:
    # SQLite INTEGER is 64-bit: a larger number would fail the insert with OverflowError.
    if not -r.INT64_MAX - 1 <= value <= r.INT64_MAX:
        raise ValueError(f"column {col.name!r}: {value} does not fit a 64-bit integer")
    return value


def _finite(col: Col, value: float) -> float:
    # NaN would be stored as NULL (and re-importing then reads as a conflict), infinity is no
    # score, time or cost: non-finite numbers are refused, never changed.
    if not math.isfinite(value):
        raise ValueError(f"column {col.name!r}: {value} is not a finite number")
    return value


def _coerce(col: Col, value: Any) -> Any:
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
        if not bad:
            try:
                value = _finite(col, float(value))
            except OverflowError:  # an integer beyond any double
                digits = len(str(abs(value)))
                raise ValueError(
                    f"column {col.name!r}: a {digits}-digit number is too large"
                ) from None
    elif kind == "int":
        bad = isinstance(value, bool) or not isinstance(value, int)
        value = value if bad else _int64(col, value)
    elif kind == "timestamp" and isinstance(value, str | datetime):
        # Text in any accepted form or a typed Parquet timestamp: stored in the canonical form.
        return r.check_timestamp(value, col.name)
    elif kind == "vector":
        bad = not isinstance(value, list) or not all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in value
        )
        if not bad:
            with np.errstate(over="ignore"):
                value = np.asarray(value, dtype=np.float32)
            if not np.isfinite(value).all():
                raise ValueError(f"column {col.name!r} holds a value that is not a finite float32")
    else:
        bad = not isinstance(value, str)
    if bad:
        raise ValueError(f"column {col.name!r} expects {kind}, got {value!r:.60}")
    return value


def _check_names(names: Sequence[str], cols: list[Col]) -> None:
    expected = {c.name for c in cols}
    got = set(names) - {PARTITION_COLUMN}
    optional = {c.name for c in cols if c.alternative in got}
    if not expected - optional <= got <= expected:
        missing, extra = sorted(expected - optional - got), sorted(got - expected)
        raise ValueError(
            "columns do not match the table"
            + (f"; missing: {', '.join(missing)}" if missing else "")
            + (f"; unexpected: {', '.join(extra)}" if extra else "")
        )


def _check_size(fmt: str, cols: list[Col], row: dict[str, Any], where: str) -> None:
    """Refuse a CSV or Parquet value longer than MAX_CELL_CHARS (see there), in one line."""
    for col in cols:
        value = row.get(col.name)
        if isinstance(value, str | bytes) and len(value) > MAX_CELL_CHARS:
            raise ImportExportError(
                f"{where}: column {col.name!r} holds a value of {len(value):,} characters, over"
                f" the {MAX_CELL_CHARS:,} a {fmt.upper()} value may hold; use JSONL for it"
            )


# -- writers -------------------------------------------------------------------------------------
class _JsonlWriter:
    def __init__(self, path: Path, cols: list[Col], append: bool) -> None:
        self.cols = cols
        self.f = open(path, "a" if append else "w", encoding="utf-8", newline="\n")  # noqa: SIM115

    def write_rows(self, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            obj = {c.name: _json_cell(c, row[c.name]) for c in self.cols}
            # ensure_ascii=False keeps text readable; json escapes \n and \r so a row is one line.
            # Two writes, not text + "\n": that would copy a huge row's line once more.
            self.f.write(json.dumps(obj, ensure_ascii=False))
            self.f.write("\n")

    def close(self) -> None:
        self.f.close()


class _CsvWriter:
    def __init__(self, path: Path, cols: list[Col], append: bool) -> None:
        self.cols = cols
        self.f = open(path, "a" if append else "w", encoding="utf-8", newline="")  # noqa: SIM115
        self.w = csv.writer(self.f, lineterminator="\n")
        if not append:
            self.w.writerow([c.name for c in cols])

    def write_rows(self, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            cells = [_csv_cell(c, row[c.name]) for c in self.cols]
            if any("\r" in cell for cell in cells):
                self.f.write(_quoted_cr_row(cells))
            else:
                self.w.writerow(cells)

    def close(self) -> None:
        self.f.close()


def _quoted_cr_row(cells: list[str]) -> str:
    r"""One CSV row whose cells holding a lone \r are quoted, ending in \n.

    Python 3.11's writer quotes a cell holding a character of its line terminator: with "\n" it
    leaves a lone \r bare, and every reader then ends the row there (the export could not be
    imported). With "\r\n" it quotes both; the row's own terminator is put back to "\n".
    """
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\r\n").writerow(cells)
    return buf.getvalue()[:-2] + "\n"


def _arrow_schema(cols: list[Col]) -> pa.Schema:
    import pyarrow as pa

    types = {
        "text": pa.string(),
        "int": pa.int64(),
        "real": pa.float64(),
        "blob": pa.binary(),
        # Typed, so DuckDB's date_trunc() and pandas' datetime64[us, UTC] need no parsing.
        "timestamp": pa.timestamp("us", tz="UTC"),
        "vector": pa.list_(pa.float32()),
        "date": pa.date32(),
    }
    return pa.schema([pa.field(c.name, types[c.kind]) for c in cols])


def _arrow_column(col: Col, values: list[Any], typ: Any) -> Any:
    import pyarrow as pa

    if col.kind == "timestamp":  # canonical ISO text; Arrow's cast parses the Z suffix
        return pa.array(values, pa.string()).cast(typ)
    if col.kind == "vector":
        lengths = [0 if v is None else len(v) for v in values]
        offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32)
        flat = [v for v in values if v is not None]
        data = np.concatenate(flat).astype(np.float32) if flat else np.zeros(0, np.float32)
        mask = pa.array([v is None for v in values])
        return pa.ListArray.from_arrays(pa.array(offsets), pa.array(data), mask=mask)
    return pa.array(values, typ)


class _ParquetWriter:
    def __init__(self, path: Path, cols: list[Col], append: bool) -> None:
        import pyarrow.parquet as pq

        self.cols = cols
        self.schema = _arrow_schema(cols)  # explicit, so all-null columns keep their type
        self.w = pq.ParquetWriter(path, self.schema, compression="zstd")

    def write_rows(self, rows: list[dict[str, Any]]) -> None:
        import pyarrow as pa

        arrays = [
            _arrow_column(c, [row[c.name] for row in rows], self.schema.field(c.name).type)
            for c in self.cols
        ]
        self.w.write_table(pa.Table.from_arrays(arrays, schema=self.schema))  # one row group

    def close(self) -> None:
        self.w.close()


_Writer = _JsonlWriter | _CsvWriter | _ParquetWriter
_WRITERS: dict[str, type[_Writer]] = {
    "jsonl": _JsonlWriter,
    "csv": _CsvWriter,
    "parquet": _ParquetWriter,
}


class TableWriter:
    """Route rows to one file (flat) or one per date partition, buffered and written in batches.

    Rows arrive in insertion order, not date order, so every partition may be needed at any time.
    At most MAX_OPEN_WRITERS files stay open; a closed JSONL/CSV file is reopened for appending,
    while Parquet (which cannot append) continues in the partition's next part file.
    """

    def __init__(self, fmt: str, root: Path, table: str, cols: list[Col], partitioned: bool):
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
        if self.fmt != "jsonl":
            _check_size(self.fmt, self.cols, row, f"{self.table} row")
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

    def _empty_file(self) -> None:
        """An empty table still gets a file with its schema, so every reader sees the table."""
        if not self.partitioned:
            self._writer("")  # header-only CSV, empty JSONL, schema-only Parquet
            return
        # No date to make a partition directory of: the file sits in the table's directory and
        # carries the partition key as a real (empty) column, so the columns match a partitioned
        # table's and read_parquet('<table>/**/*.parquet', hive_partitioning=true) still works.
        path = self.root / self.table / f"part-0000.{self.fmt}"
        _WRITERS[self.fmt](path, [*self.cols, PARTITION_COL], False).close()
        self.files.append(path)

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
            if not self.files:
                self._empty_file()
        finally:
            while self.open:
                self.open.popitem(last=False)[1].close()
        return self.files


# -- reading -------------------------------------------------------------------------------------
Located = tuple[str, dict[str, Any]]  # ("file:line" or "file row N", raw row)


def _read_jsonl(path: Path, rel: str, cols: list[Col]) -> Iterator[Located]:
    # Bytes split on b"\n" only: json escapes \r, U+2028 may appear raw and is not a break, and a
    # line that is not UTF-8 is reported with its number instead of failing the whole file.
    # A huge line is held once at a time: readline, not enumerate(f) (whose reused result tuple
    # keeps the previous line alive), and each form dropped as soon as the next one exists.
    with open(path, "rb") as f:
        lineno = 0
        while raw := f.readline():
            lineno += 1
            if raw.isspace():  # not raw.strip(): that copies a huge line
                continue
            loc = f"{rel}:{lineno}"
            try:
                text, raw = raw.decode("utf-8"), b""
                obj, text = r.parse_json(text, "the line"), ""
                if not isinstance(obj, dict):
                    raise ValueError("a row must be a JSON object")
                _check_names(list(obj), cols)
                yield loc, {c.name: _coerce(c, obj.get(c.name)) for c in cols}
            except ValueError as exc:  # JSONDecodeError and binascii.Error are ValueErrors
                raise ImportExportError(f"{loc}: {reason(exc)}") from exc


def _read_csv(path: Path, rel: str, cols: list[Col]) -> Iterator[Located]:
    # Long prompts and base64 BLOBs exceed the default 128 KiB, but not MAX_CELL_CHARS (see there).
    csv.field_size_limit(MAX_CELL_CHARS * 4 // 3 + 1024)  # a BLOB's base64 is 4/3 of its bytes
    crlf = _crlf(path)
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        try:
            header = next(reader, None)
            if header is None:
                raise ValueError("empty file (no header row)")
            _check_names(header, cols)
        except (ValueError, csv.Error) as exc:
            raise ImportExportError(f"{rel}: {reason(exc)}") from exc
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
                if crlf and any("\r" in v for v in values):
                    raise ValueError(_CRLF_REFUSED)
                row = dict.fromkeys(by_name)
                row.update((c.name, _from_csv(c, values[i])) for i, c in keep)
                _check_size("csv", cols, row, loc)
                yield loc, row
            except (ValueError, csv.Error) as exc:
                if "field larger than field limit" in str(exc):
                    raise ImportExportError(
                        f"{loc}: a value is longer than the {MAX_CELL_CHARS:,} characters a CSV"
                        " value may hold; import a JSONL export instead"
                    ) from None
                raise ImportExportError(f"{loc}: {reason(exc)}") from exc


# We write CSV with \n line ends. A file whose line ends are \r\n was converted after export (an
# editor, git's autocrlf, unix2dos), and the conversion turned each line break inside a value into
# \r\n too: whether a \r was there before cannot be told, so such a value is refused, never changed.
# A \r in a file with \n line ends is the stored text's own and is kept.
_CRLF_REFUSED = (
    "a value holds a \\r and the file's line ends are \\r\\n: it was converted after export"
    " (an editor, git autocrlf); convert it back (dos2unix) or export again"
)


def _crlf(path: Path) -> bool:
    """True when the file's first line (the header) ends with \\r\\n."""
    with open(path, "rb") as f:
        return f.readline().endswith(b"\r\n")


def _read_parquet(path: Path, rel: str, cols: list[Col]) -> Iterator[Located]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    n = 0
    try:
        pf = pq.ParquetFile(path)
        _check_names(pf.schema_arrow.names, cols)
        names = [c.name for c in cols if c.name in pf.schema_arrow.names]
        for batch in pf.iter_batches(batch_size=BATCH_ROWS, columns=names):
            for row in batch.to_pylist():
                n += 1
                _check_size("parquet", cols, row, f"{rel} row {n}")
                yield f"{rel} row {n}", {c.name: _coerce(c, row.get(c.name)) for c in cols}
    except (OSError, ValueError, pa.ArrowException) as exc:
        raise ImportExportError(f"{rel} row {n + 1}: {reason(exc)}") from exc


READERS = {"jsonl": _read_jsonl, "csv": _read_csv, "parquet": _read_parquet}


def reason(exc: BaseException) -> str:
    """The message of an exception, or its type name when it has none."""
    return str(exc) or type(exc).__name__
