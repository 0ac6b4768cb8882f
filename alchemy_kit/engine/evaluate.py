"""Eval runs: every chosen prompt × case × model, run concurrently, graded, recorded, resumable.

This is the engine behind `alchemy eval`, `ak.evaluate` and the workbench's Evaluate tab. The API a
surface needs (each call takes the Store first):

- cases (engine/cases.py): `add_case(store, request_id, vars, ...)`, `import_cases(store, path,
  request_id)` (per-line report), `suggest_cases(store, request_id, n=5)`, `store.cases_for(request_id)`.
- a run: `evaluate(store, request=..., models=[...], on_progress=cb)` (or `aevaluate` in a running
  loop) → EvalResult; `cb(done, total)` is called as outputs land. Selection: `request` (its prompts,
  optionally of one `phase`), `prompts` (ids), or `phase` alone (that phase's prompts of every
  request that has cases). Each prompt runs on its own request's cases (`cases` narrows them by id,
  `tag` by tag).
  Graders for the whole run: `rubric=` (an llm-rubric on every case), `similar=` (a threshold for
  every case with a reference), `pairwise=True`, with `judge=`/`judge_provider=` (else the
  scoring.judge configuration); `again=True` for a new run, `replay=True` to serve every call from
  the recording. `plan(store, ...)` (engine/eval_plan.py) checks a selection without running it.
- results (engine/eval_results.py): `summary(store, run_id)` per prompt (pass rate with its Wilson
  interval, mean grade, cost and latency per case), `matrix(store, run_id)` (prompts × cases as
  data), `cell(store, output_id)` (the case's vars, the prompt, the messages sent, the output and
  every grader's reason), `compare(store, run_id, a, b)` ("does A beat B?", a paired test);
  engine/eval_pairwise.py: `judged_pairs(store, run_id)` and `win_rates(pairs)` (the judge's
  both-orders comparisons); `store.eval_runs()`, `store.outputs_of(run_id)`.
- ranks: scoring/rank.py `evidence(store, prompt_ids)` names what sets each score.
- notebooks: notebook/eval_report.py wraps all of this as `ak.evaluate(...)` → EvalReport.

How a prompt meets a case: alchemy_kit/placeholders.py. Graders: scoring/graders.py. Recording:
models/recording.py (every call of a run goes through a buffered recorder whose calls are written
in the same transaction as the outputs they produced).

Resume: a run's signature is a hash of its selection, models and generation options; running the
same selection again resumes the newest run with that signature and runs only the (prompt, case,
model) units without a successful output (failed ones are retried), taking in prompts and cases
added since. `again=True` starts a new run instead (`replay=True, again=True` re-runs a whole run
from the recording). One writer: tasks return outputs with their metrics; this module writes them in
batches, each batch one transaction, so a kill -9 loses at most the unwritten batch and a resume
leaves every output exactly once (the database's unique key on run, prompt, case and model).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .. import records as r
from .. import records_eval as ev
from ..errors import AlchemyError, ReplayMissError, ValidationError
from ..models import catalog, recording
from ..models.catalog import ModelChoice
from ..models.keys import check_key
from ..models.providers import Completion, acomplete
from ..placeholders import apply
from ..runner import synchronous
from ..scoring.graders import Graders, eval_judge, grade_output, summarise
from .eval_plan import Plan, call_unit, plan, replay_model
from .inputs import check_int, check_number
from .pipeline import _prices, usage_metrics

if TYPE_CHECKING:
    from ..store import Store

ProgressCallback = Callable[[int, int], None]
MAX_CONCURRENCY = 64
FLUSH_EVERY = 128  # outputs per write transaction
FLUSH_SECONDS = 0.5  # or this long since the last write, whichever comes first
EVAL_TASK = {"task": "respond"}  # what our offline model does with an eval call (see local.py)


@dataclass
class EvalResult:
    """What a run did this time (the outputs themselves are in the store)."""

    run: ev.EvalRun
    total: int  # prompt × case × model units in the run
    ran: int  # calls made (or replayed) now
    skipped: int  # units that already had a successful output
    failed: int  # calls that failed now (stored as failed outputs)
    resumed: bool
    mode: str  # record, replay or off
    seconds: float
    warnings: list[str] = field(default_factory=list)

    @property
    def run_id(self) -> str:
        """The run's id."""
        return self.run.id


