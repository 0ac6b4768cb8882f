"""Tests for alchemy_kit.scoring.scorer and its features: each component moves the right way.

The prompts here are written for these tests (not taken from the labelled sets): the same prompt
with one defect added, so a component can only pass by reacting to that defect.
"""

from __future__ import annotations

import warnings

import pytest

import alchemy_kit as ak
from alchemy_kit.errors import ValidationError
from alchemy_kit.scoring import features as fx
from alchemy_kit.scoring.conflicts import rule_conflicts
from alchemy_kit.scoring.features_text import Text, quantities
from alchemy_kit.scoring.scorer import Weights, default_weights, explain

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
    """Feature values."""
    return fx.extract(text, idea)


def test_padding_raises_filler_buzzwords_and_restatement() -> None:
    padded = (
        "It is very important that you really make sure the email is truly excellent and "
        "world-class. " + GOOD + " Remember: keep it under 150 words. "
        "Leverage our cutting-edge synergies to deliver a seamless, game-changing experience."
    )
    good, bad = f(GOOD), f(padded)
    assert bad["filler"] > good["filler"]
    assert bad["intensifiers"] > good["intensifiers"]
    assert bad["buzzwords"] > good["buzzwords"]
    assert bad["redundancy"] > good["redundancy"]
    assert ak.score_text(padded, IDEA) < ak.score_text(GOOD, IDEA)


@pytest.mark.parametrize(
    ("added", "kind"),
    [
        (" The email must be at least 400 words long.", "conflicting limits"),
        (
            " Do not mention the Settings screen. Mention the Settings screen twice.",
            "forbids what it asks for",
        ),
        (" Use a formal, corporate register. Make it chatty and full of slang.", "opposed styles"),
        (
            " Return only the email text, with no commentary. Then explain your reasoning in a "
            "paragraph.",
            "output-only yet discursive",
        ),
        (" Write the whole email in Python. Then port it to Ruby.", "two target languages"),
        (" List the new features from newest first. Order them oldest first.", "opposed order"),
    ],
)
def test_contradictions_are_found_quoted_and_lower_the_score(added: str, kind: str) -> None:
    assert rule_conflicts(Text.of(GOOD), IDEA) == []
    found = rule_conflicts(Text.of(GOOD + added), IDEA)
    assert kind in found, found
    assert f(GOOD + added)["contradictions"] >= 1
    b = explain(GOOD + added, IDEA)
    quoted = [c for c in b.conflicts if c["kind"] == kind]
    assert quoted and quoted[0]["first"] != quoted[0]["second"]
    assert quoted[0]["first"] in GOOD + added and quoted[0]["second"] in GOOD + added
    assert any(i.startswith(f"contradiction ({kind})") for i in b.issues)
    assert ak.score_text(GOOD + added, IDEA) < ak.score_text(GOOD, IDEA)


def test_descriptions_and_scoped_prohibitions_are_not_contradictions() -> None:
    fine = (
        "Rename every photo by its EXIF date. Files with no EXIF date stay as they are. "
        "Use Pillow to read EXIF. Do not overwrite a file when two photos share a timestamp; "
        "append a counter instead. Avoid questions about age. Ask three questions about the job."
    )
    assert rule_conflicts(Text.of(fine), "Rename photos by date") == []


def test_too_much_for_the_length_allowed() -> None:
    text = GOOD + " Cover all twelve release notes in detail, each with a worked example."
    assert "too much for the length allowed" in rule_conflicts(Text.of(text), IDEA)
    sms = "Write the reminder as one SMS, under 160 characters. Add a table of opening hours."
    assert "too much for the length allowed" in rule_conflicts(Text.of(sms), "")
    # A size stated as the answer's shape caps it too; a size of each item does not.
    one = "Summarise the report in one sentence. Include three worked examples."
    assert "too much for the length allowed" in rule_conflicts(Text.of(one), "")
    each = "Explain each step in one sentence. Include three worked examples."
    assert rule_conflicts(Text.of(each), "") == []


def test_a_range_bounds_from_both_sides() -> None:
    text = "Passwords must be 8 to 10 characters long. Require at least 12 characters."
    assert "conflicting limits" in rule_conflicts(Text.of(text), "")
    fine = "Passwords must be 12 to 16 characters long. Require at least 12 characters."
    assert rule_conflicts(Text.of(fine), "") == []


def test_drift_changed_numbers_and_missing_anchors() -> None:
    drifted = GOOD.replace("2,000 beta users", "beta users").replace("under 150", "under 400")
    good, bad = f(GOOD), f(drifted)
    assert bad["numbers_kept"] < good["numbers_kept"] == 1.0
    assert bad["anchors"] < good["anchors"] == 1.0
    assert ak.score_text(drifted, IDEA) < ak.score_text(GOOD, IDEA)


