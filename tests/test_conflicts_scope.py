"""Tests for alchemy_kit.scoring.conflicts_scope and the round-6 narrowing of the older rules."""

from __future__ import annotations

import pytest

from alchemy_kit.scoring.conflicts import find_conflicts
from alchemy_kit.scoring.conflicts_scope import RULES
from alchemy_kit.scoring.features_text import Text


def kinds(text: str) -> list[str]:
    """The kinds of scope conflict found by this module's rules."""
    t = Text.of(text)
    return [kind for kind, rule in RULES if rule(t)]


def all_kinds(text: str, idea: str = "") -> list[str]:
    """Every conflict kind the scorer finds."""
    return [c.kind for c in find_conflicts(Text.of(text), idea)]


@pytest.mark.parametrize(
    ("bad", "good", "kind"),
    [
        (
            "Keep the toast to about 150 words, a strict limit. "
            "Thank each of the 9 volunteers by name, with a short story about every one of them.",
            "Keep the toast to about 150 words, a strict limit. "
            "Thank the 9 volunteers as a group, with one short story about the whole team.",
            "too much for the length allowed",
        ),
        (
            "Use only surveys from 2021 onwards. Compare prices using the 2010 to 2014 surveys only.",
            "Use only surveys from 2021 onwards. Compare prices using the 2021 to 2024 surveys only.",
            "two year spans with no year in common",
        ),
        (
            "Review the 8 support tickets pasted below. Say how many of the 11 tickets mention "
            "billing.",
            "Review the 8 support tickets pasted below. Say how many of the 8 tickets mention "
            "billing.",
            "one set given two sizes",
        ),
        (
            "Create a CSV file of exactly 30 sample products. "
            "For the load test, generate 200 rows so the import runs long enough.",
            "Create a CSV file of exactly 30 sample products. "
            "For the load test, repeat the file until the import runs long enough.",
            "an exact count and a different count to produce",
        ),
        (
            "Do not add any new dependencies to the service. Parse the dates with dayjs and fetch "
            "the feed with axios.",
            "Do not add any new dependencies to the service. Parse the dates with the built-in Date "
            "object and fetch the feed with fetch().",
            "no new dependencies, yet a third-party package",
        ),
        (
            "Write the migration without any triggers. Keep the audit log current with a trigger "
            "on every insert.",
            "Write the migration without any triggers. Keep the audit log current from the "
            "application code on every insert.",
            "forbids a thing it asks for",
        ),
        (
            "Write a lullaby for toddlers about a lost kitten. End with the kitten starving alone "
            "in the rain.",
            "Write a lullaby for toddlers about a lost kitten. Nothing frightening: no grim ending, "
            "the kitten is found and falls asleep at home.",
            "too dark for its young readers",
        ),
        (
            "A gentle three-day museum trip: no more than three exhibits per day, with breaks. "
            "We want to see all 12 of the famous exhibits over the three days.",
            "A gentle three-day museum trip: no more than three exhibits per day, with breaks. "
            "We want to see all 9 of the famous exhibits over the three days.",
            "more in total than the daily cap allows",
        ),
        (
            "Write the launch announcement, and do not mention any release date yet. "
            "Say that the app ships on 2 March to every customer.",
            "Write the launch announcement, and do not mention any release date yet. "
            "Say that the app ships soon to every customer.",
            "a kind of value kept out, yet asked for",
        ),
        (
            "Describe each supplier in words only, with no numbers in the summary. "
            "Rate reliability on a 1 to 10 scale for each supplier.",
            "Describe each supplier in words only, with no numbers in the summary. "
            "Rate reliability as high, medium or low for each supplier.",
            "a kind of value kept out, yet asked for",
        ),
        (
            "Parse invoice dates written month first, as in the US. Read 04/07/2025 as the 4th "
            "of July.",
            "Parse invoice dates written month first, as in the US. Read 04/07/2025 as April 7.",
            "a date read against its declared order",
        ),
        (
            "Build the admin dashboard with a minimum layout width of 1024 px. "
            "Add a breakpoint at 640 px that stacks the cards for phones.",
            "Build the admin dashboard with a minimum layout width of 320 px. "
            "Add a breakpoint at 640 px that stacks the cards for phones.",
            "a width below its own minimum",
        ),
    ],
)
def test_each_form_fires_on_its_conflict_and_not_on_a_near_miss(
    bad: str, good: str, kind: str
) -> None:
    assert kind in kinds(bad)
    assert kind not in kinds(good)


