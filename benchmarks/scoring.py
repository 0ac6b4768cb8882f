"""Pairwise accuracy of the offline scorer against trivial baselines, on the hand-labelled pairs.

For tests/data/scoring_pairs.jsonl (176 pairs) the default scorer is scored by 5-fold
cross-validation (weights learned on four folds, tested on the fifth, folds grouped by idea);
for tests/data/scoring_pairs_holdout.jsonl (48 pairs, never used to fit or choose anything) it
uses the shipped weights. Baselines need no fitting: the old five-component heuristic, "the longer
prompt wins" and "the prompt with more markdown lines wins". Ties count as half.

Usage: python benchmarks/scoring.py
"""

from __future__ import annotations

import re
from pathlib import Path

from alchemy_kit.scoring import learn
from alchemy_kit.scoring.heuristic import heuristic_score
from alchemy_kit.scoring.scorer import default_weights

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("padded", "drift", "contradiction", "plain")
_MARKDOWN = re.compile(r"^\s*(?:#|[-*•]\s|\d+[.)]\s)")


def markdown_lines(text: str, idea: str) -> int:
    """Lines that are headings, bullets or numbered items."""
    return sum(1 for line in text.splitlines() if _MARKDOWN.match(line))


def words(text: str, idea: str) -> int:
    """Word count."""
    return len(text.split())


def row(name: str, report: learn.Report) -> str:
    """One table row: overall and per kind."""
    cells = " | ".join(f"{report.per_kind.get(k, float('nan')):.2f}" for k in KINDS)
    return f"| {name} | {report.accuracy:.3f} | {cells} |"


def main() -> None:
    """Print both tables."""
    for label, path, learned in (
        ("labelled set (176 pairs, 5-fold CV)", "scoring_pairs.jsonl", True),
        ("held-out pairs (48, shipped weights)", "scoring_pairs_holdout.jsonl", False),
    ):
        pairs = learn.load_pairs(ROOT / "tests" / "data" / path)
        rows = learn.featurise(pairs)
        if learned:
            ours = learn.cross_validate(pairs, rows, folds=5)
        else:
            w = default_weights()
            by_kind: dict[str, list[float]] = {}
            for p, r in zip(pairs, rows, strict=True):
                by_kind.setdefault(p.kind, []).append(learn.accuracy(w, [r]))
            flat = [x for xs in by_kind.values() for x in xs]
            ours = learn.Report(
                0,
                len(flat),
                sum(flat) / len(flat),
                {k: sum(v) / len(v) for k, v in by_kind.items()},
            )
        print(f"\n{label}")
        print("| scorer | overall | " + " | ".join(KINDS) + " |")
        print("|---|---:|" + "---:|" * len(KINDS))
        print(row("default scorer (ours)", ours))
        print(row("old heuristic", learn.baseline_accuracy(pairs, heuristic_score)))
        print(row("longer wins", learn.baseline_accuracy(pairs, words)))
        print(row("more markdown wins", learn.baseline_accuracy(pairs, markdown_lines)))
        print("targets: ours ≥ 0.85 overall and ≥ 0.70 per kind; no baseline above 0.60")


if __name__ == "__main__":
    main()
