"""API keys through llm: presence checks, help text, and scrubbing key values out of error text.

Keys are read through llm (`llm keys set`, keys.json, or the provider's env var) and never stored
in our database, logs or messages.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
from pathlib import Path

from ..errors import MissingKeyError
from .catalog import PROVIDER_INFO, ModelChoice
from .recording import replay_requested


def has_key(provider: str) -> bool:
    """True when llm would find a key for the provider (keys.json first, then its env var)."""
    info = PROVIDER_INFO[provider]
    llm = sys.modules.get("llm")
    if llm is not None:
        return bool(llm.get_key(alias=info.key_alias, env=info.key_env))
    # llm not imported yet: read keys.json as llm.get_key does, rather than spend ~0.7 s of CPU
    # importing llm (more with its plugins) to report a missing key.
    stored = _stored_keys()
    if stored is None:  # unreadable: let llm itself decide (and say what is wrong)
        import llm as llm_module

        return bool(llm_module.get_key(alias=info.key_alias, env=info.key_env))
    if info.key_alias and stored.get(info.key_alias):
        return True
    return bool(info.key_env and os.environ.get(info.key_env))


def provider_key(provider: str) -> tuple[str, str] | None:
    """(environment variable, key) as llm finds the provider's key here; None when it needs none
    or none is set. For handing a key to a cluster task that calls the provider (never stored)."""
    info = PROVIDER_INFO.get(provider)
    if info is None or not info.key_env:
        return None
    import llm

    key = llm.get_key(alias=info.key_alias, env=info.key_env)
    return (info.key_env, key) if key else None


def _stored_keys() -> dict[str, object] | None:
    """llm's keys.json ({} when absent), or None when it cannot be read as llm would."""
    base = os.environ.get("LLM_USER_PATH")
    if base:
        folder = Path(base)
    else:
        import click

        folder = Path(click.get_app_dir("io.datasette.llm"))
    try:
        data = json.loads((folder / "keys.json").read_text("utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def check_key(choice: ModelChoice, key: str | None = None) -> None:
    """Raise MissingKeyError (before any network call) when the choice needs a key we lack."""
    info = PROVIDER_INFO[choice.provider]
    if key or info.key_alias is None or replay_requested():  # a replay needs no key
        return
    if not has_key(choice.provider):
        raise MissingKeyError(f"no API key for {choice.provider}: {key_help(choice.provider)}")


def key_help(provider: str) -> str:
    info = PROVIDER_INFO[provider]
    return f"run `llm keys set {info.key_alias}` or set {info.key_env}"


def known_secrets(explicit: str | None) -> list[str]:
    """Every key value we might have used, longest first, so error text can be scrubbed of them."""
    values = {explicit} if explicit else set()
    # A broken keys.json must not hide the real error.
    with contextlib.suppress(Exception):
        import llm

        values.update(v for v in llm.load_keys().values() if isinstance(v, str))
    for info in PROVIDER_INFO.values():
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
