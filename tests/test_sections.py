"""Tests for alchemy_kit.scoring.sections: a heading counts only when its body says something."""

from __future__ import annotations

import pytest

from alchemy_kit.scoring.sections import filled_text, hollow_items, hollow_reason, sections


@pytest.mark.parametrize(
    ("heading", "body", "reason"),
    [
        ("Audience", "", "empty"),
        ("Audience", "—", "empty"),
        ("Audience", "[target audience]", "placeholder"),
        ("Dates", "[from] – [to]", "placeholder"),
        ("Format", "TBD", "placeholder"),
        ("Context", "To be confirmed.", "placeholder"),
        ("Notes", "See above.", "placeholder"),
        ("KPIs", "KPI 1", "placeholder"),
        ("History", "Our history.", "restates"),
        ("Tone", "Appropriate tone.", "restates"),
        ("Audience", "Night-shift nurses on ward 7.", None),
        ("Format", "Three bullets, each under 15 words.", None),
        ("Greeting", "Hello {name},", None),  # a template variable is content
    ],
)
def test_hollow_reason(heading: str, body: str, reason: str | None) -> None:
    assert hollow_reason(heading, body) == reason


def test_sections_are_read_in_every_style() -> None:
    text = (
        "# Brief\n## Audience\nTBD\n**Tone:** warm and plain\nFormat: N/A\n"
        "Requirements:\n- Must cite: the 2023 annual report\n"
    )
    found = {s.heading: s.hollow for s in sections(text)}
    assert found == {
        "Audience": "placeholder",
        "Tone": None,
        "Format": "placeholder",
        "Must cite": None,
    }  # "# Brief" and "Requirements:" hold sections and lists: they are not empty themselves


def test_hollow_items_and_filled_text() -> None:
    text = (
        "Checklist:\n- [ ] Item\n- [ ] Turn off the water\n- KPI 2\n## Format\nTBD\n"
        "## Crew\nThe Tuesday night crew."
    )
    assert hollow_items(text) == 2
    kept = filled_text(text)
    assert "Turn off the water" in kept and "Tuesday night crew" in kept
    assert "TBD" not in kept and "KPI 2" not in kept and "- [ ] Item" not in kept


def test_english_phrases_only_judge_english() -> None:
    assert hollow_reason("Ton", "approprié", english=False) is None
    assert hollow_reason("Ton", "TBD", english=False) == "placeholder"
    assert hollow_reason("Ton", "[ton]", english=False) == "placeholder"
