"""`alchemy batch --cluster`: each idea runs through the phases on a worker, the client stores it.

A worker gets one item's resolved plan, the client's configuration rows (phase settings, prices,
scorer weights, embedding settings) and the keys of the providers the plan calls; never the
database path. It runs the same pipeline as an in-process batch (engine/pipeline.arun_plan)
against a scratch in-memory store of its own, then returns that store's rows: the request, its
phases, prompts, metrics, tags, embeddings and recorded model calls. The client, the one writer,
imports an item's rows in one transaction, after checking that no other run completed the same
item meanwhile (its batch key), so a retried task or a re-run after a kill never adds an idea
twice, and a killed client keeps every item it stored.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import AlchemyError
from ..store.batches import held_batch_keys
from .executor import Executor, ProviderKeys, provider_keys
from .plan import RunPlan

if TYPE_CHECKING:
    from ..store import Store
    from .batch import BatchItem, BatchReport

# What one item writes, in an order that keeps foreign keys satisfied on import.
ITEM_TABLES = (
    "prompt_requests",
    "request_phases",
    "prompts",
    "metrics",
    "tags",
    "embeddings",
    "model_calls",
)


@dataclass(frozen=True)
class BatchTask:
    """One idea as a worker receives it: its plan, how to run it, and the store's settings."""

    line: int
    key: str
    plan: RunPlan
    metadata: dict[str, Any]
    run_options: dict[str, Any]
    configurations: tuple[dict[str, Any], ...]
    keys: ProviderKeys = field(default_factory=ProviderKeys, repr=False)


@dataclass(frozen=True)
class BatchDone:
    """An item's result: what happened, and the rows its run wrote, by table."""

    line: int
    key: str
    request_id: str | None
    ok: bool
    error: str | None
    rows: dict[str, list[dict[str, Any]]]


def batch_item(task: BatchTask) -> BatchDone:
    """Run one idea through its phases on a scratch store (runs on a worker); return its rows."""
    from ..store import open_store
    from .pipeline import arun_plan

    scratch = open_store(":memory:")
    request_id = error = None
    ok = False
    try:
        scratch._import_rows("configurations", task.configurations)
        with task.keys.applied():
            try:
                res = asyncio.run(
                    arun_plan(
                        scratch,
                        task.plan,
                        progress=False,
                        metadata=task.metadata,
                        **task.run_options,
                    )
                )
            except Exception as exc:  # as in-process: one item's failure never ends the batch
                error = (
                    str(exc) if isinstance(exc, AlchemyError) else f"{type(exc).__name__}: {exc}"
                )
            else:
                request_id, ok, error = res.request.id, res.ok, res.error
        rows = {table: list(scratch.rows(table)) for table in ITEM_TABLES}
    finally:
        scratch.close()
    return BatchDone(task.line, task.key, request_id, ok, error, rows)


def batch_tasks(
    store: Store,
    todo: Sequence[BatchItem],
    metadata: Callable[[BatchItem], dict[str, Any]],
    run_options: dict[str, Any],
) -> list[BatchTask]:
    """The items to run as tasks, each with the keys of the providers its plan calls."""
    from .pipeline import _prices

    _prices(store)  # seeds the price table here, as an in-process run would, before it is copied
    configurations = tuple(store.rows("configurations"))
    choices = {s.choice.provider: s.choice for item in todo if item.plan for s in item.plan.steps}
    keys = provider_keys(choices.values())
    tasks = []
    for item in todo:
        assert item.plan is not None  # every good item was planned by batch._keys
        wanted = {s.choice.provider for s in item.plan.steps}
        tasks.append(
            BatchTask(
                item.line,
                item.key,
                item.plan,
                metadata(item),
                run_options,
                configurations,
                keys.only(wanted),
            )
        )
    return tasks


def land(store: Store, done: BatchDone, again: bool, report: BatchReport) -> None:
    """Store one item's rows in one transaction, unless another run holds the item meanwhile."""
    with store.transaction():
        if not again and done.key in held_batch_keys(store, [done.key]):
            report.skip(done.line, "completed by another run meanwhile")
            return
        for table in ITEM_TABLES:
            store._import_rows(table, done.rows.get(table, []))
    if done.request_id is None:
        report.fail(done.line, done.error or "failed")
        return
    report.request_ids.append(done.request_id)
    if done.ok:
        report.completed += 1
    else:
        report.fail(done.line, done.error or "failed", done.request_id)


async def run_on_cluster(
    store: Store,
    executor: Executor,
    tasks: Sequence[BatchTask],
    again: bool,
    report: BatchReport,
    on_done: Callable[[], object],
) -> None:
    """Send the items to the workers and store each one as it returns.

    A database problem (full disk, read-only file, held lock) stops the batch as in-process: the
    item is reported with it, the items not stored yet as "not run", and a re-run resumes.
    """
    from .lifecycle import is_store_failure

    waiting = {task.line for task in tasks}
    async for done in executor.amap(batch_item, tasks):
        waiting.discard(done.line)
        try:
            land(store, done, again, report)
        except Exception as exc:
            if not is_store_failure(exc):
                raise
            report.fail(done.line, str(exc))
            for line in sorted(waiting):
                report.fail(line, f"not run: {exc}")
            return
        finally:
            on_done()


__all__ = [
    "ITEM_TABLES",
    "BatchDone",
    "BatchTask",
    "batch_item",
    "batch_tasks",
    "land",
    "run_on_cluster",
]
