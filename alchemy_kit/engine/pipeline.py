"""The three-phase pipeline: request → phases → prompts → metrics → (embeddings) → store."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from .. import phases as ph
from .. import records as r
from ..errors import ProviderError
from ..models import catalog, recording
from ..models.providers import Completion, acomplete_checked
from ..scoring.rank import current_weights, measure_prompts, record_scores
from ..scoring.scorer import Weights
from ..store.calling import store_argument
from . import lifecycle

# Re-exported: the Generate tab shows the general defaults.
from .configured import DEFAULT_MAX_TOKENS as DEFAULT_MAX_TOKENS
from .configured import DEFAULT_TEMPERATURE as DEFAULT_TEMPERATURE
from .plan import DEFAULT_COUNT, PhasePlan, RunPlan, resolve_plan

# Their old home: the notebook, the CLI and older code import them from here.
from .plan import default_models as default_models
from .plan import plan as plan

if TYPE_CHECKING:
    import pandas as pd

    from ..search.embed_worker import BackgroundEmbedding
    from ..store import Store

PRICES_KEY = "prices"
# Called as (phase, variants done, variants in the phase) when a phase starts and as each lands.
ProgressCallback = Callable[[str, int, int], None]


@dataclass
class GenerationResult:
    """The outcome of one request: its rows (notebook/views.py shows it as a table)."""

    request: r.Request
    phase_runs: list[r.PhaseRun]
    prompts: list[r.Prompt]
    metrics: list[r.Metric] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        """True when every phase completed."""
        return self.request.status == "completed"

    def by_phase(self, phase: str) -> list[r.Prompt]:
        """Return the prompts of one phase, best first."""
        found = [p for p in self.prompts if p.phase == phase]
        return sorted(found, key=lambda p: (p.rank or 10**6, p.created_at))

    @property
    def final(self) -> list[r.Prompt]:
        """Return the prompts of the last phase that produced any, best first."""
        for phase in reversed(self.request.phases):
            if found := self.by_phase(phase):
                return found
        return []

    @property
    def best(self) -> r.Prompt | None:
        """Return the top-ranked prompt of the last phase."""
        return self.final[0] if self.final else None

    def ranked(self) -> list[r.Prompt]:
        """Every prompt, phase by phase in run order, best first within each phase."""
        return [p for phase in self.request.phases for p in self.by_phase(phase)]

    def to_dataframe(self) -> pd.DataFrame:
        """Return the prompts as a DataFrame, phase by phase, sorted by rank within each phase."""
        import pandas as pd

        return pd.DataFrame([p.as_dict() for p in self.ranked()])

    def summary_rows(self) -> list[dict[str, Any]]:
        """Return one small dict per prompt for tables, ranked within each phase.

        `preview` is the whole text: each surface cuts it to the width of its table.
        """
        tok = {m.prompt_id: m for m in self.metrics if m.metric_type == "tokens"}
        cost = {m.prompt_id: m.value for m in self.metrics if m.metric_type == "cost"}
        return [
            {
                "phase": p.phase,
                "rank": p.rank,
                "score": p.score,
                "strategy": p.metadata.get("strategy"),
                "model": p.model,
                "input_tokens": tok[p.id].input_tokens if p.id in tok else None,
                "output_tokens": tok[p.id].output_tokens if p.id in tok else p.actual_tokens,
                "cost_usd": cost.get(p.id),
                "id": p.id,
                "preview": p.content,
            }
            for p in self.ranked()
        ]

    def __repr__(self) -> str:
        return (
            f"<GenerationResult {self.request.status} {len(self.prompts)} prompts "
            f"request={self.request.id}>"
        )


def _prices(store: Store) -> dict[str, Any]:
    prices = store.get_config(PRICES_KEY, None)
    if prices is None:
        # Seed the editable price table on first use; researchers adjust it with `alchemy config set`.
        prices = {k: list(v) for k, v in catalog.DEFAULT_PRICES.items()}
        store.set_config(PRICES_KEY, prices, updated_by="alchemy_kit")
    return dict(prices)


def _metrics_for(prompt: r.Prompt, c: Completion, prices: dict[str, Any]) -> list[r.Metric]:
    est: dict[str, Any] = {"estimated": c.tokens_estimated, "attempts": c.attempts}
    price = catalog.price_for(c.model, prices) if c.provider != "local" else (0.0, 0.0)
    cost = (c.input_tokens * price[0] + c.output_tokens * price[1]) / 1e6 if price else 0.0
    ms = c.duration_ms
    time_metric = r.Metric(
        prompt.id, "time", float(ms), unit="ms", processing_time_ms=ms, details=est
    )
    return [time_metric, *usage_metrics(prompt.id, c, ms, cost, price, est)]


def usage_metrics(
    prompt_id: str,
    c: Completion,
    ms: int,
    cost: float,
    price: tuple[float, float] | None,
    details: dict[str, Any],
) -> list[r.Metric]:
    """The `tokens` and `cost` metrics of one model call (generation, eval and optimise alike)."""
    metric = partial(r.Metric, prompt_id, processing_time_ms=ms, details=details)
    total = c.input_tokens + c.output_tokens
    return [
        metric(
            "tokens",
            float(total),
            unit="tokens",
            total_tokens=total,
            input_tokens=c.input_tokens,
            output_tokens=c.output_tokens,
        ),
        metric(
            "cost",
            cost,
            unit="USD",
            cost_usd=cost,
            details=details | {"price_per_1m_tokens": list(price) if price else None},
        ),
    ]


class _Run:
    """State of one request while it runs (keeps agenerate readable)."""

    def __init__(self, store: Store, request: r.Request, runs: list[r.PhaseRun]) -> None:
        self.store = store
        self.request = request
        self.runs = runs
        self.prompts: list[r.Prompt] = []
        self.metrics: list[r.Metric] = []
        self.store_ms: list[float] = []
        self.heartbeat = lifecycle.Heartbeat(store, request.id)

    def save(self, prompt: r.Prompt, metrics: list[r.Metric]) -> None:
        """Store one prompt with its metrics and tags atomically, as soon as it exists."""
        t0 = time.perf_counter()
        tags = [r.Tag(prompt_id=prompt.id, tag=t) for t in self.request.tags]
        self.store.add_prompts([prompt], metrics, tags)
        self.store_ms.append((time.perf_counter() - t0) * 1000)
        self.prompts.append(prompt)
        self.metrics.extend(metrics)

    def set_phase(self, run: r.PhaseRun, status: str, error: str | None = None) -> None:
        """Advance a phase run's lifecycle and write it."""
        stamp = r.now()
        if status == "running":
            run.started_at = stamp
            run.config["owner"] = lifecycle.owner()
        else:
            run.started_at = run.started_at or stamp
            run.completed_at = stamp
        run.status = status
        run.error_message = error
        self.store._update_phase_run(run)


