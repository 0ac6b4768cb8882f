"""From evidence to `prompts.score` (and so to ranks): eval results, the judge, picks and the scorer.

A prompt's score is the evidence about it, blended in one place (`blend`):
- eval score: when the prompt has graded eval outputs, the mean grade of its latest graded output
  per (case, model), over all runs (`Store._eval_evidence`). What the prompt makes a model write
  outranks anything read from its text: with an eval score, the text evidence below only breaks
  ties (weight EVAL_TIEBREAK, too small to reorder two different eval scores).
- text evidence: the offline scorer (always), averaged with the LLM judge's rubric score of the
  prompt when the judge has scored it;
- human score: the researcher's picks on it — ratings (1..5 → 0..1), thumbs (up 1, down 0), and
  pairwise comparisons (won 1, tied ½, lost 0) — averaged;
- machine = (1 − EVAL_TIEBREAK)·eval + EVAL_TIEBREAK·text with an eval score, else the text evidence;
- score = machine, or ½·machine + ½·human once any pick exists (the researcher's own judgement
  counts as much as all the measurements).
`evidence()` names the set behind each score, which `alchemy score` shows beside every rank.
Each scorer and judge run is recorded as a `quality` metric whose details carry its breakdown, so a
score can be re-derived (new learned weights re-weigh stored features without re-reading text).
The database re-ranks siblings whenever a score changes.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from .. import records as r
from ..errors import ValidationError
from ..store.calling import store_argument
from .scorer import (
    MAX_SCORED_CHARS,
    SCORER_VERSION,
    WEIGHTS_KEY,
    Breakdown,
    Weights,
    default_weights,
    explain,
    prefetch,
)

if TYPE_CHECKING:
    from ..store import Store

HUMAN_WEIGHT = 0.5
# Below 10,000 graded outputs per prompt a mean grade moves in steps above 0.0001: the text
# evidence (at most 0.0001 apart) breaks ties between equal eval scores and never reorders others.
EVAL_TIEBREAK = 0.0001


def current_weights(store: Store) -> tuple[Weights, str]:
    """The weights in force: learned ones from `scoring.weights`, else the shipped defaults."""
    data = store.get_config(WEIGHTS_KEY, None)
    if data is None:
        return default_weights(), "default"
    if isinstance(data, dict) and data.get("version", 1) != SCORER_VERSION:
        # Learned for another version's features: they cannot weigh these. Say so, keep scoring.
        warnings.warn(
            f"configuration {WEIGHTS_KEY!r} holds weights for scorer version "
            f"{data.get('version', 1)}; using the shipped defaults until `alchemy learn` runs again",
            stacklevel=2,
        )
        return default_weights(), "default"
    try:
        return Weights.from_dict(data), "learned"
    except ValidationError as exc:
        raise ValidationError(f"configuration {WEIGHTS_KEY!r} is unusable: {exc}") from None


def quality_metric(prompt_id: str, value: float, details: dict[str, Any]) -> r.Metric:
    """A `quality` metric row for one scoring event."""
    return r.Metric(
        prompt_id=prompt_id,
        metric_type="quality",
        value=round(min(1.0, max(0.0, value)), 4),
        unit="score",
        details=details,
    )


def human_scores(picks: Iterable[r.Preference]) -> dict[str, float]:
    """Each prompt's human score in 0..1 from its picks (see the module docstring)."""
    votes: dict[str, list[float]] = {}
    for p in picks:
        if p.kind == "rating":
            votes.setdefault(p.prompt_id, []).append((p.value - 1) / 4)
        elif p.kind == "thumb":
            votes.setdefault(p.prompt_id, []).append(1.0 if p.value > 0 else 0.0)
        elif p.other_prompt_id is not None:
            won = 1.0 if p.value == 1 else 0.5
            votes.setdefault(p.prompt_id, []).append(won)
            votes.setdefault(p.other_prompt_id, []).append(1.0 - won)
    return {pid: sum(v) / len(v) for pid, v in votes.items()}


