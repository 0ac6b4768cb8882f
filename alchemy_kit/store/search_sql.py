"""The SQL behind search and the vector index: filters, FTS5, blobs and a TEMP change log.

Not for users (they call `search_prompts`, `Store.search_history`, ...): the search layer reaches
it as `store.search_sql`, so the Store's own methods are the ones a researcher calls. It reads
prompts, embeddings and the FTS index, and keeps a per-connection TEMP change log so an in-memory
vector index can update incrementally. Every query runs on the calling thread's connection.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from ..errors import ValidationError
from .reads import chunks

if TYPE_CHECKING:
    from .store import Store

MAX_SNIPPET_CHARS = 1_000_000


def search_where(filters: dict[str, Any], alias: str = "p") -> tuple[list[str], list[Any]]:
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


class SearchSQL:
    """The search layer's queries over one store (`store.search_sql`)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    @property
    def conn(self) -> sqlite3.Connection:
        """The calling thread's connection of the store."""
        return self._store.conn

    def watch_embeddings(self) -> None:
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

    def embedding_log(self, after_seq: int = 0) -> list[tuple[int, str]]:
        """Return (seq, prompt_id) of embeddings changed on this connection after `after_seq`."""
        return list(
            self.conn.execute(
                "SELECT seq, prompt_id FROM temp.search_embedding_log WHERE seq > ? ORDER BY seq",
                [after_seq],
            )
        )

    def prune_embedding_log(self, upto_seq: int) -> None:
        """Forget change-log entries every index has consumed (skipped inside a transaction)."""
        conn = self.conn
        # open_store's connections autocommit, so the DELETE commits by itself; inside a caller's
        # transaction it would become part of it, so prune next time instead.
        if conn.in_transaction:
            return
        conn.execute("DELETE FROM temp.search_embedding_log WHERE seq <= ?", [upto_seq])

    def data_version(self) -> int:
        """Return PRAGMA data_version: it changes when another connection commits."""
        return int(self.conn.execute("PRAGMA data_version").fetchone()[0])

    def embedding_blobs_for(
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

    def embedding_blobs_after(
        self, model: str, after_rowid: int
    ) -> Iterator[tuple[int, str, str, int, bytes]]:
        """Yield (rowid, prompt_id, created_at, dimensions, blob) for `model` in rowid order."""
        yield from self.conn.execute(
            "SELECT rowid, prompt_id, created_at, dimensions, embedding FROM embeddings"
            " WHERE rowid > ? AND model = ? ORDER BY rowid",
            [after_rowid, model],
        )

    def embedding_stamps(self, model: str) -> list[tuple[int, str, str]]:
        """Return (rowid, prompt_id, created_at) of every embedding of `model` in rowid order."""
        return list(
            self.conn.execute(
                "SELECT rowid, prompt_id, created_at FROM embeddings WHERE model = ? ORDER BY rowid",
                [model],
            )
        )

    def embedding_count(self, model: str) -> int:
        """Return how many embeddings `model` has (index-only: no blobs are read)."""
        return int(
            self.conn.execute(
                "SELECT count(*) FROM embeddings WHERE model = ?", [model]
            ).fetchone()[0]
        )

    def embedding_phases(self, model: str) -> list[tuple[int, str]]:
        """Return (embedding rowid, phase of its prompt) for every embedding of `model`."""
        return list(
            self.conn.execute(
                "SELECT e.rowid, p.phase FROM embeddings e JOIN prompts p ON p.id = e.prompt_id"
                " WHERE e.model = ? ORDER BY e.rowid",
                [model],
            )
        )

    def embedding_models(self) -> list[tuple[str, int, int]]:
        """Return (model, dimensions, count) of stored embeddings, most rows first."""
        return list(
            self.conn.execute(
                "SELECT model, dimensions, count(*) FROM embeddings"
                " GROUP BY model, dimensions ORDER BY count(*) DESC, model"
            )
        )

    def hidden_by_status(self, filters: dict[str, Any]) -> int:
        """How many prompts pass every filter but `request_status` (what that filter hid)."""
        statuses = filters.get("request_status")
        if not statuses:
            return 0
        clauses, params = search_where({**filters, "request_status": None})
        marks = ",".join("?" * len(statuses))
        clauses.append(
            "EXISTS (SELECT 1 FROM prompt_requests q WHERE q.id = p.request_id"
            f" AND q.status NOT IN ({marks}))"
        )
        sql = f"SELECT count(*) FROM prompts p WHERE {' AND '.join(clauses)}"
        return int(self.conn.execute(sql, [*params, *statuses]).fetchone()[0])

    def candidate_rowids(self, model: str, filters: dict[str, Any]) -> list[int]:
        """Return embedding rowids of `model` whose prompts pass the search filters."""
        clauses, params = search_where(filters)
        where = " AND ".join(["e.model = ?", *clauses])
        return [
            row[0]
            for row in self.conn.execute(
                f"SELECT e.rowid FROM embeddings e JOIN prompts p ON p.id = e.prompt_id WHERE {where}",
                [model, *params],
            )
        ]

    def text(
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
        clauses, params = search_where(filters)
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

    def snippets(self, match: str, prompt_ids: Sequence[str]) -> dict[str, str]:
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

    def prompt_rows(self, prompt_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
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