def _call_metrics(
    out: ev.Output, done: Completion | None, prices: dict[str, Any], base: dict[str, Any]
) -> list[r.Metric]:
    ms = out.latency_ms
    metrics = [
        r.Metric(out.prompt_id, "time", float(ms), unit="ms", processing_time_ms=ms, details=base)
    ]
    if done is None:
        return metrics
    price = catalog.price_for(done.model, prices)
    est = base | {"estimated": done.tokens_estimated}
    return metrics + usage_metrics(out.prompt_id, done, ms, out.cost_usd or 0.0, price, est)


def _cost(done: Completion, prices: dict[str, Any]) -> float:
    if done.provider == "local":
        return 0.0
    price = catalog.price_for(done.model, prices)
    return (done.input_tokens * price[0] + done.output_tokens * price[1]) / 1e6 if price else 0.0


async def eval_one(
    plan_: Plan,
    run_id: str,
    p: r.Prompt,
    c: ev.Case,
    m: ModelChoice,
    prices: dict[str, Any],
    settings: dict[str, Any],
) -> tuple[ev.Output, list[r.Metric]]:
    """Make and grade one unit (in this process or on a cluster worker): its output and metrics."""
    applied = apply(p.content, c.vars)
    label = f"prompt {p.id[:8]} on case {c.name!r}"
    out = ev.Output(run_id, p.id, c.id, m.provider, m.model_id, text="")
    base = {"source": "eval", "run": run_id, "case": c.id, "output": out.id, "model": m.model_id}
    started = time.perf_counter()
    done: Completion | None = None
    spent: int | None = None  # ms the call took, when it knows better than the wall clock
    with recording.purpose("eval", label, unit=call_unit(c)):
        try:
            done = await acomplete(
                m,
                applied.user,
                system=applied.system,
                **plan_.options,  # temperature, max_tokens and seed
                timeout=settings["timeout"],
                retries=settings["retries"],
                model_options=EVAL_TASK,
            )
        except ReplayMissError:
            raise
        except AlchemyError as exc:
            out.text, out.error = None, str(exc) or type(exc).__name__
            # An in-process model's timeout says how long it had the model (its queue time aside).
            spent = getattr(exc, "duration_ms", None)
        except Exception as exc:  # a plugin's own exception type: still one failed output
            out.text, out.error = None, f"{type(exc).__name__}: {exc}"
        if done is not None:
            spent = done.duration_ms
        out.latency_ms = int((time.perf_counter() - started) * 1000) if spent is None else spent
        if done is None:
            return out, _call_metrics(out, None, prices, base)
        out.text = done.text
        out.input_tokens, out.output_tokens = done.input_tokens, done.output_tokens
        out.cost_usd = _cost(done, prices)
        out.call_key = done.call_key
        replayed = done.attempts == 0  # served from the recording: no time, tokens or money spent
        grades = await grade_output(
            done.text,
            c,
            plan_.asserts[c.id],
            plan_.graders,
            input_text=applied.user,
            accounting={"cost_usd": out.cost_usd, "latency_ms": out.latency_ms},
        )
    out.passed, out.score = summarise(grades)
    out.grades = [g.as_dict() for g in grades]
    # A replayed call spent nothing: its cost, time and tokens were counted when it was recorded.
    metrics = [] if replayed else _call_metrics(out, done, prices, base)
    for g in grades:
        if g.passed is None and g.error is None:
            continue  # not graded at all (no judge ran): no evidence to record
        detail = base | {"grader": g.grader, "passed": g.passed, "reason": g.reason} | g.details
        if g.error:
            detail["error"] = g.error
        metrics.append(r.Metric(p.id, "quality", g.score or 0.0, unit="grade", details=detail))
    return out, metrics


def _check_settings(concurrency: int, timeout: float, retries: int) -> dict[str, Any]:
    check_int(concurrency, "concurrency", 1, MAX_CONCURRENCY)
    check_number(timeout, "timeout", 0, 3600, open_lo=True)
    check_int(retries, "retries", 0, 10)
    return {"concurrency": concurrency, "timeout": timeout, "retries": retries}


