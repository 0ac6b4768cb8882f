"""Tests for alchemy_kit.scoring.learn: the labelled-set targets, and learning from picks."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from alchemy_kit import records as r
from alchemy_kit.scoring import learn
from alchemy_kit.scoring.baseline import baseline_score
from alchemy_kit.scoring.scorer import WEIGHTS_KEY, default_weights
from alchemy_kit.store import Store, open_store

DATA = Path(__file__).resolve().parent / "data"
KINDS = ("padded", "drift", "contradiction", "plain")
ADVERSARIAL = ("terse", "vague", "hidden_conflict", "hollow")


@pytest.fixture(scope="session")
def labelled() -> tuple[list[learn.Pair], list]:
    # Cached on disk for the session (conftest's ALCHEMY_CACHE_DIR): `ak.learn` in these tests and
    # in notebook 02's kernel then reuses these rows instead of embedding the texts again.
    pairs = learn.load_pairs(learn.LABELLED)
    return pairs, learn.featurise(pairs, cache=True)


def test_labelled_set_is_balanced(labelled) -> None:
    pairs, _ = labelled
    counts = {k: sum(p.kind == k for p in pairs) for k in KINDS}
    adversarial = {k: sum(p.kind == k for p in pairs) for k in ADVERSARIAL}
    assert min(counts.values()) >= 40 and min(adversarial.values()) >= 12, (counts, adversarial)


def test_training_and_held_out_sets_share_no_idea() -> None:
    train = {p.idea for p in learn.load_pairs(learn.LABELLED)}
    for name in ("scoring_pairs_holdout.jsonl", "adversarial_holdout.jsonl"):
        held = {p.idea for p in learn.load_pairs(DATA / name)}
        assert not train & held, name


def test_default_scorer_meets_the_targets_and_baselines_do_not(labelled) -> None:
    pairs, rows = labelled
    report = learn.cross_validate(pairs, rows, folds=5)
    assert report.accuracy >= 0.85, report
    assert all(report.per_kind[k] >= 0.70 for k in KINDS if k != "contradiction"), report
    assert report.per_kind["contradiction"] >= 0.65, report.per_kind

    def longer(text: str, idea: str) -> int:
        return len(text.split())

    def markdown(text: str, idea: str) -> int:
        return sum(bool(re.match(r"\s*(#|[-*]\s|\d+[.)]\s)", ln)) for ln in text.splitlines())

    for rule in (longer, markdown, baseline_score):
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
    adversarial = [
        p for p in learn.load_pairs(DATA / "adversarial_holdout.jsonl") if p.kind != "translation"
    ]
    assert learn.accuracy(default_weights(), learn.featurise(adversarial)) >= 0.8


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
    (a taste the shipped weights ignore: their no_audience weight is 0)."""
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
    assert saved["trained_on"] == {"labelled": 0, "picks": 48} and saved["coef"]["no_audience"] < 0
    # re-ranked with the new weights: in every request the liked variant is now first
    prompts = store.list_prompts(limit=None, order_by="rowid")
    for liked, other in zip(prompts[::2], prompts[1::2], strict=True):
        assert store.get_prompt(liked.id).rank == 1 and store.get_prompt(other.id).rank == 2


def test_too_few_picks_keep_the_defaults(tmp_path: Path) -> None:
    store = _researcher_store(tmp_path, 5)
    report = learn.learn(store)
    assert not report.stored and "15 more needed" in report.message
    assert store.get_config(WEIGHTS_KEY, None) is None


def test_learn_killed_while_rescoring_leaves_weights_and_scores_together(tmp_path: Path) -> None:
    """A kill after the weights are written but before every score is re-derived: a real
    SIGKILL in a child process at that exact point. The weights and the scores are one
    transaction, so the file holds the old weights with the old scores."""
    import os
    import signal
    import subprocess
    import sys

    store = _researcher_store(tmp_path, 24)
    before = {p.id: (p.score, p.rank) for p in store.list_prompts(limit=None)}
    store.close()
    code = (
        "import os, signal, sys\n"
        "from alchemy_kit.scoring import rank, learn\n"
        "from alchemy_kit.store import open_store\n"
        "real = rank.rescore\n"
        "def dying(store, *a, **k):\n"
        "    real(store, *a, **k)\n"  # every score written (uncommitted), then the kill
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
        "rank.rescore = dying\n"
        "learn.learn(open_store(sys.argv[1]), include_labelled=False)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "picks.db")],
        env=os.environ | {"PYTHONPATH": str(Path(__file__).resolve().parents[1])},
        capture_output=True,
    )
    assert done.returncode == -signal.SIGKILL, done.stderr[-500:]
    store = open_store(tmp_path / "picks.db")
    assert store.get_config(WEIGHTS_KEY, None) is None
    assert {p.id: (p.score, p.rank) for p in store.list_prompts(limit=None)} == before
    # The same run, not killed, stores both.
    assert learn.learn(store, include_labelled=False).stored
    assert store.get_config(WEIGHTS_KEY)["trained_on"]["picks"] == 24
