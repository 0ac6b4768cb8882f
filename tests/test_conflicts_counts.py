"""Tests for alchemy_kit.scoring.conflicts_counts: conflicts found by counting, quoted."""

from __future__ import annotations

import pytest

import alchemy_kit as ak
from alchemy_kit.scoring.conflicts_counts import counting_conflicts
from alchemy_kit.scoring.features_text import Text


def kinds(text: str) -> list[str]:
    """The kinds of counting conflict found."""
    return [kind for kind, _, _ in counting_conflicts(Text.of(text))]


@pytest.mark.parametrize(
    ("bad", "good", "kind"),
    [
        (
            "Plan a 45-minute workshop: 20 minutes of talk, 20 minutes of exercises and "
            "15 minutes of questions.",
            "Plan a 45-minute workshop: 20 minutes of talk, 15 minutes of exercises and "
            "10 minutes of questions.",
            "parts add up to more than the whole",
        ),
        (
            "Structure the memo in four parts: background, options and a recommendation.",
            "Structure the memo in three parts: background, options and a recommendation.",
            "a count its own list contradicts",
        ),
        (
            "Purge backups older than 14 days from /srv/backup. Retain everything from the last "
            "30 days for the auditors.",
            "Purge backups older than 30 days from /srv/backup. Retain everything from the last "
            "14 days for the auditors.",
            "removes what it must keep",
        ),
    ],
)
def test_each_rule_fires_on_the_conflict_and_not_on_its_fix(bad: str, good: str, kind: str) -> None:
    assert kind in kinds(bad)
    assert kinds(good) == []


def test_lists_of_long_items_measures_and_per_item_limits_are_not_counted() -> None:
    assert (
        kinds("Cover two themes: the legal gap in the current refugee conventions worldwide.") == []
    )
    assert kinds("Keep the headline to two lines: revenue, margin, churn and cash.") == []
    assert kinds("Data for 60 students: weekly study hours and final grade.") == []
    assert kinds("Under 300 words: a 50-word intro and a 100-word conclusion.") == []
    assert kinds("A 30-minute talk with 3 demos, each 12 minutes long.") == []


def test_a_counting_conflict_is_quoted_in_the_explanation() -> None:
    text = "Write the report in three sections: context, method, results and risks."
    b = ak.explain_score(text, "a short project report")
    assert any(c["kind"] == "a count its own list contradicts" for c in b.conflicts)
    assert any("4 named" in c["second"] for c in b.conflicts)
