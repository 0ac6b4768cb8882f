"""Our option names (temperature, max_tokens, seed, …) mapped to each plugin's, within its limits."""

from __future__ import annotations

from typing import Any

from ..errors import ProviderLimitError
from ..vocab import TEMPERATURE_RANGE
from .catalog import ModelChoice

# The plugins' names for our max_tokens, where they differ; providers that never get a seed
# (OpenRouter's Responses API raises ValueError on one; the others have no such option).
_MAX_TOKENS_NAME = {"google": "max_output_tokens", "ollama": "num_predict"}
_NO_SEED = frozenset({"anthropic", "google", "openrouter"})
_TEMPERATURE_MAX = {"anthropic": 1.0}


def option(description: str, **limits: Any) -> Any:
    """A field of an in-process model's llm Options: unset (None) unless the call sets it."""
    from pydantic import Field  # llm's dependency: only a model that declares Options needs it

    return Field(default=None, description=description, **limits)


def check_options(choice: ModelChoice, temperature: float | None, max_tokens: int | None) -> None:
    """Raise ProviderLimitError when an option is outside what the provider accepts."""
    if temperature is not None:
        lo, hi = TEMPERATURE_RANGE
        if isinstance(temperature, bool) or not lo <= float(temperature) <= hi:
            raise ProviderLimitError(
                f"temperature must be between {lo:g} and {hi:g}, got {temperature!r}"
            )
        limit = _TEMPERATURE_MAX.get(choice.provider)
        if limit is not None and temperature > limit:
            raise ProviderLimitError(
                f"{choice.provider} accepts temperature 0..{limit:g} only, got {temperature:g}"
            )
    if max_tokens is not None and (
        isinstance(max_tokens, bool) or not isinstance(max_tokens, int) or max_tokens <= 0
    ):
        raise ProviderLimitError(f"max_tokens must be a positive integer, got {max_tokens!r}")


def map_options(
    choice: ModelChoice,
    model: Any,
    *,
    temperature: float | None = None,
    max_tokens: int | None = None,
    seed: int | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Translate our option names to the plugin's, dropping any the model does not declare."""
    fields = getattr(getattr(model, "Options", None), "model_fields", {})
    wanted = {
        **(extra or {}),
        "temperature": temperature,
        _MAX_TOKENS_NAME.get(choice.provider, "max_tokens"): max_tokens,
        "seed": None if choice.provider in _NO_SEED else seed,
    }
    # Filtering by the model's declared fields keeps unknown names away from pydantic.
    return {name: v for name, v in wanted.items() if v is not None and name in fields}
