"""Classifying provider failures: transient (retry), auth, or permanent, and the error we raise."""

from __future__ import annotations

import errno
import re
import sys

from ..errors import ProviderError
from .catalog import PROVIDER_INFO, ModelChoice, ollama_base_url
from .keys import key_help, scrub

_RETRY_AFTER_CAP = 30.0


_GEMINI_TRANSIENT = re.compile(
    r"\b(429|500|502|503|504)\b|RESOURCE_EXHAUSTED|UNAVAILABLE|DEADLINE_EXCEEDED|"
    r"(?i:quota|rate limit|overloaded|try again|internal error)"
)
_GEMINI_AUTH = re.compile(
    r"API_KEY_INVALID|PERMISSION_DENIED|UNAUTHENTICATED|"
    r"(?i:api key not valid|invalid api key|incorrect api key|permission denied)"
)


def refused(exc: BaseException) -> bool:
    """True when the failure is a refused connection (nothing listens there): not worth a retry."""
    seen: set[int] = set()
    current: BaseException | None = exc
    # SDKs wrap the socket error (httpx.ConnectError, openai.APIConnectionError, ollama's
    # ConnectionError raised `from None`): the refusal sits somewhere down the chain.
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ConnectionRefusedError) or (
            isinstance(current, OSError) and current.errno == errno.ECONNREFUSED
        ):
            return True
        text = str(current).lower()
        # The ollama client's own wording for "nothing to connect to"; it raises it where the
        # socket error is no longer on the chain.
        if "connection refused" in text or "failed to connect to ollama" in text:
            return True
        current = current.__cause__ or current.__context__
    return False


def classify(exc: BaseException) -> tuple[str, int | None]:
    """Return ("transient" | "auth" | "refused" | "permanent", HTTP status if known).

    A refused connection is not retried: nothing listens at that address, and four attempts over
    14 s only delayed the answer (`alchemy models` says which servers are up).
    """
    if isinstance(exc, TimeoutError):  # asyncio.wait_for and the stdlib
        return "transient", None
    if refused(exc):
        return "refused", None
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
    llm = sys.modules.get("llm")
    if llm is not None and isinstance(exc, llm.ModelError):  # llm-gemini: message text only
        text = str(exc)
        if _GEMINI_AUTH.search(text):
            return "auth", None
        if _GEMINI_TRANSIENT.search(text):
            return "transient", None
    return "permanent", None


def retry_after(exc: BaseException) -> float | None:
    headers = getattr(getattr(exc, "response", None), "headers", None)
    try:
        value = headers.get("retry-after") if headers is not None else None
        return min(float(value), _RETRY_AFTER_CAP) if value is not None else None
    except (TypeError, ValueError, AttributeError):
        return None


def describe(exc: BaseException, secrets: list[str]) -> str:
    text = str(exc) or type(exc).__name__
    text = scrub(text, secrets)
    return text if len(text) <= 300 else text[:297] + "..."


def permanent_error(
    choice: ModelChoice, exc: BaseException, kind: str, status: int | None, secrets: list[str]
) -> ProviderError:
    detail = describe(exc, secrets)
    code = f"HTTP {status}" if status else type(exc).__name__
    if kind == "refused":
        where = f" at {ollama_base_url()}" if choice.provider == "ollama" else ""
        err = ProviderError(
            f"could not connect to {choice.provider}{where} for {choice.model_id}: is its server"
            f" running? (`alchemy models` shows which providers are usable): {detail}"
        )
    elif kind == "auth":
        hint = f"; {key_help(choice.provider)}" if PROVIDER_INFO[choice.provider].key_alias else ""
        err = ProviderError(
            f"{choice.provider} rejected the API key ({code}) for {choice.model_id}{hint}: {detail}"
        )
    else:
        err = ProviderError(f"{choice.provider} model {choice.model_id} failed ({code}): {detail}")
    err.status_code = status  # type: ignore[attr-defined]
    return err
