"""Settings as the engine uses them: per-phase options, and model names checked before saving.

`alchemy_kit.settings` checks shapes (standard library only, so the store can use it); naming a
model that is not installed can only be checked here, where the model registry is available.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import records as r
from .. import settings
from ..errors import ProviderError
from ..models import catalog
from ..models.catalog import ModelChoice
from ..models.options import check_options
from ..models.registry import check_usable, provider_named, resolve
from ..vocab import DEFAULT_TEMPERATURE

if TYPE_CHECKING:
    from ..store import Store

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


def phase_setting(
    store: Store, phase: str, provider: str | None, model: str | None
) -> tuple[str | None, str | None, str | None]:
    """(provider, model, which setting chose them): explicit args > phases.<phase> > defaults."""
    if provider is not None or model is not None:
        return provider, model, None
    per_phase = store.get_config(f"phases.{phase}", None) or {}
    defaults = store.get_config("defaults", None) or {}
    provider = per_phase.get("provider") or defaults.get("provider")
    model = per_phase.get("model") or defaults.get("model")
    if per_phase.get("provider") or per_phase.get("model"):
        return provider, model, f"the setting phases.{phase}"
    return provider, model, "the setting defaults" if provider or model else None


def model_for_phase(
    store: Store,
    phase: str,
    provider: str | None,
    model: str | None,
    *,
    options: tuple[float | None, int | None] | None = None,
) -> ModelChoice:
    """Resolve the model for a phase: explicit args > per-phase config > global config > local.

    With `options` (the call's temperature and max_tokens) a provider that would refuse them, or
    has no key or server, fails first, naming the setting that chose it: before resolving when
    the setting names the provider, so before any llm plugin (and its SDK) loads.
    """
    provider, model, chosen_by = phase_setting(store, phase, provider, model)
    named = provider_named(provider, model) if options is not None else None
    if options is not None and named is not None:
        guess = ModelChoice(named, model or catalog.DEFAULT_MODELS[named])
        check_options(guess, *phase_options(store, phase, *options, guess.model_id))
        check_usable(named, chosen_by)
    choice = resolve(provider, model)
    if options is not None and named is None:
        check_usable(choice.provider, chosen_by)
    return choice


def check_models(key: str, value: Any) -> None:
    """Raise UnknownModelError when a setting names a model that cannot be resolved or loaded."""
    setting = settings.lookup(key)
    if setting.models and isinstance(value, dict) and ("provider" in value or "model" in value):
        resolve(value.get("provider"), value.get("model"))
    if setting.embedding_model and isinstance(value, str):
        from ..search.embeddings import embed_texts

        embed_texts([], model_id=value)  # resolves (and loads) it without embedding anything


def provider_warning(key: str, value: Any) -> str | None:
    """Why a setting that names a provider will fail now (no key, no server), or None.

    The setting stays valid (a key can be added later); `alchemy config set` prints this at once
    rather than leaving the first `generate` to find out.
    """
    if not settings.lookup(key).models or not isinstance(value, dict):
        return None
    named = provider_named(value.get("provider"), value.get("model"))
    if named is None:
        return None
    try:
        check_usable(named, f"the setting {key}")
    except ProviderError as exc:
        return f"{exc}; until then every run that uses {key} fails (`alchemy models` says more)"
    return None


def set_setting(
    store: Store, key: str, value: Any, *, type: str | None = None, updated_by: str | None = None
) -> r.Configuration:
    """Validate a setting's shape and the models it names, then store it.

    New scoring weights and the scores derived from them are stored in one transaction (as
    `alchemy learn` does): never new weights beside scores from the old ones.
    """
    value = settings.validate(key, value)
    check_models(key, value)
    with store.transaction():
        rec = store.set_config(key, value, type=type, updated_by=updated_by)
        _rescore_if_weights(store, key)
    return rec


def delete_setting(store: Store, key: str) -> None:
    """Delete a setting; deleting the scoring weights re-derives the scores in the same transaction."""
    with store.transaction():
        store.delete_config(key)
        _rescore_if_weights(store, key)


def _rescore_if_weights(store: Store, key: str) -> None:
    from ..scoring.rank import rescore
    from ..scoring.scorer import WEIGHTS_KEY

    if key == WEIGHTS_KEY:
        rescore(store)


__all__ = [
    "DEFAULT_MAX_TOKENS",
    "DEFAULT_TEMPERATURE",
    "check_models",
    "delete_setting",
    "model_for_phase",
    "phase_options",
    "phase_setting",
    "provider_warning",
    "set_setting",
]
