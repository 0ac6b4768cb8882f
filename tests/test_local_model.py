"""The offline template model `alchemy-local` (the optional SmolLM2 model: test_smollm.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import llm
import pytest
from click.testing import CliRunner

from alchemy_kit.models import local as lm
from alchemy_kit.models import local_llm
from alchemy_kit.phases import PERSONAS, PHASES, build_messages

IDEA = (
    "Build a CLI tool that deduplicates CSV files by a key column. "
    "It must handle files larger than memory and keep the first occurrence."
)
WRITING_IDEA = (
    "Write a blog post for junior developers explaining why code review matters, under 900 words."
)


class _Plugin:
    @llm.hookimpl
    def register_models(self, register: Any) -> None:
        register(local_llm.LocalTemplateModel(), local_llm.AsyncLocalTemplateModel())


@pytest.fixture
def registered() -> Iterator[tuple[llm.Model, llm.AsyncModel]]:
    """Register our model through a test plugin and resolve it by name; unregister afterwards."""
    name = "alchemy-local-test-plugin"
    llm.pm.register(_Plugin(), name=name)
    try:
        yield llm.get_model("alchemy-local"), llm.get_async_model("alchemy-local")
    finally:
        llm.pm.unregister(name=name)


@pytest.fixture
def models() -> tuple[llm.Model, llm.AsyncModel]:
    """The model instances directly: resolving by name enumerates every plugin (slow, tested once)."""
    return local_llm.LocalTemplateModel(), local_llm.AsyncLocalTemplateModel()


def ask(model: Any, phase: str, persona: str, idea: str = IDEA, **opts: Any) -> Any:
    system, prompt = build_messages(phase, persona, idea)
    return model.prompt(prompt, system=system, phase=phase, persona=persona, idea=idea, **opts)


def run(
    model: llm.Model, phase: str, persona: str = "code", source: str | None = None, **opts: Any
) -> str:
    """One call as the pipeline makes it: the messages, and the idea and source as options."""
    system, prompt = build_messages(phase, persona, IDEA, source)
    return model.prompt(
        prompt, system=system, phase=phase, persona=persona, idea=IDEA, source=source, **opts
    ).text()


@pytest.mark.parametrize(
    ("phase", "markers"),
    [
        (
            "prima-materia",
            ["# Draft: ", ":** Build a CLI tool", "## The audience", "## Open questions"],
        ),
        ("solutio", ["# Brief: ", "## Who it is for", "## What is asked"]),
        ("coagulatio", ["You are a senior software engineer", "Your task: ", "Hand back "]),
    ],
)
def test_each_phase_has_its_own_structure(models: Any, phase: str, markers: list[str]) -> None:
    model, _ = models
    out = run(model, phase, seed=1, strategy="role-first")
    assert out.strip() != IDEA and "[alchemy phase" not in out and "<idea>" not in out
    for marker in markers:
        assert marker in out, (phase, marker)


def test_phases_transform_differently(models: Any) -> None:
    model, _ = models
    outs = {run(model, phase, seed=1) for phase in PHASES}
    assert len(outs) == 3


def test_solutio_is_prose_and_explains_jargon(models: Any) -> None:
    model, _ = models
    draft = run(model, "prima-materia", seed=2, strategy="role-first")
    out = run(model, "solutio", source=draft, seed=2, strategy="role-first")
    asked = out.split("## What is asked", 1)[1].split("##", 1)[0]
    assert not re.search(r"^\s*(?:[-*]|\d+\.)\s", asked, re.M)  # sentences, not bullets
    assert "**CSV** — comma-separated values" in out or "CSV means comma-separated values" in out


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("code", ["Python 3.11", "complexity", "edge case", "unit tests"]),
        ("writing", ["Tone", "Length: under 900 words", "headed sections"]),
        ("analysis", ["95% interval", "data & method", "uncertainty"]),
        ("generic", ["one-sentence answer", "assumptions and next steps"]),
    ],
)
def test_personas_change_the_prompt(models: Any, persona: str, expected: list[str]) -> None:
    model, _ = models
    idea = WRITING_IDEA if persona == "writing" else IDEA
    system, prompt = build_messages("coagulatio", persona, idea)
    opts = {"phase": "coagulatio", "persona": persona, "idea": idea, "seed": 3}
    out = model.prompt(prompt, system=system, strategy="constraints-first", **opts).text()
    for item in expected:
        assert item.lower() in out.lower(), (persona, item)


def test_personas_produce_different_output(models: Any) -> None:
    model, _ = models
    for phase in PHASES:
        assert len({run(model, phase, p, seed=4) for p in PERSONAS}) == len(PERSONAS)


def test_same_seed_identical_different_seeds_differ(models: Any) -> None:
    model, _ = models
    for phase in PHASES:
        assert run(model, phase, seed=7) == run(model, phase, seed=7)
        assert len({run(model, phase, seed=s) for s in range(5)}) == 5, phase


def test_no_seed_is_deterministic_and_zero_temperature_is_canonical(models: Any) -> None:
    model, _ = models
    assert run(model, "solutio") == run(model, "solutio") == run(model, "solutio", seed=0)
    canonical = {
        run(model, "coagulatio", seed=s, temperature=0, strategy="step-by-step") for s in range(4)
    }
    assert len(canonical) == 1


def test_higher_temperature_varies_more(models: Any) -> None:
    model, _ = models
    low = {run(model, "coagulatio", seed=s, temperature=0.2) for s in range(8)}
    high = {run(model, "coagulatio", seed=s, temperature=1.8) for s in range(8)}
    assert len(high) >= len(low) and len(high) == 8


@pytest.mark.parametrize("limit", [5, 40, 120, 300])
def test_max_tokens_honoured(models: Any, limit: int) -> None:
    model, _ = models
    full = ask(model, "coagulatio", "code").text()
    response = ask(model, "coagulatio", "code", max_tokens=limit)
    text = response.text()
    assert 0 < lm.estimate_tokens(text) <= limit
    assert response.usage().output == lm.estimate_tokens(text)
    if lm.estimate_tokens(full) > limit:  # cut: at a boundary, with nothing dangling
        assert not text.endswith((" ", "\n")) and full.startswith(text[:20])
    else:
        assert text == full


def test_truncate_prefers_section_boundaries() -> None:
    text = "# A\none two three four five\n\n# B\nsix seven eight nine ten\n"
    assert lm.truncate_to_tokens(text, 9) == "# A\none two three four five"
    assert lm.truncate_to_tokens("alpha beta gamma", 2) == "alpha beta"
    assert lm.truncate_to_tokens(text, 100) == text


def test_usage_reported(models: Any) -> None:
    model, _ = models
    response = ask(model, "solutio", "writing", WRITING_IDEA)
    text = response.text()
    usage = response.usage()
    assert usage.input and usage.input > 0
    assert usage.output == lm.estimate_tokens(text) > 0


async def test_async_equals_sync(models: Any) -> None:
    model, amodel = models
    for phase in PHASES:
        system, prompt = build_messages(phase, "analysis", IDEA, None)
        opts = {"phase": phase, "persona": "analysis", "seed": 9, "temperature": 1.1, "idea": IDEA}
        sync = model.prompt(prompt, system=system, **opts).text()
        response = amodel.prompt(prompt, system=system, **opts)
        assert await response.text() == sync
        assert (await response.usage()).output == lm.estimate_tokens(sync)


def test_streaming_yields_the_same_text(models: Any) -> None:
    model, _ = models
    system, prompt = build_messages("prima-materia", "code", IDEA)
    chunks = list(
        model.prompt(
            prompt, system=system, phase="prima-materia", persona="code", seed=1, idea=IDEA
        )
    )
    assert len(chunks) > 5 and "".join(chunks) == run(model, "prima-materia", seed=1)


def test_chain_keeps_the_ideas_key_terms(models: Any) -> None:
    model, _ = models
    source = None
    for phase in PHASES:
        source = run(model, phase, source=source, seed=5)
    final = source or ""
    for term in ("CLI tool", "CSV files", "key column", "first occurrence", "larger than memory"):
        assert term in final, term
    assert final.startswith("You are ")  # seed 5: the first strategy, role-first
    # the idea says "larger than memory": no assumption that inputs fit in memory may survive
    assert "fit in memory" not in final


def test_chain_carries_solutio_decisions_into_the_prompt(models: Any) -> None:
    model, _ = models
    draft = run(model, "prima-materia", seed=6)
    brief = run(model, "solutio", source=draft, seed=6)
    final = run(model, "coagulatio", source=brief, seed=6)
    assert "Which language and version? Python 3.11" in final


def test_plain_prompt_defaults_to_generic_production_prompt(models: Any) -> None:
    model, _ = models
    out = model.prompt("Plan a three-day team offsite in Lisbon for 12 engineers").text()
    assert out.startswith("You are a careful, knowledgeable assistant")  # seed 0: role-first
    assert "Plan a three-day team offsite in Lisbon for 12 engineers." in out


async def test_resolved_by_name_through_llm(registered: Any) -> None:
    model, amodel = registered
    assert isinstance(model, local_llm.LocalTemplateModel)
    assert isinstance(amodel, local_llm.AsyncLocalTemplateModel)
    system, prompt = build_messages("coagulatio", "writing", WRITING_IDEA)
    opts = {"phase": "coagulatio", "persona": "writing", "seed": 4, "idea": WRITING_IDEA}
    sync = model.prompt(prompt, system=system, **opts).text()
    assert await amodel.prompt(prompt, system=system, **opts).text() == sync
    assert "junior developers" in sync and sync.startswith("# Output contract")


def test_llm_cli_path(registered: Any) -> None:
    from llm.cli import cli

    result = CliRunner().invoke(cli, ["-m", "alchemy-local", "-n", "-o", "seed", "1", IDEA])
    assert result.exit_code == 0, result.output
    assert "# Constraints" in result.output and "CSV files" in result.output
    # The phase comes from an option, never from text in the prompt.
    result = CliRunner().invoke(
        cli, ["-m", "alchemy-local", "-n", "-o", "phase", "solutio", "-o", "seed", "1", IDEA]
    )
    assert result.exit_code == 0, result.output
    assert "# Brief" in result.output and "# Constraints" not in result.output


def test_over_limit_input_raises(models: Any) -> None:
    model, _ = models
    huge = "word " * (lm.CONTEXT_LIMIT + 1)
    with pytest.raises(llm.ModelError, match="context limit"):
        model.prompt(huge).text()


def test_bad_phase_option_and_empty_prompt_raise(models: Any) -> None:
    model, _ = models
    with pytest.raises(llm.ModelError, match="phase must be one of"):
        model.prompt("idea", phase="albedo", persona="code").text()
    with pytest.raises(llm.ModelError, match="empty"):
        model.prompt("   ").text()


@pytest.mark.parametrize("opts", [{"temperature": 2.5}, {"temperature": -1}, {"max_tokens": 0}])
def test_options_validated(models: Any, opts: dict) -> None:
    from pydantic import ValidationError

    model, _ = models
    with pytest.raises(ValidationError):
        model.prompt("idea", **opts)


@pytest.mark.parametrize(
    ("idea", "task"),
    [
        ("Write a Python function that deduplicates customer records", "implementation"),
        ("Write a SQL query that lists churned users by month", "implementation"),
        ("Write a blog post for junior developers about code review", "writing"),
        ("Draft a memo on the remote work policy", "writing"),
    ],
)
def test_writing_code_is_an_implementation_task(idea: str, task: str) -> None:
    from alchemy_kit.models.local_text import analyse

    assert analyse(idea).task_type == task
