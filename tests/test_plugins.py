"""Tests for alchemy_kit.models.plugins: an offline run loads only our llm plugin."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from alchemy_kit.models import plugins
from alchemy_kit.store import open_store


def test_only_local_settings_need_only_our_plugin() -> None:
    local = [(None, None), ("local", None), (None, "alchemy-local")]
    assert plugins.needs_only_our_plugin(local, None)
    assert plugins.needs_only_our_plugin(local, "all-MiniLM-L6-v2-int8")
    assert not plugins.needs_only_our_plugin([*local, ("openai", None)], None)
    assert not plugins.needs_only_our_plugin([(None, "gpt-4o-mini")], None)
    assert not plugins.needs_only_our_plugin([(None, "smollm2-135m")], None)  # another plugin
    assert not plugins.needs_only_our_plugin(local, "text-embedding-3-small")


def test_too_late_once_llm_is_imported(monkeypatch: pytest.MonkeyPatch) -> None:
    import llm  # noqa: F401  (imported by this test process already; the variable was read)

    monkeypatch.delenv(plugins.ENV_VAR, raising=False)
    assert plugins.load_only_our_plugin() is False
    assert plugins.ENV_VAR not in os.environ


def _plugins_after_generate(db: Path, *args: str) -> list[str]:
    code = (
        "import sys; from alchemy_kit.cli.main import cli; "
        f"cli(['generate', 'Plan a launch', '-n', '1', '--no-embed', '-d', {str(db)!r}, *{list(args)!r}],"
        " standalone_mode=False); import llm, json; "
        "print(json.dumps(sorted(p.__name__ for p in llm.pm.get_plugins())))"
    )
    env = {k: v for k, v in os.environ.items() if k != plugins.ENV_VAR}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_an_offline_generate_loads_no_provider_sdk(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    loaded = _plugins_after_generate(db)
    assert "alchemy_kit.models.llm_plugin" in loaded
    assert not [p for p in loaded if p.startswith(("llm_anthropic", "llm_gemini", "llm_ollama"))]
    # A configured remote provider for one phase: every plugin loads, as before.
    open_store(db).set_config("phases.solutio", {"provider": "anthropic"})
    everything = _plugins_after_generate(db, "--phases", "prima-materia")
    assert any(p.startswith("llm_anthropic") for p in everything), everything
