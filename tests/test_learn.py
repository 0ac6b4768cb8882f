"""Tests for alchemy_kit.scoring.learn: the labelled-set targets, and learning from picks."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from alchemy_kit import records as r
from alchemy_kit.scoring import learn
from alchemy_kit.scoring.heuristic import heuristic_score
from alchemy_kit.scoring.scorer import WEIGHTS_KEY, default_weights
from alchemy_kit.store import Store, open_store

DATA = Path(__file__).resolve().parent / "data"
KINDS = ("padded", "drift", "contradiction", "plain")


@pytest.fixture(scope="session")
def labelled() -> tuple[list[learn.Pair], list]:
    # Cached on disk for the session (conftest's ALCHEMY_CACHE_DIR): `ak.learn` in these tests and
    # in notebook 02's kernel then reuses these rows instead of embedding ~6,000 texts again.
    pairs = learn.load_pairs(DATA / "scoring_pairs.jsonl")
    return pairs, learn.featurise(pairs, cache=True)


def test_labelled_set_is_balanced(labelled) -> None:
    pairs, _ = labelled
    counts = {k: sum(p.kind == k for p in pairs) for k in KINDS}
    assert len(pairs) >= 160 and min(counts.values()) >= 40, counts


def test_default_scorer_meets_the_targets_and_baselines_do_not(labelled) -> None:
    pairs, rows = labelled
    report = learn.cross_validate(pairs, rows, folds=5)
    assert report.accuracy >= 0.85, report
    assert all(report.per_kind[k] >= 0.70 for k in KINDS), report.per_kind

    def longer(text: str, idea: str) -> int:
        return len(text.split())

    def markdown(text: str, idea: str) -> int:
        return sum(bool(re.match(r"\s*(#|[-*]\s|\d+[.)]\s)", ln)) for ln in text.splitlines())

    for rule in (longer, markdown, heuristic_score):
        assert learn.baseline_accuracy(pairs, rule).accuracy <= 0.6, rule


def test_shipped_weights_are_what_the_labelled_set_teaches(labelled) -> None:
    _, rows = labelled
    fitted = learn.fit(rows)
    shipped = default_weights()
    for name, coef in fitted.coef.items():
        assert shipped.coef[name] == pytest.approx(coef, abs=1e-4), name
    assert learn.accuracy(shipped, rows) >= 0.9


def test_holdout_pairs_with_shipped_weights(labelled) -> None:
    pairs = learn.load_pairs(DATA / "scoring_pairs_holdout.jsonl")
    assert learn.accuracy(default_weights(), learn.featurise(pairs)) >= 0.85


# -- learning from picks: a synthetic researcher with a known taste -------------------------------
TOPICS = [
    "a welcome email for new gym members",
    "release notes for a calendar app",
    "a lesson plan on fractions",
    "a summary of a council meeting",
    "a cover letter for a barista job",
    "an FAQ for a bike repair shop",
    "a product description for a desk lamp",
    "a toast for a retirement party",
    "a quiz about the solar system",
    "a memo about a new expense policy",
    "instructions for a board game",
    "a post announcing a bakery's opening hours",
]
AUDIENCES = ["new members", "existing customers", "year 6 pupils", "local residents"]


def _prompt(topic: str, with_audience: bool, rng: random.Random) -> str:
    closing = rng.choice(
        ["Keep it under 200 words.", "Use short paragraphs.", "Use plain words throughout."]
    )
    middle = (
        f"It is written for {rng.choice(AUDIENCES)}, who read it on their phones."
        if with_audience
        else "It should read well on a phone screen and stay easy to scan."
    )
    return f"Write {topic}. {middle} Include one concrete example. {closing}"


def _researcher_store(tmp_path: Path, n_requests: int) -> Store:
    """Requests with two variants each; the researcher always prefers the one naming an audience
    (a taste the shipped weights ignore: their audience weight is 0)."""
    store = open_store(tmp_path / "picks.db")
    rng = random.Random(5)
    for i in range(n_requests):
        topic = TOPICS[i % len(TOPICS)]
        req = r.Request(input=f"Write {topic}", count=2)
        liked, other = (
            r.Prompt(
                content=_prompt(topic, flag, rng),
                phase="coagulatio",
                provider="local",
                model="m",
                request_id=req.id,
            )
            for flag in (True, False)
        )
        store.add([req], [liked, other])
        store.add_preferences(
            [r.Preference("pairwise", liked.id, 1, "synthetic", other_prompt_id=other.id)]
        )
    return store


def test_learned_weights_recover_a_known_preference(tmp_path: Path) -> None:
    store = _researcher_store(tmp_path, 48)
    report = learn.learn(store, include_labelled=False)
    assert report.stored and report.pick_pairs == 48
    assert report.picks_cv_accuracy is not None and report.picks_cv_accuracy >= 0.9
    assert report.default_accuracy_on_picks is not None
    assert report.picks_cv_accuracy > report.default_accuracy_on_picks
    saved = store.get_config(WEIGHTS_KEY)
    assert saved["trained_on"] == {"labelled": 0, "picks": 48} and saved["coef"]["audience"] > 0
    # re-ranked with the new weights: in every request the liked variant is now first
    prompts = store.list_prompts(limit=None, order_by="rowid")
    for liked, other in zip(prompts[::2], prompts[1::2], strict=True):
        assert store.get_prompt(liked.id).rank == 1 and store.get_prompt(other.id).rank == 2


def test_too_few_picks_keep_the_defaults(tmp_path: Path) -> None:
    store = _researcher_store(tmp_path, 5)
    report = learn.learn(store)
    assert not report.stored and "15 more needed" in report.message
    assert store.get_config(WEIGHTS_KEY, None) is None