def test_a_forbidden_kind_of_thing_does_not_forbid_the_thing() -> None:
    """'no slant rhymes' forbids one kind of rhyme, so a rhyme scheme is not asked against it."""
    assert "forbids a thing it asks for" not in kinds(
        "Write a sonnet with a strict rhyme scheme. No slant rhymes anywhere in it."
    )
    assert "forbids a thing it asks for" in kinds(
        "Write a sonnet with a slant rhyme in every couplet. No slant rhymes anywhere in it."
    )


def test_an_act_forbidden_as_a_noun_meets_the_act_asked_for() -> None:
    """'without any proxy' meets 'Proxy every request'; a saying verb is not the noun it spells."""
    assert kinds("Serve the app on port 80 without any proxy. Proxy every request through nginx.")
    assert not kinds("Keep no global state between calls. State the complexity of each step.")


def test_a_package_allowed_in_the_same_statement_is_allowed() -> None:
    """'no new dependencies; pandas is already installed' allows pandas."""
    text = "No new dependencies; pandas is already installed. Load the file with pandas."
    assert "no new dependencies, yet a third-party package" not in kinds(text)


def test_overlapping_year_spans_and_a_baseline_year_are_not_conflicts() -> None:
    """A span without 'only' is a comparison, not a second allowed span."""
    assert not kinds("Use only data from 2020 onwards. Compare it with 2015 as a baseline.")
    assert not kinds("Use only data from 2018 onwards. Show the trend from 2019 to 2023 only.")


def test_working_offline_against_a_cloud_api() -> None:
    """A tool that must work offline cannot send its data to a web service."""
    bad = "The tool must work offline. Upload each file to the Acme cloud API for conversion."
    good = "The tool must work offline. Convert each file locally with the bundled converter."
    assert "opposed network" in all_kinds(bad)
    assert "opposed network" not in all_kinds(good)


def test_as_plain_language_names_a_second_target_language() -> None:
    """'as plain JavaScript' names a target language as 'in TypeScript' does."""
    bad = "Write the parser in Rust with full type safety. Deliver it as plain Python in one file."
    good = "Write the parser in Rust with full type safety. Deliver it as one file with tests."
    assert "two target languages" in all_kinds(bad)
    assert "two target languages" not in all_kinds(good)


def test_a_cap_on_a_named_part_does_not_bound_the_whole_answer() -> None:
    """'a headline under 8 words' caps the headline, not the page that also has four questions."""
    text = (
        "Landing page: a headline under 8 words and a one-line subheading. "
        "Then an FAQ with four questions and a short answer to each."
    )
    assert "too much for the length allowed" not in all_kinds(text)


def test_a_size_in_a_conditional_or_a_quoted_example_does_not_cap_the_answer() -> None:
    """'if something is missing, say so in one line' caps that note only."""
    text = (
        "If a requirement is missing, state your assumption in one line and continue. "
        "End with a short design note of 3-5 bullets on the trade-offs."
    )
    assert "too much for the length allowed" not in all_kinds(text)


def test_each_with_its_own_heading_asks_for_headings() -> None:
    """'no headings' then 'five sections, each with its own heading' is a format asked and forbidden."""
    bad = "The body is one paragraph with no headings. Split it into five sections, each with its own heading."
    good = "The body is one paragraph with no headings. Split it into five short sentences."
    assert "a format forbidden and asked for" in all_kinds(bad)
    assert "a format forbidden and asked for" not in all_kinds(good)


def test_opposed_ends_in_one_sentence_after_with_and_a_ruled_out_end() -> None:
    """', with' starts a second clause; 'no sprints until week 4' rules the other end out."""
    bad = "Keep the first month gentle and low-impact, with daily sprint intervals from day one."
    good = "Keep the first month gentle and low-impact, with no sprints or box jumps until week 5."
    assert "opposed pace" in all_kinds(bad)
    assert "opposed pace" not in all_kinds(good)


def test_a_minimum_image_width_is_not_the_page_width() -> None:
    """'images at least 1200 px wide' bounds the images, so a 768 px breakpoint is fine."""
    text = "Keep the gallery images at least 1200 px wide. Add a breakpoint at 768 px."
    assert "a width below its own minimum" not in kinds(text)


def test_a_size_used_as_a_label_does_not_cap_the_answer() -> None:
    """'In one sentence: …' labels a summary; the brief after it may list several headings."""
    label = (
        "**In one sentence:** write a guide to onboarding new hires. "
        "Cover five sections, each with a paragraph and an example."
    )
    cap = "Answer in one sentence. Cover five sections, each with a paragraph and an example."
    assert "too much for the length allowed" not in all_kinds(label)
    assert "too much for the length allowed" in all_kinds(cap)