def test_a_terse_complete_prompt_beats_a_template_restating_it() -> None:
    idea = "A haiku about the first frost for my garden club's newsletter."
    terse = "Haiku (5-7-5) on the first frost for a garden club newsletter: one image, no title."
    template = "\n".join(
        [
            "## Role",
            "You are a poet.",
            "## Task",
            "Write a haiku about the first frost.",
            "## Context",
            "The haiku is for a garden club newsletter.",
            "## Format",
            "A haiku, in the usual format.",
            "## Tone",
            "Appropriate tone.",
            "## Requirements",
            "- The haiku should be about the first frost.",
            "- The haiku should suit a garden club newsletter.",
            "## Output",
            "The haiku.",
        ]
    )
    assert f(template, idea)["hollow"] > f(terse, idea)["hollow"] == 0
    assert f(template, idea)["redundancy"] > f(terse, idea)["redundancy"]
    assert ak.score_text(terse, idea) > ak.score_text(template, idea)


def test_a_one_line_restatement_loses_to_a_specified_prompt() -> None:
    one_liner = "Email our beta users about offline mode."
    good, bad = f(GOOD), f(one_liner)
    assert bad["added"] < good["added"] and bad["concrete"] < good["concrete"]
    assert bad["no_format"] == 1.0 and good["no_format"] == 0.0
    b = explain(one_liner, IDEA)
    assert "missing: no output format" in b.issues and b.score < explain(GOOD, IDEA).score


def test_placeholder_sections_count_against_and_do_not_state_a_format() -> None:
    filled = (
        "Audience: night-shift nurses on ward 7.\nFormat: three bullet points, each under 15 "
        "words.\nTone: calm and direct.\nTask: remind them of the new hand-over routine."
    )
    hollow = (
        "Audience: [audience]\nFormat: TBD\nTone: appropriate tone\nContext: see above\n"
        "Task: remind them of the new hand-over routine."
    )
    idea = "Remind the night-shift nurses of the new hand-over routine."
    assert f(hollow, idea)["hollow"] > 0 == f(filled, idea)["hollow"]
    assert f(hollow, idea)["no_format"] == 1.0 and f(filled, idea)["no_format"] == 0.0
    assert ak.score_text(filled, idea) > ak.score_text(hollow, idea)


def test_decisions_left_to_the_model_count_against() -> None:
    idea = "A workout plan for a beginner who has 3 evenings a week."
    specific = (
        "Write a 4-week plan for a beginner training Monday, Wednesday and Friday evenings, "
        "30 minutes each: 5 minutes warm-up, 3 rounds of squats, push-ups and rows (8-10 reps), "
        "5 minutes stretching. Add one rep per round each week."
    )
    vague = (
        "Write a plan for a beginner training three evenings a week. Choose a length that feels "
        "right, pick whichever exercises you think work best, and set the reps at whatever level "
        "seems sensible. Add progression as you see fit."
    )
    assert f(vague, idea)["delegation"] > f(specific, idea)["delegation"] == 0
    assert f(specific, idea)["concrete"] > f(vague, idea)["concrete"]
    assert ak.score_text(specific, idea) > ak.score_text(vague, idea)


@pytest.mark.parametrize("text", [GOOD, "Email our beta users.", "## Task\nTBD", "x"])
def test_an_empty_idea_never_raises_the_score(text: str) -> None:
    with_idea = explain(text, IDEA)
    without = explain(text, "")
    assert without.score <= with_idea.score
    assert set(fx.IDEA_FEATURES) <= set(without.not_computed)
    assert all(without.contributions[k] == 0 for k in fx.IDEA_FEATURES)


