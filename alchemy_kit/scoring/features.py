"""The scorer's features: explained, model-free measurements of one prompt against its idea.

Each feature is a number with a name and a one-line meaning (FEATURES). Groups:
- padding: filler, intensifiers, buzzwords, vagueness, hedges, repeated and near-duplicate sentences;
- contradictions: conflicting limits, never-X with use-X, exclusive formats with discursive asks,
  two target languages, opposed styles;
- drift: the idea's words, its anchors (numbers with units, names, technical terms) and their
  values, and the MiniLM similarity of prompt and idea;
- essentials: a task, an output format, an audience, concrete constraints, enough length.
`semantic=False` skips the two MiniLM features (they are then 0), for callers that cannot embed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence

from . import lexicon as lx
from .conflicts import rule_conflicts
from .features_text import WORD, Text, content_stems, quantities

FEATURES: dict[str, str] = {
    "filler": "filler phrases per 100 words (padding)",
    "intensifiers": "very/really/extremely per 100 words (padding)",
    "buzzwords": "buzzwords and empty praise per 100 words (padding)",
    "vague": "vague words (etc, things, appropriate) per 100 words",
    "hedges": "hedges (maybe, try to, if possible) per 100 words",
    "repetition": "share of sentences that repeat an earlier one (words or meaning)",
    "repeated_phrases": "share of word trigrams that occur more than once",
    "contradictions": "kinds of conflicting instructions found by rules (capped at 3)",
    "coverage": "share of the idea's content words the prompt keeps",
    "anchors": "share of the idea's anchors (numbers, names, terms) the prompt keeps",
    "changed_numbers": "idea quantities the prompt restates with another number",
    "similarity": "MiniLM cosine similarity of prompt and idea",
    "task": "an instruction addressed to the model is present",
    "format": "the output format is specified",
    "audience": "the audience or reader is specified",
    "constraints": "concrete, checkable constraints (log of the count)",
    "specificity": "numbers, names and code terms per 100 words (log)",
    "length": "enough words to specify the task (saturates at 80 words)",
}
NAMES: tuple[str, ...] = tuple(FEATURES)
# Which way each feature may push a score. Learning keeps every weight on its side (a feature whose
# fitted weight flips is dropped and the rest refitted): on a small training set a confound can
# otherwise teach, say, that naming the audience makes a prompt worse.
DIRECTION: dict[str, int] = {
    name: (
        -1
        if name
        in {
            "filler",
            "intensifiers",
            "buzzwords",
            "vague",
            "hedges",
            "repetition",
            "repeated_phrases",
            "contradictions",
            "changed_numbers",
        }
        else 1
    )
    for name in NAMES
}
SIMILARITY_MIN_WORDS = 40
# Sentences embedded to find restatements by meaning; later ones are compared by words only.
MAX_SENTENCES = 24
NEUTRAL_SIMILARITY = 0.72  # about the mean prompt-idea cosine of full prompts


def _per100(count: int, t: Text) -> float:
    return 100.0 * count / t.n


# -- padding ---------------------------------------------------------------------------------------
def _repetition(t: Text, vectors: Sequence[Sequence[float]] | None) -> float:
    """Share of sentences that restate an earlier one, by shared words or (if given) by meaning."""
    if len(t.sentences) < 2:
        return 0.0
    bags = [content_stems(s) for s in t.sentences]
    repeated = 0
    for i in range(1, len(t.sentences)):
        for j in range(i):
            a, b = bags[i], bags[j]
            jaccard = len(a & b) / len(a | b) if a and b else 0.0
            close = (
                vectors is not None and i < len(vectors) and _dot(vectors[i], vectors[j]) >= 0.86
            )
            if jaccard >= 0.6 or close:
                repeated += 1
                break
    return repeated / len(t.sentences)


def _dot(a: Sequence[float], b: Sequence[float]) -> float:
    return float(sum(x * y for x, y in zip(a, b, strict=True)))


def _repeated_phrases(t: Text) -> float:
    words = [w.lower() for w in t.words if w.lower() not in lx.STOPWORDS]
    grams = list(zip(words, words[1:], words[2:], strict=False))
    if len(grams) < 4:
        return 0.0
    seen: dict[tuple[str, str, str], int] = {}
    for g in grams:
        seen[g] = seen.get(g, 0) + 1
    return sum(c for c in seen.values() if c > 1) / len(grams)


def _changed_numbers(idea: str, prompt: str) -> int:
    """Idea quantities that the prompt restates for the same unit with a different number."""
    theirs = quantities(prompt)
    changed = 0
    for q in quantities(idea):
        same_unit = [p for p in theirs if p.unit == q.unit]
        if same_unit and not any(
            p.low <= q.low <= p.high or p.low <= q.high <= p.high for p in same_unit
        ):
            changed += 1
    return changed


# -- drift and essentials ------------------------------------------------------------------------------
_ANCHOR = re.compile(
    r"`[^`]+`|\"[^\"]{2,40}\"|“[^”]{2,40}”|\b[A-Z][A-Za-z0-9]*(?:[-+.#][A-Za-z0-9]+)*\b|"
    r"\b\w*\d\w*\b"
)


def anchors(idea: str) -> set[str]:
    """What an idea pins down: numbers, names, technical terms (lower-cased)."""
    found = set()
    for m in _ANCHOR.finditer(idea):
        token = m.group(0).strip('`"“”').lower()
        at_start = m.start() == 0 or idea[: m.start()].rstrip().endswith((".", "!", "?", ":"))
        if token in lx.STOPWORDS or len(token) < 2 or (at_start and token.isalpha()):
            continue
        found.add(token)
    return found


def _has_task(t: Text) -> float:
    if lx.TASK_OPENERS.search(t.raw):
        return 1.0
    for s in t.sentences[:6] + t.raw.splitlines()[:3]:
        first = WORD.findall(s)[:2]
        if first and (
            first[0].lower() in lx.TASK_VERBS
            or (len(first) > 1 and first[1].lower() in lx.TASK_VERBS)
        ):
            return 1.0
    return 0.0


def _constraints(t: Text) -> float:
    qs = len(quantities(t.raw))
    rules = sum(
        1
        for s in t.sentences
        if re.search(
            r"\b(?:must|should|always|exactly|at\s+most|at\s+least|only|each|every|"
            r"include|use|avoid|do\s+not|never|limit|keep)\b",
            s,
            re.I,
        )
        and len(content_stems(s)) >= 3
    )
    return math.log1p(qs + rules)


def _specificity(t: Text) -> float:
    specific = sum(
        1
        for w in t.words
        if any(c.isdigit() for c in w) or (w[:1].isupper() and not w.isupper() and len(w) > 2)
    )
    specific += t.raw.count("`") // 2
    return math.log1p(_per100(specific, t))


Embed = Callable[[Sequence[str]], Sequence[Sequence[float]]]


def extract(content: str, idea: str, embed: Embed | None = None) -> dict[str, float]:
    """Measure one prompt against its idea; `embed` (unit vectors) enables the MiniLM features."""
    t = Text.of(content or "")
    idea = idea or ""
    sentence_vectors = None
    similarity = 0.0
    if embed is not None and t.words:
        texts = [content, idea or content, *t.sentences[:MAX_SENTENCES]]
        vectors = embed(texts)
        similarity = _dot(vectors[0], vectors[1]) if idea else NEUTRAL_SIMILARITY
        if len(t.words) < SIMILARITY_MIN_WORDS:
            # A one-liner restating the idea is trivially similar to it; that says nothing about
            # drift, so very short prompts get a neutral value (their shortness is `length`).
            similarity = NEUTRAL_SIMILARITY
        sentence_vectors = vectors[2:]
    wanted = content_stems(idea)
    mine = content_stems(content)
    pins = anchors(idea)
    lower = t.lower
    return {
        "filler": _per100(len(lx.FILLER.findall(t.raw)), t),
        "intensifiers": _per100(len(lx.INTENSIFIERS.findall(t.raw)), t),
        "buzzwords": _per100(len(lx.BUZZWORDS.findall(t.raw)), t),
        "vague": _per100(len(lx.VAGUE.findall(t.raw)), t),
        "hedges": _per100(len(lx.HEDGES.findall(t.raw)), t),
        "repetition": _repetition(t, sentence_vectors),
        "repeated_phrases": _repeated_phrases(t),
        "contradictions": float(min(3, len(rule_conflicts(t, idea)))),
        "coverage": len(wanted & mine) / len(wanted) if wanted else 1.0,
        "anchors": sum(1 for a in pins if a in lower) / len(pins) if pins else 1.0,
        "changed_numbers": float(_changed_numbers(idea, content)),
        "similarity": similarity,
        "task": _has_task(t),
        "format": 1.0 if lx.FORMAT.search(t.raw) else 0.0,
        "audience": 1.0 if lx.AUDIENCE.search(t.raw) else 0.0,
        "constraints": _constraints(t),
        "specificity": _specificity(t),
        "length": min(1.0, len(t.words) / 80),
    }