def _precheck_replay(
    store: Store, plan_: Plan, todo: Sequence[tuple[r.Prompt, ev.Case, ModelChoice]]
) -> dict[str, ev.ModelCall]:
    """Under replay, every output call must be in the recording before the first one is made.

    Returns the recorded calls, fetched in one pass, for the recorder to serve them from memory.
    """
    calls: list[tuple[r.Prompt, ev.Case, recording.Call]] = []
    for p, c, m in todo:
        if recording.exempt(m):
            continue
        applied = apply(p.content, c.vars)
        with recording.purpose("eval", unit=call_unit(c)):
            call = recording.Call.of(
                m, applied.user, applied.system, **plan_.options, model_options=EVAL_TASK
            )
        calls.append((p, c, call))
    found = store._get_calls([call.key for _, _, call in calls])
    for p, c, call in calls:
        if call.key not in found:
            with recording.purpose("eval", f"prompt {p.id[:8]} on case {c.name!r}"):
                raise ReplayMissError(
                    f"replay: no recording of the {call.describe()}; run it once without"
                    " --replay to record it"
                )
    return found


def _open_run(
    store: Store, plan_: Plan, again: bool, options: dict[str, Any]
) -> tuple[ev.EvalRun, bool]:
    """The run to write into: a new one, or the latest of the same selection to resume.

    Looked up and claimed in one write transaction, with this process as the run's owner: a
    second `alchemy eval` of the same selection while the first runs is refused in one line
    instead of paying for every call twice (18.5's rule for batch); a dead owner's run is resumed.
    """
    from ..store.recovery import eval_run_owner_gone, this_process

    with store.transaction():
        found = None if again else store._latest_eval_run(plan_.signature())
        who = (found.options or {}).get("owner") if found is not None else None
        if (
            found is not None
            and found.status == "running"
            and isinstance(who, dict)
            and eval_run_owner_gone(found.options, found.started_at) is None
        ):
            raise ValidationError(
                f"eval run {found.id[:8]} of this selection is running now (pid"
                f" {who.get('pid', '?')} on {who.get('host', '?')}): wait for it, or pass"
                " --again for a separate run"
            )
        return _claim_run(store, plan_, found, options | {"owner": this_process()})


def _claim_run(
    store: Store, plan_: Plan, found: ev.EvalRun | None, options: dict[str, Any]
) -> tuple[ev.EvalRun, bool]:
    signature = plan_.signature()
    prompt_ids = [p.id for p in plan_.prompts]
    case_ids = [c.id for cs in plan_.cases.values() for c in cs]
    now = r.now()
    if found is None:
        run = ev.EvalRun(
            signature=signature,
            prompt_ids=prompt_ids,
            case_ids=case_ids,
            models=[{"provider": m.provider, "model": m.model_id} for m in plan_.models],
            request_id=plan_.request_id,
            graders=plan_.graders.as_dict(),
            options=options,
            status="running",
            started_at=now,
        )
        store._add_eval_run(run)
        return run, False
    merged_prompts = list(dict.fromkeys([*found.prompt_ids, *prompt_ids]))
    merged_cases = list(dict.fromkeys([*found.case_ids, *case_ids]))
    store._update_eval_run(
        found.id,
        status="running",
        started_at=now,
        completed_at=None,
        error=None,
        prompt_ids=merged_prompts,
        case_ids=merged_cases,
        options=(found.options or {}) | {"owner": options["owner"]},
    )
    return store.get_eval_run(found.id), True


# aevaluate's parameters that go to eval_plan.plan as given.
_PLAN_ARGS = ("request", "prompts", "phase", "cases", "tag", "temperature", "max_tokens", "seed")


