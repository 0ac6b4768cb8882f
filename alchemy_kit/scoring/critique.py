"""A critique a model can act on: the scorer's issues turned into concrete edits.

Each edit is one line: `remove: <a sentence of the prompt>` (filler, a repeated instruction, the
second half of a contradiction) or `add: <a line>` (an output format, an audience, the idea's
specifics that went missing). Real models read the critique as advice; the offline model applies
the edits literally, which is enough to fix what the scorer measures without inventing content.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import lexicon as lx
from .conflicts import forbidden_and_asked, opposed_sentences
from .features import anchors
from .features_text import Text, content_stems
from .scorer import Weights, explain


@dataclass
class Critique:
    """The score of a prompt, what is wrong with it, and the edits that would fix it."""

    score: float
    issues: list[str] = field(default_factory=list)
    edits: list[str] = field(default_factory=list)

    def as_text(self) -> str:
        """The critique as the lines a model receives."""
        lines = [f"- issue: {i}" for i in self.issues] + [f"- {e}" for e in self.edits]
        return "\n".join(lines) or "- no issue found: tighten the wording if you can"


def _padding(sentence: str) -> int:
    return sum(
        len(p.findall(sentence)) for p in (lx.FILLER, lx.BUZZWORDS, lx.INTENSIFIERS, lx.HEDGES)
    )


def critique(content: str, idea: str, *, weights: Weights | None = None) -> Critique:
    """Score a prompt and list the edits that address its issues."""
    b = explain(content, idea, weights=weights)
    t = Text.of(content)
    edits: list[str] = []
    removed: set[str] = set()

    def remove(sentence: str) -> None:
        if sentence not in removed and sentence in content:
            removed.add(sentence)
            edits.append(f"remove: {sentence}")

    for sentence in t.sentences:
        words = len(sentence.split())
        # Mostly filler: several padding words, few words that carry the idea.
        if (
            _padding(sentence) >= 2 and _padding(sentence) * 4 >= words // 2
        ) or sentence.lower().startswith(("thank you", "thanks")):
            remove(sentence)
    bags = [content_stems(s) for s in t.sentences]
    for i in range(1, len(t.sentences)):
        for j in range(i):
            union = bags[i] | bags[j]
            if union and len(bags[i] & bags[j]) / len(union) >= 0.6:
                remove(t.sentences[i])  # the later restatement goes
                break
    for first, second in [*forbidden_and_asked(t), *opposed_sentences(t)]:
        # Keep the half closer to the idea; drop the other.
        wanted = content_stems(idea)
        keep_first = len(content_stems(first) & wanted) >= len(content_stems(second) & wanted)
        remove(second if keep_first else first)
    values = b.features
    if values.get("format", 1) < 0.5:
        edits.append(
            "add: Output format: state the exact structure of the answer (sections or fields, "
            "and its length)."
        )
    if values.get("audience", 1) < 0.5:
        edits.append("add: Audience: say who the result is for and what they already know.")
    missing = sorted(a for a in anchors(idea) if a not in content.lower())
    if missing:
        edits.append(f"add: Keep these specifics from the request: {', '.join(missing)}.")
    if values.get("task", 1) < 0.5:
        edits.append(f"add: Task: {idea.strip().rstrip('.')}.")
    return Critique(score=b.score, issues=b.issues, edits=edits)


__all__ = ["Critique", "critique"]
