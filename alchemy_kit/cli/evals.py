"""`alchemy cases` and `alchemy eval`: test cases, and prompts judged by what they make a model write."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click

from .common import (
    CONTEXT,
    cluster_option,
    dashboard_echo,
    database_option,
    echo_json,
    echo_rows,
    echo_table,
    json_option,
    open_db,
    replay_options,
)
from .terminal import echo


@click.group(context_settings=CONTEXT)
def cases() -> None:
    """Test cases: the inputs a request's prompts are evaluated on (promptfoo's test format)."""


@cases.command(name="import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "-r", "--request", "request_id", required=True, help="The request the cases belong to"
)
@database_option
@json_option
def cases_import(path: Path, request_id: str, database: Path | None, json_: bool) -> None:
    """Import tests from a promptfoo-style .jsonl, .json or .csv file; bad lines are reported."""
    from ..engine.cases import import_cases, read_case_file

    read_case_file(path)  # a file that cannot be read at all fails before the database opens
    report = import_cases(open_db(database), path, request_id)
    if json_:
        echo_json(asdict(report))
    else:
        echo(
            f"{report.total} tests: {report.added} added, {report.skipped} already present, "
            f"{report.failed} failed"
        )
        if report.failures:
            echo("")
            echo_table(report.failures, ["line", "error"], {"error": 300})
    if report.failed:
        raise SystemExit(1)


@cases.command(name="suggest")
@click.option(
    "-r", "--request", "request_id", required=True, help="The request to suggest cases for"
)
@click.option("-n", "--count", type=int, default=5, show_default=True, help="How many cases")
@click.option("--provider", help="Provider of the suggesting model")
@click.option("-m", "--model", help="Suggesting model (default: the offline template model)")
@click.option("--seed", type=int, help="Seed (the offline model varies its inputs by it)")
@replay_options
@database_option
@json_option
def cases_suggest(
    request_id: str, count: int, database: Path | None, json_: bool, **kw: Any
) -> None:
    """Let a model propose test inputs for the request's idea, edge cases included."""
    from ..engine.suggest import suggest_cases

    # provider, model, seed, replay and record are suggest_cases' keywords as they are.
    got = suggest_cases(open_db(database), request_id, count, **kw)
    if json_:
        echo_json(
            asdict(got.report)
            | {
                "model": got.model,
                "offline": got.offline,
                "cases": [c.as_dict() for c in got.cases],
            }
        )
    else:
        for note in got.report.notes:
            echo(f"note: {note}", err=True)
        echo(
            f"{got.report.total} suggested by {got.model}: {got.report.added} added, "
            f"{got.report.skipped} already present, {got.report.failed} unusable"
        )
        echo_table(_case_rows(got.cases), ["id", "name", "tags", "vars", "assert"], {"vars": 50})
        if got.report.failures:
            echo_table(got.report.failures, ["line", "error"], {"error": 200})


def _case_rows(found: list[Any]) -> list[dict[str, Any]]:
    return [
        {
            "id": c.id[:8],
            "name": c.name,
            "tags": ",".join(c.tags),
            "vars": json.dumps(c.vars, ensure_ascii=False),
            "assert": ", ".join(a.get("type", "?") for a in c.assertions),
        }
        for c in found
    ]


@cases.command(name="list")
@click.option(
    "-r", "--request", "request_id", required=True, help="The request whose cases to list"
)
@click.option("--tag", help="Only cases with this tag")
@database_option
@json_option
def cases_list(request_id: str, tag: str | None, database: Path | None, json_: bool) -> None:
    """List a request's cases in the order they were added."""
    store = open_db(database)
    found = store.cases_for(store.get_request(request_id).id, tag=tag)
    if json_:
        echo_json([c.as_dict() for c in found])
    else:
        echo_table(_case_rows(found), ["id", "name", "tags", "vars", "assert"], {"vars": 50})


@cases.command(name="delete")
@click.argument("case_id")
@database_option
def cases_delete(case_id: str, database: Path | None) -> None:
    """Delete a case (its outputs go with it)."""
    store = open_db(database)
    case = store.get_case(case_id)
    store.delete_case(case.id)
    echo(f"deleted case {case.id} ({case.name})")


