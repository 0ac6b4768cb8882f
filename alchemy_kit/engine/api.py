"""The synchronous public entry points, with agenerate's signature so `help()` lists every option.

`generate` wraps `pipeline.agenerate` and `run_batch` wraps `batch.arun_batch`: both run in a
script or inside Jupyter's running loop, and SIGTERM/SIGHUP stop them like Ctrl-C (finished
prompts are kept, unfinished phases marked failed). The store follows store/calling.py's rule.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..runner import synchronous
from . import lifecycle
from .pipeline import GenerationResult, agenerate, arun_plan
from .plan import RunPlan

if TYPE_CHECKING:
    from ..store import Store


generate = synchronous(
    agenerate,
    "generate",
    """Refine `idea` through prima-materia, solutio and coagulatio; store every row as it lands.

    Synchronous `agenerate`: works in scripts and inside Jupyter's running loop; SIGTERM and
    SIGHUP stop it like Ctrl-C (finished prompts kept, unfinished phases marked failed).

    - store: the Store to write to (first argument or store=; default: `open_store()`).
    - count: variants per phase (1..MAX_COUNT); persona: one of `ak.PERSONAS`.
    - phases: a subset of `ak.PHASES`, in order (default: all three).
    - provider / model: for every phase (default: `phases.<phase>`, then `defaults` in the
      configurations table, then the offline `local` model); phase_models: per phase.
    - temperature (0..2) / max_tokens: per call (default: the phase's setting, else 0.7 / 1024).
    - tags: added to every prompt; chain: "per-variant" or "best-of-previous"; seed: reproducible.
    - concurrency: model calls in flight; timeout: seconds per call; retries: transient failures.
    - embed: embed the new prompts (default: the `embeddings.auto` setting); progress: tqdm bars;
      on_progress(phase, done, total): a callback per variant; metadata: stored on the request.

    Returns a GenerationResult (`.best`, `.prompts`, `.by_phase()`, `.ok`, `.error`). Bad input
    raises a ValidationError before anything is written; a missing key a MissingKeyError.
    """,
    run=lifecycle.run,
)


def run_plan(
    store: Store,
    plan: RunPlan,
    *,
    embed: bool | None = None,
    progress: bool = True,
    concurrency: int | None = None,
) -> GenerationResult:
    """Run a plan from `plan.resolve_plan` (inputs already checked), like `generate` does."""
    return lifecycle.run(
        arun_plan(store, plan, embed=embed, progress=progress, concurrency=concurrency)
    )


__all__ = ["generate", "run_plan"]
