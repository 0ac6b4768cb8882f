"""The optimise loop: a model rewrites a prompt from a critique until it scores well enough.

After OPRO and DSPy: the original is candidate 0; each iteration shows the model the earlier
candidates with their scores in ascending order plus a critique of the best one, asks for a better
version, scores it (the LLM judge if given, else the offline scorer) and keeps it only if it scores
higher. Every candidate is stored as a prompt of the same request and phase, linked to its parent
in `metadata.optimize`, so nothing is lost; the loop stops at the target or the iteration limit and
returns the best — never a prompt scored worse than the one it started from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .. import records as r
from ..errors import ValidationError
from ..models.catalog import ModelChoice
from ..models.providers import acomplete
from ..models.registry import resolve
from ..runner import run_sync
from ..scoring.critique import Critique, critique
from ..scoring.judge import judge_choice, rubric
from ..scoring.rank import current_weights, score_prompts
from .pipeline import _metrics_for, _prices, background_embedding

if TYPE_CHECKING:
    from ..store import Store

SYSTEM = (
    "You are a senior prompt engineer. You improve prompts for large language models: keep every "
    "requirement of the original idea, fix what the critique names, remove filler, repetition and "
    "conflicting instructions, and return only the improved prompt — no commentary."
)
HISTORY_LIMIT = 20


@dataclass
class Step:
    """One candidate of the loop."""

    iteration: int
    prompt_id: str
    score: float
    accepted: bool
    critique: list[str] = field(default_factory=list)


@dataclass
class OptimizeResult:
    """Where the loop started, where it ended, and every step between."""

    start_id: str
    best: r.Prompt
    start_score: float
    best_score: float
    steps: list[Step]
    stopped: str  # "target", "limit" or "no change"
    judge: str  # the judge model, or "offline scorer"

    @property
    def improved(self) -> bool:
        """True when a candidate beat the original."""
        return self.best.id != self.start_id


def _meta_prompt(idea: str, history: list[tuple[str, float]], crit: Critique) -> str:
    shown = sorted(history, key=lambda h: h[1])[-HISTORY_LIMIT:]  # ascending: best last
    past = "\n\n".join(
        f'<candidate score="{score:.3f}">\n{text}\n</candidate>' for text, score in shown
    )
    return (
        f"<idea>\n{idea}\n</idea>\n\nEarlier versions of the prompt, worst first:\n\n{past}\n\n"
        f"The best so far is the last one. Its critique:\n<critique>\n{crit.as_text()}\n</critique>\n\n"
        "Write a new version that scores higher than every version above: different from them, "
        "faithful to the idea, and fixing the critique.\n\n"
        f"<prompt>\n{shown[-1][0]}\n</prompt>"
    )


async def _evaluate(
    judge: ModelChoice | None, idea: str, text: str, samples: int
) -> tuple[float, Critique]:
    crit = critique(text, idea)
    if judge is None:
        return crit.score, crit
    verdict = await rubric(judge, idea, text, samples=samples)
    if verdict.score is None:
        return crit.score, crit  # an unreadable reply: the offline score stands, and says so
    crit.issues = [verdict.critique, *crit.issues] if verdict.critique else crit.issues
    return verdict.score, crit


async def aoptimize(
    prompt_id: str,
    *,
    store: Store | None = None,
    target: float = 0.85,
    max_iterations: int = 5,
    judge: str | None = None,
    judge_provider: str | None = None,
    provider: str | None = None,
    model: str | None = None,
    temperature: float = 0.7,
    samples: int = 1,
) -> OptimizeResult:
    """Improve a stored prompt until it reaches `target` or `max_iterations`; return the best."""
    from ..store import open_store

    store = store or open_store()
    if isinstance(max_iterations, bool) or not isinstance(max_iterations, int):
        raise ValidationError(f"max_iterations must be an integer, got {max_iterations!r}")
    if not 1 <= max_iterations <= 20:
        raise ValidationError(f"max_iterations must be from 1 to 20, got {max_iterations}")
    r.check_range(target, 0, 1, "target", optional=False)
    start = store.get_prompt(prompt_id)
    idea = store.get_request(start.request_id).input if start.request_id else start.content
    judge_model: ModelChoice | None = None
    if judge or judge_provider:
        judge_model, why = judge_choice(store, judge_provider, judge)
        if judge_model is None:
            raise ValidationError(f"cannot judge with that model: {why}")
    writer = resolve(provider, model) if provider or model else resolve(start.provider, start.model)
    prices = _prices(store)
    run_id = r.new_id()
    best, (best_score, best_crit) = (
        start,
        await _evaluate(judge_model, idea, start.content, samples),
    )
    start_score = best_score
    history = [(start.content, best_score)]
    steps: list[Step] = []
    stopped = "target" if best_score >= target else "limit"
    made: list[r.Prompt] = []
    for i in range(1, max_iterations + 1):
        if best_score >= target:
            stopped = "target"
            break
        done = await acomplete(
            writer,
            _meta_prompt(idea, history, best_crit),
            system=SYSTEM,
            temperature=temperature,
            max_tokens=max(1024, (best.actual_tokens or 0) * 2),
            seed=i,
            model_options={"task": "improve"},
        )
        text = done.text.strip()
        if not text or any(text == h for h, _ in history):
            stopped = "no change"  # de-duplicated, as OPRO does: nothing new to try
            break
        score, crit = await _evaluate(judge_model, idea, text, samples)
        accepted = score > best_score
        candidate = r.Prompt(
            content=text,
            phase=start.phase,
            provider=done.provider,
            model=done.model,
            persona=start.persona,
            temperature=temperature,
            max_tokens=start.max_tokens,
            actual_tokens=done.output_tokens or None,
            request_id=start.request_id,
            metadata={
                "parent_id": best.id,
                "optimize": {
                    "run": run_id,
                    "origin": start.id,
                    "iteration": i,
                    "score": score,
                    "accepted": accepted,
                    "judge": judge_model.model_id if judge_model else "offline scorer",
                    "critique": best_crit.edits + best_crit.issues,
                },
            },
        )
        store.add_prompts([candidate], _metrics_for(candidate, done, prices))
        score_prompts(store, [candidate], idea)
        made.append(candidate)
        steps.append(Step(i, candidate.id, score, accepted, best_crit.edits))
        history.append((text, score))
        if accepted:
            best, best_score, best_crit = candidate, score, crit
    # Embedded like every generated prompt, so `search --like` and semantic search find them.
    embedding = background_embedding(store, None)
    if embedding and made:
        embedding.add(made)
        await embedding.wait()
    store.update_prompt(
        start.id,
        metadata=start.metadata
        | {"optimized": {"run": run_id, "best": best.id, "score": best_score, "at": r.now()}},
    )
    weights_note = current_weights(store)[1]
    return OptimizeResult(
        start_id=start.id,
        best=store.get_prompt(best.id),
        start_score=start_score,
        best_score=best_score,
        steps=steps,
        stopped=stopped,
        judge=judge_model.model_id if judge_model else f"offline scorer ({weights_note} weights)",
    )


def optimize(prompt_id: str, **kwargs: Any) -> OptimizeResult:
    """Synchronous `aoptimize`: works in a script and inside Jupyter's running loop."""
    return run_sync(aoptimize(prompt_id, **kwargs))


__all__ = ["OptimizeResult", "Step", "aoptimize", "optimize"]