def test_english_word_lists_are_neutral_in_other_languages() -> None:
    french = (
        "Rédigez un e-mail de mise à jour pour nos 2 000 bêta-testeurs annonçant le mode hors "
        "ligne de la version 3.2. Moins de 150 mots, un objet de moins de 50 caractères, un "
        "paragraphe sur ce que fait le mode hors ligne et une phrase pour l'activer."
    )
    b = explain(french, IDEA)
    assert b.language == "fr"
    listed = {k for k, langs in fx.LISTED_LANGUAGES.items() if "fr" in langs}
    assert set(fx.ENGLISH_ONLY) - listed <= set(b.not_computed)
    assert all(b.features[k] == 0 for k in fx.ENGLISH_ONLY - listed)
    english = (
        "Write an update email for our 2,000 beta testers announcing the offline mode of version "
        "3.2. Under 150 words, a subject line under 50 characters, a paragraph on what offline "
        "mode does and one sentence on how to turn it on."
    )
    # The listed features read the translation as they read its original (no reader named).
    assert {k: b.features[k] for k in listed} == {k: f(english)[k] for k in listed}
    assert explain(GOOD, IDEA).language == "en" and not explain(GOOD, IDEA).not_computed
    # In a language no list covers, even the format check is neutral and said to be.
    finnish = "Kirjoita lyhyt sähköposti beetakäyttäjille offline-tilasta ja sen käyttöönotosta."
    assert "no_format" in explain(finnish, IDEA).not_computed


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Rédigez un e-mail de bienvenue chaleureux pour nos nouveaux clients de Lyon.", "fr"),
        ("Schreibe eine freundliche Willkommensmail für unsere neuen Kunden in Köln.", "de"),
        ("Escribe un correo de bienvenida cordial para nuestros nuevos clientes de Sevilla.", "es"),
    ],
)
def test_a_missing_format_is_a_defect_in_every_listed_language(text: str, lang: str) -> None:
    # A translation keeps the defect of its original instead of losing it with the language.
    english = "Write a warm welcome email for our new customers in the city of Lyon."
    assert f(english)["no_format"] == 1.0
    assert f(text)["no_format"] == 1.0 and lang in fx.LISTED_LANGUAGES["no_format"]
    with_format = text + " 3 Absätze / 3 párrafos / 3 paragraphes, JSON."
    assert f(with_format)["no_format"] == 0.0


def test_translated_quotes_and_compound_terms_are_kept() -> None:
    assert fx.concrete_values("Le titre «Bonjour» et „Hallo“") >= {"«bonjour»", "„hallo“"}
    idea = "Schreibe ein Dockerfile für unsere Django-App."
    assert fx.anchors(idea) == {"django"}  # German: the name a hyphen joins to a noun
    kept = f("Ein mehrstufiges Dockerfile für die Django-5-App mit gunicorn.", idea)
    assert kept["anchors"] == 1.0


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
    assert details["scorer_version"] == 2 and details["language"] == "en"
    assert ak.score_text("", IDEA) < 0.2
    with pytest.raises(ValidationError):
        ak.score_text(None, IDEA)  # type: ignore[arg-type]


def test_weights_keep_the_direction_of_every_feature() -> None:
    w = default_weights()
    for name, coef in w.coef.items():
        assert coef * fx.DIRECTION[name] >= 0, name
        assert w.mean[name] == fx.NEUTRAL[name], name  # centred where "not computed" sits
    assert w.cv_accuracy is not None and w.cv_accuracy >= 0.85


def test_malformed_or_outdated_weights_are_refused() -> None:
    data = default_weights().as_dict()
    data["coef"] = {"no_such_feature": 1.0}
    with pytest.raises(ValidationError, match="do not fit"):
        ak.explain_score(GOOD, IDEA, weights=Weights.from_dict(data))
    old = default_weights().as_dict() | {"version": 1}
    with pytest.raises(ValidationError, match="version 1"):
        Weights.from_dict(old)


def test_the_old_heuristic_is_a_named_baseline_and_its_old_name_warns() -> None:
    value = ak.baseline_score(GOOD, IDEA)
    assert 0 <= value <= 1
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert ak.heuristic_score(GOOD, IDEA) == value
    assert any(issubclass(w.category, DeprecationWarning) for w in caught)
    assert "baseline_score" in ak.__all__ and "heuristic_score" in ak.__all__


def test_faithful_translations_score_within_a_tenth_of_their_originals() -> None:
    """On the training translations (the held-out ones are reported by benchmarks/scoring.py)."""
    import json
    from pathlib import Path

    path = Path(__file__).resolve().parent / "data" / "adversarial_train.jsonl"
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line]
    translated = [r for r in rows if r["kind"] == "translation"]
    assert len(translated) >= 4
    for r in translated:
        original = ak.score_text(r["better"], r["idea"])
        for idea in (r["translated_idea"], r["idea"]):
            assert abs(ak.score_text(r["worse"], idea) - original) <= 0.10, (r["id"], idea)


def test_scoring_reads_a_bounded_prefix() -> None:
    """A huge prompt costs what its first MAX_SCORED_CHARS characters cost (18.7)."""
    from alchemy_kit.scoring.baseline import components
    from alchemy_kit.scoring.scorer import MAX_SCORED_CHARS, explain

    huge = "Summarise the trial results for patients in plain words. " * 200_000  # 11 MB
    cut = huge[:MAX_SCORED_CHARS]
    idea = "Summarise a clinical trial for patients"
    assert explain(huge, idea).features == explain(cut, idea).features
    assert components(huge, idea) == components(cut, idea)


