"""The offline scorer: explained features, weighed by weights learned from pairwise picks.

score = sigmoid(b + Σ wᵢ · (xᵢ − cᵢ) / σᵢ) over the features of features.py, where cᵢ is each
feature's neutral value (no defect found, or not computed), so a feature that cannot be computed
contributes exactly nothing. Every weight keeps its feature's direction, which makes the score
monotone in each feature: more padding never helps, a kept anchor never hurts. The weights come
from a pairwise (Bradley–Terry) logistic regression on feature differences: shipped defaults
learned from our hand-labelled pairs (default_weights.json), replaced by `alchemy learn` once
researchers' picks exist (the `scoring.weights` configuration). A breakdown names each feature's
value and contribution and quotes the clauses of any contradiction, so a score can be explained.

This is the one public scorer (`ak.score_text`, `ak.explain_score`); `baseline.py` keeps the old
five-component heuristic as a named baseline for the benchmarks.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from ..errors import ValidationError
from . import features as fx
from .conflicts import find_conflicts
from .features_text import Text

WEIGHTS_KEY = "scoring.weights"
SCORER_VERSION = 2
CLIP = 5.0  # standard deviations from the neutral value: no single feature decides alone
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
    bias: float = 0.0  # centres typical prompts near 0.5; pairwise learning cannot see it

    def z(self, values: Mapping[str, float]) -> float:
        """The linear score (log-odds scale) of a feature vector."""
        return self.bias + sum(self.contributions(values).values())

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
        version = int(data.get("version", 1))
        if version != SCORER_VERSION:
            raise ValidationError(
                f"scorer weights were learned for scorer version {version}, this is version "
                f"{SCORER_VERSION}: run `alchemy learn` again"
            )
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
            version=version,
            bias=float(data.get("bias", 0.0)),
        )


@cache
def default_weights() -> Weights:
    """The weights shipped with the package (learned from tests/data/scoring_pairs.jsonl)."""
    text = resources.files(__package__).joinpath("default_weights.json").read_text("utf-8")
    return Weights.from_dict(json.loads(text))


# -- measuring ----------------------------------------------------------------------------------
def prefetch(pairs: Sequence[tuple[str, str]]) -> bool:
    """Prepare to score these (content, idea) pairs; True when the features are ready.

    Since scorer version 2 the features read the text alone (MiniLM added nothing measurable on
    our pairs and cost more than the model calls of a batch), so there is nothing to embed ahead.
    """
    del pairs
    return True


def forget_cached() -> None:
    """Drop the cached analyses of recent texts (benchmarks time scoring from cold)."""
    from .conflicts import _conflicts_of
    from .features import _idea_profile
    from .features_text import _text_of, quantities, stem
    from .lang import detect

    for cached in (_conflicts_of, _idea_profile, _text_of, quantities, stem, detect):
        cached.cache_clear()


def measure(content: str, idea: str, *, semantic: bool = True) -> tuple[dict[str, float], bool]:
    """Feature values of a prompt; the flag says whether model-based features were computed.

    `semantic` is kept for callers of version 1; no feature needs a model now, so the flag is False.
    """
    del semantic
    content, idea = bounded(content), bounded(idea)
    return fx.extract(content, idea), False


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
    conflicts: list[dict[str, str]] = field(default_factory=list)  # kind, first, second
    language: str = "en"
    not_computed: list[str] = field(default_factory=list)

    def as_details(self) -> dict[str, Any]:
        """The JSON stored in the quality metric's details."""
        return {
            "source": self.source,
            "scorer_version": SCORER_VERSION,
            "weights": self.weights,
            "semantic": self.semantic,
            "language": self.language,
            "features": {k: round(v, 5) for k, v in self.features.items()},
            "contributions": {k: round(v, 5) for k, v in self.contributions.items()},
            "not_computed": self.not_computed,
            "issues": self.issues,
            "conflicts": self.conflicts,
        }


def issues(values: Mapping[str, float], conflicts: Sequence[Mapping[str, str]] = ()) -> list[str]:
    """Plain-language problems behind a low score (what a critique should fix)."""
    out = [
        f"contradiction ({c['kind']}): \u201c{c['first']}\u201d vs \u201c{c['second']}\u201d"
        for c in conflicts
    ]
    if values.get("filler", 0) + values.get("buzzwords", 0) + values.get("intensifiers", 0) > 4:
        out.append("padding: filler, intensifiers or buzzwords")
    if values.get("redundancy", 0) > 0.2 or values.get("repeated_phrases", 0) > 0.1:
        out.append("padding: instructions restated")
    if values.get("generic", 0) > 0.3:
        out.append("padding: sentences that would fit any prompt")
    if values.get("hollow", 0) > 0:
        out.append("hollow: sections or items that are empty, placeholders or restate the heading")
    if values.get("delegation", 0) > 0 or values.get("vague", 0) + values.get("hedges", 0) > 2:
        out.append("vague: decisions left to the model where a value could be stated")
    if 0 < values.get("anchors", 1) < 0.75 or 0 < values.get("numbers_kept", 1) < 1:
        out.append("drift: the idea's specifics (numbers, names, terms) are missing or changed")
    if 0 < values.get("coverage", 1) < 0.6:
        out.append("drift: the idea's key terms are missing")
    for name, text in (
        ("no_task", "no clear task"),
        ("no_format", "no output format"),
        ("no_audience", "no audience"),
    ):
        if values.get(name, 0) >= 0.5:
            out.append(f"missing: {text}")
    return out


def _conflicts(content: str, idea: str) -> list[dict[str, str]]:
    """The contradictions to quote (English prompts: the rules read English)."""
    from .lang import is_english

    if not is_english(content or ""):
        return []
    t = Text.of(content or "")
    return [{"kind": c.kind, "first": c.first, "second": c.second} for c in find_conflicts(t, idea)]


def explain(
    content: str, idea: str, *, weights: Weights | None = None, semantic: bool = True
) -> Breakdown:
    """Score a prompt against its idea and say why: features, contributions, issues, quotes."""
    from .lang import detect

    content, idea = bounded(content), bounded(idea)
    w = weights or default_weights()
    values, used_semantic = measure(content, idea, semantic=semantic)
    contrib = w.contributions(values)
    z = w.bias + sum(contrib.values())
    score = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
    language = detect(content or "")
    skipped = [n for n in fx.IDEA_FEATURES if not (idea or "").strip()]
    if language != "en":
        skipped += sorted(fx.ENGLISH_ONLY)
    conflicts = _conflicts(content, idea)
    return Breakdown(
        score=round(score, 4),
        features=values,
        contributions=contrib,
        semantic=used_semantic,
        weights="default" if weights is None else "learned",
        issues=issues(values, conflicts),
        conflicts=conflicts,
        language=language,
        not_computed=sorted(set(skipped)),
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
    "forget_cached",
    "issues",
    "measure",
    "prefetch",
    "score_text",
]
