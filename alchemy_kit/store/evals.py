"""The store's evaluation rows: test cases, eval runs, outputs with their grades, recorded model calls.

A mixin of `Store`. The run engine (engine/evaluate.py) is the one writer of a run: its tasks return
results and it hands them here in batches; `_write_outputs` stores a batch (outputs, their metrics and
the model calls recorded for them) in one transaction. The unique key (run, prompt, case, model)
keeps every output exactly once: a batch never overwrites a successful output, and replaces a failed
one (a resumed run retries failures).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import fields
from typing import Any

from .. import records as r
from .. import records_eval as ev
from ..errors import NotFoundError, ValidationError
from .mixin import StoreMixin
from .reads import chunks

OutputKey = tuple[str, str, str]  # (prompt_id, case_id, model)

_OUTPUT_COLS = tuple(f.name for f in fields(ev.Output))
_RUN_CHANGES = {
    "status",
    "started_at",
    "completed_at",
    "error",
    "prompt_ids",
    "case_ids",
    "options",
}


class EvalQueries(StoreMixin):
    """Cases, eval runs, outputs and recorded model calls of the Store."""

    # -- cases -----------------------------------------------------------------------------------
    def add_cases(self, cases: Sequence[ev.Case]) -> None:
        """Insert cases atomically (a name already used by the request is refused by the database)."""
        self.add(list(cases))

    def cases_for(
        self,
        request_id: str,
        *,
        tag: str | None = None,
        ids: Sequence[str] | None = None,
    ) -> list[ev.Case]:
        """The cases of a request in the order they were added (optionally with a tag, or by id)."""
        where, params = "request_id = ?", [request_id]
        if tag:
            where += " AND EXISTS (SELECT 1 FROM json_each(cases.tags) WHERE value = ?)"
            params.append(tag)
        rows = self.select("cases", where, params)
        found = [ev.Case.from_row(row) for row in rows]
        if ids is not None:
            by_id = {c.id: c for c in found}
            missing = [i for i in ids if i not in by_id]
            if missing:
                raise NotFoundError(f"no case with id {missing[0]!r} in request {request_id}")
            found = [by_id[i] for i in ids]
        return list(found)

    def get_case(self, case_id: str) -> ev.Case:
        """One case by id (or a unique prefix of at least 4 characters)."""
        return ev.Case.from_row(self._get_by_id("cases", case_id))

    def delete_case(self, case_id: str) -> None:
        """Delete a case; its outputs go with it (ON DELETE CASCADE)."""
        self._exec_one("DELETE FROM cases WHERE id = ?", [case_id], f"no case with id {case_id!r}")

    # -- runs ------------------------------------------------------------------------------------
    def _add_eval_run(self, run: ev.EvalRun) -> ev.EvalRun:
        """Insert a new eval run."""
        self.add([run])
        return run

    def get_eval_run(self, run_id: str) -> ev.EvalRun:
        """One run by id (or a unique prefix of at least 4 characters)."""
        return ev.EvalRun.from_row(self._get_by_id("eval_runs", run_id))

    def _latest_eval_run(self, signature: str) -> ev.EvalRun | None:
        """The newest run with this signature (what a re-run resumes), or None."""
        rows = self.select(
            "eval_runs",
            "signature = ?",
            [signature],
            order_by="created_at DESC, rowid DESC",
            limit=1,
        )
        return ev.EvalRun.from_row(rows[0]) if rows else None

    def eval_runs(
        self, *, request_id: str | None = None, limit: int | None = 50
    ) -> list[ev.EvalRun]:
        """Runs, newest first (optionally of one request)."""
        where, params = ("request_id = ?", [request_id]) if request_id else (None, [])
        rows = self.select(
            "eval_runs", where, params, order_by="created_at DESC, rowid DESC", limit=limit
        )
        return list(ev.EvalRun.from_row(row) for row in rows)

    def _update_eval_run(self, run_id: str, **changes: Any) -> None:
        """Change a run's lifecycle fields, its prompt and case lists, or its options."""
        bad = set(changes) - _RUN_CHANGES
        if bad:
            raise ValidationError(f"cannot update {', '.join(sorted(bad))} of a run")
        if "status" in changes:
            r.check_enum(changes["status"], r.STATUSES, "run status")
        for name in ("started_at", "completed_at"):
            if changes.get(name) is not None:
                changes[name] = r.check_timestamp(changes[name], name)
        for name in ("prompt_ids", "case_ids", "options"):
            if name in changes:
                changes[name] = r.to_json(changes[name], name, str_is_json=False)
        sets = ", ".join(f"{k} = ?" for k in changes)
        self._exec_one(
            f"UPDATE eval_runs SET {sets} WHERE id = ?",
            [*changes.values(), run_id],
            f"no eval run with id {run_id!r}",
        )

    def delete_eval_run(self, run_id: str) -> None:
        """Delete a run, its outputs and the grade metrics it wrote, in one transaction."""
        run = self.get_eval_run(run_id)
        with self.transaction():
            self._exec(
                "DELETE FROM metrics WHERE metric_type = 'quality'"
                " AND json_extract(details, '$.source') = 'eval' AND json_extract(details, '$.run') = ?",
                [run.id],
            )
            self._exec("DELETE FROM eval_runs WHERE id = ?", [run.id])

    # -- outputs ---------------------------------------------------------------------------------
    def _output_keys(self, run_id: str) -> dict[OutputKey, bool]:
        """(prompt, case, model) → True when that output succeeded, False when it failed."""
        rows = self.conn.execute(
            "SELECT prompt_id, case_id, model, error IS NULL FROM outputs WHERE run_id = ?",
            [run_id],
        )
        return {(p, c, m): bool(ok) for p, c, m, ok in rows}

    def _write_outputs(
        self,
        outputs: Sequence[ev.Output],
        metrics: Sequence[r.Metric] = (),
        calls: Sequence[ev.ModelCall] = (),
    ) -> int:
        """Store a batch of outputs with their metrics and recorded calls in one transaction.

        An output whose (run, prompt, case, model) already succeeded is dropped with its metrics (the
        first result stands); one that failed before is replaced. Returns the outputs written.
        """
        if not outputs and not calls and not metrics:
            return 0
        with self.transaction():
            self._put_calls(calls)
            done = self._succeeded(outputs)
            keep = [o for o in outputs if (o.run_id, o.prompt_id, o.case_id, o.model) not in done]
            kept_ids = {o.id for o in keep}
            rows = []
            for o in keep:
                r.validate(o)
                row = o.to_row()
                row["passed"] = None if o.passed is None else int(o.passed)
                rows.append([row[c] for c in _OUTPUT_COLS])
            cols = ", ".join(_OUTPUT_COLS)
            updates = ", ".join(f"{c} = excluded.{c}" for c in _OUTPUT_COLS)
            self._execmany(
                f"INSERT INTO outputs ({cols}) VALUES ({', '.join('?' * len(_OUTPUT_COLS))})"
                f" ON CONFLICT (run_id, prompt_id, case_id, model) DO UPDATE SET {updates}"
                " WHERE outputs.error IS NOT NULL",
                rows,
            )
            self._insert(
                [m for m in metrics if (m.details or {}).get("output") in kept_ids]
                + [m for m in metrics if "output" not in (m.details or {})]
            )
        return len(keep)

    def _succeeded(self, outputs: Sequence[ev.Output]) -> set[tuple[str, str, str, str]]:
        found: set[tuple[str, str, str, str]] = set()
        for run_id in {o.run_id for o in outputs}:
            found |= {(run_id, *key) for key, ok in self._output_keys(run_id).items() if ok}
        return found

    def outputs_of(
        self, run_id: str, *, prompt_ids: Sequence[str] | None = None
    ) -> list[ev.Output]:
        """A run's outputs in the order they were written (optionally of some prompts)."""
        where, params = "run_id = ?", [run_id]
        if prompt_ids is not None:
            where += f" AND prompt_id IN ({','.join('?' * len(prompt_ids))})"
            params += list(prompt_ids)
        return list(_output(row) for row in self.select("outputs", where, params))

    def _get_output(self, output_id: str) -> ev.Output:
        """One output by id (or a unique prefix of at least 4 characters)."""
        return _output(self._get_by_id("outputs", output_id))

    def _eval_evidence(self, prompt_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Each prompt's eval evidence: the latest graded output per (case, model), over all runs.

        prompt id → {"score": mean grade, "pass_rate": share passed, "outputs": n, "runs": [ids]}.
        """
        out: dict[str, dict[str, Any]] = {}
        for chunk in chunks(list(prompt_ids), 500):
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                "SELECT prompt_id, avg(score), avg(passed), count(*), json_group_array(DISTINCT run_id)"
                " FROM (SELECT prompt_id, run_id, score, passed, row_number() OVER ("
                "   PARTITION BY prompt_id, case_id, model ORDER BY created_at DESC, rowid DESC) AS n"
                f"  FROM outputs WHERE prompt_id IN ({marks}) AND score IS NOT NULL)"
                " WHERE n = 1 GROUP BY prompt_id",
                chunk,
            )
            for pid, score, passed, n, runs in rows:
                out[pid] = {
                    "score": float(score),
                    "pass_rate": None if passed is None else float(passed),
                    "outputs": n,
                    "runs": r.from_json(runs),
                }
        return out

    def _eval_quality(self, run_id: str, *, grader: str | None = None) -> list[r.Metric]:
        """The grade metrics a run wrote (optionally of one grader), oldest first."""
        where = (
            "metric_type = 'quality' AND json_extract(details, '$.source') = 'eval'"
            " AND json_extract(details, '$.run') = ?"
        )
        params = [run_id]
        if grader is not None:
            where += " AND json_extract(details, '$.grader') = ?"
            params.append(grader)
        return list(r.Metric.from_row(row) for row in self.select("metrics", where, params))

    # -- recorded model calls ----------------------------------------------------------------------
    def _get_call(self, key: str) -> ev.ModelCall | None:
        """The recorded call with this key, or None."""
        return self._get_calls([key]).get(key)

    def _get_calls(self, keys: Sequence[str]) -> dict[str, ev.ModelCall]:
        """The recorded calls among `keys`, by key (one query per 500 keys)."""
        out: dict[str, ev.ModelCall] = {}
        for chunk in chunks(list(dict.fromkeys(keys)), 500):
            marks = ",".join("?" * len(chunk))
            for row in self.select("model_calls", f"key IN ({marks})", chunk):
                call: ev.ModelCall = ev.ModelCall.from_row(row)
                call.tokens_estimated = bool(call.tokens_estimated)
                out[call.key] = call
        return out

    def _recorded_providers(self, model: str) -> list[str]:
        """The providers under which calls to `model` were recorded (a replay needs no plugin)."""
        rows = self.conn.execute(
            "SELECT DISTINCT provider FROM model_calls WHERE model = ? ORDER BY provider", [model]
        )
        return [p for (p,) in rows]

    def _put_calls(self, calls: Iterable[ev.ModelCall]) -> None:
        """Record calls; a call already recorded under the same key is replaced (the newest wins)."""
        calls = list(calls)
        if calls:
            with self.transaction():
                self._insert(calls, upsert=True)


def _output(row: dict[str, Any]) -> ev.Output:
    out: ev.Output = ev.Output.from_row(row)
    out.passed = None if out.passed is None else bool(out.passed)
    return out


__all__ = ["EvalQueries", "OutputKey"]
