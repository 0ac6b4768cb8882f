"""Batch runs: many ideas from JSONL or CSV, bounded concurrency, resumable after an interruption."""

from __future__ import annotations

import asyncio
import csv
import hashlib
import inspect
import io
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import records as r
from ..errors import AlchemyError, ClaimedError, ValidationError
from ..store.batches import held_batch_keys
from ..store.calling import store_argument
from .configured import PhaseSettings
from .inputs import ITEM_CHECKS, check_item
from .lifecycle import is_store_failure
from .plan import RunPlan, resolve_plan

if TYPE_CHECKING:
    from ..store import Store
    from .pipeline import GenerationResult

# Per-item fields a batch file may set; anything else is an error so typos don't pass silently.
ITEM_FIELDS = set(ITEM_CHECKS)
_CSV_INTS = ("count", "max_tokens", "seed")
_CSV_LISTS = ("tags", "phases")
# The options a plan resolves; the others (embed, concurrency) only shape how it runs.
_PLAN_ARGS = frozenset(inspect.signature(resolve_plan).parameters) - {"store", "idea", "settings"}


@dataclass
class BatchItem:
    """One idea of a batch with its options and a stable key for resuming (or why it is bad)."""

    line: int
    options: dict[str, Any]
    key: str = ""
    error: str | None = None
    plan: RunPlan | None = field(default=None, repr=False)  # resolved with the key


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
    skips: list[dict[str, Any]] = field(default_factory=list)

    def skip(self, line: int, why: str) -> None:
        """Record one item not run, and why (done before, claimed, a repeat)."""
        self.skipped += 1
        self.skips.append({"line": line, "why": why})

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
            obj = r.parse_json(raw.decode("utf-8-sig" if n == 1 else "utf-8"), "the line")
        except UnicodeDecodeError as exc:
            rows.append((n, None, f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at {exc.start})"))
            continue
        except ValidationError as exc:  # not JSON, or nested too deeply
            rows.append((n, None, str(exc)))
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


def item_key(store: Store, item: BatchItem, defaults: dict[str, Any]) -> str:
    """A key for an item's work: its idea, tags and the options in effect for every phase.

    Options are resolved the way the pipeline resolves them (the provider and model each phase
    would use, `phases.<phase>` settings), so the same idea asked the same way has the same key
    whichever file, line or command (`alchemy demo`, `alchemy batch`) it came from. The seed is
    not part of it: it picks among equivalent variants (`--again` runs an item once more).
    """
    return _planned(store, item, defaults, PhaseSettings.read(store))[1]


def _planned(
    store: Store, item: BatchItem, defaults: dict[str, Any], settings: PhaseSettings
) -> tuple[RunPlan, str]:
    """The item's resolved plan (what it will run) and its key."""
    opts = {**defaults, **item.options}
    plan = resolve_plan(
        store,
        opts["idea"],
        settings=settings,
        **{k: v for k, v in opts.items() if k in _PLAN_ARGS},
    )
    work = {
        "idea": opts["idea"].strip(),
        "tags": sorted(set(opts.get("tags") or [])),
        "phases": [
            {
                "phase": p.phase,
                "provider": p.choice.provider,
                "model": p.choice.model_id,
                **p.config,
            }
            for p in plan.steps
        ],
    }
    blob = json.dumps(work, sort_keys=True, ensure_ascii=False, default=str)
    return plan, hashlib.sha256(blob.encode("utf-8", "surrogatepass")).hexdigest()[:24]


def _legacy_key(item: BatchItem, defaults: dict[str, Any]) -> str:
    """The key of alchemy_kit before 0.3 (file line and raw options): resumes an older run."""
    merged = {**defaults, **item.options}
    blob = json.dumps({k: merged.get(k) for k in sorted(ITEM_FIELDS)}, sort_keys=True, default=str)
    return hashlib.sha256(f"{item.line}:{blob}".encode()).hexdigest()[:24]


def _legacy_done(
    store: Store, items: Sequence[BatchItem], defaults: dict[str, Any]
) -> dict[int, str]:
    """Line → old-style key, for items an older alchemy_kit completed under that key."""
    old = {item.line: _legacy_key(item, defaults) for item in items}
    held = held_batch_keys(store, list(old.values()))
    return {line: key for line, key in old.items() if held.get(key) == "completed"}


def _keys(store: Store, items: Sequence[BatchItem], defaults: dict[str, Any]) -> None:
    """Give every good item its plan and key; an item whose options cannot be resolved gets its
    error. The settings are read once for the whole batch."""
    settings = PhaseSettings.read(store)
    for item in items:
        if item.error is not None:
            continue
        try:
            item.plan, item.key = _planned(store, item, defaults, settings)
        except Exception as exc:  # as in arun_batch: one item's problem never ends the batch
            item.error = (
                str(exc) if isinstance(exc, AlchemyError) else f"{type(exc).__name__}: {exc}"
            )


@store_argument
async def arun_batch(
    store: Store,
    items: Sequence[BatchItem],
    *,
    concurrency: int = 8,
    progress: bool = True,
    again: bool = False,
    cluster: str | Any | None = None,
    on_dashboard: Callable[[str], None] | None = None,
    **defaults: Any,
) -> BatchReport:
    """Run items with at most `concurrency` requests in flight; skip work already done or claimed.

    An item is claimed by the request that runs it (keyed by `item_key`): an item that a
    completed request holds, or that another run is running now, is skipped, and so is a repeat
    of an earlier line with the same idea and options. `again` runs every item regardless.
    A bad item (see `read_items`) or one that fails is reported with its line and the rest still
    run. A database problem (full disk, read-only file, held lock) stops new items from starting:
    they would all fail the same way, and a re-run resumes where this one stopped.
    `cluster` (else $ALCHEMY_CLUSTER) runs the items on Dask workers (engine/cluster_batch.py);
    `on_dashboard(link)` is called with the Dask dashboard's link when it does (printed by
    default when `progress`).
    """
    from tqdm.auto import tqdm

    from ..models.recording import replay_requested
    from . import cluster_batch
    from .executor import connect, print_dashboard

    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise ValidationError(f"concurrency must be at least 1, got {concurrency!r}")
    report = BatchReport(total=len(items))
    todo, done = _triage(store, items, defaults, again, report)
    report.embedded = _finish_embeddings(store, done, defaults.get("embed"), report)
    run_options = {k: v for k, v in defaults.items() if k not in _PLAN_ARGS}
    if on_dashboard is None and progress:
        on_dashboard = print_dashboard  # beside the progress bar, in a terminal or a notebook
    with connect(
        cluster,
        work=bool(todo),
        replay=replay_requested(),
        warnings=report.warnings,
        on_dashboard=on_dashboard,
    ) as executor:
        bar = tqdm(  # after connecting: an unreachable scheduler is one line, no bar
            total=len(items),
            initial=len(items) - len(todo),
            desc="batch",
            unit="idea",
            disable=not progress,
        )
        try:
            if executor is not None:
                tasks = cluster_batch.batch_tasks(
                    store, todo, lambda item: _metadata(item, again), run_options
                )
                await cluster_batch.run_on_cluster(
                    store, executor, tasks, again, report, lambda: bar.update(1)
                )
            else:
                await _run_here(store, todo, run_options, again, concurrency, report, bar)
        finally:
            bar.close()
    report.failures.sort(key=lambda f: f["line"])
    report.skips.sort(key=lambda f: f["line"])
    return report


def _triage(
    store: Store,
    items: Sequence[BatchItem],
    defaults: dict[str, Any],
    again: bool,
    report: BatchReport,
) -> tuple[list[BatchItem], list[str]]:
    """The items to run now (bad ones reported, done or repeated ones skipped) and the keys done."""
    _keys(store, items, defaults)
    good = [i for i in items if i.error is None]
    for item in items:
        if item.error is not None:
            report.fail(item.line, item.error)
    held = {} if again else held_batch_keys(store, [i.key for i in good])
    legacy = {} if again else _legacy_done(store, good, defaults)
    done = sorted({i.key for i in good if held.get(i.key) == "completed"} | set(legacy.values()))
    todo: list[BatchItem] = []
    first: dict[str, int] = {}
    for item in good:
        if again:
            todo.append(item)
        elif item.key in held or item.line in legacy:
            report.skip(item.line, f"already {held.get(item.key, 'completed')}")
        elif item.key in first:
            report.skip(item.line, f"the same idea and options as line {first[item.key]}")
        else:
            first[item.key] = item.line
            todo.append(item)
    return todo, done


def _metadata(item: BatchItem, again: bool) -> dict[str, Any]:
    """What a batch item's request records about the batch (its key claims the item)."""
    return {"batch_key": item.key, "batch_line": item.line} | (
        {"batch_again": True} if again else {}
    )


async def _run_here(
    store: Store,
    todo: Sequence[BatchItem],
    run_options: dict[str, Any],
    again: bool,
    concurrency: int,
    report: BatchReport,
    bar: Any,
) -> None:
    """Run the items in this process, at most `concurrency` at once."""
    from .pipeline import arun_plan

    sem = asyncio.Semaphore(concurrency)
    halted: list[str] = []

    async def one(item: BatchItem) -> None:
        assert item.plan is not None  # every good item was planned by _keys
        async with sem:
            if halted:
                report.fail(item.line, f"not run: {halted[0]}")
                bar.update(1)
                return
            try:
                res: GenerationResult = await arun_plan(
                    store,
                    item.plan,
                    progress=False,
                    metadata=_metadata(item, again),
                    **run_options,
                )
            except ClaimedError:  # another run took it between our look and our claim
                report.skip(item.line, "claimed by another run")
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

    await asyncio.gather(*(one(i) for i in todo))


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


@store_argument
def run_batch(
    store: Store,
    path: str | Path,
    *,
    concurrency: int = 8,
    progress: bool = True,
    again: bool = False,
    count: int | None = None,
    persona: str | None = None,
    phases: Sequence[str] | None = None,
    provider: str | None = None,
    model: str | None = None,
    temperature: float | None = None,
    max_tokens: int | None = None,
    tags: Sequence[str] | None = None,
    chain: str | None = None,
    seed: int | None = None,
    timeout: float | None = None,
    retries: int | None = None,
    embed: bool | None = None,
    cluster: str | Any | None = None,
    on_dashboard: Callable[[str], None] | None = None,
) -> BatchReport:
    """Run every idea of a .jsonl or .csv file into `store`; re-running resumes where it stopped.

    A line is a JSON object (or CSV row) with `idea` and, optionally, its own count, persona,
    phases, provider, model, temperature, max_tokens, tags, chain and seed. The keyword options
    here are the defaults for lines that do not set them (None: `generate`'s own default);
    timeout and retries apply to each model call.
    Items already completed, claimed by another run, or repeating an earlier line are skipped
    unless `again`; at most `concurrency` requests run at once. Synchronous (scripts and
    Jupyter); SIGTERM/SIGHUP stop it like Ctrl-C. Returns a BatchReport (completed, skipped,
    failed, failures with their line numbers). `cluster` (tcp://host:8786, local:N or a
    distributed.Client; default $ALCHEMY_CLUSTER) runs the ideas on Dask workers.
    """
    given = dict(locals())  # exactly the parameters above: the run's, then the items' defaults
    run_args = {
        k: given.pop(k) for k in ("concurrency", "progress", "again", "cluster", "on_dashboard")
    }
    store, path = given.pop("store"), given.pop("path")
    defaults = {k: v for k, v in given.items() if v is not None}
    from .lifecycle import run

    return run(arun_batch(store, read_items(path), **run_args, **defaults))
