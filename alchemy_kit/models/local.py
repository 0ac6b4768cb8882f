"""The offline generator: a deterministic rule/template engine registered as the llm model `alchemy-local`.

It is not an echo: it analyses the idea (local_text.py), gathers what the phase needs and what the
previous phase decided (local_spec.py) and lays it out as the phase and the variant's strategy ask
(local_layouts.py): a structured draft, a prose brief or a production prompt, shaped by the persona.
Its inputs arrive as options: `phase`, `persona`, `strategy` (unset: the seed picks), `idea` and
`source` (both default to the prompt, so `llm -m alchemy-local "idea"` yields a production prompt).
Eval tasks (`respond`, `cases`, `revise`) live in local_eval.py. `random.Random(seed)` picks the
phrasings, orderings and detail; `temperature` scales how often it departs from the canonical choice
(0: canonical whatever the seed); no seed behaves as seed 0.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from ..phases import PERSONA_PROFILES, STRATEGY_ORDER
from ..vocab import DEFAULT_TEMPERATURE, PERSONAS, PHASES, TOKEN_RE, estimate_tokens

MODEL_ID = "alchemy-local"
# The eval tasks live in local_eval.py (EVAL_TASKS), imported only when one is asked for.
EVAL_TASK_NAMES = ("respond", "cases", "revise")
TASKS = ("refine", *EVAL_TASK_NAMES)
CONTEXT_LIMIT = 8192  # tokens (estimate_tokens units) of system + prompt


class LocalModelError(ValueError):
    """The offline engine was asked something it cannot do (the llm wrapper reports a ModelError)."""


@dataclass(frozen=True)
class Generation:
    """One engine run: the text and its token accounting."""

    text: str
    input_tokens: int
    output_tokens: int
    truncated: bool


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
    idea: str | None = None,
    source: str | None = None,
) -> Generation:
    """Run the engine once: check, transform (or run an eval task), truncate, count."""
    from .local_layouts import lay_out
    from .local_spec import build_spec
    from .local_text import Style, analyse

    for what, choice, allowed in (
        ("task", task, TASKS),
        ("strategy", strategy, STRATEGY_ORDER),
        ("phase", phase, PHASES),
        ("persona", persona, PERSONAS),
    ):
        if choice is not None and choice not in allowed:
            raise LocalModelError(
                f"{MODEL_ID}: {what} must be one of {', '.join(allowed)}, got {choice!r}"
            )
    input_tokens = estimate_tokens((system or "") + "\n" + (prompt or ""))
    if input_tokens > CONTEXT_LIMIT:
        raise LocalModelError(
            f"{MODEL_ID}: the input is about {input_tokens} tokens, over this model's context limit of "
            f"{CONTEXT_LIMIT}; shorten the idea or the source text"
        )
    if task in EVAL_TASK_NAMES:  # answer an eval call, suggest cases, revise from failures
        from .local_eval import EVAL_TASKS

        text = EVAL_TASKS[task](system, prompt or "", seed)
    else:
        idea = (idea or prompt or "").strip()
        if not idea:
            raise LocalModelError(f"{MODEL_ID}: the prompt is empty; give it an idea to refine")
        rng = random.Random(0 if seed is None else seed)
        style = Style(rng, DEFAULT_TEMPERATURE if temperature is None else float(temperature))
        strategy = strategy or STRATEGY_ORDER[(seed or 0) % len(STRATEGY_ORDER)]
        profile = PERSONA_PROFILES[persona or "generic"]
        spec = build_spec(analyse(idea), profile, (source or prompt or idea).strip(), style)
        text = lay_out(phase or "coagulatio", strategy, spec, style)
    # An eval answer cut to max_tokens is reported as truncated too, like a refined prompt.
    truncated = False
    if max_tokens is not None and estimate_tokens(text) > max_tokens:
        text, truncated = truncate_to_tokens(text, max_tokens), True
    return Generation(text, max(input_tokens, 1), max(estimate_tokens(text), 1), truncated)


__all__ = ["CONTEXT_LIMIT", "MODEL_ID", "Generation", "LocalModelError", "generate"]
