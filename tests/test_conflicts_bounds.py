"""Tests for alchemy_kit.scoring.conflicts_bounds: one bound stated twice, incompatibly, quoted."""

from __future__ import annotations

import pytest

import alchemy_kit as ak
from alchemy_kit.scoring.conflicts import find_conflicts
from alchemy_kit.scoring.conflicts_bounds import RULES
from alchemy_kit.scoring.features_text import Text


def kinds(text: str) -> list[str]:
    """The kinds of bound conflict found by this module's rules."""
    t = Text.of(text)
    return [kind for kind, rule in RULES if rule(t)]


@pytest.mark.parametrize(
    ("bad", "good", "kind"),
    [
        (
            "Fieldwork begins on 14 October and the survey report is due by 30 September.",
            "Fieldwork begins on 14 September and the survey report is due by 30 October.",
            "starts after its deadline",
        ),
        (
            "Write the tenancy notice for residents who cannot read Polish. Write it in Polish.",
            "Write the tenancy notice for residents who cannot read English. Write it in Polish.",
            "written in a language its reader cannot read",
        ),
        (
            "Members get unlimited guest passes. Guests: up to 2 guest passes a month.",
            "Members get unlimited towels. Guests: up to 2 guest passes a month.",
            "unlimited, yet capped",
        ),
        (
            "Return the result as a JSON object. Format the answer as a CSV file.",
            "Return the result as a JSON object. Put the CSV export path in its `file` key.",
            "two formats for the whole answer",
        ),
        (
            "Give the comparison as a table. Use flowing prose with no tables anywhere.",
            "Give the comparison as a table. Use flowing prose with no tables in the summary.",
            "a format forbidden and asked for",
        ),
        (
            "Write a 400-word op-ed on bike lanes. It must be at least 700 words long.",
            "Write a 400-word op-ed on bike lanes. Keep the headline under 9 words.",
            "a length that its own limit rules out",
        ),
        (
            "Plan two yoga classes a week for the office, and a yoga class every day at noon.",
            "Plan two yoga classes a week for the office, and a short stretch every day at noon.",
            "one thing at two rates",
        ),
    ],
)
def test_each_rule_fires_on_the_conflict_and_not_on_its_fix(bad: str, good: str, kind: str) -> None:
    assert kind in kinds(bad)
    assert kinds(good) == []


def test_an_invitation_deadline_before_the_event_is_no_conflict() -> None:
    # An RSVP "by" a date is not the end of the work that starts later.
    assert kinds("The party starts on 3 May. Please RSVP by 20 April.") == []
    # Different years: a start in December 2024 comes before a January 2025 deadline.
    assert kinds("Work starts on 2 December 2024 and must be finished by 10 January 2025.") == []


def test_opposed_aspects_are_found_within_one_sentence() -> None:
    found = find_conflicts(Text.of("Keep the cache in memory only, and it must survive restarts."))
    assert [c.kind for c in found] == ["opposed storage"]
    assert found[0].first == "Keep the cache in memory only"


def test_a_bound_conflict_is_quoted_in_the_explanation() -> None:
    text = "Write the launch plan. Work starts on 12 June and everything must be live by 1 June."
    b = ak.explain_score(text, "a launch plan")
    quoted = [c for c in b.conflicts if c["kind"] == "starts after its deadline"]
    assert quoted and "12 June" in quoted[0]["first"] and "1 June" in quoted[0]["second"]
