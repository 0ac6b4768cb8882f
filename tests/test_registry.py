"""Fast failures before any plugin loads: missing keys, a dead Ollama server, refused connections."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import loaded_by

import alchemy_kit as ak
from alchemy_kit.cli.main import cli
from alchemy_kit.errors import MissingKeyError, ProviderError
from alchemy_kit.models import keys, registry
from alchemy_kit.models.catalog import ModelChoice
from alchemy_kit.models.failures import classify
from alchemy_kit.models.providers import acomplete
from alchemy_kit.runner import run_sync

SECRET = "sk-test-0123456789abcdef"


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on: connecting to it is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_provider_named_without_loading_plugins() -> None:
    assert registry.provider_named("anthropic", None) == "anthropic"
    assert registry.provider_named(None, "gpt-4o-mini") == "openai"
    assert registry.provider_named(None, "ollama/llama3.2") == "ollama"
    assert registry.provider_named(None, None) == "local"
    assert registry.provider_named(None, "some-model") is None  # only resolving can tell


def test_check_usable_names_the_setting(
    monkeypatch: pytest.MonkeyPatch, closed_port: int, isolated_llm: Path
) -> None:
    with pytest.raises(MissingKeyError, match=r"anthropic \(chosen by the setting phases.x\)"):
        registry.check_usable("anthropic", "the setting phases.x")
    monkeypatch.setenv("ANTHROPIC_API_KEY", SECRET)
    registry.check_usable("anthropic")
    (isolated_llm / "keys.json").write_text(json.dumps({"openai": SECRET}))
    registry.check_usable("openai")  # keys.json counts, as llm reads it
    monkeypatch.setenv("OLLAMA_HOST", f"127.0.0.1:{closed_port}")
    with pytest.raises(ProviderError, match=f"no Ollama server answering at .*:{closed_port}"):
        registry.check_usable("ollama")
    registry.check_usable("local")


def test_keys_are_found_without_importing_llm(isolated_llm: Path) -> None:
    (isolated_llm / "keys.json").write_text(json.dumps({"anthropic": SECRET}))
    code = (
        "from alchemy_kit.models.keys import has_key\n"
        "assert has_key('anthropic') and not has_key('openai')"
    )
    assert loaded_by(code, ["llm", "anthropic", "openai"]) == []


def test_refused_connections_are_not_retried(
    monkeypatch: pytest.MonkeyPatch, closed_port: int
) -> None:
    with socket.socket() as s, pytest.raises(ConnectionRefusedError) as refused:
        s.connect(("127.0.0.1", closed_port))
    assert classify(refused.value)[0] == "refused"
    wrapped = ConnectionError("Failed to connect to Ollama")  # how the ollama client words it
    wrapped.__context__ = refused.value
    assert classify(wrapped)[0] == "refused"
    assert classify(ConnectionError("reset by peer"))[0] == "transient"

    monkeypatch.setenv("OLLAMA_HOST", f"127.0.0.1:{closed_port}")
    started = time.perf_counter()
    with pytest.raises(ProviderError, match="could not connect to ollama") as failure:
        run_sync(acomplete(ModelChoice("ollama", "ollama/llama3.2"), "hi", backoff=5.0))
    assert "attempts" not in str(failure.value)  # one attempt, no backoff
    assert time.perf_counter() - started < 5.0


def test_generate_fails_at_once_and_stores_nothing(
    db_path: Path, monkeypatch: pytest.MonkeyPatch, closed_port: int
) -> None:
    store = ak.open_store(db_path)
    store.set_config("phases.coagulatio", {"provider": "anthropic"})
    with pytest.raises(MissingKeyError, match=r"chosen by the setting phases.coagulatio"):
        ak.generate("a haiku about rain", store=store, count=1, progress=False)
    monkeypatch.setenv("OLLAMA_HOST", f"127.0.0.1:{closed_port}")
    with pytest.raises(ProviderError, match="no Ollama server answering"):
        ak.generate("a haiku", store=store, provider="ollama", count=1, progress=False)
    assert store.counts()["prompt_requests"] == 0


def test_config_set_warns_at_once_and_does_not_load_provider_sdks(db_path: Path) -> None:
    runner = CliRunner()
    ak.open_store(db_path).close()
    res = runner.invoke(
        cli, ["config", "set", "phases.coagulatio", '{"provider": "anthropic"}', "-d", db_path]
    )
    assert res.exit_code == 0, res.output
    assert res.stdout.startswith("phases.coagulatio = ")
    assert res.stderr.startswith("warning: no API key for anthropic")
    plain = runner.invoke(cli, ["config", "set", "user.note", "hi", "-d", db_path])
    assert plain.exit_code == 0 and not plain.stderr
    # The 17x cost of phases.* keys was llm loading every plugin's SDK to validate the setting.
    code = (
        "from click.testing import CliRunner\n"
        "from alchemy_kit.cli.main import cli\n"
        f"r = CliRunner().invoke(cli, ['config', 'set', 'phases.solutio', "
        f"'{{\"provider\": \"openai\"}}', '-d', {str(db_path)!r}])\n"
        "assert r.exit_code == 0, r.output"
    )
    assert loaded_by(code, ["anthropic", "openai", "google.genai", "llm_anthropic"]) == []


def test_has_key_defers_to_llm_once_it_is_loaded(
    monkeypatch: pytest.MonkeyPatch, isolated_llm: Path
) -> None:
    import llm

    monkeypatch.setattr(llm, "get_key", lambda alias=None, env=None: SECRET)
    assert keys.has_key("openai")  # the tests (and plugins) may patch llm's own lookup


def test_the_registry_cache_is_keyed_on_the_plugins_themselves() -> None:
    """Keyed on id()s, a new fake plugin at a freed plugin's address got the old registry (a
    flaky pairwise test); the stamp holds the plugin objects, so an address is never reused."""
    from llm.plugins import pm

    registry._registry()
    assert registry._REGISTRY is not None
    plugins = registry._REGISTRY[0][0]
    assert plugins and not any(isinstance(p, int) for p in plugins)
    assert set(map(id, plugins)) == set(map(id, pm.get_plugins()))
