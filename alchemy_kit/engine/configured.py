"""Settings as the engine uses them: per-phase options, and model names checked before saving.

`alchemy_kit.settings` checks shapes (standard library only, so the store can use it); naming a
model that is not installed can only be checked here, where the model registry is available.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import records as r
from .. import settings
from ..models import catalog
from ..models.registry import resolve

if TYPE_CHECKING:
    from ..store import Store

DEFAULT_TEMPERATURE = 0.7
DEFAULT_MAX_TOKENS = 1024


def phase_options(
    store: Store,
    phase: str,
    temperature: float | None,
    max_tokens: int | None,
    model_id: str | None = None,
) -> tuple[float, int]:
    """Temperature and max_tokens for a phase: the call's, else phases.<phase>, else the model's
    own defaults (catalog.MODEL_DEFAULTS, e.g. SmolLM2's), else the general defaults."""
    per_phase = store.get_config(f"phases.{phase}", None) or {}
    own = catalog.MODEL_DEFAULTS.get(model_id or "", {})
    if temperature is None:
        temperature = per_phase.get("temperature", own.get("temperature", DEFAULT_TEMPERATURE))
    if max_tokens is None:
        max_tokens = per_phase.get("max_tokens", own.get("max_tokens", DEFAULT_MAX_TOKENS))
    return temperature, int(max_tokens)


def check_models(key: str, value: Any) -> None:
    """Raise UnknownModelError when a setting names a model that cannot be resolved or loaded."""
    setting = settings.lookup(key)
    if setting.models and isinstance(value, dict) and ("provider" in value or "model" in value):
        resolve(value.get("provider"), value.get("model"))
    if setting.embedding_model and isinstance(value, str):
        from ..search.embeddings import embed_texts

        embed_texts([], model_id=value)  # resolves (and loads) it without embedding anything


def set_setting(
    store: Store, key: str, value: Any, *, type: str | None = None, updated_by: str | None = None
) -> r.Configuration:
    """Validate a setting's shape and the models it names, then store it."""
    value = settings.validate(key, value)
    check_models(key, value)
    return store.set_config(key, value, type=type, updated_by=updated_by)


__all__ = [
    "DEFAULT_MAX_TOKENS",
    "DEFAULT_TEMPERATURE",
    "check_models",
    "phase_options",
    "set_setting",
]