@click.group(name="eval", context_settings=CONTEXT, invoke_without_command=True)
@click.option("-r", "--request", "request_id", help="Evaluate this request's prompts")
@click.option("--prompt", "prompt_ids", multiple=True, help="Evaluate this prompt (repeatable)")
@click.option("--phase", help="Only prompts of this phase (alone: every request with cases)")
@click.option(
    "-m",
    "--model",
    "models",
    multiple=True,
    help="Model to run on (repeatable; default alchemy-local)",
)
@click.option(
    "--case", "case_ids", multiple=True, help="Only this case, by id or name (repeatable)"
)
@click.option("--tag", help="Only cases with this tag")
@click.option("--judge", help="Judge model for llm-rubric and pairwise (default: scoring.judge)")
@click.option("--judge-provider", help="Judge provider")
@click.option("--rubric", help="An llm-rubric applied to every case")
@click.option(
    "--similar",
    type=float,
    help="Grade every case with a reference by similarity at this threshold",
)
@click.option(
    "--pairwise", is_flag=True, help="Let the judge compare every two prompts per case, both orders"
)
@click.option("-t", "--temperature", type=float, help="Temperature of the eval calls")
@click.option("--max-tokens", type=int, help="Output limit of the eval calls")
@click.option("--seed", type=int, help="Seed of the eval calls")
@click.option("-c", "--concurrency", type=int, default=8, show_default=True, help="Calls in flight")
@click.option("--timeout", type=float, default=120.0, show_default=True, help="Seconds per call")
@click.option(
    "--again", is_flag=True, help="Run every output anew as a new run instead of resuming"
)
@cluster_option
@replay_options
@database_option
@json_option
@click.pass_context
def eval_cmd(ctx: click.Context, **kw: Any) -> None:
    """Run prompts × cases × models, grade every output, and rank by the results.

    Re-running the same selection resumes it (only missing or failed outputs run); --again starts
    anew. `alchemy eval show RUN` shows a run again.
    """
    if ctx.invoked_subcommand is not None:
        return
    from ..engine.evaluate import evaluate

    if not (kw["request_id"] or kw["prompt_ids"] or kw["phase"]):
        raise click.UsageError("choose what to evaluate: --request ID, --prompt ID or --phase")
    _limit_plugins(kw)
    store = open_db(kw.pop("database"))
    json_ = kw.pop("json_")
    # The other options are evaluate's keywords as they are.
    result = evaluate(
        store,
        request=kw.pop("request_id"),
        prompts=list(kw.pop("prompt_ids")) or None,
        models=list(kw.pop("models")) or None,
        cases=list(kw.pop("case_ids")) or None,
        progress=not json_,
        on_dashboard=None if json_ else dashboard_echo,
        **kw,
    )
    if json_:
        echo_json(_run_json(store, result.run_id) | {"this_time": _counts(result)})
    else:
        for warning in result.warnings:
            echo(f"warning: {warning}", err=True)
        verb = "resumed" if result.resumed else "ran"
        echo(
            f"{verb} run {result.run_id}: {result.ran} outputs now ({result.mode}), "
            f"{result.skipped} already done, {result.failed} failed calls, {result.seconds:.1f} s"
        )
        _print_summary(store, result.run_id)
        echo(f"\nalchemy eval show {result.run_id[:8]}   # the matrix and every output")
    if result.failed:
        echo(f"{result.failed} calls failed: run the same command again to retry them", err=True)
        raise SystemExit(1)


def _limit_plugins(kw: dict[str, Any]) -> None:
    """An eval on our own models (the offline model, SmolLM2) and no judge loads only our llm
    plugin, not every provider's SDK (seconds of start-up)."""
    from ..models.plugins import load_only_our_plugin, needs_only_our_plugin

    settings = [(None, m) for m in kw["models"]] or [(None, None)]
    if not (kw["judge"] or kw["judge_provider"]) and needs_only_our_plugin(settings, None):
        load_only_our_plugin()


def _counts(result: Any) -> dict[str, Any]:
    counts = {k: getattr(result, k) for k in ("ran", "skipped", "failed", "resumed", "mode")}
    return counts | {"seconds": round(result.seconds, 3), "warnings": result.warnings}


def _print_summary(store: Any, run_id: str) -> None:
    from ..engine.eval_results import summary

    run = store.get_eval_run(run_id)
    rows = []
    for s in summary(store, run_id, by_model=len(run.models) > 1):
        rate = "-" if s.pass_rate is None else f"{s.passed}/{s.graded} {s.pass_rate:.0%}"
        ci = "-" if s.low is None else f"{s.low:.2f}-{s.high:.2f}"
        rows.append(
            {
                "prompt": s.prompt_id[:8],
                "model": s.model or "",
                "passed": rate,
                "95% CI": ci,
                "grade": "-" if s.mean_grade is None else f"{s.mean_grade:.3f}",
                "failed": s.failed_calls,
                "$/case": "-" if s.cost_per_case is None else f"{s.cost_per_case:.6f}",
                "ms/case": "-" if s.latency_ms_per_case is None else f"{s.latency_ms_per_case:.0f}",
                "preview": s.preview,
            }
        )
    # The columns are the rows' keys, the model's only when the run has several.
    cols = [c for c in rows[0] if c != "model" or len(run.models) > 1] if rows else []
    echo_table(rows, cols, {"preview": 40})


def _run_json(store: Any, run_id: str) -> dict[str, Any]:
    from ..engine.eval_pairwise import judged_pairs, win_rates
    from ..engine.eval_results import matrix, summary

    run = store.get_eval_run(run_id)
    pairs = judged_pairs(store, run.id)
    return {
        "run": run.as_dict(),
        "summary": [s.as_dict() for s in summary(store, run.id, by_model=True)],
        "pooled": [s.as_dict() for s in summary(store, run.id)],
        "matrix": matrix(store, run.id).as_dict(),
        "pairwise": {"pairs": pairs, "win_rates": win_rates(pairs)},
    }


