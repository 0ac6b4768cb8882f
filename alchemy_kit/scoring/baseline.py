"""The old five-component heuristic, kept as a named baseline: not the scorer.

`baseline_score` (coverage of the idea's words, markdown structure, constraint words, a length
sweet spot, sentence length) was the first offline score; the scorer in scorer.py replaced it and
disagrees with it (0.0065 against 0.275 on one text), because this one rewards length and
headings. benchmarks/scoring.py reports it beside the scorer so the gain stays measured.
`heuristic_score` is its old public name, deprecated: it warns and will be removed in 0.4.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass

from ..vocab import STOP_WORDS
from .scorer import bounded

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'+#-]*")
_CONSTRAINT_WORDS = re.compile(
    r"\b(must|should|never|always|avoid|only|exactly|at most|at least|limit|within|format|"
    r"return|output|include|exclude|constraint|require[sd]?)\b",
    re.I,
)

# Default weights of the components; learned weights (from researcher picks) replace these.
DEFAULT_WEIGHTS: Mapping[str, float] = {
    "coverage": 0.35,
    "structure": 0.2,
    "specificity": 0.2,
    "length": 0.15,
    "clarity": 0.1,
}


@dataclass(frozen=True)
class Components:
    """The heuristic components of one text, each in 0..1."""

    coverage: float
    structure: float
    specificity: float
    length: float
    clarity: float

    def as_dict(self) -> dict[str, float]:
        """Return the components as a plain dict."""
        return {k: getattr(self, k) for k in DEFAULT_WEIGHTS}


def keywords(text: str) -> set[str]:
    """Return the lower-cased content words of a text (stop words removed)."""
    return {w.lower() for w in _WORD.findall(text) if w.lower() not in STOP_WORDS and len(w) > 2}


def components(content: str, idea: str) -> Components:
    """Measure how well `content` covers `idea` and how usable it is as a prompt."""
    content, idea = bounded(content), bounded(idea)  # bounded work for a huge prompt
    idea_words = keywords(idea)
    words = _WORD.findall(content)
    content_words = {w.lower() for w in words}
    coverage = len(idea_words & content_words) / len(idea_words) if idea_words else 1.0
    lines = [ln.strip() for ln in content.splitlines() if ln.strip()]
    structured = sum(
        1 for ln in lines if re.match(r"^(#+\s|[-*•]\s|\d+[.)]\s|[A-Z][\w /-]{1,40}:)", ln)
    )
    structure = min(1.0, structured / 6)
    specificity = min(1.0, len(_CONSTRAINT_WORDS.findall(content)) / 8)
    n = len(words)
    # Log-normal-ish sweet spot around 150-600 words: long enough to constrain, short enough to read.
    length = math.exp(-((math.log(max(n, 1)) - math.log(300)) ** 2) / (2 * 0.9**2))
    sentences = [s for s in re.split(r"[.!?]\s+|\n", content) if s.strip()]
    avg = n / max(len(sentences), 1)
    clarity = 1.0 if avg <= 22 else max(0.0, 1 - (avg - 22) / 30)
    return Components(coverage, structure, specificity, length, clarity)


def baseline_score(content: str, idea: str, weights: Mapping[str, float] | None = None) -> float:
    """The old heuristic's 0..1 score (a benchmark baseline; use `score_text` to judge prompts)."""
    w = weights or DEFAULT_WEIGHTS
    comp = components(content, idea).as_dict()
    total = sum(w.values()) or 1.0
    return round(max(0.0, min(1.0, sum(comp[k] * w.get(k, 0) for k in comp) / total)), 4)


def heuristic_score(content: str, idea: str, weights: Mapping[str, float] | None = None) -> float:
    """Deprecated name of `baseline_score` (it is not the scorer: use `score_text`)."""
    warnings.warn(
        "alchemy_kit.heuristic_score is the old baseline, not the scorer, and will be removed in "
        "0.4: use alchemy_kit.score_text to score prompts, or alchemy_kit.baseline_score for the "
        "baseline itself",
        DeprecationWarning,
        stacklevel=2,
    )
    return baseline_score(content, idea, weights)
