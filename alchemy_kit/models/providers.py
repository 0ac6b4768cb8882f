"""The only caller of llm's prompting API: one completion with retries, timeouts and accounting.

Retry policy (ours, run by tenacity, is the only one): a call gets ``1 + retries`` attempts; only
transient failures (timeouts, connection errors, HTTP 408/409/425/429/5xx, Gemini quota/overload
texts) are retried, after ``backoff * 2**n`` seconds plus up to 50 % jitter (a Retry-After header
wins, capped at 30 s); a refused connection is not transient (failures.py).
The openai and anthropic SDKs would otherwise retry twice on their own, so their clients are built
with ``max_retries=0``: the openai family through the model's ``get_client``, anthropic through a
client subclass that drops retries only inside our calls (a ContextVar). llm-gemini and llm-ollama
never retry. Errors are raised ``from None`` with key values scrubbed: SDK messages can quote keys.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..errors import (
    AlchemyError,
    MissingKeyError,
    ProviderError,
    ProviderLimitError,
    TransientProviderError,
)
from ..runner import synchronous
from ..vocab import estimate_tokens
from . import local, recording
from .catalog import ModelChoice
from .failures import classify, describe, permanent_error, retry_after
from .keys import key_help, known_secrets
from .options import check_options, map_options
from .registry import async_model
from .sdk import NO_SDK_RETRY, without_sdk_retries


@dataclass
class Completion:
    """One model answer with its accounting."""

    text: str
    provider: str
    model: str  # response.resolved_model or model.model_id
    input_tokens: int
    output_tokens: int
    tokens_estimated: bool
    # Wall time of the whole call, retries and backoff included; for a model that runs in this
    # process (one call at a time), only the time the call had the model, not its time queued.
    duration_ms: int
    attempts: int
    options: dict[str, Any] = field(default_factory=dict)  # as sent, in the plugin's own names
    call_key: str | None = None  # its key in model_calls when recorded or replayed


async def _attempt(a: _Attempt) -> tuple[str, Any, str | None]:
    token = NO_SDK_RETRY.set(True)  # reset below: wait_for may run us in the caller's task
    try:
        response = a.model.prompt(a.prompt, system=a.system, stream=False, key=a.key, **a.options)
        if a.is_async:
            text = await response.text()
            usage = await response.usage()
        else:  # a sync-only in-process model: keep the event loop free
            text = await asyncio.to_thread(response.text)
            usage = response.usage()
        return text, usage, response.resolved_model
    finally:
        NO_SDK_RETRY.reset(token)


def _attempt_in_process(a: _Attempt) -> tuple[str, Any, str | None]:
    """One call to a sync model in this process, run by inprocess.run in a worker thread."""
    response = a.model.prompt(a.prompt, system=a.system, stream=False, key=a.key, **a.options)
    return response.text(), response.usage(), response.resolved_model


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
    model_options: dict[str, Any] | None = None,
) -> Completion:
    """Prompt a model (retrying transient failures up to `retries` times) and account for it.

    `model_options` (e.g. phase and persona) reach only models whose Options declare them: our
    in-process models read them, while a remote model never sees them, in options or in text.
    With a recorder attached (models/recording.py) the call is recorded, or served from the
    recording when replaying: then no model, network or key is touched.
    """
    check_options(choice, temperature, max_tokens)
    return await acomplete_checked(**locals())  # exactly the parameters above


async def acomplete_checked(
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
    model_options: dict[str, Any] | None = None,
) -> Completion:
    """`acomplete` for options already checked against the provider (the pipeline's RunPlan)."""
    call = recording.Call.of(choice, prompt, system, temperature, max_tokens, seed, model_options)
    found = recording.replayed(call)
    if found is not None:
        return _from_recording(found, choice)
    if choice.provider == "local" and choice.model_id == local.MODEL_ID:
        done = await _in_process(
            prompt, system, temperature, max_tokens, seed, timeout, model_options or {}
        )
    else:
        model, is_async = _ready_model(choice, key)
        options = map_options(
            choice,
            model,
            temperature=temperature,
            max_tokens=max_tokens,
            seed=seed,
            extra=model_options,
        )
        attempt = _Attempt(
            choice, model, is_async, prompt, system, options, key, timeout, known_secrets(key)
        )
        done = await _retried(attempt, retries, backoff)
    done.call_key = recording.record(call, done)
    return done


def _from_recording(found: Any, choice: ModelChoice) -> Completion:
    return Completion(
        text=found.response,
        provider=choice.provider,
        model=found.resolved_model or choice.model_id,
        input_tokens=found.input_tokens or 1,
        output_tokens=found.output_tokens or 1,
        tokens_estimated=bool(found.tokens_estimated),
        duration_ms=0,
        attempts=0,
        options=dict(found.options),
        call_key=found.key,
    )


async def _retried(attempt: _Attempt, retries: int, backoff: float) -> Completion:
    """A real llm model's call: tried until it succeeds, fails for good or runs out of retries."""
    import tenacity  # only a real llm model's calls are retried

    started = time.perf_counter()
    retrying = tenacity.AsyncRetrying(
        stop=tenacity.stop_after_attempt(retries + 1),
        wait=_wait(backoff),
        retry=tenacity.retry_if_exception(_transient),
        reraise=True,
    )
    try:
        done: tuple[str, Any, str | None] = await retrying(attempt)
    except AlchemyError:
        raise
    except Exception as exc:  # the last attempt failed transiently too
        raise _exhausted(exc, attempt.choice, attempt.secrets, attempt.count) from None
    text, usage, resolved = done
    in_tok = getattr(usage, "input", None) or 0
    out_tok = getattr(usage, "output", None) or 0
    return Completion(
        text=text,
        provider=attempt.choice.provider,
        model=resolved or attempt.model.model_id,
        # A provider that reports no usage gets an estimate, and the row says it is one.
        input_tokens=int(in_tok)
        if in_tok > 0
        else _estimated_tokens((attempt.system or "") + "\n" + attempt.prompt),
        output_tokens=int(out_tok) if out_tok > 0 else _estimated_tokens(text),
        tokens_estimated=not (in_tok > 0 and out_tok > 0),
        duration_ms=int(
            (attempt.busy if attempt.in_process else time.perf_counter() - started) * 1000
        ),
        attempts=attempt.count,
        options=dict(attempt.options),
    )


def _estimated_tokens(text: str) -> int:
    """A token estimate, at least 1, for a call whose provider reported no usage."""
    return max(1, estimate_tokens(text))


def _ready_model(choice: ModelChoice, key: str | None) -> tuple[Any, bool]:
    """The llm model for `choice` (async when it has one), its key checked before any network call."""
    import llm  # only a real llm model needs it (and every plugin's SDK it loads)

    model, is_async = async_model(choice)
    if getattr(model, "needs_key", None):
        try:
            model.get_key(key)
        except llm.NeedsKeyException:
            raise MissingKeyError(
                f"no API key for {choice.provider}: {key_help(choice.provider)}"
            ) from None
    return without_sdk_retries(model, choice.provider), is_async


@dataclass
class _Attempt:
    """One try of a real llm model's call; tenacity calls it again while a failure is transient."""

    choice: ModelChoice
    model: Any
    is_async: bool
    prompt: str
    system: str | None
    options: dict[str, Any]
    key: str | None
    timeout: float
    secrets: list[str]
    count: int = 0
    busy: float = 0.0  # seconds an in-process model spent generating, over every try

    @property
    def in_process(self) -> bool:
        """A sync model of provider `local` runs in this process (SmolLM2): one call at a time,
        timed from when it has the model, stopped between tokens when it times out."""
        return self.choice.provider == "local" and not self.is_async

    async def __call__(self) -> tuple[str, Any, str | None]:
        from . import inprocess  # only a sync in-process model (SmolLM2) runs through it

        self.count += 1
        try:
            if not self.in_process:
                return await asyncio.wait_for(_attempt(self), self.timeout)
            done, budget = await inprocess.run(
                self.choice.model_id, lambda: _attempt_in_process(self), self.timeout
            )
            self.busy += budget.seconds
            return done
        except inprocess.InProcessTimeout as exc:
            # Not retried: the same model on the same input would take as long again.
            err = TransientProviderError(str(exc))
            err.attempts = self.count  # type: ignore[attr-defined]
            err.duration_ms = int((self.busy + exc.seconds) * 1000)  # type: ignore[attr-defined]
            raise err from None
        except Exception as exc:
            # `from None`: the SDK exception may quote the key, and tracebacks print causes.
            error = _give_up(exc, self.choice, self.options, self.secrets)
            if error is not None:
                raise error from None
            raise  # transient: tenacity waits and tries again


def _transient(exc: BaseException) -> bool:
    """Retry only what `_give_up` let through: plain exceptions, never our errors or a cancel."""
    return isinstance(exc, Exception) and not isinstance(exc, AlchemyError)


def _wait(backoff: float) -> Callable[[Any], float]:
    """Seconds before the next attempt: backoff * 2**n plus up to 50 % jitter, or Retry-After."""

    def wait(state: Any) -> float:
        delay = backoff * 2 ** (state.attempt_number - 1)
        hint = retry_after(state.outcome.exception()) if state.outcome else None
        return max(delay + random.uniform(0, delay / 2), hint or 0.0)

    return wait


def _give_up(
    exc: Exception, choice: ModelChoice, options: dict[str, Any], secrets: list[str]
) -> Exception | None:
    """The error a failed attempt ends the call with, or None when it is transient (retried)."""
    import llm

    if isinstance(exc, llm.NeedsKeyException):
        return MissingKeyError(f"no API key for {choice.provider}: {key_help(choice.provider)}")
    if isinstance(exc, _pydantic_validation_error()):
        return ProviderLimitError(
            f"{choice.provider} rejected the options {sorted(options)}: {describe(exc, secrets)}"
        )
    kind, status = classify(exc)
    return None if kind == "transient" else permanent_error(choice, exc, kind, status, secrets)


def _exhausted(
    exc: Exception, choice: ModelChoice, secrets: list[str], attempts: int
) -> TransientProviderError:
    """The error of a call whose every attempt failed transiently."""
    status = classify(exc)[1]
    what = "timed out" if isinstance(exc, TimeoutError) else describe(exc, secrets)
    err = TransientProviderError(
        f"{choice.provider} model {choice.model_id} failed after {attempts} attempts: "
        f"{what if status is None else f'HTTP {status}: {what}'}"
    )
    err.attempts = attempts  # type: ignore[attr-defined]
    return err


_LOCAL_OPTIONS = ("phase", "persona", "strategy", "task", "idea", "source")
_INPUTS = ("idea", "source")  # what the engine works on: stored elsewhere, not as options


async def _in_process(
    prompt: str,
    system: str | None,
    temperature: float | None,
    max_tokens: int | None,
    seed: int | None,
    timeout: float,
    model_options: dict[str, Any],
) -> Completion:
    """Run our offline engine directly: the same text `llm -m alchemy-local` gives, without
    importing llm (and every installed plugin's SDK) for a run that never leaves the machine."""
    started = time.perf_counter()
    extra = {k: v for k, v in model_options.items() if k in _LOCAL_OPTIONS and v is not None}
    try:
        done = await asyncio.wait_for(
            asyncio.to_thread(
                local.generate,
                system,
                prompt,
                temperature=temperature,
                max_tokens=max_tokens,
                seed=seed,
                **extra,
            ),
            timeout,
        )
    except local.LocalModelError as exc:
        raise ProviderError(f"local model {local.MODEL_ID} failed: {exc}") from None
    except TimeoutError:
        raise TransientProviderError(f"local model {local.MODEL_ID} timed out") from None
    options = {"temperature": temperature, "max_tokens": max_tokens, "seed": seed, **extra}
    options = {k: v for k, v in options.items() if k not in _INPUTS}
    return Completion(
        text=done.text,
        provider="local",
        model=local.MODEL_ID,
        input_tokens=done.input_tokens,
        output_tokens=done.output_tokens,
        tokens_estimated=True,
        duration_ms=int((time.perf_counter() - started) * 1000),
        attempts=1,
        options={k: v for k, v in options.items() if v is not None},
    )


def _pydantic_validation_error() -> type[Exception]:
    import pydantic  # already imported by llm

    return pydantic.ValidationError


complete = synchronous(
    acomplete,
    "complete",
    "Synchronous acomplete(): works in plain scripts and inside a running event loop.",
)


__all__ = ["Completion", "acomplete", "acomplete_checked", "complete"]
