"""Grading one output: the case's assertions plus the run's graders, deterministic and model-graded.

- Deterministic assertions (scoring/assertions.py) grade 1 (pass) or 0 (fail).
- `similar`: cosine similarity between the output and the reference (the assertion's value, else
  the case's `reference`) with the MiniLM embedder; passes at `threshold` (default 0.75), grades the
  cosine clipped to 0..1. When MiniLM cannot load, the grade is an error, not a lexical stand-in.
- `llm-rubric`: the judge (scoring/output_judge.py) grades the output against the rubric; passes
  when score ≥ threshold (default 0.5). With no judge it records "no judge ran" (passed None) and
  never substitutes the offline text scorer; an unreadable reply is a grading error (passed None).
An output passes when every grader that graded passed; its score is the weighted mean of their
grades. Graders that did not grade (passed None) count toward neither.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import EmbeddingError
from ..placeholders import fill
from .assertions import DEFAULT_SIMILARITY, MODEL_TYPES, Assertion, Grade, parse_assertions
from .assertions import run_assertion as run_deterministic
from .output_judge import grade_rubric, judge_details

if TYPE_CHECKING:
    from ..models.catalog import ModelChoice
    from ..records_eval import Case
    from ..store import Store

DEFAULT_RUBRIC_THRESHOLD = 0.5


@dataclass
class Graders:
    """The graders a whole run applies besides each case's own assertions."""

    rubric: str | None = None  # an llm-rubric applied to every case
    rubric_threshold: float = DEFAULT_RUBRIC_THRESHOLD
    similar: float | None = None  # a similarity threshold for every case with a reference
    pairwise: bool = False  # compare every two prompts' outputs per case (both orders)
    judge: ModelChoice | None = None
    judge_note: str | None = None  # why no judge runs, when none does

    def as_dict(self) -> dict[str, Any]:
        """What eval_runs.graders stores."""
        judge = (
            None
            if self.judge is None
            else {"provider": self.judge.provider, "model": self.judge.model_id}
        )
        return {
            "rubric": self.rubric,
            "rubric_threshold": self.rubric_threshold,
            "similar": self.similar,
            "pairwise": self.pairwise,
            "judge": judge,
            "judge_note": self.judge_note,
        }


def eval_judge(
    store: Store, provider: str | None = None, model: str | None = None
) -> tuple[ModelChoice | None, str | None]:
    """The judge of outputs (given, else the scoring.judge configuration), or None and why not.

    The same choice as the prompt judge's: any model but the offline template engine.
    """
    from .judge import judge_choice

    return judge_choice(store, provider, model)


def case_assertions(case: Case, graders: Graders | None = None) -> list[Assertion]:
    """The case's own assertions plus the run-wide graders that apply to it."""
    found = parse_assertions(case.assertions, f"case {case.name!r} assert")
    graders = graders or Graders()
    types = {a.type for a in found}
    if graders.rubric and "llm-rubric" not in types:
        found.append(
            Assertion("llm-rubric", value=graders.rubric, threshold=graders.rubric_threshold)
        )
    if graders.similar is not None and case.reference and "similar" not in types:
        found.append(Assertion("similar", threshold=graders.similar))
    return found


def similarity(a: str, b: str) -> float:
    """Cosine similarity of two texts with MiniLM (raises EmbeddingError when it cannot load)."""
    from ..search.embeddings import DEFAULT_EMBEDDING_MODEL, embed_texts

    vectors, _ = embed_texts([a, b], DEFAULT_EMBEDDING_MODEL)
    return float(vectors[0] @ vectors[1])


async def _similar(a: Assertion, text: str, case: Case) -> Grade:
    reference = fill(a.value, case.vars, strict=False) if a.value else case.reference
    if not reference:
        return Grade(
            a.name,
            None,
            None,
            "not graded",
            error="no reference: give a value or the case's reference",
        )
    threshold = a.threshold if a.threshold is not None else DEFAULT_SIMILARITY
    try:
        cos = await asyncio.to_thread(similarity, text, reference)
    except EmbeddingError as exc:
        return Grade(a.name, None, None, "not graded", error=f"MiniLM unavailable: {exc}")
    passed = cos >= threshold
    if a.negate:
        passed = not passed
    score = min(1.0, max(0.0, 1.0 - cos if a.negate else cos))
    reason = f"cosine {cos:.3f} to the reference ({'at least' if not a.negate else 'below'} {threshold:g} asked)"
    return Grade(
        a.name,
        passed,
        round(score, 4),
        reason,
        details={"similarity": round(cos, 4), "threshold": threshold, "weight": a.weight},
    )


async def _rubric(a: Assertion, text: str, case: Case, graders: Graders, input_text: str) -> Grade:
    rubric = fill(a.value, case.vars, strict=False)
    threshold = a.threshold if a.threshold is not None else DEFAULT_RUBRIC_THRESHOLD
    base = {"criteria": rubric, "threshold": threshold, "weight": a.weight}
    if graders.judge is None:
        why = graders.judge_note or "no judge model"
        return Grade(a.name, None, None, f"no judge ran: {why}", details=base | {"judge": None})
    got = await grade_rubric(graders.judge, rubric, input_text, text)
    details = base | judge_details(graders.judge, got.raw)
    if got.score is None:
        return Grade(a.name, None, None, "not graded", error=got.error, details=details)
    passed = got.score >= threshold
    if a.negate:
        passed = not passed
    score = 1.0 - got.score if a.negate else got.score
    return Grade(
        a.name,
        passed,
        round(score, 4),
        got.reason or f"judge score {got.score:.2f}",
        details=details,
    )


async def grade_output(
    text: str,
    case: Case,
    assertions: Sequence[Assertion],
    graders: Graders,
    *,
    input_text: str = "",
    accounting: Mapping[str, Any] | None = None,
) -> list[Grade]:
    """Every grader's verdict on one output (model-graded ones concurrently)."""
    grades: list[Grade | None] = [None] * len(assertions)
    waits = []
    for i, a in enumerate(assertions):
        if a.type not in MODEL_TYPES:
            grades[i] = run_deterministic(a, text, case.vars, accounting)
        elif a.type == "similar":
            waits.append((i, _similar(a, text, case)))
        else:
            waits.append((i, _rubric(a, text, case, graders, input_text)))
    if waits:
        done = await asyncio.gather(*(w for _, w in waits))
        for (i, _), g in zip(waits, done, strict=True):
            grades[i] = g
    return [g for g in grades if g is not None]


def summarise(grades: Sequence[Grade]) -> tuple[bool | None, float | None]:
    """(passed, score) of an output: all graded passed, and the weighted mean grade; None if none graded."""
    graded = [g for g in grades if g.passed is not None and g.score is not None]
    if not graded:
        return None, None
    weights = [float(g.details.get("weight", 1.0)) for g in graded]
    total = sum(weights)
    scores = [g.score for g in graded if g.score is not None]
    score = (
        sum(w * s for w, s in zip(weights, scores, strict=True)) / total
        if total
        else sum(scores) / len(scores)
    )
    return all(g.passed for g in graded), round(min(1.0, max(0.0, score)), 4)


__all__ = [
    "DEFAULT_RUBRIC_THRESHOLD",
    "Graders",
    "case_assertions",
    "eval_judge",
    "grade_output",
    "similarity",
    "summarise",
]
