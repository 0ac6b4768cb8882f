"""The offline model's strategy renderers: each variant of a phase really follows its strategy."""

from __future__ import annotations

import difflib
import itertools
import random
import re
from typing import Any

import llm
import pytest

from alchemy_kit.models import local as lm
from alchemy_kit.models import local_llm
from alchemy_kit.models.local_spec import build_spec, deliverable, read_decisions, task_sentence
from alchemy_kit.models.local_text import Style, analyse
from alchemy_kit.phases import PERSONA_PROFILES, PERSONAS, PHASES, STRATEGY_ORDER, build_messages

IDEAS = {
    "code": "Build a CLI tool that deduplicates CSV files by a key column. "
    "It must handle files larger than memory and keep the first occurrence.",
    "writing": "Write a blog post for junior developers explaining why code review matters, "
    "in a friendly tone, under 900 words.",
    "analysis": "Analyse our 2024 customer churn data to find which onboarding steps predict "
    "cancellation within 90 days. Compare the free and paid tiers.",
    "generic": "Plan a 5-day trip to Lisbon for me and my partner in late April, mid-range budget. "
    "We love food and walking, and we won't have a car.",
}


def run(
    phase: str,
    persona: str,
    strategy: str | None,
    *,
    idea: str | None = None,
    source: str | None = None,
    **opts: Any,
) -> str:
    """One call of the engine, exactly as the pipeline makes it."""
    idea = idea or IDEAS[persona]
    system, prompt = build_messages(phase, persona, idea, source, strategy)
    opts.setdefault("seed", 7000)
    return lm.generate(
        system,
        prompt,
        phase=phase,
        persona=persona,
        strategy=strategy,
        idea=idea,
        source=source or idea,
        **opts,
    ).text


def chain(persona: str, strategy: str | None, idea: str | None = None, **opts: Any) -> list[str]:
    """A per-variant lineage: each phase refines the previous phase's output."""
    out: list[str] = []
    for phase in PHASES:
        out.append(
            run(phase, persona, strategy, idea=idea, source=out[-1] if out else None, **opts)
        )
    return out


