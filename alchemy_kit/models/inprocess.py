"""Calling a synchronous in-process model (SmolLM2) from async code, fairly and stoppably.

A model that runs inside this process (llama.cpp through xllamacpp) computes one sequence at a
time: eight calls in flight do not run eight times faster, they queue. Timed with
`asyncio.wait_for` around a worker thread, the clock counted the time a call spent queued, so
under load `alchemy eval -c 8` timed calls out that had not started; and a timed-out call kept
generating in its thread, because a thread cannot be cancelled from outside.

So here:
- one call per model runs at a time (an asyncio lock per event loop, so queued calls hold no
  worker thread, and a threading lock for calls from several loops or threads);
- the timeout clock starts when the call has the model, not when it was asked for;
- the call's `Budget` (deadline and cancel flag) is visible to the generation through a
  ContextVar, and the generation checks `should_stop()` between tokens (smollm_runtime does, in
  llama.cpp's stream callback): a timed-out or cancelled call stops generating at the next token
  and frees the model.
"""

from __future__ import annotations

import asyncio
import threading
import time
import weakref
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TypeVar

T = TypeVar("T")

# The clock budgets are measured on (tests swap it for a fake one: no timing in tests).
clock: Callable[[], float] = time.monotonic


class InProcessTimeout(Exception):
    """The call had the model for longer than its timeout and was stopped."""

    def __init__(self, message: str, seconds: float = 0.0) -> None:
        super().__init__(message)
        self.seconds = seconds  # the time it had the model


class InProcessCancelled(Exception):
    """The caller gave up on the call (its task was cancelled) before or while it ran."""


@dataclass
class Budget:
    """One call's limits: seconds allowed once it has the model, and a cancel flag."""

    timeout: float | None
    cancelled: threading.Event = field(default_factory=threading.Event)
    started: float | None = None  # clock() when the call got the model
    ended: float | None = None

    def start(self) -> None:
        """Start the clock: the call has the model now."""
        self.started = clock()

    def expired(self) -> bool:
        """True once the call has had the model for longer than its timeout."""
        return (
            self.timeout is not None
            and self.started is not None
            and clock() - self.started > self.timeout
        )

    def should_stop(self) -> bool:
        """True when the generation must end now: cancelled, or out of time."""
        return self.cancelled.is_set() or self.expired()

    @property
    def seconds(self) -> float:
        """Time the call had the model (0 before it started)."""
        if self.started is None:
            return 0.0
        return (self.ended if self.ended is not None else clock()) - self.started


_CURRENT: ContextVar[Budget | None] = ContextVar("alchemy_inprocess_budget", default=None)


def should_stop() -> bool:
    """For a generation loop: True when the call running in this thread must stop now."""
    budget = _CURRENT.get()
    return budget is not None and budget.should_stop()


_thread_locks: dict[str, threading.Lock] = {}
_loop_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Lock]] = (
    weakref.WeakKeyDictionary()
)
_registry_lock = threading.Lock()


def _queue(model_id: str) -> asyncio.Lock:
    """This event loop's queue for the model (an asyncio lock belongs to one loop)."""
    loop = asyncio.get_running_loop()
    with _registry_lock:
        return _loop_locks.setdefault(loop, {}).setdefault(model_id, asyncio.Lock())


def _model_lock(model_id: str) -> threading.Lock:
    """The process-wide lock of the model: held while it generates."""
    with _registry_lock:
        return _thread_locks.setdefault(model_id, threading.Lock())


def run_sync(model_id: str, fn: Callable[[], T], budget: Budget) -> T:
    """Run `fn` in this thread once the model is free, under `budget` (for run(); also direct)."""
    with _model_lock(model_id):
        if budget.cancelled.is_set():
            raise InProcessCancelled(f"{model_id}: cancelled before it started")
        budget.start()
        token = _CURRENT.set(budget)
        try:
            result = fn()
        except Exception:
            if budget.cancelled.is_set():
                raise InProcessCancelled(f"{model_id}: cancelled") from None
            if budget.expired():
                raise _timed_out(model_id, budget) from None
            raise
        finally:
            _CURRENT.reset(token)
            budget.ended = clock()
        if budget.expired():  # finished, but too late: a timeout is a timeout
            raise _timed_out(model_id, budget)
        return result


def _timed_out(model_id: str, budget: Budget) -> InProcessTimeout:
    budget.ended = clock()
    return InProcessTimeout(
        f"{model_id} timed out: generating took over {budget.timeout:g} s "
        "(time spent waiting for the model is not counted); raise --timeout or lower max_tokens",
        budget.seconds,
    )


async def run(model_id: str, fn: Callable[[], T], timeout: float | None) -> tuple[T, Budget]:
    """Await `fn()` run in a worker thread, one call per model at a time, the timeout counting
    only from when the call has the model; cancelling the awaiting task stops the generation."""
    budget = Budget(timeout)
    async with _queue(model_id):  # queued calls wait here, holding no thread and no clock
        worker = asyncio.ensure_future(asyncio.to_thread(run_sync, model_id, fn, budget))
        try:
            return await asyncio.shield(worker), budget
        except asyncio.CancelledError:
            budget.cancelled.set()  # the generation ends at its next token
            raise


__all__ = [
    "Budget",
    "InProcessCancelled",
    "InProcessTimeout",
    "clock",
    "run",
    "run_sync",
    "should_stop",
]
