"""Keeping provider SDKs from retrying on their own, so our retry policy is the only one.

The openai and anthropic SDKs retry twice by default; their clients are built with `max_retries=0`:
the openai family through the model's `get_client`, anthropic through a client subclass that drops
retries only inside our calls (the NO_SDK_RETRY ContextVar), so other users keep the SDK default.
"""

from __future__ import annotations

import contextvars
import copy
import sys
from typing import Any

NO_SDK_RETRY: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "alchemy_no_sdk_retry", default=False
)


def without_sdk_retries(model: Any, provider: str) -> Any:
    """Return a model whose SDK client will not retry on its own."""
    if provider in ("openai", "openrouter") and hasattr(model, "get_client"):
        original = model.get_client
        model = copy.copy(model)

        def get_client(key: Any, *, async_: bool = False) -> Any:
            return original(key, async_=async_).with_options(max_retries=0)

        model.get_client = get_client
    elif provider == "anthropic":
        patch_anthropic()
    return model


def patch_anthropic() -> None:
    mod: Any = sys.modules.get("llm_anthropic")
    if mod is None or getattr(mod.AsyncAnthropic, "_alchemy_no_retry", False):
        return
    base = mod.AsyncAnthropic

    # llm-anthropic builds its client inline in execute(); this subclass drops retries only
    # inside our calls (the ContextVar), so other users of llm-anthropic keep the SDK default.
    class AsyncAnthropicNoRetry(base):  # type: ignore[misc, valid-type]
        _alchemy_no_retry = True

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            if NO_SDK_RETRY.get():
                kwargs.setdefault("max_retries", 0)
            super().__init__(*args, **kwargs)

    mod.AsyncAnthropic = AsyncAnthropicNoRetry
