"""The optimise loop's guards and case split: text checks that need no model, and the halves.

A candidate whose every sentence its parent already had adds nothing (a pure deletion); one that
pastes a line of the critique verbatim games the critique. The cases split once, reproducibly, into
a search half the loop sees and a held-back half it never sees. See engine/optimize.py.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence

from .. import records_eval as ev
from ..errors import ValidationError

_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


def _norm(text: str) -> str:
    return " ".join(text.lower().split()).strip(" .,;:-*•")


def sentences(text: str) -> list[str]:
    """The prompt's sentences and lines, normalised (case, spacing, edge punctuation)."""
    return [s for s in (_norm(p) for p in _SENTENCE.split(text)) if s]


def only_deletes(parent: str, candidate: str) -> bool:
    """True when every sentence of the candidate was already in its parent (nothing added)."""
    have = set(sentences(parent))
    return all(s in have for s in sentences(candidate))


def copied_critique(parent: str, candidate: str, lines: Sequence[str]) -> str | None:
    """The critique line (of 4+ words) the candidate pastes verbatim and its parent lacks, if any."""
    cand, par = _norm(candidate), _norm(parent)
    for line in lines:
        body = _norm(re.sub(r"^\s*-\s*(?:issue:|remove:|add:)?\s*", "", line))
        if len(body.split()) >= 4 and body in cand and body not in par:
            return line.strip()
    return None


def split_cases(
    cases: Sequence[ev.Case], holdout: float, seed: int, held: Sequence[str] | None = None
) -> tuple[list[ev.Case], list[ev.Case]]:
    """(search half, held-back half): `held` by id or name, else a seeded shuffle."""
    if held:
        wanted = set(held)
        back = [c for c in cases if c.id in wanted or c.name in wanted]
        if len(back) != len(wanted):
            raise ValidationError("holdout_cases names a case the request does not have")
        search = [c for c in cases if c not in back]
    else:
        order = list(cases)
        random.Random(seed).shuffle(order)
        n_back = min(len(order) - 2, max(2, round(len(order) * holdout)))
        back, search = order[:n_back], order[n_back:]
    if len(search) < 2 or len(back) < 2:
        raise ValidationError("each half needs at least two cases")
    return search, back


__all__ = ["copied_critique", "only_deletes", "sentences", "split_cases"]