def test_years_inflected_names_and_dutch_singular_formats() -> None:
    # "the Q4 2024 survey" names a year, not 2024 customers, so 2,400 customers change nothing.
    idea = "Analyse our Q4 2024 customer survey."
    assert f("Analyse the Q4 2024 survey of 2,400 customers as a table.", idea)["numbers_kept"] == 1
    assert quantities("Write 2000 words")[0].low == 2000
    # A case or adjective ending keeps a name: 'Liguria' in 'ligure', 'Eröffnung' in 'eröffnet'.
    kept = f("Scrivi un giallo ambientato in un villaggio ligure.", "Un giallo in Liguria.")
    assert kept["anchors"] == 1.0
    assert f("Write a Java service.", "A JavaScript service.")["anchors"] == 0.0
    assert f("Leg elke optie in één zin uit.", "")["no_format"] == 0.0


def test_a_stated_value_counts_only_where_the_idea_asks_for_it() -> None:
    idea = "A packing list for a weekend camping trip."
    base = "Write a packing list for a weekend camping trip for two adults."
    grounded = base + " The camping trip is 2 nights at 1,200 m, so pack for 0 °C."
    off_subject = base + " Also mention that my cousin's flight lands at 14:35 on gate B12."
    assert f(grounded, idea)["concrete"] > f(base, idea)["concrete"] > 0
    # A clause off the idea's subject states values, but none the idea asks for: neutral.
    assert f(off_subject, idea)["concrete"] == f(base, idea)["concrete"]
    # Without an idea no value can be grounded: not computed (0), never more than with one.
    assert f(grounded, "")["concrete"] == 0.0


def test_values_are_grounded_the_same_way_in_every_language() -> None:
    on = "Rédige un programme d'entraînement de 12 semaines pour un semi-marathon."
    detail = " Chaque semaine d'entraînement compte 4 sorties, dont une de 90 minutes."
    off = " Mon cousin arrive à 14 h 35 au quai 9."
    fr_idea = "Un programme d'entraînement pour un semi-marathon."
    en_idea = "A training plan for a half marathon."
    # A statement that shares a word with the opening (which restates the idea) counts; one off
    # its subject does not; and the idea's language changes nothing.
    for idea in (fr_idea, en_idea):
        assert f(on + detail + off, idea)["concrete"] == f(on + detail, idea)["concrete"]
        assert f(on + detail, idea)["concrete"] > f(on, idea)["concrete"] > 0
    assert f(on + detail + off, fr_idea)["concrete"] == f(on + detail + off, en_idea)["concrete"]


def test_elisions_are_not_quotes_and_hyphenated_numbers_count() -> None:
    # "qu'il ... l'avance" elides two words; it quotes nothing ('Envoyer' is a quote).
    assert fx.concrete_values("ce qu'il faut réserver à l'avance, le bouton 'Envoyer'") == {
        "'envoyer'"
    }
    # "a three-day trip" states 3 as "a 3-day trip" and "un voyage de trois jours" do.
    assert "3" in fx.concrete_values("Plan a relaxed three-day cycling trip.")


def test_a_role_line_is_not_the_opening_that_grounds_values() -> None:
    from alchemy_kit.scoring.features import grounded_values

    task = "Analyse the waiting times of our clinic for 2025."
    detail = " The clinic saw 61,000 patients, and 4 in 10 waited over 90 minutes."
    # The role line says nothing about the idea; the task after it is the opening.
    assert grounded_values("You are a health services analyst. " + task + detail, "") == (
        grounded_values(task + detail, "")
    )


def test_compound_parts_and_names_read_across_languages() -> None:
    from alchemy_kit.scoring.features import anchors, grounded_values

    # A name joined to a common word pins the name, which a translation keeps.
    assert anchors("Find duplicate customers in our CRM-database.") == {"crm"}
    assert anchors("Doppelte Kunden in unserer CRM-Datenbank finden.") == {"crm"}
    assert anchors("Convert the feed to Kotlin-objects for Wi-Fi and GPT-4.") == {
        "kotlin",
        "wi-fi",
        "gpt-4",
    }
    # German capitalises every noun: a capital letter alone does not make a name there.
    assert anchors("Eine Stellenanzeige für einen Azubi in unserem Elektrobetrieb.") == set()
    assert "london" in anchors("A walking tour of London for two days.")
    # A compound's parts meet the same words written alone.
    text = "Schätze die Amortisation einer Luft-Wasser-Wärmepumpe. Die Wärmepumpe kostet 14.000 €."
    assert "14.000" in grounded_values(text, "")
