"""The offline engine (local.py) as llm models: `alchemy-local`, sync and async, with its options.

The engine itself imports nothing of llm, so the provider layer runs it in-process without loading
llm and every plugin's SDK; these classes are what `llm -m alchemy-local` and llm's Python API use.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Iterator
from typing import Any

import llm

from ..phases import STRATEGY_ORDER
from ..vocab import PERSONAS, PHASES
from .local import MODEL_ID, LocalModelError, generate
from .options import option as _opt


class _LocalOptions(llm.Options):
    temperature: float | None = _opt("Variation: 0 canonical, 2 the most varied", ge=0, le=2)
    max_tokens: int | None = _opt("Maximum output tokens (regex word/punctuation estimate)", gt=0)
    seed: int | None = _opt("Seed for reproducible variation (None → 0)")
    phase: str | None = _opt(f"{', '.join(PHASES)} (default coagulatio)")
    persona: str | None = _opt(f"{', '.join(PERSONAS)} (default generic)")
    task: str | None = _opt(
        "refine (default: the three phases), respond (an eval call), cases (suggest test cases)"
        " or revise (a prompt from its failures)"
    )
    strategy: str | None = _opt(f"{', '.join(STRATEGY_ORDER)} (default: the seed picks)")
    idea: str | None = _opt("The original idea (default: the prompt)")
    source: str | None = _opt("The text to refine (default: the prompt)")


def _run(prompt: llm.Prompt, response: Any) -> Iterator[str]:
    """Shared by the sync and async models: generate, record usage, yield the text line by line."""
    opts = {name: getattr(prompt.options, name, None) for name in _LocalOptions.model_fields}
    try:
        result = generate(prompt.system, prompt.prompt or "", **opts)
    except LocalModelError as exc:
        raise llm.ModelError(str(exc)) from None
    response.set_usage(
        input=result.input_tokens,
        output=result.output_tokens,
        details={"estimated": True, "truncated": result.truncated},
    )
    yield from result.text.splitlines(keepends=True)


class LocalTemplateModel(llm.Model):
    """The offline, deterministic prompt-refining model (provider `local`)."""

    model_id = MODEL_ID
    can_stream = True
    supports_conversation = False
    Options = _LocalOptions  # type: ignore[assignment]

    def execute(self, prompt: llm.Prompt, stream: bool, response: Any, conversation: Any) -> Any:
        """Yield the transformed text; the previous turns of a conversation are ignored."""
        yield from _run(prompt, response)


class AsyncLocalTemplateModel(llm.AsyncModel):
    """Async twin of LocalTemplateModel: same engine, same output."""

    model_id = MODEL_ID
    can_stream = True
    supports_conversation = False
    Options = _LocalOptions  # type: ignore[assignment]

    async def execute(
        self, prompt: llm.Prompt, stream: bool, response: Any, conversation: Any
    ) -> AsyncGenerator[str, None]:
        """Yield the transformed text (the engine is CPU-only and fast, so it runs inline)."""
        for chunk in _run(prompt, response):
            yield chunk


__all__ = ["AsyncLocalTemplateModel", "LocalTemplateModel"]