async def aevaluate(
    store: Store,
    *,
    request: str | None = None,
    prompts: Sequence[str] | None = None,
    phase: str | None = None,
    models: Sequence[Any] | None = None,
    cases: Sequence[str] | None = None,
    tag: str | None = None,
    judge: str | None = None,
    judge_provider: str | None = None,
    rubric: str | None = None,
    similar: float | None = None,
    pairwise: bool = False,
    temperature: float | None = None,
    max_tokens: int | None = None,
    seed: int | None = None,
    concurrency: int = 8,
    timeout: float = 120.0,
    retries: int = 2,
    again: bool = False,
    replay: bool | None = None,
    record: bool | None = None,
    progress: bool = False,
    on_progress: ProgressCallback | None = None,
    extra_options: dict[str, Any] | None = None,
    cluster: str | Any | None = None,
    on_dashboard: Callable[[str], None] | None = None,
) -> EvalResult:
    """Run prompts × cases × models and grade every output; see the module docstring.

    `cluster` (else $ALCHEMY_CLUSTER) runs the units on Dask workers (engine/cluster_eval.py);
    `on_dashboard(link)` is called with the Dask dashboard's link when it does.
    """
    given = dict(locals())  # exactly the parameters above
    started = time.perf_counter()
    settings = _check_settings(concurrency, timeout, retries)
    mode = recording.resolve_mode(replay, record)
    graders = _graders(rubric, similar, pairwise)
    if mode == "replay" and models:
        models = [replay_model(store, m) for m in models]
    the_plan = plan(store, **{k: given[k] for k in _PLAN_ARGS}, models=models, graders=graders)
    rubrics = _choose_judge(store, the_plan, mode, judge, judge_provider)
    options = the_plan.options | {"concurrency": concurrency, "mode": mode, **(extra_options or {})}
    run, resumed = _open_run(store, the_plan, again, options)
    units, todo, preloaded = _pending(store, the_plan, run, mode)
    result = EvalResult(run, len(units), 0, len(units) - len(todo), 0, resumed, mode, 0.0)
    how = _How(settings, progress, on_progress, cluster, on_dashboard)
    await _execute(store, the_plan, result, todo, preloaded, how)
    store._update_eval_run(run.id, status="completed", completed_at=r.now())
    _rerank(store, [p.id for p in the_plan.prompts])
    result.run = store.get_eval_run(run.id)
    result.seconds = time.perf_counter() - started
    if graders.judge is None and (rubrics or pairwise):
        result.warnings.append(f"no judge ran: {graders.judge_note}")
    return result


def _graders(rubric: str | None, similar: float | None, pairwise: bool) -> Graders:
    """The run-wide graders, checked."""
    if similar is not None:
        check_number(similar, "similarity threshold", -1, 1)
    if rubric is not None and (not isinstance(rubric, str) or not rubric.strip()):
        raise ValidationError("a rubric must be a non-empty text")
    return Graders(rubric=rubric, similar=similar, pairwise=bool(pairwise))


def _choose_judge(
    store: Store, plan_: Plan, mode: str, judge: str | None, judge_provider: str | None
) -> bool:
    """Pick the judge when anything needs one, check every key; True when a case has a rubric."""
    graders = plan_.graders
    rubrics = any(a.type == "llm-rubric" for v in plan_.asserts.values() for a in v)
    if rubrics or graders.pairwise or judge or judge_provider:  # the given judge, else the config
        graders.judge, graders.judge_note = eval_judge(store, judge_provider, judge)
    if mode != "replay":
        for m in plan_.models + ([graders.judge] if graders.judge else []):
            check_key(m)
    return rubrics


def _pending(
    store: Store, plan_: Plan, run: ev.EvalRun, mode: str
) -> tuple[list[Any], list[tuple[r.Prompt, ev.Case, ModelChoice]], dict[str, ev.ModelCall]]:
    """The run's units, those still without a successful output, and (replay) their recordings."""
    done_keys = {k for k, ok in store._output_keys(run.id).items() if ok}
    units = plan_.units()
    todo = [(p, c, m) for p, c, m in units if (p.id, c.id, m.model_id) not in done_keys]
    preloaded: dict[str, ev.ModelCall] = {}
    if mode == "replay":
        try:
            preloaded = _precheck_replay(store, plan_, todo)
        except ReplayMissError as exc:
            store._update_eval_run(run.id, status="failed", completed_at=r.now(), error=str(exc))
            raise
    return units, todo, preloaded


@dataclass
class _How:
    """How a run's units run: call settings, progress reporting, and where (a cluster or here)."""

    settings: dict[str, Any]
    progress: bool
    on_progress: ProgressCallback | None
    cluster: str | Any | None
    on_dashboard: Callable[[str], None] | None


async def _execute(
    store: Store,
    plan_: Plan,
    result: EvalResult,
    todo: Sequence[tuple[r.Prompt, ev.Case, ModelChoice]],
    preloaded: dict[str, ev.ModelCall],
    how: _How,
) -> None:
    """Run the pending units and the pairwise grader; a failure marks the run failed."""
    run_id = result.run.id
    prices = _prices(store)
    from . import cluster_eval
    from .executor import connect

    with recording.use(store, mode=result.mode, prices=prices, buffered=True) as rec:
        rec.cache.update(preloaded)
        try:
            with connect(
                how.cluster,
                work=bool(todo),
                replay=result.mode == "replay",
                warnings=result.warnings,
                on_dashboard=how.on_dashboard,
            ) as ex:
                landing = _Landing(store, rec, result, how)  # after connecting: no bar on a miss
                if ex is not None:
                    await cluster_eval.run_on_cluster(
                        ex, plan_, run_id, todo, prices, how.settings, landing
                    )
                else:
                    await _run_all(plan_, run_id, todo, prices, how.settings, landing)
            if plan_.graders.pairwise:
                from .eval_pairwise import run_pairwise

                await run_pairwise(store, run_id, plan_, rec, how.settings)
        except BaseException as exc:
            why = str(exc) or type(exc).__name__
            if isinstance(exc, asyncio.CancelledError | KeyboardInterrupt):
                why = "interrupted; run the same command again to resume"
            store._update_eval_run(run_id, status="failed", completed_at=r.now(), error=why)
            raise