def blend(
    model: float, judge: float | None, human: float | None, eval_score: float | None = None
) -> float:
    """Combine the scorer, the judge, the picks and the eval score into one 0..1 score."""
    machine = model if judge is None else (model + judge) / 2
    if eval_score is not None:
        machine = (1 - EVAL_TIEBREAK) * eval_score + EVAL_TIEBREAK * machine
    return machine if human is None else (1 - HUMAN_WEIGHT) * machine + HUMAN_WEIGHT * human


def evidence(store: Store, prompt_ids: Sequence[str]) -> dict[str, str]:
    """Which evidence sets each prompt's score: eval, judge, picks, scorer (in that order of weight)."""
    ids = list(prompt_ids)
    evals = store._eval_evidence(ids)
    judged = store.latest_quality(ids, "judge")
    human = human_scores(store.preferences(prompt_ids=ids))
    out = {}
    for pid in ids:
        parts = []
        if pid in evals:
            e = evals[pid]
            parts.append(f"eval ({e['outputs']} graded outputs)")
        if pid in human:
            parts.append("picks")
        text = "judge + scorer" if pid in judged else "scorer"
        parts.append(f"{text} (tie-break only)" if pid in evals else text)
        out[pid] = " + ".join(parts)
    return out


def measure_prompts(
    prompts: Sequence[r.Prompt], idea: str, weights: Weights, which: str
) -> dict[str, Breakdown]:
    """Score prompts with the offline scorer, touching no database (safe in a worker thread)."""
    prefetch([(p.content, idea) for p in prompts])  # one batched MiniLM pass for them all
    results = {}
    for p in prompts:
        b = explain(p.content, idea, weights=weights)
        b.weights = which
        results[p.id] = b
    return results


def record_scores(store: Store, prompts: Sequence[r.Prompt], results: dict[str, Breakdown]) -> None:
    """Write scores and quality metrics (the database re-ranks); the Prompts get score and rank."""
    metrics = [
        quality_metric(p.id, results[p.id].score, results[p.id].as_details()) for p in prompts
    ]
    ranks = store._set_scores([(p.id, results[p.id].score) for p in prompts], metrics)
    for p in prompts:
        p.score, p.rank = results[p.id].score, ranks.get(p.id)


def score_prompts(store: Store, prompts: Sequence[r.Prompt], idea: str) -> dict[str, Breakdown]:
    """Score new prompts with the offline scorer: write scores, quality metrics and (by trigger) ranks.

    The Prompt objects get their new score and rank.
    """
    weights, which = current_weights(store)
    results = measure_prompts(prompts, idea, weights, which)
    record_scores(store, prompts, results)
    return results


@store_argument
def rescore(
    store: Store, prompt_ids: Sequence[str] | None = None, *, rescan: bool = False
) -> dict[str, float]:
    """Re-derive scores from stored evidence with the weights in force; return id → new score.

    Scorer features come from each prompt's latest scorer metric (`rescan` re-reads the text);
    prompts never scored are scored now. Eval results, judge scores and picks are blended in.
    """
    rows = store._prompts_for_scoring(prompt_ids=prompt_ids, max_chars=MAX_SCORED_CHARS)
    ids = [pid for pid, _, _ in rows]
    weights, which = current_weights(store)
    stored = {} if rescan else store.latest_quality(ids, "scorer")
    judged = store.latest_quality(ids, "judge")
    human = human_scores(store.preferences(prompt_ids=ids))
    evals = store._eval_evidence(ids)
    new_metrics = []
    scores: dict[str, float] = {}
    for pid, content, idea in rows:
        found = stored.get(pid)
        features = (found.details or {}).get("features") if found else None
        if features is not None and set(weights.coef) <= set(features):
            z = weights.z(features)
            model = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
        else:
            b = explain(content, idea, weights=weights)
            b.weights = which
            new_metrics.append(quality_metric(pid, b.score, b.as_details()))
            model = b.score
        judge = judged[pid].value if pid in judged else None
        found_eval = evals[pid]["score"] if pid in evals else None
        scores[pid] = round(blend(model, judge, human.get(pid), found_eval), 6)
    store._set_scores(scores.items(), new_metrics)
    return scores


__all__ = [
    "blend",
    "current_weights",
    "evidence",
    "human_scores",
    "measure_prompts",
    "quality_metric",
    "record_scores",
    "rescore",
    "score_prompts",
]