def _sources(chain: str, previous: list[r.Prompt], idea: str, count: int) -> list[str]:
    """Pick what each variant of the next phase refines (see phases.CHAIN_MODES)."""
    if not previous:
        return [idea] * count
    if chain == "best-of-previous":
        best = min(previous, key=lambda p: p.rank or 10**6)
        return [best.content] * count
    ordered = sorted(previous, key=lambda p: p.metadata.get("variant", 0))
    return [ordered[i % len(ordered)].content for i in range(count)]


@store_argument
async def agenerate(
    idea: str,
    *,
    store: Store | None = None,
    count: int = DEFAULT_COUNT,
    persona: str = "generic",
    phases: Sequence[str] | None = None,
    provider: str | None = None,
    model: str | None = None,
    temperature: float | None = None,
    max_tokens: int | None = None,
    tags: Sequence[str] = (),
    chain: str = "per-variant",
    seed: int | None = None,
    concurrency: int | None = None,
    timeout: float = 120.0,
    retries: int = 3,
    embed: bool | None = None,
    progress: bool = True,
    metadata: dict[str, Any] | None = None,
    phase_models: Mapping[str, tuple[str | None, str | None]] | None = None,
    on_progress: ProgressCallback | None = None,
) -> GenerationResult:
    """Refine an idea through the phases, awaitable; the parameters are `generate`'s.

    Every row is written to the store as it happens. `phase_models` gives a phase its own
    (provider, model); `on_progress(phase, done, total)` reports each phase's variants as they
    land (the notebook's progress bars).
    """
    options = dict(locals())  # exactly the parameters above: the plan's, then the run's
    run = {
        k: options.pop(k) for k in ("concurrency", "embed", "progress", "metadata", "on_progress")
    }
    from ..store import open_store

    store = options.pop("store") or open_store()
    # Before planning: a replayed run needs no key, so the plan's key check must know it.
    recording.attach(store, purpose="generate")
    return await arun_plan(store, resolve_plan(store, **options), **run)


