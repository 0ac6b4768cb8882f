"""The one calling rule for `store` in the public API, and a clear error when a call breaks it.

Every public function that works on a store takes it as its first argument, or as `store=` in
any position: `ak.search_prompts(store, "query")` or `ak.search_prompts("query", store=store)`.
Functions that can work on the default database (`generate`, `agenerate`) may leave it out, and
take it first too: `ak.generate(store, "idea")` is `ak.generate("idea", store=store)`. A Store
passed anywhere else (`ak.search_prompts("query", store)`, `ak.judge(prompt_id, store)`) raises a
TypeError that shows the right call, instead of an AttributeError from deep inside.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


def _is_store(value: Any) -> bool:
    from .store import Store  # the class, not a name check: a wrapper of a store is not one

    return isinstance(value, Store)


def _check(name: str, store_first: bool, args: list[Any], kwargs: dict[str, Any]) -> None:
    """Move a leading Store of a store-keyword function into kwargs; refuse misplaced ones."""
    if not store_first and args and _is_store(args[0]):
        if "store" in kwargs:
            raise TypeError(f"{name}() got the store twice: first and as store=")
        kwargs["store"] = args.pop(0)
    at = [i for i, a in enumerate(args) if _is_store(a) and not (store_first and i == 0)]
    named = [k for k, v in kwargs.items() if k != "store" and _is_store(v)]
    if at or named:
        where = f"argument {at[0] + 1}" if at else f"{named[0]}="
        raise TypeError(
            f"{name}() takes the store first or as store=, not as {where}: ak.{name}(store, ...)"
        )
    if store_first and args and "store" in kwargs:
        if _is_store(args[0]):
            raise TypeError(f"{name}() got the store twice: first and as store=")
        args.insert(0, kwargs.pop("store"))  # ak.search_prompts("query", store=store)
    if store_first and args and not _is_store(args[0]):
        raise TypeError(
            f"{name}() takes the store first (from ak.open_store()), got"
            f" {type(args[0]).__name__} {args[0]!r:.60}: ak.{name}(store, ...)"
        )


def store_argument(fn: F) -> F:
    """Apply the calling rule above to `fn` (sync or async); its signature and help stay its own."""
    params = list(inspect.signature(fn).parameters)
    store_first = bool(params) and params[0] == "store"
    name = fn.__name__

    if inspect.iscoroutinefunction(fn):

        @functools.wraps(fn)
        async def checked_async(*args: Any, **kwargs: Any) -> Any:
            listed = list(args)
            _check(name, store_first, listed, kwargs)
            return await fn(*listed, **kwargs)

        return checked_async  # type: ignore[return-value]

    @functools.wraps(fn)
    def checked(*args: Any, **kwargs: Any) -> Any:
        listed = list(args)
        _check(name, store_first, listed, kwargs)
        return fn(*listed, **kwargs)

    return checked  # type: ignore[return-value]


__all__ = ["store_argument"]
