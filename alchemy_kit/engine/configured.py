"""Settings as the engine uses them: per-phase options, and model names checked before saving.

`alchemy_kit.settings` checks shapes (standard library only, so the store can use it); naming a
model that is not installed can only be checked here, where the model registry is available.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .. import records as r
from .. import settings
from ..errors import ProviderError
from ..models import catalog
from ..models.catalog import ModelChoice
from ..models.options import check_options
from ..models.registry import check_usable, provider_named, resolve
from ..vocab import DEFAULT_TEMPERATURE, PHASES

if TYPE_CHECKING:
    from ..store import Store

DEFAULT_MAX_TOKENS = 1024


@dataclass(frozen=True)
class PhaseSettings:
    """The `defaults` and `phases.<phase>` settings, read once for one request."""

    defaults: Mapping[str, Any]
    phases: Mapping[str, Mapping[str, Any]]

    @classmethod
    def read(cls, store: Store, phases: Iterable[str] = PHASES) -> PhaseSettings:
        """Read `defaults` and each phase's setting from the store: one query per key."""
        return cls(
            store.get_config("defaults", None) or {},
            {phase: store.get_config(f"phases.{phase}", None) or {} for phase in phases},
        )

    def phase(self, phase: str) -> Mapping[str, Any]:
        """The `phases.<phase>` setting ({} when unset)."""
        return self.phases.get(phase, {})

    def named_models(self) -> list[tuple[str | None, str | None]]:
        """Every (provider, model) these settings name, in defaults and in every phase."""
        return [(c.get("provider"), c.get("model")) for c in (self.defaults, *self.phases.values())]


def _settings(source: Store | PhaseSettings, phase: str) -> PhaseSettings:
    return source if isinstance(source, PhaseSettings) else PhaseSettings.read(source, [phase])


def phase_options(
    source: Store | PhaseSettings,
    phase: str,
    temperature: float | None,
    max_tokens: int | None,
    model_id: str | None = None,
) -> tuple[float, int]:
    """Temperature and max_tokens for a phase: the call's, else phases.<phase>, else the model's
    own defaults (catalog.MODEL_DEFAULTS, e.g. SmolLM2's), else the general defaults.

    `source` is the store, or the settings a request already read from it (PhaseSettings).
    """
    per_phase = _settings(source, phase).phase(phase)
    own = catalog.MODEL_DEFAULTS.get(model_id or "", {})
    if temperature is None:
        temperature = per_phase.get("temperature", own.get("temperature", DEFAULT_TEMPERATURE))
    if max_tokens is None:
        max_tokens = per_phase.get("max_tokens", own.get("max_tokens", DEFAULT_MAX_TOKENS))
    return temperature, int(max_tokens)


def phase_setting(
    source: Store | PhaseSettings, phase: str, provider: str | None, model: str | None
) -> tuple[str | None, str | None, str | None]:
    """(provider, model, which setting chose them): explicit args > phases.<phase> > defaults."""
    if provider is not None or model is not None:
        return provider, model, None
    settings = _settings(source, phase)
    per_phase, defaults = settings.phase(phase), settings.defaults
    provider = per_phase.get("provider") or defaults.get("provider")
    model = per_phase.get("model") or defaults.get("model")
    if per_phase.get("provider") or per_phase.get("model"):
        return provider, model, f"the setting phases.{phase}"
    return provider, model, "the setting defaults" if provider or model else None


def model_for_phase(
    source: Store | PhaseSettings,
    phase: str,
    provider: str | None,
    model: str | None,
    *,
    options: tuple[float | None, int | None] | None = None,
) -> ModelChoice:
    """Resolve the model for a phase: explicit args > per-phase config > global config > local.

    With `options` (the call's temperature and max_tokens) a provider that would refuse them, or
    has no key or server, fails first, naming the setting that chose it (see `phase_plan`).
    """
    if options is None:
        return resolve(*phase_setting(source, phase, provider, model)[:2])
    return phase_plan(_settings(source, phase), phase, provider, model, *options)[0]


def phase_plan(
    settings: PhaseSettings,
    phase: str,
    provider: str | None,
    model: str | None,
    temperature: float | None,
    max_tokens: int | None,
) -> tuple[ModelChoice, float, int]:
    """A phase's model and its options (temperature, max_tokens), each checked once.

    When the setting names the provider, its limits and its key (or server) are checked before
    resolving, so before any llm plugin (and its SDK) loads; otherwise after resolving.
    """
    provider, model, chosen_by = phase_setting(settings, phase, provider, model)
    named = provider_named(provider, model)
    checked: tuple[str, float, int] | None = None
    if named is not None:
        guess = ModelChoice(named, model or catalog.DEFAULT_MODELS[named])
        temp, tokens = phase_options(settings, phase, temperature, max_tokens, guess.model_id)
        check_options(guess, temp, tokens)
        check_usable(named, chosen_by)
        checked = (named, temp, tokens)
    choice = resolve(provider, model)
    if named is None:
        check_usable(choice.provider, chosen_by)
    temp, tokens = phase_options(settings, phase, temperature, max_tokens, choice.model_id)
    if checked != (choice.provider, temp, tokens):  # the model's own defaults may differ
        check_options(choice, temp, tokens)
    return choice, temp, tokens


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
    "PhaseSettings",
    "check_models",
    "delete_setting",
    "model_for_phase",
    "phase_options",
    "phase_plan",
    "phase_setting",
    "provider_warning",
    "set_setting",
]
