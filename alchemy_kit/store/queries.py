"""The store's embedding, search-history and search queries: filters, FTS5, blobs, a TEMP change log.

A mixin of `Store` (the store layer is the only place that composes SQL); kept apart to keep
store.py small. It reads prompts/embeddings/FTS and keeps a per-connection TEMP change log so an
in-memory vector index can update incrementally.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from .. import records as r
from ..errors import NotFoundError, ValidationError
from .mixin import StoreMixin
from .reads import chunks

MAX_SNIPPET_CHARS = 1_000_000


class SearchQueries(StoreMixin):
    """Embedding and search-history rows, search reads and the TEMP change log of the Store."""

    read_only: bool

    # -- embeddings and search history -------------------------------------------------------
    def upsert_embeddings(
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

    def get_embedding(self, prompt_id: str) -> r.EmbeddingRecord:
        """Return the embedding row of a prompt."""
        row = self.conn.execute(
            "SELECT * FROM embeddings WHERE prompt_id = ?", [prompt_id]
        ).fetchone()
        if row is None:
            raise NotFoundError(f"prompt {prompt_id!r} has no embedding")
        cols = [d[0] for d in self.conn.execute("SELECT * FROM embeddings LIMIT 0").description]
        return r.EmbeddingRecord.from_row(dict(zip(cols, row, strict=True)))

    def prompt_texts(self, max_chars: int | None = None) -> list[tuple[str, str, int]]:
        """Return (id, content, its length) of every prompt, in insertion order.

        With `max_chars`, content is its first max_chars characters: an embedder reads no more,
        and a 200 MB prompt then never reaches Python whole.
        """
        return self._texts("", [], max_chars)

    def prompts_missing_embeddings(
        self, model: str, max_chars: int | None = None
    ) -> list[tuple[str, str, int]]:
        """Return (id, content, its length) of prompts with no embedding from `model`."""
        where = " WHERE id NOT IN (SELECT prompt_id FROM embeddings WHERE model = ?)"
        return self._texts(where, [model], max_chars)

    def _texts(
        self, where: str, params: list[Any], max_chars: int | None
    ) -> list[tuple[str, str, int]]:
        text = "content" if max_chars is None else "substr(content, 1, ?)"
        cut = [] if max_chars is None else [max_chars]
        sql = f"SELECT id, {text}, length(content) FROM prompts{where} ORDER BY rowid"
        return list(self.conn.execute(sql, [*cut, *params]).fetchall())

    def record_search(self, rec: r.SearchRecord) -> r.SearchRecord:
        """Write one search_history row (skipped on a read-only store: searching still works)."""
        if not self.read_only:
            self.add([rec])
        return rec

    def search_history(self, limit: int | None = 20) -> list[r.SearchRecord]:
        """Return recent searches, newest first."""
        rows = self.select("search_history", order_by="timestamp desc, rowid desc", limit=limit)
        return [r.SearchRecord.from_row(row) for row in rows]

    def search_watch_embeddings(self) -> None:
        """Install TEMP triggers logging embedding updates/deletes made on this connection."""
        # TEMP objects live only in this connection: nothing is added to the database file, and an
        # upsert (ON CONFLICT DO UPDATE keeps the rowid) is still seen by the index.
        conn = self.conn
        conn.execute(
            "CREATE TEMP TABLE IF NOT EXISTS search_embedding_log"
            " (seq INTEGER PRIMARY KEY, prompt_id TEXT NOT NULL)"
        )
        for op, row in (("UPDATE", "NEW"), ("DELETE", "OLD")):
            conn.execute(
                f"CREATE TEMP TRIGGER IF NOT EXISTS search_embedding_log_{op.lower()}"
                f" AFTER {op} ON main.embeddings BEGIN"
                f" INSERT INTO search_embedding_log(prompt_id) VALUES ({row}.prompt_id);"
                + (
                    " INSERT INTO search_embedding_log(prompt_id) VALUES (OLD.prompt_id);"
                    if op == "UPDATE"
                    else ""
                )
                + " END"
            )

    def search_embedding_log(self, after_seq: int = 0) -> list[tuple[int, str]]:
        """Return (seq, prompt_id) of embeddings changed on this connection after `after_seq`."""
        return list(
            self.conn.execute(
                "SELECT seq, prompt_id FROM temp.search_embedding_log WHERE seq > ? ORDER BY seq",
                [after_seq],
            )
        )

    def search_prune_embedding_log(self, upto_seq: int) -> None:
        """Forget change-log entries every index has consumed (skipped inside a transaction)."""
        conn = self.conn
        # open_store's connections autocommit, so the DELETE commits by itself; inside a caller's
        # transaction it would become part of it, so prune next time instead.
        if conn.in_transaction:
            return
        conn.execute("DELETE FROM temp.search_embedding_log WHERE seq <= ?", [upto_seq])

    def search_data_version(self) -> int:
        """Return PRAGMA data_version: it changes when another connection commits."""
        return int(self.conn.execute("PRAGMA data_version").fetchone()[0])

    def search_embedding_blobs_for(
        self, model: str, prompt_ids: Sequence[str]
    ) -> list[tuple[int, str, str, int, bytes]]:
        """Return (rowid, prompt_id, created_at, dimensions, blob) of `prompt_ids` for `model`."""
        out: list[tuple[int, str, str, int, bytes]] = []
        for chunk in chunks(list(prompt_ids), 500):
            out.extend(
                self.conn.execute(
                    "SELECT rowid, prompt_id, created_at, dimensions, embedding FROM embeddings"
                    f" WHERE model = ? AND prompt_id IN ({','.join('?' * len(chunk))})"
                    " ORDER BY rowid",
                    [model, *chunk],
                )
            )
        return out

    def search_embedding_blobs_after(
        self, model: str, after_rowid: int
    ) -> Iterator[tuple[int, str, str, int, bytes]]:
        """Yield (rowid, prompt_id, created_at, dimensions, blob) for `model` in rowid order."""
        yield from self.conn.execute(
            "SELECT rowid, prompt_id, created_at, dimensions, embedding FROM embeddings"
            " WHERE rowid > ? AND model = ? ORDER BY rowid",
            [after_rowid, model],
        )

    def search_embedding_stamps(self, model: str) -> list[tuple[int, str, str]]:
        """Return (rowid, prompt_id, created_at) of every embedding of `model` in rowid order."""
        return list(
            self.conn.execute(
                "SELECT rowid, prompt_id, created_at FROM embeddings WHERE model = ? ORDER BY rowid",
                [model],
            )
        )

    def search_embedding_count(self, model: str) -> int:
        """Return how many embeddings `model` has (index-only: no blobs are read)."""
        return int(
            self.conn.execute(
                "SELECT count(*) FROM embeddings WHERE model = ?", [model]
            ).fetchone()[0]
        )

    def search_embedding_phases(self, model: str) -> list[tuple[int, str]]:
        """Return (embedding rowid, phase of its prompt) for every embedding of `model`."""
        return list(
            self.conn.execute(
                "SELECT e.rowid, p.phase FROM embeddings e JOIN prompts p ON p.id = e.prompt_id"
                " WHERE e.model = ? ORDER BY e.rowid",
                [model],
            )
        )

    def search_embedding_models(self) -> list[tuple[str, int, int]]:
        """Return (model, dimensions, count) of stored embeddings, most rows first."""
        return list(
            self.conn.execute(
                "SELECT model, dimensions, count(*) FROM embeddings"
                " GROUP BY model, dimensions ORDER BY count(*) DESC, model"
            )
        )

    @staticmethod
    def _search_where(filters: dict[str, Any], alias: str = "p") -> tuple[list[str], list[Any]]:
        """Translate validated search filters into WHERE clauses over prompts `alias`."""
        clauses: list[str] = []
        params: list[Any] = []
        for col in ("phase", "provider", "model", "persona", "request_id"):
            values = filters.get(col)
            if values:
                clauses.append(f"{alias}.{col} IN ({','.join('?' * len(values))})")
                params.extend(values)
        tags = filters.get("tags")
        if tags:
            marks = ",".join("?" * len(tags))
            if filters.get("tags_mode", "any") == "all":
                clauses.append(
                    f"{alias}.id IN (SELECT prompt_id FROM tags WHERE tag IN ({marks})"
                    " GROUP BY prompt_id HAVING count(DISTINCT tag) = ?)"
                )
                params.extend([*tags, len(set(tags))])
            else:
                clauses.append(f"{alias}.id IN (SELECT prompt_id FROM tags WHERE tag IN ({marks}))")
                params.extend(tags)
        if filters.get("created_from"):
            clauses.append(f"julianday({alias}.created_at) >= julianday(?)")
            params.append(filters["created_from"])
        if filters.get("created_to"):
            clauses.append(f"julianday({alias}.created_at) <= julianday(?)")
            params.append(filters["created_to"])
        if filters.get("min_score") is not None:
            clauses.append(f"{alias}.score >= ?")
            params.append(filters["min_score"])
        statuses = filters.get("request_status")
        if statuses:
            # Prompts without a request (imported, added by hand) belong to no failed run: kept.
            marks = ",".join("?" * len(statuses))
            clauses.append(
                f"({alias}.request_id IS NULL OR EXISTS (SELECT 1 FROM prompt_requests q"
                f" WHERE q.id = {alias}.request_id AND q.status IN ({marks})))"
            )
            params.extend(statuses)
        return clauses, params

    def search_hidden_by_status(self, filters: dict[str, Any]) -> int:
        """How many prompts pass every filter but `request_status` (what that filter hid)."""
        statuses = filters.get("request_status")
        if not statuses:
            return 0
        clauses, params = self._search_where({**filters, "request_status": None})
        marks = ",".join("?" * len(statuses))
        clauses.append(
            "EXISTS (SELECT 1 FROM prompt_requests q WHERE q.id = p.request_id"
            f" AND q.status NOT IN ({marks}))"
        )
        sql = f"SELECT count(*) FROM prompts p WHERE {' AND '.join(clauses)}"
        return int(self.conn.execute(sql, [*params, *statuses]).fetchone()[0])

    def search_candidate_rowids(self, model: str, filters: dict[str, Any]) -> list[int]:
        """Return embedding rowids of `model` whose prompts pass the search filters."""
        clauses, params = self._search_where(filters)
        where = " AND ".join(["e.model = ?", *clauses])
        return [
            row[0]
            for row in self.conn.execute(
                f"SELECT e.rowid FROM embeddings e JOIN prompts p ON p.id = e.prompt_id WHERE {where}",
                [model, *params],
            )
        ]

    def search_text(
        self,
        match: str,
        rank: str,
        filters: dict[str, Any],
        limit: int,
        *,
        only: Sequence[str] | None = None,
    ) -> list[tuple[str, float]]:
        """Prompts matching FTS5 `match`, ranked by bm25 over `rank`: (prompt_id, relevance).

        Relevance is -bm25(), so higher is better. `only` restricts the search to those ids.
        """
        clauses, params = self._search_where(filters)
        if only is not None:
            if not only:
                return []
            clauses.append(f"p.id IN ({','.join('?' * len(only))})")
            params.extend(only)
        where = "".join(f" AND {c}" for c in clauses)
        if rank == match:
            sql = (
                "SELECT p.id, -bm25(prompts_fts) FROM prompts_fts"
                " JOIN prompts p ON p.rowid = prompts_fts.rowid"
                f" WHERE prompts_fts MATCH ?{where}"
                " ORDER BY bm25(prompts_fts), p.rowid LIMIT ?"
            )
            args = [match, *params, limit]
        else:
            # `match` decides which prompts qualify, `rank` what bm25 scores them by (with the
            # stop words). Joining the materialised matches to a second MATCH visits only those
            # rows; bm25's statistics still come from the whole index.
            sql = (
                "WITH matched(r) AS MATERIALIZED"
                " (SELECT rowid FROM prompts_fts WHERE prompts_fts MATCH ?)"
                " SELECT p.id, -bm25(prompts_fts) FROM matched"
                " JOIN prompts_fts ON prompts_fts.rowid = matched.r"
                " JOIN prompts p ON p.rowid = matched.r"
                f" WHERE prompts_fts MATCH ?{where}"
                " ORDER BY bm25(prompts_fts), p.rowid LIMIT ?"
            )
            args = [match, rank, *params, limit]
        try:
            return list(self.conn.execute(sql, args))
        except sqlite3.OperationalError as exc:
            raise ValidationError(f"full-text query {match!r} was refused: {exc}") from None

    def search_snippets(self, match: str, prompt_ids: Sequence[str]) -> dict[str, str]:
        """prompt_id → FTS5 snippet (matches between ** markers) for those ids that match.

        snippet() re-reads its whole document: on a prompt over MAX_SNIPPET_CHARS (a 200 MB one
        took minutes) the snippet is the prompt's opening words instead.
        """
        out: dict[str, str] = {}
        for chunk in chunks(list(dict.fromkeys(prompt_ids)), 500):
            cur = self.conn.execute(
                "SELECT p.id, CASE WHEN length(p.content) <= ?"
                " THEN snippet(prompts_fts, 0, '**', '**', '…', 16)"
                " ELSE substr(p.content, 1, 120) || '…' END FROM prompts_fts"
                " JOIN prompts p ON p.rowid = prompts_fts.rowid"
                f" WHERE prompts_fts MATCH ? AND p.id IN ({','.join('?' * len(chunk))})",
                [MAX_SNIPPET_CHARS, match, *chunk],
            )
            out.update(cur)
        return out

    def search_prompt_rows(self, prompt_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Return id → {content, phase, provider, model, persona, score, created_at} for hits."""
        out: dict[str, dict[str, Any]] = {}
        cols = ("id", "content", "phase", "provider", "model", "persona", "score", "created_at")
        for chunk in chunks(list(dict.fromkeys(prompt_ids)), 500):
            cur = self.conn.execute(
                f"SELECT {', '.join(cols)} FROM prompts WHERE id IN ({','.join('?' * len(chunk))})",
                chunk,
            )
            for row in cur:
                out[row[0]] = dict(zip(cols, row, strict=True))
        return out
