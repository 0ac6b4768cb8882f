"""Learn the scorer's shipped default weights from the hand-labelled training pairs.

    python scripts/train_scorer.py            # writes alchemy_kit/scoring/default_weights.json
    python scripts/train_scorer.py --check    # exits 1 if the shipped file is not what it learns
    python scripts/train_scorer.py --cv 10    # training CV over 10 fold seeds (how choices are made)

The weights are fitted on alchemy_kit/scoring/labelled_pairs.jsonl: the standard pairs of
tests/data/scoring_pairs.jsonl plus the adversarial training pairs of
tests/data/adversarial_train.jsonl (translations excluded: they are ties, not preferences).
scoring_pairs_holdout.jsonl and adversarial_holdout.jsonl are never used to fit or choose anything
(benchmarks/scoring.py reports them).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from alchemy_kit.scoring import learn

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
SOURCES = (DATA / "scoring_pairs.jsonl", DATA / "adversarial_train.jsonl")
OUT = ROOT / "alchemy_kit" / "scoring" / "default_weights.json"


def labelled_text() -> str:
    """The shipped labelled set: every training pair except translations (ties)."""
    lines = []
    for path in SOURCES:
        for line in path.read_text("utf-8").splitlines():
            if line.strip() and json.loads(line).get("kind") != "translation":
                lines.append(line)
    return "\n".join(lines) + "\n"


def train() -> dict[str, object]:
    """Fit on every training pair; attach 5-fold cross-validated accuracy."""
    pairs = learn.load_pairs(learn.LABELLED)
    rows = learn.featurise(pairs)
    report = learn.cross_validate(pairs, rows, folds=5)
    weights = learn.fit(rows, kinds=[p.kind for p in pairs])
    data = weights.as_dict()
    data |= {
        "trained_on": {"labelled": len(pairs)},
        "cv_accuracy": round(report.accuracy, 4),
        "note": "learned by scripts/train_scorer.py from scoring/labelled_pairs.jsonl "
        f"(5-fold CV per kind: { ({k: round(v, 3) for k, v in report.per_kind.items()}) })",
    }
    data["coef"] = {k: round(v, 6) for k, v in weights.coef.items()}
    data["mean"] = {k: round(v, 6) for k, v in weights.mean.items()}
    data["scale"] = {k: round(v, 6) for k, v in weights.scale.items()}
    data["bias"] = round(weights.bias, 6)
    return data


def cv_over_seeds(seeds: int) -> None:
    """Print 5-fold CV (grouped by idea) averaged over fold seeds 0..seeds-1, overall and per kind:
    the figure every choice in docs/scoring.md was made by (one seed moves it by about 0.01)."""
    pairs = learn.load_pairs(learn.LABELLED)
    rows = learn.featurise(pairs)
    reports = [learn.cross_validate(pairs, rows, folds=5, seed=s) for s in range(seeds)]
    print(f"training CV, {seeds} fold seeds: {sum(r.accuracy for r in reports) / seeds:.4f}")
    for kind in sorted(reports[0].per_kind):
        print(f"  {kind:16s} {sum(r.per_kind[kind] for r in reports) / seeds:.3f}")


def main() -> int:
    """Write (or check) the shipped labelled set and weights."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    parser.add_argument(
        "--cv", type=int, metavar="SEEDS", help="only print CV over SEEDS fold seeds"
    )
    args = parser.parse_args()
    if args.cv:
        cv_over_seeds(args.cv)
        return 0
    labelled = labelled_text()
    if args.check:
        if learn.LABELLED.read_text("utf-8") != labelled:
            print(f"{learn.LABELLED} is stale: re-run this script")
            return 1
    else:
        learn.LABELLED.write_text(labelled, "utf-8")
    data = train()
    text = json.dumps(data, indent=2, sort_keys=True) + "\n"
    if args.check:
        same = OUT.exists() and OUT.read_text("utf-8") == text
        print("default weights are up to date" if same else f"{OUT} is stale: re-run this script")
        return 0 if same else 1
    OUT.write_text(text, "utf-8")
    print(f"wrote {OUT}: CV accuracy {data['cv_accuracy']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
