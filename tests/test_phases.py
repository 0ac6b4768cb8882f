"""Phase templates, personas, validation and message building."""

from __future__ import annotations

import pytest

from alchemy_kit import phases as ph
from alchemy_kit.errors import ValidationError

IDEA = "Build a CLI tool that deduplicates CSV files by a key column."


def test_every_phase_has_a_template() -> None:
    for name in ph.PHASES:
        t = ph.get_template(name)
        assert t.name == name and t.title and t.system and t.instructions
    # the templates really differ: each phase asks for its own structure
    assert "Key requirements" in ph.get_template("prima-materia").instructions
    assert "glossary" in ph.get_template("solutio").instructions
    assert "Output format" in ph.get_template("coagulatio").instructions


def test_unknown_phase_lists_valid_names() -> None:
    with pytest.raises(ValidationError, match="prima-materia, solutio, coagulatio"):
        ph.get_template("nigredo")


def test_personas_have_profiles_and_guidance_for_every_phase() -> None:
    assert set(ph.PERSONAS) == set(ph.PERSONA_PROFILES) == set(ph.PERSONA_GUIDANCE)
    for persona in ph.PERSONAS:
        assert set(ph.PERSONA_GUIDANCE[persona]) == set(ph.PHASES)
        profile = ph.PERSONA_PROFILES[persona]
        assert profile.focus and profile.constraints and profile.output_format and profile.steps


@pytest.mark.parametrize(
    ("persona", "must_mention"),
    [
        ("code", ["language", "signature", "edge cases", "tests", "complexity"]),
        ("writing", ["audience", "tone", "length", "structure"]),
        ("analysis", ["data sources", "method", "assumptions", "uncertainty", "tables"]),
        ("generic", ["goal", "format", "success criteria"]),
    ],
)
def test_persona_changes_what_is_asked_for(persona: str, must_mention: list[str]) -> None:
    system, _ = ph.build_messages("coagulatio", persona, IDEA, None)
    for word in must_mention:
        assert word in system.lower(), (persona, word)


def test_personas_give_distinct_system_prompts() -> None:
    systems = {ph.build_messages("solutio", p, IDEA, "draft")[0] for p in ph.PERSONAS}
    assert len(systems) == len(ph.PERSONAS)


def test_validate_persona() -> None:
    assert ph.validate_persona(" Code ") == "code"
    with pytest.raises(ValidationError, match="code, writing, analysis, generic"):
        ph.validate_persona("poet")


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (["prima-materia", "solutio", "coagulatio"], ph.PHASES),
        (("solutio",), ("solutio",)),
        (["prima-materia", "coagulatio"], ("prima-materia", "coagulatio")),
        ("prima-materia, solutio", ("prima-materia", "solutio")),
    ],
)
def test_validate_phases_accepts_ordered_subsequences(given: object, expected: tuple) -> None:
    assert ph.validate_phases(given) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ([], "no phases"),
        ("", "no phases"),
        (["solutio", "solutio"], "duplicate"),
        (["coagulatio", "solutio"], "out of order"),
        (["prima-materia", "albedo"], "unknown phase"),
    ],
)
def test_validate_phases_rejects(given: object, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        ph.validate_phases(given)  # type: ignore[arg-type]


def test_build_messages_sections_and_no_machine_header() -> None:
    system, prompt = ph.build_messages("solutio", "analysis", f"  {IDEA}  ", "# Draft\n- a point")
    # What a real model reads is instructions only: no header meant for our offline engine.
    assert system.startswith(ph.get_template("solutio").system)
    assert "[alchemy" not in system and "[alchemy" not in prompt
    assert ph.PERSONA_GUIDANCE["analysis"]["solutio"] in system
    assert ph.get_template("solutio").instructions in system
    assert f"<idea>\n{IDEA}\n</idea>" in prompt
    assert '<source origin="previous-phase">\n# Draft\n- a point\n</source>' in prompt


def test_build_messages_source_defaults_to_idea() -> None:
    _, prompt = ph.build_messages("prima-materia", "generic", IDEA, None)
    assert f'<source origin="idea">\n{IDEA}\n</source>' in prompt
    _, blank = ph.build_messages("prima-materia", "generic", IDEA, "   ")
    assert blank == prompt


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("solutio", "generic", "   ", None), "idea is empty"),
        (("rubedo", "generic", IDEA, None), "unknown phase"),
        (("solutio", "bard", IDEA, None), "unknown persona"),
    ],
)
def test_build_messages_validates(args: tuple, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        ph.build_messages(*args)
