"""The base of the Store's mixins: the write helpers they call, declared once for type checkers.

The helpers themselves live on `Store` (store.py); at run time this class adds nothing to `Reads`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from .reads import Reads

if TYPE_CHECKING:
    from contextlib import AbstractContextManager


class StoreMixin(Reads):
    """Reads plus the signatures of Store's transaction and write helpers."""

    if TYPE_CHECKING:

        def transaction(self) -> AbstractContextManager[Any]: ...
        def add(self, *groups: Sequence[Any]) -> None: ...
        def _insert(self, recs: Sequence[Any], upsert: bool = False) -> None: ...
        def _execmany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None: ...
        def _exec(
            self, sql: str, params: Sequence[Any] | dict[str, Any] = ()
        ) -> sqlite3.Cursor: ...