def _start(store: Store, plan: RunPlan, seed: int, metadata: dict[str, Any] | None) -> _Run:
    """Write the request and its pending phases (atomically), then mark the request running."""
    request = r.Request(
        input=plan.idea,
        phases=list(plan.phases),
        count=plan.count,
        persona=plan.persona,
        # What the calls use (the call's, else phases.<phase>, else the model's own defaults such
        # as SmolLM2's 0.2 / 512): the first phase's; each phase run's config holds its own.
        temperature=plan.steps[0].config["temperature"],
        max_tokens=plan.steps[0].config["max_tokens"],
        tags=list(plan.tags),
        provider_override=plan.provider,
        metadata={
            "chain": plan.chain,
            "seed": seed,
            **(metadata or {}),
            "owner": lifecycle.owner(),
        },
    )
    runs = [
        r.PhaseRun(
            request_id=request.id,
            phase=p.phase,
            provider=p.choice.provider,
            model=p.choice.model_id,
            config=dict(p.config),
        )
        for p in plan.steps
    ]
    store.add([request], runs)
    run = _Run(store, request, runs)
    store._set_request_status(request.id, "running")
    request.status = "running"
    return run


async def arun_plan(
    store: Store,
    plan: RunPlan,
    *,
    concurrency: int | None = None,
    embed: bool | None = None,
    progress: bool = True,
    metadata: dict[str, Any] | None = None,
    on_progress: ProgressCallback | None = None,
) -> GenerationResult:
    """Run a resolved plan (see plan.resolve_plan): its inputs are not checked again."""
    recording.attach(store, purpose="generate")  # every call recorded in (or replayed from) it
    # A fresh base seed per request (recorded) keeps variants distinct yet reproducible later.
    seed = secrets.randbelow(1_000_000) if plan.seed is None else plan.seed
    prices = _prices(store)
    run = _start(store, plan, seed, metadata)
    request, runs, idea, chain, count = run.request, run.runs, plan.idea, plan.chain, plan.count
    sem = asyncio.Semaphore(concurrency or count)
    calls = _Calls(plan, seed, sem, prices, progress, on_progress)
    embedding = background_embedding(store, embed)  # off the critical path: search/embed_worker.py
    weights = current_weights(store)
    scoring: list[asyncio.Task[None]] = []
    started = time.perf_counter()
    error: str | None = None
    try:
        previous: list[r.Prompt] = []
        for i, (pl, pr) in enumerate(zip(plan.steps, runs, strict=True)):
            if chain == "best-of-previous" and scoring:
                await scoring[-1]  # this phase refines the previous one's best: its ranks first
            run.set_phase(pr, "running")
            sources = _sources(chain, previous, idea, count)
            previous, error = await _run_phase(run, pl, pr, sources, calls)
            # Scoring runs in a worker thread while the next phase calls its model.
            scoring.append(asyncio.create_task(_score(store, previous, idea, weights)))
            if error:
                run.set_phase(pr, "failed", error)
                for later in runs[i + 1 :]:
                    run.set_phase(later, "failed", f"not run: phase {pl.phase} failed")
                break
            pr.config["resolved_models"] = sorted({p.model for p in previous})
            run.set_phase(pr, "completed")
        await asyncio.gather(*scoring)
        if embedding:
            # After scoring: the embedder has just computed these prompts' vectors and reuses them.
            embedding.add(run.prompts)
    except BaseException as exc:  # interrupted (Ctrl-C, SIGTERM, a full disk): an honest record
        for task in scoring:
            task.cancel()
        msg = lifecycle.interruption(exc)
        run.heartbeat.stop()
        with lifecycle.best_effort():
            for pr in runs:
                if pr.status in ("pending", "running"):
                    run.set_phase(pr, "failed", msg)
            _finish(run, "failed", started, msg)
        raise
    status = "failed" if error else "completed"
    _finish(run, status, started, error)
    if embedding:
        await embedding.wait()
    return GenerationResult(request, runs, run.prompts, run.metrics, error)


@dataclass(frozen=True)
class _Calls:
    """How every variant of one request calls its model, whichever phase it belongs to."""

    plan: RunPlan  # the idea, the timeout and the retries
    seed: int
    sem: asyncio.Semaphore
    prices: dict[str, Any]
    progress: bool
    on_progress: ProgressCallback | None


