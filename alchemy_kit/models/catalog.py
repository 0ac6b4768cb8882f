"""What we know about providers without calling them: ids, default models, prices, context limits."""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from dataclasses import dataclass

from ..vocab import PROVIDERS

# SmolLM2-135M-Instruct, the optional real model run in this process (models/smollm*.py).
SMOLLM_ID = "smollm2-135m"
DEFAULT_MODELS: dict[str, str] = {
    "openai": "gpt-4o-mini",
    "anthropic": "anthropic/claude-haiku-4-5-20251001",
    "google": "gemini/gemini-2.5-flash",
    "openrouter": "openrouter/openai/gpt-4o-mini",
    "ollama": "ollama/llama3.2",
    "local": "alchemy-local",
}

# USD per 1M (input, output) tokens, list prices of the default models; editable copies live in
# the `configurations` table. Ollama and in-process models cost nothing per token.
DEFAULT_PRICES: dict[str, tuple[float, float]] = {
    "gpt-4o-mini": (0.15, 0.60),
    "anthropic/claude-haiku-4-5-20251001": (1.00, 5.00),
    "gemini/gemini-2.5-flash": (0.30, 2.50),
    "openrouter/openai/gpt-4o-mini": (0.15, 0.60),
    "ollama/llama3.2": (0.0, 0.0),
    "alchemy-local": (0.0, 0.0),
    SMOLLM_ID: (0.0, 0.0),
}

# Native context windows in tokens, keyed by the model name without its provider prefix or tag.
# Ollama may run a model with a smaller num_ctx than its native window.
CONTEXT_LIMITS: dict[str, int] = {
    "gpt-4o-mini": 128_000,
    "gpt-4o": 128_000,
    "claude-haiku-4-5-20251001": 200_000,
    "gemini-2.5-flash": 1_048_576,
    "gemini-2.5-pro": 1_048_576,
    "openai/gpt-4o-mini": 128_000,
    "llama3.2": 131_072,
    SMOLLM_ID: 8_192,
}
_LOCAL_FALLBACK_CONTEXT = 8_192

# Options a model is run with when neither the call nor the phase's settings give one. A 135M
# model at the general defaults (temperature 0.7, 1024 tokens) rambles to the limit; SmolLM2's
# model card recommends 0.2, and its useful answers end well inside 512 tokens.
MODEL_DEFAULTS: dict[str, dict[str, float | int]] = {
    SMOLLM_ID: {"temperature": 0.2, "max_tokens": 512},
}


@dataclass(frozen=True)
class _ProviderInfo:
    plugin_module: str  # the module whose classes implement the provider's models
    plugin_package: str  # what to pip install
    key_alias: str | None  # `llm keys set <alias>`
    key_env: str | None
    id_prefixes: tuple[str, ...]


PROVIDER_INFO: dict[str, _ProviderInfo] = {
    "openai": _ProviderInfo(
        "llm.default_plugins.openai_models",
        "llm",
        "openai",
        "OPENAI_API_KEY",
        ("gpt-", "o1", "o3", "o4"),
    ),
    "anthropic": _ProviderInfo(
        "llm_anthropic", "llm-anthropic", "anthropic", "ANTHROPIC_API_KEY", ("anthropic/", "claude")
    ),
    "google": _ProviderInfo("llm_gemini", "llm-gemini", "gemini", "LLM_GEMINI_KEY", ("gemini/",)),
    "openrouter": _ProviderInfo(
        "llm_openrouter", "llm-openrouter", "openrouter", "OPENROUTER_KEY", ("openrouter/",)
    ),
    "ollama": _ProviderInfo("llm_ollama", "llm-ollama", None, None, ("ollama/",)),
    "local": _ProviderInfo("alchemy_kit", "alchemy-kit", None, None, ()),
}


@dataclass(frozen=True)
class ModelChoice:
    """A provider and the llm model id to call."""

    provider: str
    model_id: str


def ollama_base_url() -> str:
    host = os.environ.get("OLLAMA_HOST") or "127.0.0.1:11434"
    if "://" not in host:
        host = "http://" + host
    scheme, rest = host.split("://", 1)
    hostport = rest.split("/", 1)[0].rsplit("@", 1)[-1]  # drop any path and credentials
    if ":" not in hostport.rsplit("]", 1)[-1]:
        hostport += ":11434"
    hostport = hostport.replace("0.0.0.0", "127.0.0.1")
    return f"{scheme}://{hostport}"


def ollama_probe(timeout: float = 0.3) -> bool:
    """True when an Ollama server answers on $OLLAMA_HOST (or 127.0.0.1:11434) within timeout."""
    # No proxies: an HTTP(S)_PROXY variable must not turn a local probe into a remote request.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(ollama_base_url() + "/api/version", timeout=timeout) as r:
            return bool(200 <= r.status < 300)
    except (OSError, ValueError, urllib.error.URLError):
        return False


def _bare_name(model_id: str) -> str:
    for prefix in ("anthropic/", "gemini/", "openrouter/", "ollama/"):
        if model_id.startswith(prefix):
            model_id = model_id.removeprefix(prefix)
            break
    return model_id.split(":", 1)[0]


def context_limit(choice: ModelChoice) -> int | None:
    """Return the model's context window in tokens, or None when unknown."""
    if choice.model_id == DEFAULT_MODELS["local"]:
        from .local import CONTEXT_LIMIT  # lazily: the engine's text modules are not small

        return CONTEXT_LIMIT
    limit = CONTEXT_LIMITS.get(_bare_name(choice.model_id))
    if limit is None and choice.provider == "local":
        return _LOCAL_FALLBACK_CONTEXT
    return limit


def price_for(
    model_id: str, prices: dict[str, tuple[float, float]] | None = None
) -> tuple[float, float] | None:
    """USD per 1M (input, output) tokens for a model id, or None when unknown."""
    table = DEFAULT_PRICES if prices is None else prices
    if model_id in table:
        return table[model_id]
    if model_id.startswith("ollama/"):
        return (0.0, 0.0)  # a local Ollama server charges nothing per token
    return None


__all__ = [
    "CONTEXT_LIMITS",
    "DEFAULT_MODELS",
    "DEFAULT_PRICES",
    "MODEL_DEFAULTS",
    "PROVIDERS",
    "ModelChoice",
    "context_limit",
    "price_for",
]
