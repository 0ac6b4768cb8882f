"""The default offline scorer: explained features, weighed by weights learned from pairwise picks.

score = sigmoid(Σ wᵢ · (xᵢ − μᵢ) / σᵢ) over the features of features.py. The weights come from a
pairwise (Bradley–Terry) logistic regression on feature differences: shipped defaults learned from
our hand-labelled pairs (default_weights.json), replaced by `alchemy learn` once researchers' picks
exist (stored in the `scoring.weights` configuration). A prompt's breakdown names each feature's
contribution, so a score can always be explained.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from ..errors import EmbeddingError, ValidationError
from . import features as fx
from .conflicts import rule_conflicts
from .features_text import Text

WEIGHTS_KEY = "scoring.weights"
SCORER_VERSION = 1
CLIP = 3.0  # standard deviations
# The part of a prompt (and of an idea) the scorer reads: its work grows with the text, and a
# 200 MB prompt took 6 GB. 32,000 characters (about 8k tokens) is far beyond any prompt the
# features are meant for; a longer one is judged on its first 32,000 characters.
MAX_SCORED_CHARS = 32_000


def bounded(text: str) -> str:
    """The part of `text` the scorer reads (see MAX_SCORED_CHARS)."""
    return text[:MAX_SCORED_CHARS] if isinstance(text, str) else text


@dataclass(frozen=True)
class Weights:
    """A learned linear scorer over standardised features."""

    coef: dict[str, float]
    mean: dict[str, float]
    scale: dict[str, float]
    trained_on: dict[str, int] = field(default_factory=dict)  # source -> pairs
    cv_accuracy: float | None = None
    note: str = ""
    version: int = SCORER_VERSION

    def z(self, values: Mapping[str, float]) -> float:
        """The linear score (log-odds scale) of a feature vector."""
        return sum(self.contributions(values).values())

    def standardise(self, name: str, value: float) -> float:
        """A feature in standard units, clipped so one extreme value cannot decide a score."""
        z = (value - self.mean[name]) / self.scale[name]
        return max(-CLIP, min(CLIP, z))

    def contributions(self, values: Mapping[str, float]) -> dict[str, float]:
        """Each feature's share of the linear score."""
        return {
            name: w * self.standardise(name, values.get(name, self.mean[name]))
            for name, w in self.coef.items()
        }

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (what `scoring.weights` and default_weights.json hold)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Weights:
        """Build weights from their JSON form, checking that they fit these features."""
        try:
            coef = {str(k): float(v) for k, v in data["coef"].items()}
            mean = {str(k): float(v) for k, v in data["mean"].items()}
            scale = {str(k): float(v) for k, v in data["scale"].items()}
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ValidationError(f"scorer weights are malformed: {exc}") from None
        unknown = set(coef) - set(fx.NAMES)
        if unknown or set(coef) - set(mean) or set(coef) - set(scale):
            raise ValidationError(
                f"scorer weights do not fit this scorer (unknown or incomplete features: "
                f"{sorted(unknown or set(coef) - set(mean) - set(scale))})"
            )
        if any(s <= 0 or not math.isfinite(s) for s in scale.values()):
            raise ValidationError("scorer weights have a non-positive scale")
        return cls(
            coef=coef,
            mean=mean,
            scale=scale,
            trained_on={str(k): int(v) for k, v in dict(data.get("trained_on", {})).items()},
            cv_accuracy=data.get("cv_accuracy"),
            note=str(data.get("note", "")),
            version=int(data.get("version", SCORER_VERSION)),
        )


@cache
def default_weights() -> Weights:
    """The weights shipped with the package (learned from tests/data/scoring_pairs.jsonl)."""
    text = resources.files(__package__).joinpath("default_weights.json").read_text("utf-8")
    return Weights.from_dict(json.loads(text))


# -- embeddings for the semantic features ------------------------------------------------------------
def _embed(texts: Sequence[str]) -> list[tuple[float, ...]]:
    """Unit MiniLM vectors for texts (the embedder keeps recent ones: prompts are re-scored)."""
    from ..search.embeddings import DEFAULT_EMBEDDING_MODEL, get_embedder

    matrix = get_embedder(DEFAULT_EMBEDDING_MODEL).embed(list(texts))
    return [tuple(row) for row in matrix.tolist()]