class _Landing:
    """Where finished units land: counted, shown, and written in batches by the one writer."""

    def __init__(self, store: Store, rec: recording.Recorder, result: EvalResult, how: _How):
        from tqdm.auto import tqdm

        self.store, self.rec, self.result, self.on_progress = store, rec, result, how.on_progress
        self.done = result.skipped
        self.bar = tqdm(
            total=result.total,
            initial=self.done,
            desc="eval",
            unit="output",
            disable=not how.progress,
            leave=False,
        )
        self.outputs: list[ev.Output] = []
        self.metrics: list[r.Metric] = []
        self.last = time.perf_counter()
        if self.on_progress:
            self.on_progress(self.done, result.total)

    def add(
        self, out: ev.Output, metrics: Sequence[r.Metric], calls: Sequence[ev.ModelCall] = ()
    ) -> None:
        """One finished unit (with the calls a worker made for it); write when a batch is full."""
        for call in calls:  # a worker's recording joins this run's, written with its output
            self.rec.save(call)
        self.outputs.append(out)
        self.metrics.extend(metrics)
        self.result.ran += 1
        self.result.failed += out.error is not None
        self.done += 1
        self.bar.update(1)
        if self.on_progress:
            self.on_progress(self.done, self.result.total)
        if len(self.outputs) >= FLUSH_EVERY or time.perf_counter() - self.last >= FLUSH_SECONDS:
            self.flush()

    def flush(self) -> None:
        """Write what has landed (outputs, metrics, calls) in one transaction."""
        _write(self.store, self.outputs, self.metrics, self.rec.drain())
        self.outputs, self.metrics, self.last = [], [], time.perf_counter()

    @contextmanager
    def keeping(self) -> Iterator[None]:
        """Around a run: write the last batch; on a failure, keep what finished before it (a
        resume then runs only the rest); close the bar either way."""
        try:
            yield
            self.flush()
        except BaseException:
            if self.outputs:
                self.flush()
            raise
        finally:
            self.bar.close()


async def _run_all(
    plan_: Plan,
    run_id: str,
    todo: Sequence[tuple[r.Prompt, ev.Case, ModelChoice]],
    prices: dict[str, Any],
    settings: dict[str, Any],
    landing: _Landing,
) -> None:
    """Run the pending units here with bounded concurrency; results land in batches."""
    sem = asyncio.Semaphore(settings["concurrency"])

    async def bounded(p: r.Prompt, c: ev.Case, m: ModelChoice) -> tuple[ev.Output, list[r.Metric]]:
        async with sem:
            return await eval_one(plan_, run_id, p, c, m, prices, settings)

    tasks = [asyncio.ensure_future(bounded(p, c, m)) for p, c, m in todo]
    with landing.keeping():
        try:
            for next_done in asyncio.as_completed(tasks):
                landing.add(*await next_done)
        except BaseException:
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise


def _write(
    store: Store,
    outputs: Sequence[ev.Output],
    metrics: Sequence[r.Metric],
    calls: Sequence[ev.ModelCall],
) -> None:
    """Store a batch of graded outputs and re-derive their prompts' scores in one transaction.

    Grades are evidence the rank blend reads: an eval killed after a batch landed must not leave
    scores derived without it (issue 18.4's rule for `learn`).
    """
    with store.transaction():
        store._write_outputs(outputs, metrics, calls)
        if outputs:  # an empty list would mean every prompt to rescore()
            _rerank(store, sorted({o.prompt_id for o in outputs}))


def _rerank(store: Store, prompt_ids: Sequence[str]) -> None:
    from ..scoring.rank import rescore

    rescore(store, list(prompt_ids))


evaluate = synchronous(
    aevaluate,
    "evaluate",
    "Synchronous `aevaluate`: works in a script and inside Jupyter's running loop.",
)


__all__ = ["EvalResult", "ProgressCallback", "aevaluate", "evaluate", "plan"]
