"""The store's aggregations for charts and summaries: SQL does the grouping, Python only plots.

A mixin of `Store`. Every method takes the validated filter dict of `search.query.build_filters`
(phase, provider, model, persona, tags, dates, min_score, request_id), so a chart can be narrowed
the same way a search is. Grouping happens in SQLite, so a chart over 100,000 prompts moves a
few dozen rows into Python, not 100,000.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..errors import ValidationError
from ..records import Rows, check_enum
from ..vocab import PHASES
from .mixin import StoreMixin
from .search_sql import search_where

SUMMARY_KEYS = ("phase", "provider", "model", "persona", "request_id")
# Bucket → the prefix of an ISO-8601 timestamp that identifies it (and how to print it back).
BUCKETS = {"minute": (16, ":00Z"), "hour": (13, ":00:00Z"), "day": (10, "T00:00:00Z")}

# Per prompt: latency, tokens and cost folded from its metrics rows (one row per prompt).
_PER_PROMPT = """
SELECT prompt_id,
       avg(CASE WHEN metric_type = 'time' THEN value END) AS ms,
       sum(CASE WHEN metric_type = 'tokens' THEN input_tokens END) AS input_tokens,
       sum(CASE WHEN metric_type = 'tokens' THEN output_tokens END) AS output_tokens,
       sum(CASE WHEN metric_type = 'cost' THEN value END) AS cost