def prefetch(pairs: Sequence[tuple[str, str]]) -> bool:
    """Embed every (content, idea) text the features will ask for in one batched pass."""
    texts: list[str] = []
    for content, idea in pairs:
        content, idea = bounded(content), bounded(idea)
        texts += [content, idea or content, *Text.of(content or "").sentences[: fx.MAX_SENTENCES]]
    try:
        _embed([t for t in texts if t])
    except EmbeddingError:
        return False
    return True


def measure(content: str, idea: str, *, semantic: bool = True) -> tuple[dict[str, float], bool]:
    """Feature values of a prompt; the flag says whether the MiniLM features were computed."""
    content, idea = bounded(content), bounded(idea)
    if semantic:
        try:
            return fx.extract(content, idea, _embed), True
        except EmbeddingError:
            pass  # no MiniLM here: score on the other features and say so in the breakdown
    return fx.extract(content, idea, None), False


@dataclass
class Breakdown:
    """A score with the features behind it: the `details` of a quality metric."""

    score: float
    features: dict[str, float]
    contributions: dict[str, float]
    semantic: bool
    weights: str  # "default" or "learned"
    source: str = "scorer"
    issues: list[str] = field(default_factory=list)

    def as_details(self) -> dict[str, Any]:
        """The JSON stored in the quality metric's details."""
        return {
            "source": self.source,
            "scorer_version": SCORER_VERSION,
            "weights": self.weights,
            "semantic": self.semantic,
            "features": {k: round(v, 5) for k, v in self.features.items()},
            "contributions": {k: round(v, 5) for k, v in self.contributions.items()},
            "issues": self.issues,
        }


def issues(values: Mapping[str, float], contradiction_kinds: Sequence[str] = ()) -> list[str]:
    """Plain-language problems behind a low score (what a critique should fix)."""
    out = [f"contradiction: {kind}" for kind in contradiction_kinds]
    if values.get("filler", 0) + values.get("buzzwords", 0) + values.get("intensifiers", 0) > 4:
        out.append("padding: filler, intensifiers or buzzwords")
    if values.get("repetition", 0) > 0.15 or values.get("repeated_phrases", 0) > 0.1:
        out.append("padding: instructions repeated")
    if values.get("vague", 0) + values.get("hedges", 0) > 2:
        out.append("vague or hedged wording")
    if values.get("anchors", 1) < 0.75 or values.get("changed_numbers", 0) > 0:
        out.append("drift: the idea's specifics (numbers, names, terms) are missing or changed")
    if values.get("coverage", 1) < 0.6:
        out.append("drift: the idea's key terms are missing")
    for name, text in (
        ("task", "no clear task"),
        ("format", "no output format"),
        ("audience", "no audience"),
    ):
        if values.get(name, 1) < 0.5:
            out.append(f"missing: {text}")
    if values.get("length", 1) < 0.5:
        out.append("underspecified: too short to pin the task down")
    return out


def explain(
    content: str, idea: str, *, weights: Weights | None = None, semantic: bool = True
) -> Breakdown:
    """Score a prompt against its idea and say why: features, contributions, issues."""
    content, idea = bounded(content), bounded(idea)
    w = weights or default_weights()
    values, used_semantic = measure(content, idea, semantic=semantic)
    if not used_semantic:
        values["similarity"] = w.mean.get("similarity", 0.0)  # neutral: contributes nothing
    contrib = w.contributions(values)
    z = sum(contrib.values())
    score = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
    kinds = rule_conflicts(Text.of(content or ""), idea)
    return Breakdown(
        score=round(score, 4),
        features=values,
        contributions=contrib,
        semantic=used_semantic,
        weights="default" if weights is None else "learned",
        issues=issues(values, kinds),
    )


def score_text(content: str, idea: str, *, weights: Weights | None = None) -> float:
    """Return the default offline quality score of a prompt for an idea, in 0..1."""
    if not isinstance(content, str) or not isinstance(idea, str):
        raise ValidationError("score_text takes the prompt text and the idea text")
    return explain(content, idea, weights=weights).score


__all__ = [
    "MAX_SCORED_CHARS",
    "WEIGHTS_KEY",
    "Breakdown",
    "Weights",
    "bounded",
    "default_weights",
    "explain",
    "issues",
    "measure",
    "prefetch",
    "score_text",
]
