"""Batch runs: many ideas from JSONL or CSV, bounded concurrency, resumable after an interruption."""

from __future__ import annotations

import asyncio
import csv
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import AlchemyError, ValidationError

if TYPE_CHECKING:
    from ..store import Store
    from .pipeline import GenerationResult

# Per-item fields a batch file may set; anything else is an error so typos don't pass silently.
ITEM_FIELDS = {
    "idea",
    "persona",
    "count",
    "phases",
    "provider",
    "model",
    "temperature",
    "max_tokens",
    "tags",
    "chain",
    "seed",
}


@dataclass
class BatchItem:
    """One idea of a batch with its options and a stable key for resuming."""

    line: int
    options: dict[str, Any]
    key: str = ""


@dataclass
class BatchReport:
    """What a batch run did."""

    total: int
    skipped: int = 0
    completed: int = 0
    failed: int = 0
    request_ids: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def read_items(path: str | Path) -> list[BatchItem]:
    """Read ideas from a .jsonl or .csv file (a column/field `idea` is required)."""
    p = Path(path)
    if not p.is_file():
        raise ValidationError(f"batch file not found: {p}")
    rows: list[tuple[int, dict[str, Any]]] = []
    if p.suffix.lower() in (".jsonl", ".ndjson", ".json"):
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValidationError(f"{p.name} line {n}: not valid JSON ({exc.msg})") from None
            if not isinstance(obj, dict):
                raise ValidationError(f"{p.name} line {n}: expected a JSON object")
            rows.append((n, obj))
    elif p.suffix.lower() == ".csv":
        with p.open(newline="", encoding="utf-8") as fh:
            for n, row in enumerate(csv.DictReader(fh), start=2):
                clean: dict[str, Any] = {k: v for k, v in row.items() if k and v not in (None, "")}
                for k in ("count", "max_tokens", "seed"):
                    if k in clean:
                        clean[k] = _num(clean[k], int, p.name, n, k)
                if "temperature" in clean:
                    clean["temperature"] = _num(
                        clean["temperature"], float, p.name, n, "temperature"
                    )
                for k in ("tags", "phases"):
                    if k in clean:
                        clean[k] = [
                            t.strip()
                            for t in str(clean[k]).replace(";", ",").split(",")
                            if t.strip()
                        ]
                rows.append((n, clean))
    else:
        raise ValidationError(f"batch file must be .jsonl or .csv, got {p.name}")
    items = []
    for n, obj in rows:
        unknown = set(obj) - ITEM_FIELDS
        if unknown:
            raise ValidationError(
                f"{p.name} line {n}: unknown field(s) {', '.join(sorted(unknown))}"
            )
        if not str(obj.get("idea", "")).strip():
            raise ValidationError(f"{p.name} line {n}: `idea` is missing or empty")
        items.append(BatchItem(n, obj))
    if not items:
        raise ValidationError(f"{p.name} contains no ideas")
    return items


def _num(value: str, kind: type, name: str, line: int, col: str) -> Any:
    try:
        return kind(value)
    except ValueError:
        raise ValidationError(
            f"{name} line {line}: {col} must be a number, got {value!r}"
        ) from None


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
    """Run items with at most `concurrency` requests in flight; skip items already completed."""
    from tqdm.auto import tqdm

    from .pipeline import agenerate

    if concurrency < 1:
        raise ValidationError(f"concurrency must be at least 1, got {concurrency}")
    for item in items:
        item.key = item_key(item, defaults)
    done = store.completed_batch_keys([i.key for i in items])
    todo = [i for i in items if i.key not in done]
    report = BatchReport(total=len(items), skipped=len(items) - len(todo))
    sem = asyncio.Semaphore(concurrency)
    bar = tqdm(
        total=len(items), initial=report.skipped, desc="batch", unit="idea", disable=not progress
    )

    async def one(item: BatchItem) -> None:
        opts = {**defaults, **item.options}
        async with sem:
            try:
                res: GenerationResult = await agenerate(
                    opts.pop("idea"),
                    store=store,
                    progress=False,
                    metadata={"batch_key": item.key, "batch_line": item.line},
                    **opts,
                )
            except AlchemyError as exc:
                report.failed += 1
                report.errors.append(f"line {item.line}: {exc}")
            else:
                report.request_ids.append(res.request.id)
                if res.ok:
                    report.completed += 1
                else:
                    report.failed += 1
                    report.errors.append(f"line {item.line}: {res.error}")
        bar.update(1)

    try:
        await asyncio.gather(*(one(i) for i in todo))
    finally:
        bar.close()
    return report


def run_batch(store: Store, path: str | Path, **kwargs: Any) -> BatchReport:
    """Read a batch file and run it synchronously (see `arun_batch`)."""
    from ..runner import run_sync

    return run_sync(arun_batch(store, read_items(path), **kwargs))
