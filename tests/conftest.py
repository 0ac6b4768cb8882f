"""Hermetic fixtures: a temporary LLM_USER_PATH and database for every test, no network."""

from __future__ import annotations

import os
import socket
import tempfile

# Must precede any plugin import: llm reads LLM_USER_PATH lazily, but some plugins cache paths at import.
os.environ["LLM_USER_PATH"] = tempfile.mkdtemp(prefix="alchemy-llm-")
# Our own small caches (model file digests) never touch the user's ~/.cache from a test.
os.environ["ALCHEMY_CACHE_DIR"] = tempfile.mkdtemp(prefix="alchemy-cache-")
os.environ.pop("ALCHEMY_DB", None)

import pytest

_KEY_VARS = (
    "OPENAI_API_KEY",
    "ANTHROPIC_API_KEY",
    "LLM_GEMINI_KEY",
    "GEMINI_API_KEY",
    "OPENROUTER_KEY",
    "OLLAMA_API_KEY",
    "OPENAI_BASE_URL",
    "ANTHROPIC_BASE_URL",
    "OLLAMA_HOST",
    "ALCHEMY_DB",
)


@pytest.fixture(autouse=True)
def isolated_llm(tmp_path, monkeypatch):
    """Give each test its own LLM_USER_PATH and strip provider keys from the environment."""
    user_path = tmp_path / "llm-user"
    user_path.mkdir()
    monkeypatch.setenv("LLM_USER_PATH", str(user_path))
    for var in _KEY_VARS:
        monkeypatch.delenv(var, raising=False)
    try:
        import llm_ollama.registry  # type: ignore[import-not-found]

        # Without this every llm.get_model() GETs 127.0.0.1:11434/api/tags.
        monkeypatch.setattr(llm_ollama.registry, "get_ollama_models", lambda: [])
    except ImportError:
        pass
    yield user_path


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Fail any test that tries to open a real non-loopback socket."""
    real_connect = socket.socket.connect

    def guarded(self, address):  # type: ignore[no-untyped-def]
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and (
            host.startswith("127.") or host in ("localhost", "::1") or host.startswith("/")
        ):
            return real_connect(self, address)
        raise RuntimeError(f"network access attempted in a test: {address!r}")

    monkeypatch.setattr(socket.socket, "connect", guarded)
    yield


@pytest.fixture
def db_path(tmp_path):
    """A path for a fresh temporary database file."""
    return tmp_path / "alchemy.db"


@pytest.fixture
def minilm_prompts():
    """Store texts as prompts embedded with MiniLM (the test is skipped if it cannot load)."""
    from alchemy_kit import records as r
    from alchemy_kit.errors import EmbeddingError
    from alchemy_kit.search.vectors import embed_prompts

    def add(store, texts):
        prompts = [r.Prompt(content=t, phase="solutio", provider="local", model="m") for t in texts]
        store.add_prompts(prompts)
        try:
            embed_prompts(store, prompts)
        except EmbeddingError as exc:
            pytest.skip(f"MiniLM unavailable: {exc}")
        return prompts

    return add
