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


def synchronous(
    fn: Callable[_P, Coroutine[Any, Any, _T]],
    name: str | None = None,
    doc: str | None = None,
    run: Callable[[Coroutine[Any, Any, _T]], _T] = run_sync,
) -> Callable[_P, _T]:
    """Wrap an async function as a sync one that runs through `run` (run_sync by default).

    It keeps `fn`'s signature, so help() and IDEs show every parameter and the two cannot drift
    apart; `name` and `doc` give the sync function its own name and docstring.
    """

    @functools.wraps(fn)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _T:
        return run(fn(*args, **kwargs))

    wrapper.__name__ = wrapper.__qualname__ = name or fn.__name__
    wrapper.__doc__ = doc or fn.__doc__
    return wrapper


__all__ = ["run_sync", "synchronous"]
