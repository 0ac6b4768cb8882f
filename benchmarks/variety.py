"""Sibling variety of the offline model: how different the variants of one phase are.

For every sample idea (data/sample_ideas.jsonl), run the offline pipeline (count variants, fixed seed,
no embedding) and measure, per phase, over every pair of siblings (same request and phase):
- mean MiniLM cosine of the two prompts (target ≤ 0.85);
- mean character similarity, difflib.SequenceMatcher.ratio() (target ≤ 0.5);
- idea coverage: the share of the idea's content words each variant keeps (every variant must cover it);
- the scorer's view: mean `ak.score_text(prompt, idea)` of the variants (quality must not drop as variety grows).

Usage: python benchmarks/variety.py [-n COUNT] [--seed S] [--ideas PATH] [--limit N]
--ideas reads any JSONL file with an `idea` field (and optionally `persona`), e.g. the labelled pairs in
tests/data/scoring_pairs.jsonl; repeated ideas count once, and --limit keeps N of them spread evenly
over the file (so every persona is represented), not the first N.
Works on older checkouts too (flat layout): PYTHONPATH=/path/to/old python benchmarks/variety.py
"""

from __future__ import annotations

import argparse
import difflib
import itertools
import json
import re
import statistics
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'+#-]*")
_STOP = set(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "of",
        "to",
        "in",
        "on",
        "for",
        "with",
        "by",
        "from",
        "at",
        "as",
        "is",
        "are",
        "be",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "we",
        "our",
        "you",
        "your",
        "they",
        "their",
        "can",
        "should",
        "would",
        "will",
        "must",
        "do",
        "not",
        "no",
        "so",
        "than",
        "too",
        "very",
        "just",
        "also",
        "into",
        "about",
        "over",
        "under",
        "up",
        "out",
        "some",
        "any",
        "all",
        "each",
        "more",
        "most",
        "other",
        "such",
        "only",
    ]
)


def _import() -> tuple[Any, Any, Any]:
    try:  # the capability-folder layout
        from alchemy_kit.engine.pipeline import generate
        from alchemy_kit.search.embeddings import embed_texts
        from alchemy_kit.store import open_store
    except ImportError:  # the flat layout before the package got its shape
        from alchemy_kit.embeddings import embed_texts  # type: ignore[no-redef]
        from alchemy_kit.pipeline import generate  # type: ignore[no-redef]

        from alchemy_kit.store import open_store  # type: ignore[no-redef]
    return generate, embed_texts, open_store


def _words(text: str) -> set[str]:
    return {w.lower().rstrip("s") for w in _WORD.findall(text) if w.lower() not in _STOP}


def coverage(content: str, idea: str) -> float:
    """Share of the idea's content words present in the prompt."""
    wanted = {w for w in _words(idea) if len(w) > 2}
    return len(wanted & _words(content)) / len(wanted) if wanted else 1.0


def load_ideas(path: Path, limit: int | None = None) -> list[dict[str, Any]]:
    """Distinct ideas (with their persona) from a JSONL file; `limit` spreads a sample over it."""
    rows = [json.loads(line) for line in path.open() if line.strip()]
    seen: dict[str, dict[str, Any]] = {}
    for row in rows:
        seen.setdefault(
            row["idea"], {"idea": row["idea"], "persona": row.get("persona", "generic")}
        )
    ideas = list(seen.values())
    if limit and limit < len(ideas):
        ideas = [ideas[i * len(ideas) // limit] for i in range(limit)]
    return ideas


def measure(
    count: int, seed: int, ideas: list[dict[str, Any]] | None = None
) -> dict[str, dict[str, float]]:
    """Run every idea (default: the sample ideas) and return per-phase means and the overall row."""
    generate, embed_texts, open_store = _import()
    from alchemy_kit import score_text

    ideas = ideas or load_ideas(ROOT / "data" / "sample_ideas.jsonl")
    per: dict[str, dict[str, list[float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp) / "variety.db")
        for item in ideas:
            res = generate(
                item["idea"],
                store=store,
                count=count,
                persona=item.get("persona", "generic"),
                seed=seed,
                embed=False,
                progress=False,
            )
            for phase in res.request.phases:
                texts = [p.content for p in res.by_phase(phase)]
                vecs, _ = embed_texts(texts)
                row = per.setdefault(
                    phase, {"cosine": [], "difflib": [], "coverage": [], "score": []}
                )
                for i, j in itertools.combinations(range(len(texts)), 2):
                    row["cosine"].append(float(vecs[i] @ vecs[j]))
                    ratio = difflib.SequenceMatcher(None, texts[i], texts[j], autojunk=False)
                    row["difflib"].append(ratio.ratio())
                row["coverage"] += [coverage(t, item["idea"]) for t in texts]
                row["score"] += [score_text(t, item["idea"]) for t in texts]
    out = {
        phase: {
            "cosine": statistics.fmean(v["cosine"]),
            "difflib": statistics.fmean(v["difflib"]),
            "min_coverage": min(v["coverage"]),
            "mean_coverage": statistics.fmean(v["coverage"]),
            "score": statistics.fmean(v["score"]),
        }
        for phase, v in per.items()
    }
    every = {
        k: [x for v in per.values() for x in v[k]]
        for k in ("cosine", "difflib", "coverage", "score")
    }
    out["all phases"] = {
        "cosine": statistics.fmean(every["cosine"]),
        "difflib": statistics.fmean(every["difflib"]),
        "min_coverage": min(every["coverage"]),
        "mean_coverage": statistics.fmean(every["coverage"]),
        "score": statistics.fmean(every["score"]),
    }
    return out


def main() -> None:
    """Print the variety table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--count", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--ideas", type=Path, default=ROOT / "data" / "sample_ideas.jsonl")
    parser.add_argument("--limit", type=int, default=None, help="ideas to keep, spread evenly")
    args = parser.parse_args()
    ideas = load_ideas(args.ideas, args.limit)
    table = measure(args.count, args.seed, ideas)
    print(
        f"sibling variety, offline model, {args.count} variants per phase, seed {args.seed}, "
        f"{len(ideas)} ideas from {args.ideas.name}"
    )
    print(
        "| phase | MiniLM cosine (≤ 0.85) | difflib ratio (≤ 0.5) | idea coverage min / mean | mean score_text |"
    )
    print("|---|---:|---:|---:|---:|")
    for phase, row in table.items():
        print(
            f"| {phase} | {row['cosine']:.3f} | {row['difflib']:.3f} |"
            f" {row['min_coverage']:.2f} / {row['mean_coverage']:.2f} | {row['score']:.3f} |"
        )


if __name__ == "__main__":
    main()
