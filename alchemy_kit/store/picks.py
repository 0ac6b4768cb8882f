"""The store's scoring rows: scores and the ranks they imply, researchers' picks, quality metrics.

A mixin of `Store`. Ranks are not written by Python: the m003 triggers derive them from scores
(a permutation 1..n per request and phase), so writing a score is enough.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from .. import records as r
from ..errors import NotFoundError, ValidationError
from ..vocab import SCORE_RANGE
from .mixin import StoreMixin
from .reads import chunks


class ScoringQueries(StoreMixin):
    """Scores, picks and quality metrics of the Store."""

    # -- scores ----------------------------------------------------------------------------------
    def _set_scores(
        self,
        scores: Iterable[tuple[str, float | None]],
        metrics: Sequence[r.Metric] = (),
    ) -> dict[str, int | None]:
        """Write (prompt_id, score) pairs and their quality metrics atomically; return the new ranks.

        The database re-ranks the siblings of every prompt whose score changed.
        """
        rows = []
        for pid, score in scores:
            r.check_range(score, *SCORE_RANGE, "score")
            rows.append((score, pid))
        with self.transaction():
            # updated_at in the same statement (the trigger would rewrite the row a second time,
            # all of it: a 200 MB prompt twice), and an unchanged score is not written at all.
            stamp = r.now()
            self._execmany(
                "UPDATE prompts SET score = ?1, updated_at = ?3 WHERE id = ?2 AND score IS NOT ?1",
                [(score, pid, stamp) for score, pid in rows],
            )
            self.add(list(metrics))
        return self.ranks([pid for _, pid in rows])

    def ranks(self, prompt_ids: Sequence[str]) -> dict[str, int | None]:
        """Return prompt id → rank."""
        out: dict[str, int | None] = {}
        for chunk in chunks(list(prompt_ids), 500):
            marks = ",".join("?" * len(chunk))
            out.update(
                self.conn.execute(f"SELECT id, rank FROM prompts WHERE id IN ({marks})", chunk)
            )
        return out

    def siblings(self, prompt_id: str) -> list[r.Prompt]:
        """The prompts of the same request and phase as `prompt_id` (itself included), best first."""
        row = self.conn.execute(
            "SELECT request_id, phase FROM prompts WHERE id = ?", [prompt_id]
        ).fetchone()
        if row is None:
            raise NotFoundError(f"no prompt with id {prompt_id!r}")
        if row[0] is None:
            where, params = "id = ?", [prompt_id]
        else:
            where, params = "request_id = ? AND phase = ?", [row[0], row[1]]
        found = self.select("prompts", where, params, order_by="coalesce(rank, 1e9), rowid")
        return [r.Prompt.from_row(p) for p in found]

    def _prompts_for_scoring(
        self,
        request_id: str | None = None,
        prompt_ids: Sequence[str] | None = None,
        max_chars: int | None = None,
    ) -> list[tuple[str, str, str]]:
        """Return (prompt id, content, idea) for the prompts of one request, given ids, or all.

        With `max_chars`, content and idea are cut to that many characters (what the scorer reads).
        """
        content, idea = "p.content", "coalesce(q.input, '')"
        if max_chars is not None:
            content, idea = (f"substr({col}, 1, {int(max_chars)})" for col in (content, idea))
        sql = (
            f"SELECT p.id, {content}, {idea} FROM prompts p"
            " LEFT JOIN prompt_requests q ON q.id = p.request_id"
        )
        if prompt_ids is not None:
            out: list[tuple[str, str, str]] = []
            for chunk in chunks(list(prompt_ids), 500):
                marks = ",".join("?" * len(chunk))
                out += self.conn.execute(f"{sql} WHERE p.id IN ({marks})", chunk).fetchall()
            return out
        if request_id is not None:
            return self.conn.execute(
                f"{sql} WHERE p.request_id = ? ORDER BY p.rowid", [request_id]
            ).fetchall()
        return self.conn.execute(f"{sql} ORDER BY p.rowid").fetchall()

    def latest_quality(self, prompt_ids: Sequence[str], source: str) -> dict[str, r.Metric]:
        """The newest quality metric of each prompt whose details.source is `source`."""
        out: dict[str, r.Metric] = {}
        for chunk in chunks(list(prompt_ids), 500):
            marks = ",".join("?" * len(chunk))
            rows = self.select(
                "metrics",
                f"metric_type = 'quality' AND json_extract(details, '$.source') = ?"
                f" AND prompt_id IN ({marks})",
                [source, *chunk],
                order_by="timestamp, rowid",
            )
            for row in rows:
                out[row["prompt_id"]] = r.Metric.from_row(row)
        return out

    # -- picks -----------------------------------------------------------------------------------
    def add_preferences(self, picks: Sequence[r.Preference]) -> list[r.Preference]:
        """Record researchers' picks atomically (the prompts must exist)."""
        self.add(list(picks))
        return list(picks)

    def get_preference(self, preference_id: str) -> r.Preference:
        """One pick by id."""
        rows = self.select("preferences", "id = ?", [preference_id])
        if not rows:
            raise NotFoundError(f"no pick with id {preference_id!r}")
        return r.Preference.from_row(rows[0])

    def delete_preference(self, preference_id: str) -> None:
        """Take a pick back."""
        self._exec_one(
            "DELETE FROM preferences WHERE id = ?",
            [preference_id],
            f"no pick with id {preference_id!r}",
        )

    def preferences(
        self,
        *,
        prompt_ids: Sequence[str] | None = None,
        who: str | None = None,
        limit: int | None = None,
    ) -> list[r.Preference]:
        """Picks, oldest first: all, those by `who`, or those touching any of `prompt_ids`."""
        clauses: list[str] = []
        params: list[Any] = []
        if prompt_ids is not None:
            if not prompt_ids:
                return []
            marks = ",".join("?" * len(prompt_ids))
            clauses.append(f"(prompt_id IN ({marks}) OR other_prompt_id IN ({marks}))")
            params += [*prompt_ids, *prompt_ids]
        if who is not None:
            clauses.append("who = ?")
            params.append(who)
        rows = self.select(
            "preferences",
            " AND ".join(clauses) or None,
            params,
            order_by="created_at, rowid",
            limit=limit,
        )
        return [r.Preference.from_row(row) for row in rows]

    def _preference_rows_with_ideas(self) -> list[dict[str, Any]]:
        """Every pick with both prompts' text and the idea, for learning from picks."""
        return self._rows(
            "SELECT f.id, f.kind, f.value, f.prompt_id, p.content AS content,"
            " f.other_prompt_id, o.content AS other_content, coalesce(q.input, '') AS idea,"
            " p.request_id, p.phase FROM preferences f"
            " JOIN prompts p ON p.id = f.prompt_id"
            " LEFT JOIN prompts o ON o.id = f.other_prompt_id"
            " LEFT JOIN prompt_requests q ON q.id = p.request_id ORDER BY f.rowid"
        )


def check_not_rank(changes: dict[str, Any]) -> None:
    """Ranks follow scores (database triggers); refuse a direct rank write."""
    if "rank" in changes:
        raise ValidationError("ranks follow scores: set the score and the database re-ranks")
