"""Tests for alchemy_kit.scoring.scorer and its features: each component moves the right way.

The hand-made pairs here are written for these tests (not taken from the labelled set): the same
prompt with one defect added, so a component can only pass by reacting to that defect.
"""

from __future__ import annotations

import pytest

import alchemy_kit as ak
from alchemy_kit.errors import ValidationError
from alchemy_kit.scoring import features as fx
from alchemy_kit.scoring.conflicts import rule_conflicts
from alchemy_kit.scoring.features_text import Text, quantities
from alchemy_kit.scoring.scorer import default_weights, explain

IDEA = (
    "Write a product update email to our 2,000 beta users announcing offline mode, under 150 words."
)
GOOD = (
    "Write a product update email to our 2,000 beta users announcing that offline mode is now "
    "available in version 3.2. Audience: busy beta testers who already use the app daily. "
    "Keep it under 150 words. Structure: a subject line under 50 characters, one paragraph on what "
    "offline mode does (edit notes without a connection, sync when back online), one sentence on "
    "how to turn it on in Settings, and a closing line inviting feedback at beta@example.com. "
    "Use a friendly, plain tone."
)


def f(text: str, idea: str = IDEA) -> dict[str, float]:
    """Features without MiniLM (fast and deterministic)."""
    return fx.extract(text, idea, None)


def test_padding_raises_filler_buzzwords_and_repetition() -> None:
    padded = (
        "It is very important that you really make sure the email is truly excellent and "
        "world-class. " + GOOD + " Remember: keep it under 150 words. "
        "Leverage our cutting-edge synergies to deliver a seamless, game-changing experience."
    )
    good, bad = f(GOOD), f(padded)
    assert bad["filler"] > good["filler"]
    assert bad["intensifiers"] > good["intensifiers"]
    assert bad["buzzwords"] > good["buzzwords"]
    assert bad["repetition"] > good["repetition"]
    assert ak.score_text(padded, IDEA) < ak.score_text(GOOD, IDEA)


@pytest.mark.parametrize(
    ("added", "kind"),
    [
        (" The email must be at least 400 words long.", "conflicting limits"),
        (
            " Do not mention the Settings screen. Describe the Settings screen step by step.",
            "forbids what it asks for",
        ),
        (" Use a formal, corporate register. Make it chatty and full of slang.", "opposed styles"),
        (
            " Return only the email text, with no commentary. Then explain your reasoning in a "
            "paragraph.",
            "output-only yet discursive",
        ),
        (" Write the whole email in Python. Then port it to Ruby.", "two target languages"),
    ],
)
def test_contradictions_are_found_and_lower_the_score(added: str, kind: str) -> None:
    assert rule_conflicts(Text.of(GOOD), IDEA) == []
    found = rule_conflicts(Text.of(GOOD + added), IDEA)
    assert kind in found, found
    assert f(GOOD + added)["contradictions"] >= 1
    assert ak.score_text(GOOD + added, IDEA) < ak.score_text(GOOD, IDEA)


def test_too_much_for_the_length_allowed() -> None:
    text = GOOD + " Cover all twelve release notes in detail, each with a worked example."
    assert "too much for the length allowed" in rule_conflicts(Text.of(text), IDEA)


def test_drift_changed_numbers_and_missing_anchors() -> None:
    drifted = GOOD.replace("2,000 beta users", "beta users").replace("under 150", "under 400")
    good, bad = f(GOOD), f(drifted)
    assert bad["changed_numbers"] > good["changed_numbers"] == 0
    assert bad["anchors"] < good["anchors"] == 1.0
    assert ak.score_text(drifted, IDEA) < ak.score_text(GOOD, IDEA)


def test_drift_in_meaning_lowers_minilm_similarity() -> None:
    off_topic = GOOD.replace("offline mode", "a new pricing plan").replace(
        "edit notes without a connection, sync when back online", "cheaper annual billing"
    )
    good = explain(GOOD, IDEA)
    bad = explain(off_topic, IDEA)
    if not good.semantic:
        pytest.skip("MiniLM unavailable here")
    assert bad.features["similarity"] < good.features["similarity"]
    assert bad.score < good.score


def test_missing_essentials_and_one_liners() -> None:
    one_liner = "Email our beta users about offline mode."
    good, bad = f(GOOD), f(one_liner)
    assert (good["task"], good["format"], good["audience"]) == (1.0, 1.0, 1.0)
    assert bad["format"] == 0.0 and bad["length"] < 0.2
    b = explain(one_liner, IDEA)
    assert "missing: no output format" in b.issues and b.score < explain(GOOD, IDEA).score


def test_a_clear_paragraph_beats_a_bulleted_mess() -> None:
    mess = "\n".join(
        [
            "# Email",
            "- email",
            "- offline mode stuff",
            "- make it really good etc",
            "- and so on",
            "## Notes",
            "- various things as needed",
        ]
    )
    assert ak.score_text(GOOD, IDEA) > ak.score_text(mess, IDEA)


def test_quantities_read_limits_and_counts() -> None:
    qs = {(q.unit, q.low, q.kind) for q in quantities("under 150 words, exactly three bullets")}
    assert qs == {("word", 150, "max"), ("bullet", 3, "exact")}


def test_score_is_bounded_deterministic_and_explained() -> None:
    a, b = explain(GOOD, IDEA), explain(GOOD, IDEA)
    assert 0 < a.score < 1 and a.score == b.score
    assert set(a.features) == set(fx.NAMES)
    assert set(a.contributions) == set(default_weights().coef)
    details = a.as_details()
    assert details["source"] == "scorer" and details["weights"] == "default"
    assert ak.score_text("", IDEA) < 0.2
    with pytest.raises(ValidationError):
        ak.score_text(None, IDEA)  # type: ignore[arg-type]


def test_weights_keep_the_direction_of_every_feature() -> None:
    w = default_weights()
    for name, coef in w.coef.items():
        assert coef * fx.DIRECTION[name] >= 0, name
    assert w.cv_accuracy is not None and w.cv_accuracy >= 0.85


def test_malformed_weights_are_refused() -> None:
    data = default_weights().as_dict()
    data["coef"] = {"no_such_feature": 1.0}
    with pytest.raises(ValidationError, match="do not fit"):
        ak.explain_score(GOOD, IDEA, weights=type(default_weights()).from_dict(data))


def test_scoring_reads_a_bounded_prefix() -> None:
    """A huge prompt costs what its first MAX_SCORED_CHARS characters cost (18.7)."""
    from alchemy_kit.scoring.heuristic import components
    from alchemy_kit.scoring.scorer import MAX_SCORED_CHARS, explain

    huge = "Summarise the trial results for patients in plain words. " * 200_000  # 11 MB
    cut = huge[:MAX_SCORED_CHARS]
    idea = "Summarise a clinical trial for patients"
    assert (
        explain(huge, idea, semantic=False).features == explain(cut, idea, semantic=False).features
    )
    assert components(huge, idea) == components(cut, idea)
