"""The life of a run outside its phases: owner, heartbeat, and SIGTERM/SIGHUP handled like Ctrl-C.

- `owner()` is the record a running request and its running phases carry (store/recovery.py
  reads it to reclaim the rows of a crashed process).
- `Heartbeat` refreshes that record while a request runs, so another host can tell a live run
  from a dead one.
- `run()` runs a coroutine from sync code; in the main thread SIGTERM and SIGHUP cancel it as
  Ctrl-C does: the pipeline marks in-flight phases failed ("interrupted by SIGTERM"), keeps what
  completed, and `run()` raises `Interrupted` (exit code 128 + signal number in the CLI).
- `interruption()` and `best_effort()` keep the pipeline's failure path short and honest.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
from collections.abc import Coroutine, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from ..errors import AlchemyError, Interrupted, StoreError, ValidationError
from ..runner import run_sync
from ..store.recovery import HEARTBEAT_INTERVAL_S, beat, this_process

if TYPE_CHECKING:
    from ..store import Store

_T = TypeVar("_T")
SIGNALS = ("SIGTERM", "SIGHUP")

# The signal that stopped the current run() (signals are process-wide, so one slot suffices).
_received: list[signal.Signals] = []


def owner() -> dict[str, Any]:
    """The owner record of this process: host, pid, start time and a fresh heartbeat."""
    return this_process()


class Heartbeat:
    """Refresh a running request's heartbeat every `interval` seconds until stopped."""

    def __init__(self, store: Store, request_id: str, interval: float | None = None):
        self.store, self.request_id = store, request_id
        self.interval = interval or HEARTBEAT_INTERVAL_S
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                if not beat(self.store, self.request_id):
                    return  # finished (or reclaimed): nothing left to keep alive
            except AlchemyError:
                continue  # a held lock or a full disk: the next beat may get through

    def stop(self) -> None:
        """Stop beating (the request finished or failed)."""
        self._task.cancel()


def interruption(exc: BaseException) -> str:
    """The error message recorded for a run stopped by `exc`."""
    if isinstance(exc, Exception):
        return f"{type(exc).__name__}: {exc}"
    if _received:
        return f"interrupted by {_received[-1].name}"
    return "interrupted"


def is_store_failure(exc: BaseException) -> bool:
    """True for a database that cannot be written (full, read-only, locked, gone), not bad input."""
    return isinstance(exc, StoreError) and not isinstance(exc, ValidationError)


@contextlib.contextmanager
def best_effort() -> Iterator[None]:
    """Run cleanup writes that must not hide the error being handled (a full disk, say)."""
    # If these writes fail too, the rows stay `running` until the next open reclaims them.
    with contextlib.suppress(AlchemyError):
        yield


def _handled_signals() -> list[signal.Signals]:
    found = []
    for name in SIGNALS:
        sig = getattr(signal, name, None)
        # Respect a handler the application installed (or SIG_IGN under nohup).
        if sig is not None and signal.getsignal(sig) in (signal.SIG_DFL, None):
            found.append(sig)
    return found


def _in_main_loopless_thread() -> bool:
    if threading.current_thread() is not threading.main_thread():
        return False
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return True
    return False


def run(coro: Coroutine[Any, Any, _T]) -> _T:
    """Run a coroutine from sync code; in the main thread SIGTERM/SIGHUP stop it like Ctrl-C."""
    if not _in_main_loopless_thread():
        return run_sync(coro)  # Jupyter or a worker thread: signals are not ours to take
    sigs = _handled_signals()

    async def main() -> _T:
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        installed = []
        for sig in sigs:
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, _on_signal, sig, task)  # not on Windows' loops
                installed.append(sig)
        try:
            return await coro
        finally:
            for sig in installed:
                loop.remove_signal_handler(sig)

    _received.clear()
    try:
        result = asyncio.run(main())
    except asyncio.CancelledError:
        _raise_if_signalled()
        raise
    _raise_if_signalled()
    return result


def _on_signal(sig: signal.Signals, task: asyncio.Task[Any] | None) -> None:
    _received.append(sig)
    if task is not None:
        task.cancel(f"interrupted by {sig.name}")


def _raise_if_signalled() -> None:
    if _received:
        sig = _received[-1]
        _received.clear()
        raise Interrupted(sig.name, 128 + int(sig)) from None


__all__ = [
    "SIGNALS",
    "Heartbeat",
    "best_effort",
    "interruption",
    "is_store_failure",
    "owner",
    "run",
]
