"""Batch runs: many ideas from JSONL or CSV, bounded concurrency, resumable after an interruption."""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import AlchemyError, ValidationError
from .inputs import ITEM_CHECKS, check_item
from .lifecycle import is_store_failure

if TYPE_CHECKING:
    from ..store import Store
    from .pipeline import GenerationResult

# Per-item fields a batch file may set; anything else is an error so typos don't pass silently.
ITEM_FIELDS = set(ITEM_CHECKS)
_CSV_INTS = ("count", "max_tokens", "seed")
_CSV_LISTS = ("tags", "phases")


@dataclass
class BatchItem:
    """One idea of a batch with its options and a stable key for resuming (or why it is bad)."""

    line: int
    options: dict[str, Any]
    key: str = ""
    error: str | None = None


@dataclass
class BatchReport:
    """What a batch run did; `failures` lists each failed line and why."""

    total: int
    skipped: int = 0
    completed: int = 0
    failed: int = 0
    request_ids: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)
    embedded: int = 0  # prompts of earlier completed items embedded on resume
    warnings: list[str] = field(default_factory=list)

    def fail(self, line: int, error: str, request_id: str | None = None) -> None:
        """Record one failed item."""
        self.failed += 1
        self.errors.append(f"line {line}: {error}")
        self.failures.append({"line": line, "error": error, "request_id": request_id})