FROM metrics WHERE metric_type IN ('time', 'tokens', 'cost') GROUP BY prompt_id
"""


class AnalyticsQueries(StoreMixin):
    """Aggregations of the Store for the dashboard charts and metric summaries."""

    def _where(self, filters: dict[str, Any] | None, *extra: str) -> tuple[str, list[Any]]:
        clauses, params = search_where(filters or {})
        clauses = [*extra, *clauses]
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def metric_summary(
        self,
        by: Sequence[str] = ("phase", "provider", "model"),
        filters: dict[str, Any] | None = None,
    ) -> Rows:
        """Per group: prompts, score (mean, min, max), mean latency, tokens in/out and cost."""
        keys = list(by)
        bad = [k for k in keys if k not in SUMMARY_KEYS]
        if bad or not keys:
            raise ValidationError(
                f"group by one or more of {', '.join(SUMMARY_KEYS)}, got {', '.join(bad) or 'none'}"
            )
        cols = ", ".join(f"p.{k}" for k in keys)
        where, params = self._where(filters)
        # Phases sort in run order, not alphabetically.
        order = ", ".join(
            "CASE p.phase WHEN 'prima-materia' THEN 1 WHEN 'solutio' THEN 2 ELSE 3 END"
            if k == "phase"
            else f"p.{k}"
            for k in keys
        )
        sql = (
            f"SELECT {cols}, count(*) AS prompts, round(avg(p.score), 4) AS mean_score,"
            " round(min(p.score), 4) AS min_score, round(max(p.score), 4) AS max_score,"
            " round(avg(m.ms), 1) AS mean_ms, sum(m.input_tokens) AS input_tokens,"
            " sum(m.output_tokens) AS output_tokens, round(sum(m.cost), 8) AS cost_usd"
            f" FROM prompts p LEFT JOIN ({_PER_PROMPT}) m ON m.prompt_id = p.id{where}"
            f" GROUP BY {cols} ORDER BY {order}"
        )
        return Rows(self._rows(sql, params), title=f"metrics by {', '.join(keys)}")

    def leaderboard(self, phase: str = "coagulatio", limit: int = 10) -> list[dict[str, Any]]:
        """The top-ranked prompt of `phase` for each completed request, best score first."""
        check_enum(phase, PHASES, "phase")
        return self._rows(
            "SELECT p.id, p.score, p.model, q.input AS idea, p.content FROM prompts p"
            " JOIN prompt_requests q ON q.id = p.request_id"
            " WHERE p.phase = ? AND p.rank = 1 AND q.status = 'completed'"
            " ORDER BY p.score DESC, p.rowid LIMIT ?",
            [phase, limit],
        )

    def _count_requests(self, filters: dict[str, Any] | None = None) -> int:
        """How many requests have at least one prompt passing the filters."""
        where, params = self._where(filters)
        row = self.conn.execute(
            f"SELECT count(DISTINCT p.request_id) FROM prompts p{where}", params
        ).fetchone()
        return int(row[0])

    def token_usage(self, per: str = "request", filters: dict[str, Any] | None = None) -> Rows:
        """Tokens in and out over time, per request or per minute/hour/day bucket, and provider."""
        if per == "request":
            when, group = "q.created_at", "q.id, p.provider"
        elif per in BUCKETS:
            size, tail = BUCKETS[per]
            when = f"substr(q.created_at, 1, {size}) || '{tail}'"
            group = f"substr(q.created_at, 1, {size}), p.provider"
        else:
            raise ValidationError(f"per must be request, {', '.join(BUCKETS)}; got {per!r}")
        where, params = self._where(filters)
        sql = (
            f"SELECT {when} AS time, p.provider, count(DISTINCT q.id) AS requests,"
            " count(*) AS prompts, sum(m.input_tokens) AS input_tokens,"
            " sum(m.output_tokens) AS output_tokens"
            f" FROM prompts p JOIN prompt_requests q ON q.id = p.request_id"
            f" LEFT JOIN ({_PER_PROMPT}) m ON m.prompt_id = p.id{where}"
            f" GROUP BY {group} ORDER BY time, p.provider"
        )
        return Rows(self._rows(sql, params), title=f"tokens per {per}")

    def _judge_criteria(
        self, judge_model: str | None = None, filters: dict[str, Any] | None = None
    ) -> Rows:
        """Per judge model and rubric criterion: judged prompts and the mean, min and max score."""
        extra = [
            "m.metric_type = 'quality'",
            "json_extract(m.details, '$.source') = 'judge'",
        ]
        where, params = self._where(filters, *extra)
        if judge_model:
            where += " AND json_extract(m.details, '$.model') = ?"
            params.append(judge_model)
        sql = (
            "SELECT json_extract(m.details, '$.model') AS judge, c.key AS criterion,"
            " count(*) AS judged, round(avg(c.value), 3) AS mean, min(c.value) AS min,"
            " max(c.value) AS max"
            " FROM metrics m JOIN prompts p ON p.id = m.prompt_id,"
            f" json_each(m.details, '$.criteria') c{where}"
            " GROUP BY judge, criterion ORDER BY judge, criterion"
        )
        return Rows(self._rows(sql, params), title="judge rubric per criterion")

    def _count_embeddings(self, model: str, filters: dict[str, Any] | None = None) -> int:
        """How many prompts passing the filters have an embedding from `model`."""
        where, params = self._where(filters, "e.model = ?")
        sql = f"SELECT count(*) FROM embeddings e JOIN prompts p ON p.id = e.prompt_id{where}"
        return int(self.conn.execute(sql, [model, *params]).fetchone()[0])

    def _embedding_sample(
        self, model: str, limit: int, filters: dict[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """The embeddings of `model` of the newest `limit` prompts, with phase, score and preview."""
        where, params = self._where(filters, "e.model = ?")
        sql = (
            "SELECT e.prompt_id, p.request_id, p.phase, p.provider, p.model, p.score, p.rank,"
            " substr(p.content, 1, 400) AS content, e.embedding"
            f" FROM embeddings e JOIN prompts p ON p.id = e.prompt_id{where}"
            " ORDER BY p.created_at DESC, p.rowid DESC LIMIT ?"
        )
        return self._rows(sql, [model, *params, limit])

    def _sibling_embeddings(
        self, model: str, requests: int, filters: dict[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """Embeddings of every prompt of the newest `requests` requests, with idea and phase."""
        where, params = self._where(filters, "e.model = ?")
        sql = (
            "SELECT p.request_id, q.input AS idea, q.created_at, p.phase, p.id AS prompt_id,"
            " e.embedding FROM prompts p"
            " JOIN embeddings e ON e.prompt_id = p.id"
            " JOIN (SELECT id, input, created_at FROM prompt_requests"
            "       ORDER BY created_at DESC, rowid DESC LIMIT ?) q ON q.id = p.request_id"
            f"{where} ORDER BY q.created_at, p.rowid"
        )
        return self._rows(sql, [requests, model, *params])

    # -- eval runs (charts.pass_rate, charts.eval_matrix) ----------------------------------------
    def _eval_pass_counts(self, run_id: str) -> Rows:
        """Per prompt and model of an eval run: outputs, graded, passed, failed calls, mean grade,
        cost and latency per case, in the order the prompts first appear in the run."""
        sql = (
            "SELECT o.prompt_id, o.model, p.phase, p.rank, substr(p.content, 1, 200) AS content,"
            " count(*) AS outputs, count(o.passed) AS graded, coalesce(sum(o.passed), 0) AS passed,"
            " sum(o.error IS NOT NULL) AS failed_calls, round(avg(o.score), 4) AS mean_grade,"
            " round(avg(CASE WHEN o.error IS NULL THEN coalesce(o.cost_usd, 0) END), 8)"
            " AS cost_per_case, round(avg(o.latency_ms), 1) AS ms_per_case"
            " FROM outputs o JOIN prompts p ON p.id = o.prompt_id WHERE o.run_id = ?"
            " GROUP BY o.prompt_id, o.model ORDER BY min(o.rowid)"
        )
        return Rows(self._rows(sql, [run_id]), title="pass counts per prompt and model")

    def _eval_cells(self, run_id: str, limit: int) -> tuple[Rows, int]:
        """The first `limit` outputs of an eval run as matrix cells (prompt, model, case, outcome,
        a preview), ordered by prompt and case; and how many outputs the run has in all."""
        sql = (
            "SELECT o.id AS output_id, o.prompt_id, o.model, p.phase, p.rank, o.case_id,"
            " c.name AS case_name, o.passed, o.score, o.error IS NOT NULL AS failed,"
            " substr(coalesce(o.error, o.text), 1, 160) AS preview"
            " FROM outputs o JOIN prompts p ON p.id = o.prompt_id JOIN cases c ON c.id = o.case_id"
            " WHERE o.run_id = ? ORDER BY p.rowid, o.model, c.rowid LIMIT ?"
        )
        total = self.conn.execute("SELECT count(*) FROM outputs WHERE run_id = ?", [run_id])
        return Rows(self._rows(sql, [run_id, limit]), title="eval cells"), int(total.fetchone()[0])


__all__ = ["BUCKETS", "SUMMARY_KEYS", "AnalyticsQueries"]
