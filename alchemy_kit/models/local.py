"""The offline generator: a deterministic rule/template engine registered as the llm model `alchemy-local`.

It is not an echo. It takes the phase and persona from its `phase` and `persona` options (unset means
coagulatio + generic, so `llm -m alchemy-local "idea"` yields a full production prompt; `-o phase solutio`
picks another), analyses the idea
with simple heuristics (key phrases RAKE-style, entities, the main verb, audience, language, explicit limits)
and the source text (Markdown sections written by the previous phase, or any prose), then writes the
phase's structure: a structured draft, a prose brief, or a production prompt, shaped by the persona.

With a `strategy` option (the pipeline gives variant i `phases.strategy_for(i)`) the same content is laid
out the strategy's way in every phase: role-first, constraints-first, example-driven, step-by-step or
output-contract (see local_draft, local_brief, local_prompt); without one, the classic layout.

Variation is reproducible: `random.Random(seed)` picks phrasings, orderings, optional sections and detail,
and `temperature` scales how often it departs from the canonical choice (0 → canonical output whatever the
seed). A missing seed behaves as seed 0, so identical calls give identical text; the variants of a phase
differ by strategy first and by seed second.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from ..phases import SOURCE_CLOSE, STRATEGY_ORDER
from ..vocab import PERSONAS, PHASES, TOKEN_RE, estimate_tokens
from .local_eval import EVAL_TASKS
from .local_improve import improve
from .local_render import render

MODEL_ID = "alchemy-local"
TASKS = ("refine", "improve", *EVAL_TASKS)
CONTEXT_LIMIT = 8192  # tokens (estimate_tokens units) of system + prompt
DEFAULT_TEMPERATURE = 0.7

_IDEA_RE = re.compile(r"<idea>\n?(?P<idea>.*?)\n?</idea>", re.S)
_SOURCE_RE = re.compile(r"<source[^>\n]*>\n?(?P<source>.*)\n?" + re.escape(SOURCE_CLOSE), re.S)


class LocalModelError(ValueError):
    """The offline engine was asked something it cannot do (the llm wrapper reports a ModelError)."""


@dataclass(frozen=True)
class ParsedRequest:
    """What the engine was asked: phase, persona, the original idea and the text to transform."""

    phase: str
    persona: str
    idea: str
    source: str


@dataclass(frozen=True)
class Generation:
    """One engine run: the text and its token accounting."""

    text: str
    input_tokens: int
    output_tokens: int
    truncated: bool


def parse_request(
    prompt: str, *, phase: str | None = None, persona: str | None = None
) -> ParsedRequest:
    """Read the <idea>/<source> sections (plain text is the idea); unset phase/persona → coagulatio/generic."""
    phase, persona = phase or "coagulatio", persona or "generic"
    if phase not in PHASES or persona not in PERSONAS:
        raise LocalModelError(
            f"{MODEL_ID}: phase must be one of {', '.join(PHASES)} and persona one of "
            f"{', '.join(PERSONAS)}, got phase={phase!r} persona={persona!r}"
        )
    text = (prompt or "").strip()
    idea_m = _IDEA_RE.search(text)
    source_m = _SOURCE_RE.search(text)
    idea = idea_m["idea"].strip() if idea_m else text
    source = source_m["source"].strip() if source_m else idea
    if not idea:
        raise LocalModelError(f"{MODEL_ID}: the prompt is empty; give it an idea to refine")
    return ParsedRequest(phase, persona, idea, source or idea)


def truncate_to_tokens(text: str, max_tokens: int) -> str:
    """Cut text to at most max_tokens, preferring a section boundary, then a line, then a word."""
    ends = [m.end() for m in TOKEN_RE.finditer(text)]
    if len(ends) <= max_tokens:
        return text
    hard = ends[max_tokens - 1]  # the prefix up to here holds exactly max_tokens tokens
    head = text[:hard]
    line_cut = text.rfind("\n", 0, hard + 1)
    section_cut = max(head.rfind("\n#"), head.rfind("\n\n"))
    # A section boundary is nicest, but not at the price of throwing away most of the budget.
    if section_cut > 0 and estimate_tokens(text[:section_cut]) >= 0.6 * max_tokens:
        cut = text[:section_cut]
    elif line_cut > 0 and estimate_tokens(text[:line_cut]) >= 0.5 * max_tokens:
        cut = text[:line_cut]
    else:
        cut = head
    cut = cut.rstrip()
    # Leave no dangling code fence behind when there is room to close it.
    if cut.count("```") % 2 and estimate_tokens(cut) + 3 <= max_tokens:
        cut += "\n```"
    return cut


def generate(
    system: str | None,
    prompt: str,
    *,
    temperature: float | None = None,
    max_tokens: int | None = None,
    seed: int | None = None,
    phase: str | None = None,
    persona: str | None = None,
    strategy: str | None = None,
    task: str | None = None,
) -> Generation:
    """Run the engine once: parse, check the context limit, transform, truncate, count."""
    if task is not None and task not in TASKS:
        raise LocalModelError(f"{MODEL_ID}: task must be one of {', '.join(TASKS)}, got {task!r}")
    if strategy is not None and strategy not in STRATEGY_ORDER:
        raise LocalModelError(
            f"{MODEL_ID}: strategy must be one of {', '.join(STRATEGY_ORDER)}, got {strategy!r}"
        )
    input_tokens = estimate_tokens((system or "") + "\n" + (prompt or ""))
    if input_tokens > CONTEXT_LIMIT:
        raise LocalModelError(
            f"{MODEL_ID}: the input is about {input_tokens} tokens, over this model's context limit of "
            f"{CONTEXT_LIMIT}; shorten the idea or the source text"
        )
    if task in EVAL_TASKS:  # answer an eval call, suggest cases, revise a prompt from failures
        text = EVAL_TASKS[task](system, prompt or "", seed)
        if max_tokens is not None and estimate_tokens(text) > max_tokens:
            text = truncate_to_tokens(text, max_tokens)
        return Generation(text, max(input_tokens, 1), max(estimate_tokens(text), 1), False)
    if task == "improve":  # the optimise loop: apply a critique's edits to a prompt
        text = improve(prompt or "")
        return Generation(text, max(input_tokens, 1), max(estimate_tokens(text), 1), False)
    request = parse_request(prompt, phase=phase, persona=persona)
    temp = DEFAULT_TEMPERATURE if temperature is None else float(temperature)
    rng = random.Random(0 if seed is None else seed)
    text = render(request.phase, request.persona, request.idea, request.source, rng, temp, strategy)
    truncated = False
    if max_tokens is not None and estimate_tokens(text) > max_tokens:
        text, truncated = truncate_to_tokens(text, max_tokens), True
    return Generation(text, max(input_tokens, 1), max(estimate_tokens(text), 1), truncated)


__all__ = [
    "CONTEXT_LIMIT",
    "MODEL_ID",
    "Generation",
    "LocalModelError",
    "ParsedRequest",
    "estimate_tokens",
    "generate",
    "parse_request",
    "truncate_to_tokens",
]
