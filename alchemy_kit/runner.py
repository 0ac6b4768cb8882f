"""Running coroutines from synchronous code: in scripts and inside Jupyter's running event loop.

Why not asgiref's `async_to_sync` (installed with Datasette): called from a thread whose event loop
is running, which is exactly Jupyter's kernel thread, it refuses ("You cannot use AsyncToSync in
the same thread as an async event loop"), checked with asgiref 3.13.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import functools
from collections.abc import Callable, Coroutine
from typing import Any, ParamSpec, TypeVar

_T = TypeVar("_T")
_P = ParamSpec("_P")


def run_sync(coro: Coroutine[Any, Any, _T]) -> _T:
    """Run a coroutine from sync code, also when an event loop already runs (Jupyter)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    # asyncio.run() refuses to nest: give the coroutine its own loop in a worker thread.
    ctx = contextvars.copy_context()
    with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="alchemy-complete") as pool:
        return pool.submit(ctx.run, asyncio.run, coro).result()


def synchronous(fn: Callable[_P, Coroutine[Any, Any, _T]]) -> Callable[_P, _T]:
    """Wrap an async function as a sync one that runs through run_sync."""

    @functools.wraps(fn)  # same signature, so help() and IDEs show acomplete's parameters
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _T:
        return run_sync(fn(*args, **kwargs))

    return wrapper


__all__ = ["run_sync", "synchronous"]