@eval_cmd.command(name="show")
@click.argument("run_id")
@click.option(
    "--output", "output_id", help="Show one output in full: vars, prompt, messages, grades"
)
@database_option
@json_option
def eval_show(run_id: str, output_id: str | None, database: Path | None, json_: bool) -> None:
    """Show a run: per-prompt results, the prompts × cases matrix, pairwise win rates."""
    from ..engine.eval_pairwise import judged_pairs, win_rates
    from ..engine.eval_results import cell, matrix
    from ..notebook.eval_view import MISSING, OUTCOMES, outcome

    store = open_db(database)
    run = store.get_eval_run(run_id)
    if output_id:
        detail = cell(store, output_id)
        if json_:
            echo_json(detail.as_dict())
            return
        _print_cell(detail)
        return
    if json_:
        echo_json(_run_json(store, run.id))
        return
    models = ", ".join(m["model"] for m in run.models)
    echo(f"run {run.id}  {run.status}  models: {models}  started {run.started_at}")
    if run.error:
        echo(f"error: {run.error}")
    _print_summary(store, run.id)
    m = matrix(store, run.id)
    echo("\nmatrix (✓ passed, ✗ failed, ! call failed, ? not graded, · missing):")
    rows = []
    for pid, model in m.rows:
        row: dict[str, Any] = {"prompt": pid[:8], "model": model}
        for i, (cid, _) in enumerate(m.cases, start=1):
            got = m.get(pid, model, cid)  # the workbench's marks: ✓ ✗ ! ? and · for missing
            row[str(i)] = (MISSING if got is None else OUTCOMES[outcome(got.passed, got.error)])[1]
        rows.append(row)
    echo_table(rows, ["prompt", "model", *[str(i) for i in range(1, len(m.cases) + 1)]])
    echo("")
    legend = [{"case": i, "id": cid[:8], "name": name} for i, (cid, name) in enumerate(m.cases, 1)]
    echo_table(legend, ["case", "id", "name"], {"name": 60})
    pairs = judged_pairs(store, run.id)
    if pairs:
        echo("\npairwise win rates (wins + ½ ties, both orders):")
        rates = win_rates(pairs)
        ranked = sorted(rates.items(), key=lambda kv: -kv[1])
        echo_table(
            [{"prompt": k[:8], "win rate": f"{v:.3f}"} for k, v in ranked], ["prompt", "win rate"]
        )
    echo(f"\nalchemy eval show {run.id[:8]} --output ID   # one output with its grades")


def _print_cell(detail: Any) -> None:
    out = detail.output
    echo(
        f"output {out.id}  prompt {detail.prompt_id}  case {detail.case.name!r}  {out.provider}/{out.model}"
    )
    echo(f"vars: {json.dumps(detail.case.vars, ensure_ascii=False)}")
    for m in detail.messages:
        echo(f"\n--- {m['role']} ---\n{m['content']}")
    echo(f"\n--- output ---\n{out.text if out.error is None else 'error: ' + out.error}")
    echo("\n--- grades ---")
    for g in detail.grades:
        mark = {True: "pass", False: "FAIL", None: "not graded"}[g.get("passed")]
        extra = f" ({g['error']})" if g.get("error") else ""
        echo(f"  {g['grader']:<14} {mark:<10} {g.get('reason', '')}{extra}")


@eval_cmd.command(name="compare")
@click.argument("run_id")
@click.argument("a")
@click.argument("b")
@click.option("-m", "--model", help="Only outputs of this model")
@database_option
@json_option
def eval_compare(
    run_id: str, a: str, b: str, model: str | None, database: Path | None, json_: bool
) -> None:
    """Does prompt A beat prompt B in a run? A paired test over the cases both ran on."""
    from ..engine.eval_results import compare, verdict_dict

    verdict = compare(open_db(database), run_id, a, b, model=model)
    if json_:
        echo_json(verdict_dict(verdict))
        return
    echo(
        f"A {verdict.a[:8]} vs B {verdict.b[:8]}: {verdict.n} shared outputs, A better on "
        f"{verdict.a_wins}, B better on {verdict.b_wins}, {verdict.ties} ties"
    )
    echo(verdict.summary)


@eval_cmd.command(name="list")
@click.option("-r", "--request", "request_id", help="Only runs of this request")
@click.option("-n", "--limit", type=int, default=20, show_default=True, help="Show this many runs")
@database_option
@json_option
def eval_list(request_id: str | None, limit: int, database: Path | None, json_: bool) -> None:
    """List eval runs, newest first."""
    store = open_db(database)
    rid = store.get_request(request_id).id if request_id else None
    runs = store.eval_runs(request_id=rid, limit=limit)
    rows = [
        run.as_dict()
        | {
            "prompts": len(run.prompt_ids),
            "cases": len(run.case_ids),
            "models": ",".join(m["model"] for m in run.models),
        }
        for run in runs
    ]
    columns = ["id", "status", "request_id", "prompts", "cases", "models", "created_at"]
    echo_rows(rows, columns, None, json_)