async def _run_phase(
    run: _Run, pl: PhasePlan, pr: r.PhaseRun, sources: list[str], calls: _Calls
) -> tuple[list[r.Prompt], str | None]:
    """Run the variants of one phase concurrently; store each as it lands."""
    from tqdm.auto import tqdm

    cfg, idea, seed, on_progress = pl.config, calls.plan.idea, calls.seed, calls.on_progress
    bar = tqdm(
        total=len(sources), desc=pl.phase, unit="variant", disable=not calls.progress, leave=False
    )
    landed = 0
    if on_progress:
        on_progress(pl.phase, 0, len(sources))

    async def one(i: int, source: str) -> r.Prompt:
        strategy = ph.strategy_for(i)
        system, prompt_text = ph.compose_messages(pl.phase, cfg["persona"], idea, source, strategy)
        async with calls.sem:
            c = await acomplete_checked(
                pl.choice,
                prompt_text,
                system=system,
                temperature=cfg["temperature"],
                max_tokens=cfg["max_tokens"],
                seed=seed * 1000 + i,
                timeout=calls.plan.timeout,
                retries=calls.plan.retries,
                # What our offline engine works on; a real model sees only the messages.
                model_options={
                    "phase": pl.phase,
                    "persona": cfg["persona"],
                    "strategy": strategy,
                    "idea": idea,
                    "source": source,
                },
            )
        prompt = _prompt_of(c, pl, pr, run.request.id, variant=i, strategy=strategy, seed=seed)
        run.save(prompt, _metrics_for(prompt, c, calls.prices))
        bar.update(1)
        if on_progress:
            nonlocal landed
            landed += 1
            on_progress(pl.phase, landed, len(sources))
        return prompt

    results = await asyncio.gather(
        *(one(i, s) for i, s in enumerate(sources)), return_exceptions=True
    )
    bar.close()
    return _outcome(results)


def _prompt_of(
    c: Completion,
    pl: PhasePlan,
    pr: r.PhaseRun,
    request_id: str,
    *,
    variant: int,
    strategy: str,
    seed: int,
) -> r.Prompt:
    """The prompt row for one variant's completion."""
    cfg = pl.config
    return r.Prompt(
        content=c.text,
        phase=pl.phase,
        provider=c.provider,
        model=c.model,
        persona=cfg["persona"],
        temperature=cfg["temperature"],
        max_tokens=cfg["max_tokens"],
        actual_tokens=c.output_tokens or None,
        request_id=request_id,
        metadata={
            "variant": variant,
            "strategy": strategy,
            "seed": seed * 1000 + variant,
            "phase_run_id": pr.id,
            "attempts": c.attempts,
            "tokens_estimated": c.tokens_estimated,
            "options": c.options,
        },
    )


def _outcome(results: list[Any]) -> tuple[list[r.Prompt], str | None]:
    """A phase's stored prompts and, when variants failed, why; stop on what must stop the run."""
    done = [x for x in results if isinstance(x, r.Prompt)]
    failures = [x for x in results if isinstance(x, BaseException)]
    for exc in failures:
        if not isinstance(exc, Exception) or lifecycle.is_store_failure(exc):
            raise exc  # cancellation, interrupt, or a database that cannot be written: stop
    if failures:
        first = failures[0]
        kind = "provider error" if isinstance(first, ProviderError) else type(first).__name__
        return done, f"{len(failures)} of {len(results)} variants failed ({kind}): {first}"
    return done, None


async def _score(
    store: Store, prompts: list[r.Prompt], idea: str, weights: tuple[Weights, str]
) -> None:
    """Score the variants of a phase with the offline scorer; the database ranks them.

    The measuring (MiniLM and the features) happens in a worker thread; the writes stay on this
    thread, which owns the store's connection.
    """
    if prompts:
        results = await asyncio.to_thread(measure_prompts, prompts, idea, *weights)
        record_scores(store, prompts, results)


def _finish(run: _Run, status: str, started: float, error: str | None = None) -> None:
    run.heartbeat.stop()
    total_cost = sum(m.value for m in run.metrics if m.metric_type == "cost")
    total_tokens = sum(m.total_tokens or 0 for m in run.metrics if m.metric_type == "tokens")
    meta: dict[str, Any] = {
        "duration_ms": int((time.perf_counter() - started) * 1000),
        "prompt_count": len(run.prompts),
        "total_cost_usd": round(total_cost, 8),
        "total_tokens": total_tokens,
        "store_ms_per_prompt": round(sum(run.store_ms) / len(run.store_ms), 3)
        if run.store_ms
        else None,
    }
    if error:
        meta["error"] = error
    fresh = run.store._set_request_status(run.request.id, status, metadata=meta)
    run.request.status, run.request.completed_at, run.request.metadata = (
        fresh.status,
        fresh.completed_at,
        fresh.metadata,
    )


def background_embedding(store: Store, embed: bool | None) -> BackgroundEmbedding | None:
    """Where new prompts get embedded (optimised ones too), or None when embedding is off."""
    if embed is False or (embed is None and not store.get_config("embeddings.auto", True)):
        return None
    from ..search.embed_worker import BackgroundEmbedding

    return BackgroundEmbedding(store, store.get_config("embeddings.model", None))


def __getattr__(name: str) -> Any:
    # The synchronous `generate`, with its explicit signature, lives in engine/api.py; this keeps
    # `from alchemy_kit.engine.pipeline import generate` working.
    if name == "generate":
        from .api import generate

        return generate
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
