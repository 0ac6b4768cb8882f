"""The store's embedding and search-history rows; the search layer's SQL is `store.search_sql`.

A mixin of `Store` (the store layer is the only place that composes SQL); kept apart to keep
store.py small. The queries behind search and the vector index live in search_sql.py, reached as
`store.search_sql`, so that Store's public methods are the ones a researcher calls.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .. import records as r
from ..errors import NotFoundError
from .mixin import StoreMixin

if TYPE_CHECKING:
    from .search_sql import SearchSQL

# Store plumbing that only the engine, search and the surfaces call: private after 0.2.0, the public
# names are deprecated aliases for one release.
_RENAMED = (
    "record_search set_request_status update_phase_run prompts_missing_embeddings "
    "prompt_texts sibling_embeddings embedding_sample count_embeddings get_embedding "
    "rebuild_fts snapshot delete_orphans schema_problems get_output "
    "recorded_providers eval_cells eval_pass_counts judge_criteria eval_quality "
    "count_requests "
    # the engine's, scoring's and search's own writes and reads (made private in the same release)
    "create_request add_eval_run update_eval_run latest_eval_run output_keys write_outputs "
    "eval_evidence import_rows set_scores prompts_for_scoring preference_rows_with_ideas "
    "upsert_embeddings prompt_texts_page on_close get_call get_calls put_calls"
)
RENAMED = frozenset(_RENAMED.split())
# Store.search_<name> methods that moved to store.search_sql as <name>.
MOVED = frozenset(
    (
        "watch_embeddings",
        "embedding_log",
        "prune_embedding_log",
        "data_version",
        "embedding_blobs_for",
        "embedding_blobs_after",
        "embedding_stamps",
        "embedding_count",
        "embedding_phases",
        "embedding_models",
        "hidden_by_status",
        "candidate_rowids",
        "text",
        "snippets",
        "prompt_rows",
    )
)


class SearchQueries(StoreMixin):
    """Embedding and search-history rows, search reads and the TEMP change log of the Store."""

    read_only: bool

    # -- embeddings and search history -------------------------------------------------------
    def _upsert_embeddings(
        self,
        rows: Sequence[r.EmbeddingRecord],
        truncated: Mapping[str, tuple[int, int]] | None = None,
    ) -> None:
        """Insert or replace embedding rows atomically.

        `truncated` maps a prompt id to (characters embedded, characters in all) for vectors
        computed from a prefix: the prompt's metadata says so under `embedding_truncated`.
        """
        with self.transaction():
            self._insert(list(rows), upsert=True)
            cut = truncated or {}
            marks = [
                (row.model, *cut[row.prompt_id], row.prompt_id)
                for row in rows
                if row.prompt_id in cut
            ]
            note = "json_object('model', ?1, 'embedded_chars', ?2, 'total_chars', ?3)"
            # Only where the note changes, and updated_at in the same statement: each UPDATE
            # rewrites the whole row, a huge prompt's included.
            self._execmany(
                "UPDATE prompts SET updated_at = ?5,"
                f" metadata = json_set(metadata, '$.embedding_truncated', json({note}))"
                f" WHERE id = ?4 AND json_extract(metadata, '$.embedding_truncated') IS NOT {note}",
                [(*mark, r.now()) for mark in marks],
            )

    def _get_embedding(self, prompt_id: str) -> r.EmbeddingRecord:
        """Return the embedding row of a prompt."""
        rows = self.select("embeddings", "prompt_id = ?", [prompt_id])
        if not rows:
            raise NotFoundError(f"prompt {prompt_id!r} has no embedding")
        return r.EmbeddingRecord.from_row(rows[0])

    def _prompt_texts(self, max_chars: int | None = None) -> list[tuple[str, str, int]]:
        """Return (id, content, its length) of every prompt, in insertion order.

        With `max_chars`, content is its first max_chars characters: an embedder reads no more,
        and a 200 MB prompt then never reaches Python whole.
        """
        return self._texts("", [], max_chars)

    def _prompts_missing_embeddings(
        self, model: str, max_chars: int | None = None
    ) -> list[tuple[str, str, int]]:
        """Return (id, content, its length) of prompts with no embedding from `model`."""
        where = " WHERE id NOT IN (SELECT prompt_id FROM embeddings WHERE model = ?)"
        return self._texts(where, [model], max_chars)

    def _prompt_texts_page(
        self, model: str | None, max_chars: int, after: int = 0, limit: int = 10_000
    ) -> list[tuple[int, str, str, int]]:
        """Return (rowid, id, content prefix, length) of up to `limit` prompts after rowid `after`.

        With `model`, only prompts with no embedding from it: a cluster job reads its work one
        page at a time, so the client's memory stays flat however many prompts there are.
        """
        where = "WHERE rowid > ?"
        params: list[Any] = [max_chars, after]
        if model is not None:
            where += " AND id NOT IN (SELECT prompt_id FROM embeddings WHERE model = ?)"
            params.append(model)
        sql = (
            "SELECT rowid, id, substr(content, 1, ?), length(content) FROM prompts"
            f" {where} ORDER BY rowid LIMIT ?"
        )
        return list(self.conn.execute(sql, [*params, limit]).fetchall())

    def _texts(
        self, where: str, params: list[Any], max_chars: int | None
    ) -> list[tuple[str, str, int]]:
        text = "content" if max_chars is None else "substr(content, 1, ?)"
        cut = [] if max_chars is None else [max_chars]
        sql = f"SELECT id, {text}, length(content) FROM prompts{where} ORDER BY rowid"
        return list(self.conn.execute(sql, [*cut, *params]).fetchall())

    def _record_search(self, rec: r.SearchRecord) -> r.SearchRecord:
        """Write one search_history row (skipped on a read-only store: searching still works)."""
        if not self.read_only:
            self.add([rec])
        return rec

    def search_history(self, limit: int | None = 20) -> list[r.SearchRecord]:
        """Return recent searches, newest first."""
        rows = self.select("search_history", order_by="timestamp desc, rowid desc", limit=limit)
        return [r.SearchRecord.from_row(row) for row in rows]

    @property
    def search_sql(self) -> SearchSQL:
        """The SQL behind search and the vector index (for the search layer, not for users)."""
        from .search_sql import SearchSQL

        return SearchSQL(self)  # type: ignore[arg-type]

    if not TYPE_CHECKING:  # type checkers see only the new names

        def __getattr__(self, name: str) -> Any:
            # The search plumbing was Store.search_<name> until 0.4: deprecated aliases, one release.
            if name.startswith("search_") and name.removeprefix("search_") in MOVED:
                warnings.warn(
                    f"Store.{name} is deprecated: use store.search_sql."
                    f"{name.removeprefix('search_')}",
                    DeprecationWarning,
                    stacklevel=2,
                )
                return getattr(self.search_sql, name.removeprefix("search_"))
            if name in RENAMED:
                warnings.warn(
                    f"Store.{name} is deprecated: it is internal plumbing now (Store._{name});"
                    " the public name goes in the next release",
                    DeprecationWarning,
                    stacklevel=2,
                )
                return getattr(self, f"_{name}")
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
