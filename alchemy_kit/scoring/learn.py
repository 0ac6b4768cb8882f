"""Learning scorer weights from pairs: Bradley–Terry as logistic regression on feature differences.

Each pair (better, worse) gives a row x_better − x_worse labelled 1 and its mirror labelled 0, over
standardised features, fitted by scikit-learn's L2 `LogisticRegression(fit_intercept=False)`.
Held-out pairwise accuracy comes from k-fold cross-validation over pairs (grouped by idea, so an
idea never sits on both sides of a split).
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ValidationError
from ..store.calling import store_argument
from . import features as fx
from .scorer import CLIP, Weights, measure, prefetch

# Regularisation strength: moderate, so no single feature can carry a small training set.
DEFAULT_C = 0.3


@dataclass(frozen=True)
class Pair:
    """One judgement: `better` beats `worse` for `idea` (kind and group are for reporting)."""

    idea: str
    better: str
    worse: str
    kind: str = "pick"
    group: str = ""  # pairs of one group stay in one fold


@dataclass
class Report:
    """Cross-validated pairwise accuracy, overall and per kind."""

    folds: int
    pairs: int
    accuracy: float
    per_kind: dict[str, float] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    # Each pair's hit (1, ½ for a tie, 0) per kind, in a fixed pair order, so two scorers can be
    # compared pair by pair (benchmarks/scoring.py: ties counted strictly, the pairs a group decides).
    hits: dict[str, list[float]] = field(default_factory=dict)


def load_pairs(path: str | Path) -> list[Pair]:
    """Read labelled pairs (JSONL with idea, better, worse, kind) such as tests/data/*.jsonl."""
    out = []
    for n, line in enumerate(Path(path).read_text("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            out.append(
                Pair(row["idea"], row["better"], row["worse"], row.get("kind", "pick"), row["idea"])
            )
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise ValidationError(f"{path}:{n}: not a labelled pair ({exc})") from None
    return out


def featurise(
    pairs: Sequence[Pair], *, semantic: bool = True, cache: bool = False
) -> list[tuple[dict[str, float], dict[str, float]]]:
    """Feature dicts of (better, worse) for every pair (cache=True: on disk, see feature_cache)."""
    from . import feature_cache

    if cache and semantic and (hit := feature_cache.load(pairs)) is not None:
        return hit
    embedded = semantic and prefetch(
        [(text, p.idea) for p in pairs for text in (p.better, p.worse)]
    )
    rows = [
        (
            measure(p.better, p.idea, semantic=semantic)[0],
            measure(p.worse, p.idea, semantic=semantic)[0],
        )
        for p in pairs
    ]
    if cache and embedded:
        feature_cache.save(pairs, rows)
    return rows


def _balance(kinds: Sequence[str] | None, weights: Sequence[float] | None, n: int) -> list[float]:
    """Sample weights that give every kind of pair the same total weight (times `weights`)."""
    base = list(weights) if weights is not None else [1.0] * n
    if not kinds:
        return base
    counts = {k: kinds.count(k) for k in set(kinds)}
    return [b * n / (len(counts) * counts[k]) for b, k in zip(base, kinds, strict=True)]


def fit(
    rows: Sequence[tuple[Mapping[str, float], Mapping[str, float]]],
    *,
    names: Sequence[str] = fx.NAMES,
    c: float = DEFAULT_C,
    weights: Sequence[float] | None = None,
    kinds: Sequence[str] | None = None,
) -> Weights:
    """Fit weights on (better, worse) feature pairs; optional per-pair sample weights and kinds.

    Features of several groups are fitted in two stages: each group alone (its sub-score is the
    "group alone" scorer), then a non-negative mix of the sub-scores, so the combination is
    monotone in every group and cannot turn one group's evidence around. With `kinds`, every kind
    of pair weighs the same in the mix, so a kind with few pairs is not traded for a common one.
    Chosen by cross-validation on the training pairs (`benchmarks/scoring.py --combiners`) against
    one joint fit and monotone gradient boosting over the group sub-scores, which did no better.
    """
    groups = [[n for n in members if n in names] for members in fx.GROUPS.values()]
    groups = [g for g in groups if g]
    if len(groups) < 2:
        return _fit_linear(rows, names=names, c=c, weights=weights)
    return _fit_groups(
        rows, groups, c=c, weights=weights, mix_weights=_balance(kinds, weights, len(rows))
    )


def _fit_groups(
    rows: Sequence[tuple[Mapping[str, float], Mapping[str, float]]],
    groups: Sequence[Sequence[str]],
    *,
    c: float,
    weights: Sequence[float] | None,
    mix_weights: Sequence[float],
) -> Weights:
    """Each group alone, then a non-negative logistic mix of the group sub-scores."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    parts = [_fit_linear(rows, names=g, c=c, weights=weights) for g in groups]
    diffs = np.array(
        [[w.z(b) - w.z(x) for w in parts] for b, x in rows]
    )  # biases cancel in a difference
    x = np.vstack([diffs, -diffs])
    y = np.array([1] * len(diffs) + [0] * len(diffs))
    sample = np.array([*mix_weights, *mix_weights], dtype=float)
    active = list(range(len(parts)))
    mix = [0.0] * len(parts)
    while active:
        # C=1.0 stays: training CV over 3 fold seeds gave 0.912 at C=0.1-0.3, 0.909 at 1.0 and
        # 0.906 at 3.0, differences well inside the noise of 234 pairs (one standard error ~0.02).
        model = LogisticRegression(fit_intercept=False, C=1.0, max_iter=2000)
        model.fit(x[:, active], y, sample_weight=sample)
        fitted = dict(zip(active, model.coef_[0], strict=True))
        if all(v >= 0 for v in fitted.values()):
            for i, v in fitted.items():
                mix[i] = float(v)
            break
        active.remove(min(fitted, key=lambda i: fitted[i]))  # a group pushing backwards
    coef = {k: mix[i] * parts[i].coef[k] for i in range(len(parts)) for k in parts[i].coef}
    mean = {k: v for p in parts for k, v in p.mean.items()}
    scale = {k: v for p in parts for k, v in p.scale.items()}
    w = Weights(coef=coef, mean=mean, scale=scale)
    bias = -float(np.mean([w.z(v) for pair in rows for v in pair]))
    return Weights(coef=coef, mean=mean, scale=scale, bias=bias)


def _fit_linear(
    rows: Sequence[tuple[Mapping[str, float], Mapping[str, float]]],
    *,
    names: Sequence[str],
    c: float,
    weights: Sequence[float] | None,
) -> Weights:
    """One pairwise logistic regression over `names`, every weight kept on its side."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    if len(rows) < 2:
        raise ValidationError("at least two pairs are needed to learn weights")
    everything = [side for pair in rows for side in pair]
    # Centred on each feature's neutral value, not its mean, so that a feature that was not
    # computed (no idea, another language, no MiniLM) contributes exactly nothing.
    mean = {k: fx.NEUTRAL[k] for k in names}
    scale = {
        k: float(np.std([v[k] for v in everything])) or 1.0 for k in names
    }  # a constant feature gets scale 1 and, with L2, weight 0

    def std(v: Mapping[str, float]) -> list[float]:
        # Clipped as at scoring time (Weights.standardise), so fitting sees what scoring sees.
        return [max(-CLIP, min(CLIP, (v[k] - mean[k]) / scale[k])) for k in names]

    diffs = [np.subtract(std(b), std(w)) for b, w in rows]
    x = np.vstack([*diffs, *(-d for d in diffs)])
    y = np.array([1] * len(diffs) + [0] * len(diffs))
    sample = None if weights is None else np.array([*weights, *weights], dtype=float)
    active = list(range(len(names)))
    coef = dict.fromkeys(names, 0.0)
    while active:
        model = LogisticRegression(fit_intercept=False, C=c, max_iter=2000)
        model.fit(x[:, active], y, sample_weight=sample)
        fitted = dict(zip((names[i] for i in active), model.coef_[0], strict=True))
        wrong = [i for i in active if fitted[names[i]] * fx.DIRECTION.get(names[i], 0) < 0]
        if not wrong:
            coef.update({k: float(v) for k, v in fitted.items()})
            break
        # Drop the feature pushing hardest the wrong way, then refit the others.
        worst = max(wrong, key=lambda i: abs(fitted[names[i]]))
        active.remove(worst)
    w = Weights(coef=coef, mean=mean, scale=scale)
    # The bias puts the average training prompt at 0.5 (pairs cannot fix a level).
    bias = -float(np.mean([w.z(v) for v in everything]))
    return Weights(coef=coef, mean=mean, scale=scale, bias=bias)


def accuracy(w: Weights, rows: Iterable[tuple[Mapping[str, float], Mapping[str, float]]]) -> float:
    """Share of pairs where the better prompt scores higher (a tie counts as half)."""
    hits = []
    for b, worse in rows:
        zb, zw = w.z(b), w.z(worse)
        hits.append(1.0 if zb > zw else 0.5 if math.isclose(zb, zw) else 0.0)
    return sum(hits) / len(hits) if hits else float("nan")


def cross_validate(
    pairs: Sequence[Pair],
    rows: Sequence[tuple[dict[str, float], dict[str, float]]],
    *,
    folds: int = 5,
    seed: int = 0,
    c: float = DEFAULT_C,
    names: Sequence[str] = fx.NAMES,
) -> Report:
    """k-fold pairwise accuracy, grouped by idea, overall and per kind."""
    groups = sorted({p.group or p.idea for p in pairs})
    random.Random(seed).shuffle(groups)
    fold_of = {g: i % folds for i, g in enumerate(groups)}
    right: dict[str, list[float]] = {}
    for f in range(folds):
        train = [row for p, row in zip(pairs, rows, strict=True) if fold_of[p.group or p.idea] != f]
        test = [
            (p, row) for p, row in zip(pairs, rows, strict=True) if fold_of[p.group or p.idea] == f
        ]
        if not test or len(train) < 2:
            continue
        kinds = [p.kind for p in pairs if fold_of[p.group or p.idea] != f]
        w = fit(train, c=c, names=names, kinds=kinds)
        for p, row in test:
            right.setdefault(p.kind, []).append(accuracy(w, [row]))
    flat = [x for xs in right.values() for x in xs]
    return Report(
        folds=folds,
        pairs=len(flat),
        accuracy=sum(flat) / len(flat) if flat else float("nan"),
        per_kind={k: sum(v) / len(v) for k, v in sorted(right.items())},
        counts={k: len(v) for k, v in sorted(right.items())},
        hits=right,
    )


def baseline_accuracy(pairs: Sequence[Pair], key: Any) -> Report:
    """Accuracy of a fixed rule `key(text, idea) -> number` (higher wins, ties count half)."""
    right: dict[str, list[float]] = {}
    for p in pairs:
        a, b = key(p.better, p.idea), key(p.worse, p.idea)
        right.setdefault(p.kind, []).append(1.0 if a > b else 0.5 if a == b else 0.0)
    flat = [x for xs in right.values() for x in xs]
    return Report(
        folds=0,
        pairs=len(flat),
        accuracy=sum(flat) / len(flat),
        per_kind={k: sum(v) / len(v) for k, v in sorted(right.items())},
        counts={k: len(v) for k, v in sorted(right.items())},
        hits=right,
    )


__all__ = [
    "DEFAULT_C",
    "Pair",
    "Report",
    "accuracy",
    "baseline_accuracy",
    "cross_validate",
    "featurise",
    "fit",
    "load_pairs",
]


# -- learning from the researcher's picks --------------------------------------------------------
MIN_PICK_PAIRS = 20  # below this, the shipped defaults stay (picks are too few to move weights)
PICK_WEIGHT = 2.0  # a researcher's own pick counts twice a labelled pair: it is their taste
# The hand-labelled training pairs, shipped with the package (scripts/train_scorer.py writes them).
LABELLED = Path(__file__).resolve().parent / "labelled_pairs.jsonl"


@dataclass
class LearnReport:
    """What `learn` did: pairs used, held-out accuracy, and whether weights were stored."""

    pick_pairs: int
    labelled_pairs: int
    stored: bool
    message: str
    cv_accuracy: float | None = None
    picks_cv_accuracy: float | None = None
    default_accuracy_on_picks: float | None = None
    weights: dict[str, float] = field(default_factory=dict)


def pairs_from_picks(store: Any) -> list[Pair]:
    """Pairs implied by the stored picks: pairwise picks as they are, and within one phase of one
    request, every two prompts whose ratings/thumbs differ (higher preferred)."""
    from .rank import human_scores

    pairs = []
    for row in store._preference_rows_with_ideas():
        if row["kind"] == "pairwise" and row["value"] == 1 and row["other_content"] is not None:
            group = row["request_id"] or row["prompt_id"]
            pairs.append(Pair(row["idea"], row["content"], row["other_content"], "pick", group))
    single = [p for p in store.preferences() if p.kind in ("rating", "thumb")]
    judged = human_scores(single)
    by_group: dict[tuple[str, str], list[tuple[float, str, str]]] = {}
    for pid, content, idea in store._prompts_for_scoring(prompt_ids=sorted(judged)):
        prompt = store.get_prompt(pid)
        key = (prompt.request_id or pid, prompt.phase)
        by_group.setdefault(key, []).append((judged[pid], content, idea))
    for (request_id, _), members in by_group.items():
        for hi in members:
            for lo in members:
                if hi[0] > lo[0]:
                    pairs.append(Pair(hi[2], hi[1], lo[1], "pick", request_id))
    return pairs


@store_argument
def learn(
    store: Any,
    *,
    include_labelled: bool = True,
    folds: int = 5,
    min_pairs: int = MIN_PICK_PAIRS,
    dry_run: bool = False,
    labelled_path: str | Path | None = None,
) -> LearnReport:
    """Fit scorer weights from the stored picks (and the labelled pairs); store them and re-rank."""
    from .rank import rescore
    from .scorer import WEIGHTS_KEY, default_weights

    picks = pairs_from_picks(store)
    if len(picks) < min_pairs:
        return LearnReport(
            len(picks),
            0,
            False,
            f"{len(picks)} pairs from picks; {min_pairs - len(picks)} more needed before learning "
            f"(at least {min_pairs}); the current weights stay",
        )
    source = Path(labelled_path) if labelled_path else LABELLED
    labelled = load_pairs(source) if include_labelled and source.exists() else []
    pick_rows = featurise(picks)
    label_rows = featurise(labelled, cache=True) if labelled else []
    # Held-out accuracy on the picks: each fold's picks are predicted by weights fitted on the
    # other folds' picks plus every labelled pair.
    # In the order the picks were made: request ids are random, so sorting them would make the
    # folds (and the reported accuracy) differ between two stores holding the same picks.
    groups = list(dict.fromkeys(p.group for p in picks))
    random.Random(0).shuffle(groups)
    fold_of = {g: i % folds for i, g in enumerate(groups)}
    hits: list[float] = []
    for f in range(folds):
        train = [row for p, row in zip(picks, pick_rows, strict=True) if fold_of[p.group] != f]
        test = [row for p, row in zip(picks, pick_rows, strict=True) if fold_of[p.group] == f]
        if not test or len(train) + len(label_rows) < 2:
            continue
        w = fit(
            [*label_rows, *train],
            weights=[1.0] * len(label_rows) + [PICK_WEIGHT] * len(train),
        )
        hits += [accuracy(w, [row]) for row in test]
    weights = fit(
        [*label_rows, *pick_rows],
        weights=[1.0] * len(label_rows) + [PICK_WEIGHT] * len(pick_rows),
    )
    all_pairs = [*labelled, *picks]
    report = cross_validate(all_pairs, [*label_rows, *pick_rows], folds=folds)
    picks_cv = sum(hits) / len(hits) if hits else None
    baseline = accuracy(default_weights(), pick_rows)
    data = weights.as_dict() | {
        "trained_on": {"labelled": len(labelled), "picks": len(picks)},
        "cv_accuracy": round(report.accuracy, 4),
        "note": f"held-out accuracy on picks {picks_cv:.3f}" if picks_cv is not None else "",
    }
    if not dry_run:
        # One transaction: killed half way, the old weights and the old scores stay together;
        # never new weights beside scores derived from the old ones.
        with store.transaction():
            store.set_config(WEIGHTS_KEY, data, updated_by="alchemy learn")
            rescore(store)
    return LearnReport(
        len(picks),
        len(labelled),
        not dry_run,
        f"learned from {len(picks)} pick pairs and {len(labelled)} labelled pairs"
        + ("" if not dry_run else " (dry run: nothing stored)"),
        cv_accuracy=report.accuracy,
        picks_cv_accuracy=picks_cv,
        default_accuracy_on_picks=baseline,
        weights=weights.coef,
    )