# What each strategy looks like in each phase: (marker that must appear, ...).
MARKERS = {
    "prima-materia": {
        "role-first": ("## The expert it needs", "## The audience"),
        "constraints-first": ("## Hard constraints", "## Working constraints"),
        "example-driven": ("## Example inputs", "## What a weak result does"),
        "step-by-step": ("## Stages\n1. ", "## Final check"),
        "output-contract": ("**Deliverable:**", "## Parts of the deliverable", "## Acceptance"),
    },
    "solutio": {
        "role-first": ("## Who should do this", "## Who it is for"),
        "constraints-first": ("## What is fixed", "## The job within those limits"),
        "example-driven": ("## Picture the result", "A weak result, by contrast,"),
        "step-by-step": ("## The work, in order", "It begins:", "Finally,"),
        "output-contract": ("## The deliverable", "## When it is accepted"),
    },
    "coagulatio": {
        "role-first": ("You are ", "Your task:"),
        "constraints-first": ("# Constraints\n", "\n1. ", "# Task"),
        "example-driven": ("## Example 1:", "Input:", "Output:", "## Your turn"),
        "step-by-step": ("\n1. ", "Before answering, check the result"),
        "output-contract": ("# Output contract", "# Acceptance criteria", "- [ ] "),
    },
}
# How each coagulatio strategy opens: the first thing the executing model reads.
OPENINGS = {
    "role-first": r"You are (a|an) ",
    "constraints-first": r"# Constraints\n",
    "example-driven": r"[^\n]+\n(Follow the examples|The examples below)",
    "step-by-step": r"[^\n]+\n\n(Work through these steps|Follow this procedure)",
    "output-contract": r"# Output contract\n",
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("strategy", STRATEGY_ORDER)
def test_each_strategy_has_its_structure_in_each_phase(persona: str, strategy: str) -> None:
    texts = chain(persona, strategy)
    for phase, text in zip(PHASES, texts, strict=True):
        for marker in MARKERS[phase][strategy]:
            assert marker in text, (phase, strategy, persona, marker)
        # and not another strategy's signature section
        for other in STRATEGY_ORDER:
            if other != strategy:
                assert not all(m in text for m in MARKERS[phase][other]), (phase, strategy, other)
    assert re.match(OPENINGS[strategy], texts[2]), (strategy, texts[2][:80])


@pytest.mark.parametrize("persona", PERSONAS)
def test_coagulatio_shapes(persona: str) -> None:
    role = run("coagulatio", persona, "role-first")
    # role-first: prose paragraphs, the role and the audience first, no rule list
    assert not re.search(r"^(#|\d+\.|- )", role, re.M)
    first, second = role.split("\n\n")[:2]
    assert first.startswith("You are ") and len(first.split()) >= 20
    spec = build_spec(
        analyse(IDEAS[persona]), PERSONA_PROFILES[persona], "", Style(random.Random(0), 0)
    )
    assert spec.audience in second
    cons = run("coagulatio", persona, "constraints-first")
    numbered = re.findall(r"^\d+\. ", cons.split("# Task")[0], re.M)
    assert len(numbered) >= 4
    steps = run("coagulatio", persona, "step-by-step")
    items = re.findall(r"^(\d+)\. (.*)$", steps, re.M)
    assert [int(n) for n, _ in items] == list(range(1, len(items) + 1)) and len(items) >= 4
    assert any(t.startswith("Before answering, check") for _, t in items[-2:])  # the self-check
    contract = run("coagulatio", persona, "output-contract")
    assert contract.index("# Acceptance criteria") < contract.index("# Task")
    names = re.findall(r"^\d+\. \*\*([^*]+)\*\* — ", contract, re.M)  # named parts, in order
    assert len(names) >= 2 and len(set(names)) == len(names), names
    example = run("coagulatio", persona, "example-driven")
    assert example.count("Input:") >= 3 and "## Example 2:" in example  # two worked + your turn


@pytest.mark.parametrize("persona", PERSONAS)
def test_solutio_is_prose(persona: str) -> None:
    for strategy in STRATEGY_ORDER:
        brief = run("solutio", persona, strategy, source=run("prima-materia", persona, strategy))
        body = brief.split("## Glossary")[0]
        assert not re.search(r"^(\d+\.|- |\|)", body, re.M), (strategy, body)


@pytest.mark.parametrize("persona", PERSONAS)
def test_siblings_differ(persona: str) -> None:
    lineages = {s: chain(persona, s, seed=7000 + i) for i, s in enumerate(STRATEGY_ORDER)}
    for i, phase in enumerate(PHASES):
        for a, b in itertools.combinations(STRATEGY_ORDER, 2):
            ratio = difflib.SequenceMatcher(
                None, lineages[a][i], lineages[b][i], autojunk=False
            ).ratio()
            assert ratio < 0.6, (persona, phase, a, b, round(ratio, 3))


COVERAGE_IDEAS = [
    ("code", IDEAS["code"]),
    (
        "code",
        "Implement a rate limiter in Rust for an HTTP API: a token bucket per client key, "
        "configurable burst, and p95 overhead below 50 ms.",
    ),
    ("writing", IDEAS["writing"]),
    (
        "writing",
        "Etsy listing description for my handmade speckled stoneware mug, 350 ml, "
        "dishwasher safe. Under 120 words.",
    ),
    ("analysis", IDEAS["analysis"]),
    (
        "generic",
        "Relaxed weekend in Rome (Sat and Sun) for me and my mum; she tires easily, "
        "so no more than 2 sights a day.",
    ),
    ("generic", "Help me plan a trip to Iceland."),
]


@pytest.mark.parametrize(("persona", "idea"), COVERAGE_IDEAS)
def test_every_strategy_covers_the_idea(persona: str, idea: str) -> None:
    a = analyse(idea)
    assert a.key_phrases
    for strategy in STRATEGY_ORDER:
        for phase, text in zip(PHASES, chain(persona, strategy, idea=idea), strict=True):
            where = (strategy, phase)
            low = text.lower()
            for term in a.key_phrases:
                if term in idea:
                    assert term.lower() in low, (*where, term)
            for limit in a.limits:
                assert limit in text, (*where, limit)
            if a.language and persona == "code":
                assert a.language.split()[0] in text, where
            if a.audience:
                assert a.audience in text, where
            # a good prompt: no unfilled placeholder, no line said twice (code sketches aside)
            prose = re.sub(r"```.*?```", "", text, flags=re.S)
            assert not re.search(r"\{\w+\}|\bNone\b|(?<!\.)\.\.(?!\.)|\?\.", prose), where
            lines = [ln.strip() for ln in text.splitlines() if len(ln.strip()) > 25]
            assert len(lines) == len(set(lines)), where


def test_short_and_declarative_deliverables_get_a_fitting_format() -> None:
    reply = run(
        "coagulatio", "writing", "output-contract", idea="Write an apology email to the team."
    )
    assert "headed sections" not in reply and "alternative titles" not in reply
    assert "the apology email itself" in reply
    docker = run(
        "coagulatio",
        "code",
        "constraints-first",
        idea="Dockerfile for our FastAPI app, run as non-root, uvicorn on port 8080.",
    )
    assert "complexity" not in docker.lower() and "unit tests" not in docker.lower()


@pytest.mark.parametrize("strategy", STRATEGY_ORDER)
def test_deterministic_and_temperature_scales_variation(strategy: str) -> None:
    assert run("coagulatio", "code", strategy, seed=3) == run(
        "coagulatio", "code", strategy, seed=3
    )
    frozen = {run("solutio", "generic", strategy, seed=s, temperature=0) for s in range(6)}
    assert len(frozen) == 1
    warm = {
        phase: {run(phase, "generic", strategy, seed=s, temperature=1.5) for s in range(8)}
        for phase in PHASES
    }
    assert all(len(v) > 1 for v in warm.values()), {k: len(v) for k, v in warm.items()}


def test_decisions_flow_through_every_lineage() -> None:
    first = run("prima-materia", "code", "role-first")
    decided = read_decisions(first)
    assert ("Which language and version?", "Python 3.11 with the standard library only") in decided
    for strategy in STRATEGY_ORDER:
        texts = chain("code", strategy)
        for text in texts:
            assert "Which language and version?" in text and "Python 3.11" in text, strategy
    # best-of-previous: a prompt of one strategy refines a brief written by another
    brief = run("solutio", "code", "output-contract", source=first)
    for strategy in STRATEGY_ORDER:
        prompt = run("coagulatio", "code", strategy, source=brief)
        assert "Which dependencies are allowed?" in prompt, strategy


def test_a_decision_taken_upstream_wins_over_the_default() -> None:
    source = "## Open points\n- Which language and version? → Go 1.22 with the standard library.\n"
    prompt = run("coagulatio", "code", "constraints-first", source=source)
    assert "Which language and version? Go 1.22 with the standard library." in prompt
    assert "Which dependencies are allowed?" not in prompt  # only what the source decided


def test_read_decisions_understands_tables_arrows_and_prose() -> None:
    text = (
        "| Open point | Default we apply |\n|---|---|\n| What tone? | Warm |\n"
        "- How long? → About 150 words.\n"
        "Which data is available? We assume a CSV export. Who decides? Decision: the board.\n"
        "1. Just a numbered question?\n"
    )
    assert read_decisions(text) == [
        ("What tone?", "Warm"),
        ("How long?", "About 150 words"),
        ("Which data is available?", "A CSV export"),
        ("Who decides?", "The board"),
    ]


def test_strategy_option_is_validated() -> None:
    model = local_llm.LocalTemplateModel()
    with pytest.raises(llm.ModelError, match="strategy must be one of"):
        model.prompt("an idea", strategy="zigzag").text()
    text = model.prompt("an idea", strategy="output-contract").text()
    assert text.startswith("# Output contract")


def test_without_a_strategy_the_seed_picks_one() -> None:
    model = local_llm.LocalTemplateModel()
    for seed, strategy in enumerate(STRATEGY_ORDER):
        out = model.prompt(IDEAS["code"], seed=seed).text()
        assert re.match(OPENINGS[strategy], out), (seed, strategy)


@pytest.mark.parametrize(
    ("idea", "persona", "task", "thing"),
    [
        ("Build a CLI tool that dedupes CSV files.", "code", "Build a CLI tool", "CLI tool"),
        ("Dockerfile for our FastAPI app.", "code", "Write a Dockerfile for", "Dockerfile"),
        (
            "I need a Python script that renames photos.",
            "code",
            "Write a Python script",
            "Python script",
        ),
        ("Is our A/B test significant?", "analysis", "Answer this question: “Is our", "analysis"),
        ("Help me plan a trip to Iceland.", "generic", "Help me plan a trip", "plan for the trip"),
        ("I want to learn Rust in 3 months.", "generic", "Help me learn Rust", "answer"),
        (
            "Blog post for bakery owners about CRMs.",
            "writing",
            "Write a blog post for",
            "blog post",
        ),
        (
            "Interview questions for a night-shift supervisor.",
            "generic",
            "Create interview questions",
            "interview questions",
        ),
    ],
)
def test_task_sentence_and_deliverable(idea: str, persona: str, task: str, thing: str) -> None:
    a, p = analyse(idea), PERSONA_PROFILES[persona]
    assert task_sentence(a, p).startswith(task)
    assert deliverable(a, p) == thing


async def test_pipeline_variants_follow_their_strategies(tmp_path: Any) -> None:
    from alchemy_kit.engine.pipeline import agenerate
    from alchemy_kit.store import open_store

    store = open_store(tmp_path / "s.db")
    res = await agenerate(
        IDEAS["writing"],
        store=store,
        count=3,
        persona="writing",
        seed=5,
        embed=False,
        progress=False,
    )
    final = sorted(res.by_phase("coagulatio"), key=lambda p: p.metadata["variant"])
    assert [p.metadata["strategy"] for p in final] == list(STRATEGY_ORDER[:3])
    for p in final:
        assert re.match(OPENINGS[p.metadata["strategy"]], p.content)


def test_a_lineage_keeps_its_seeded_choices() -> None:
    """Same seed through the phases (as the pipeline gives variant i): the same persona lines."""
    draft, _, prompt = chain("analysis", "constraints-first", seed=4242, temperature=1.2)
    spec = build_spec(
        analyse(IDEAS["analysis"]),
        PERSONA_PROFILES["analysis"],
        IDEAS["analysis"],
        Style(random.Random(4242), 1.2),
    )
    assert spec.constraints
    for line in spec.constraints:
        assert line in draft and line in prompt, line