def _jsonl_rows(p: Path) -> list[tuple[int, dict[str, Any] | None, str | None]]:
    rows: list[tuple[int, dict[str, Any] | None, str | None]] = []
    # Split on b"\n" only (a raw U+2028 inside a JSON string is not a line break) and decode each
    # line on its own, so one line of invalid UTF-8 is reported instead of failing the file.
    for n, raw in enumerate(p.read_bytes().split(b"\n"), start=1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw.decode("utf-8-sig" if n == 1 else "utf-8"))
        except UnicodeDecodeError as exc:
            rows.append((n, None, f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at {exc.start})"))
            continue
        except json.JSONDecodeError as exc:
            rows.append((n, None, f"not valid JSON ({exc.msg})"))
            continue
        if not isinstance(obj, dict):
            rows.append((n, None, "expected a JSON object"))
            continue
        rows.append((n, obj, None))
    return rows


def _csv_rows(p: Path) -> list[tuple[int, dict[str, Any] | None, str | None]]:
    # surrogateescape keeps undecodable bytes as lone surrogates: check_item then reports the
    # line ("not valid UTF-8") instead of the whole file failing to decode.
    text = p.read_bytes().decode("utf-8-sig", errors="surrogateescape")
    rows: list[tuple[int, dict[str, Any] | None, str | None]] = []
    try:
        for n, row in enumerate(csv.DictReader(io.StringIO(text, newline="")), start=2):
            clean: dict[str, Any] = {k: v for k, v in row.items() if k and v not in (None, "")}
            try:
                for k in _CSV_INTS:
                    if k in clean:
                        clean[k] = _num(clean[k], int, k)
                if "temperature" in clean:
                    clean["temperature"] = _num(clean["temperature"], float, "temperature")
            except ValidationError as exc:
                rows.append((n, None, str(exc)))
                continue
            for k in _CSV_LISTS:
                if k in clean:
                    parts = str(clean[k]).replace(";", ",").split(",")
                    clean[k] = [t.strip() for t in parts if t.strip()]
            rows.append((n, clean, None))
    except csv.Error as exc:
        raise ValidationError(f"{p.name}: not a readable CSV file ({exc})") from None
    return rows


def read_items(path: str | Path) -> list[BatchItem]:
    """Read ideas from a .jsonl or .csv file; a bad line becomes an item with `error` set."""
    p = Path(path)
    if not p.is_file():
        raise ValidationError(f"batch file not found: {p}")
    suffix = p.suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        rows = _jsonl_rows(p)
    elif suffix == ".csv":
        rows = _csv_rows(p)
    else:
        raise ValidationError(f"batch file must be .jsonl or .csv, got {p.name}")
    items = []
    for n, obj, error in rows:
        if obj is not None:
            try:
                obj = check_item(obj)
            except ValidationError as exc:
                error = str(exc)
        items.append(BatchItem(n, obj or {}, error=error))
    if not items:
        raise ValidationError(f"{p.name} contains no ideas")
    return items


def _num(value: str, kind: type, col: str) -> Any:
    try:
        result = kind(value)
    except ValueError:
        raise ValidationError(f"{col} must be a number, got {value!r}") from None
    if kind is float and not math.isfinite(result):
        raise ValidationError(f"{col} must be a finite number, got {value!r}")
    return result


def item_key(item: BatchItem, defaults: dict[str, Any]) -> str:
    """A stable key for an item: the same idea with the same options is the same work."""
    merged = {**defaults, **item.options}
    blob = json.dumps({k: merged.get(k) for k in sorted(ITEM_FIELDS)}, sort_keys=True, default=str)
    return hashlib.sha256(f"{item.line}:{blob}".encode()).hexdigest()[:24]


async def arun_batch(
    store: Store,
    items: Sequence[BatchItem],
    *,
    concurrency: int = 8,
    progress: bool = True,
    **defaults: Any,
) -> BatchReport:
    """Run items with at most `concurrency` requests in flight; skip items already completed.

    A bad item (see `read_items`) or one that fails is reported with its line and the rest still
    run. A database problem (full disk, read-only file, held lock) stops new items from starting:
    they would all fail the same way, and a re-run resumes where this one stopped.
    """
    from tqdm.auto import tqdm

    from .pipeline import agenerate

    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise ValidationError(f"concurrency must be at least 1, got {concurrency!r}")
    good = [i for i in items if i.error is None]
    for item in good:
        item.key = item_key(item, defaults)
    done = store.completed_batch_keys([i.key for i in good])
    todo = [i for i in good if i.key not in done]
    report = BatchReport(total=len(items), skipped=len(good) - len(todo))
    for item in items:
        if item.error is not None:
            report.fail(item.line, item.error)
    report.embedded = _finish_embeddings(store, sorted(done), defaults.get("embed"), report)
    sem = asyncio.Semaphore(concurrency)
    halted: list[str] = []
    bar = tqdm(
        total=len(items),
        initial=len(items) - len(todo),
        desc="batch",
        unit="idea",
        disable=not progress,
    )

    async def one(item: BatchItem) -> None:
        opts = {**defaults, **item.options}
        async with sem:
            if halted:
                report.fail(item.line, f"not run: {halted[0]}")
                bar.update(1)
                return
            try:
                res: GenerationResult = await agenerate(
                    opts.pop("idea"),
                    store=store,
                    progress=False,
                    metadata={"batch_key": item.key, "batch_line": item.line},
                    **opts,
                )
            except Exception as exc:  # one item's failure, whatever it is, never ends the batch
                if is_store_failure(exc):
                    halted.append(str(exc))
                what = str(exc) if isinstance(exc, AlchemyError) else f"{type(exc).__name__}: {exc}"
                report.fail(item.line, what)
            else:
                report.request_ids.append(res.request.id)
                if res.ok:
                    report.completed += 1
                else:
                    report.fail(item.line, res.error or "failed", res.request.id)
        bar.update(1)

    try:
        await asyncio.gather(*(one(i) for i in todo))
    finally:
        bar.close()
    report.failures.sort(key=lambda f: f["line"])
    return report


def _finish_embeddings(
    store: Store, keys: list[str], embed: bool | None, report: BatchReport
) -> int:
    """Embed prompts of already completed items that a crash left without embeddings."""
    if (
        not keys
        or embed is False
        or (embed is None and not store.get_config("embeddings.auto", True))
    ):
        return 0
    from ..search.embeddings import DEFAULT_EMBEDDING_MODEL
    from ..search.vectors import embed_prompts
    from ..store.recovery import unembedded_batch_prompts

    model = store.get_config("embeddings.model", None)
    pairs = unembedded_batch_prompts(store, keys, model or DEFAULT_EMBEDDING_MODEL)
    if not pairs:
        return 0
    try:
        return embed_prompts(store, pairs, model_id=model).embedded
    except AlchemyError as exc:
        report.warnings.append(f"earlier prompts still not embedded: {exc}")
        return 0


def run_batch(store: Store, path: str | Path, **kwargs: Any) -> BatchReport:
    """Read a batch file and run it synchronously; SIGTERM/SIGHUP stop it like Ctrl-C."""
    from .lifecycle import run

    return run(arun_batch(store, read_items(path), **kwargs))
