"""Typed configuration: every known key refuses wrong shapes, and the engine honours what it reads."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from alchemy_kit import settings
from alchemy_kit.cli.main import cli
from alchemy_kit.engine.pipeline import generate
from alchemy_kit.errors import ProviderLimitError, ValidationError
from alchemy_kit.store import Store, open_store
from alchemy_kit.vocab import PHASES

PACKAGE = Path(__file__).resolve().parents[1] / "alchemy_kit"

# For each known key: values it accepts and at least two it must refuse (with a word the message
# must contain, so the refusal names the problem).
CASES: dict[str, tuple[list, list[tuple[object, str]]]] = {
    "prices": (
        [{"gpt-4o-mini": [0.15, 0.6]}, {}],
        [
            ("cheap", "object mapping model ids"),
            ({"gpt-4o-mini": 0.15}, "price of 'gpt-4o-mini'"),
            ({"gpt-4o-mini": [0.15]}, "[input, output]"),
            ({"gpt-4o-mini": [-1, 0.6]}, ">= 0"),
            ({"gpt-4o-mini": ["a", "b"]}, "price of"),
            ([["gpt-4o-mini", 1, 2]], "object mapping"),
        ],
    ),
    "defaults": (
        [{"provider": "local"}, {"model": "alchemy-local"}, {"provider": "local", "model": "x"}],
        [
            ("local", "an object"),
            ({"provider": "mistral"}, "field 'provider'"),
            ({"provider": 3}, "field 'provider'"),
            ({"model": ""}, "field 'model'"),
            ({"temperature": 0.5}, "unknown field"),
            ({}, "empty object"),
        ],
    ),
    "phases.solutio": (
        [{"provider": "local", "temperature": 0.2, "max_tokens": 300}, {"temperature": 2}],
        [
            ({"temperature": 3}, "field 'temperature'"),
            ({"temperature": "hot"}, "field 'temperature'"),
            ({"temperature": True}, "field 'temperature'"),
            ({"max_tokens": 0}, "field 'max_tokens'"),
            ({"max_tokens": 2.5}, "field 'max_tokens'"),
            ({"provider": "openia"}, "field 'provider'"),
            ({"top_p": 0.9}, "unknown field"),
            (["local"], "an object"),
        ],
    ),
    "scoring.judge": (
        [{"provider": "openai", "model": "gpt-4o-mini"}, {"provider": "anthropic"}],
        [
            ("gpt-4o-mini", "an object"),
            ({"provider": "mistral"}, "field 'provider'"),
            ({"judge": "gpt-4o-mini"}, "unknown field"),
        ],
    ),
    "scoring.weights": (
        [{"coef": {"length": 1.0}, "mean": {"length": 0.5}, "scale": {"length": 0.2}}],
        [
            ({"coef": {"length": 1.0}}, "missing mean, scale"),
            ({"coef": {"length": "big"}, "mean": {"length": 0}, "scale": {"length": 1}}, "coef"),
            ({"coef": {"length": 1}, "mean": {"length": 0}, "scale": {"length": 0}}, "> 0"),
            ([1, 2, 3], "an object"),
        ],
    ),
    "embeddings.auto": (
        [True, False],
        [("no", "true or false"), (0, "true or false"), ("false", "true or false")],
    ),
    "embeddings.model": (
        ["all-MiniLM-L6-v2-int8", "3-small"],
        [(123, "model id"), ("", "model id"), ({"id": "x"}, "model id"), ("a\nb", "model id")],
    ),
    "embeddings.similarity_threshold": (
        [0.5, -1, 1],
        [(1.5, "number from -1 to 1"), ("0.5", "number"), (None, "number"), (True, "number")],
    ),
    "user.anything": ([1, "x", {"a": [1, None]}, None, [True]], []),
}


@pytest.fixture
def store(db_path: Path) -> Store:
    return open_store(db_path)


def test_every_known_key_is_covered() -> None:
    covered = {settings.lookup(key).name for key in CASES}
    assert covered == set(settings.known_keys())


@pytest.mark.parametrize("key", sorted(CASES))
def test_schema_accepts_good_and_refuses_bad_values(store: Store, key: str) -> None:
    good, bad = CASES[key]
    assert len(bad) >= 2 or key.startswith(settings.USER_PREFIX)
    for value in good:
        store.set_config(key, value)
        assert store.get_config(key) == value
    before = store.list_configs()
    for value, word in bad:
        with pytest.raises(ValidationError) as info:
            store.set_config(key, value)
        message = str(info.value)
        assert message.startswith(f"{key}: ") and word in message, message
        assert "\n" not in message and "expected" in message
    assert store.list_configs() == before  # nothing written


def test_every_key_the_code_reads_is_known() -> None:
    found = set()
    for path in PACKAGE.rglob("*.py"):
        for m in re.finditer(r"(?:get|set)_config\(\s*(f?)\"([^\"]+)\"", path.read_text()):
            key = m.group(2)
            found.update(key.replace("{phase}", p) for p in PHASES) if m.group(1) else found.add(
                key
            )
    found.add("prices")  # read through PRICES_KEY
    assert {"embeddings.auto", "embeddings.model", "defaults", "phases.solutio"} <= found
    for key in found:
        settings.lookup(key)


def test_unknown_keys_are_refused_with_the_known_ones(store: Store) -> None:
    with pytest.raises(ValidationError, match=r"unknown configuration key 'greeting'.*prices"):
        store.set_config("greeting", "hi")
    with pytest.raises(ValidationError, match="unknown phase 'default'"):
        store.set_config("phases.default", {"provider": "local"})
    with pytest.raises(ValidationError, match="unknown"):
        store.set_config("user.", 1)


def _cli(db: Path, *args: str, input: str | None = None):
    return CliRunner().invoke(cli, [*args, "-d", str(db)], input=input)


def test_cli_config_set_refuses_in_one_line(db_path: Path) -> None:
    assert _cli(db_path, "db", "init").exit_code == 0
    for args, word in [
        (("embeddings.auto", "no"), "true or false"),
        (("prices", '{"gpt-4o-mini": "cheap"}'), "price of"),
        (("phases.solutio", '{"temperature": 9}'), "temperature"),
        (("phases.solutio", '{"model": "no-such-model"}'), "unknown model"),
        (("defaults", '{"provider": "openai", "model": "claude-3-haiku"}'), "belongs to"),
        (("nonsense.key", "1"), "known keys are"),
        (("embeddings.model", "no-such-embedder"), "unknown embedding model"),
        (("user.deep", "[" * 20_000 + "]" * 20_000), "nested more than 100 levels"),
        (("user.deep", '{"a":' * 101 + "1" + "}" * 101), "nested more than 100 levels"),
        (("phases.solutio", "[" * 20_000 + "]" * 20_000), "nested more than 100 levels"),
        (("phases.solutio", '{"max_tokens": 1180591620717411303424}'), "max_tokens"),
        (("user.inf", '{"a": 1e999}'), "NaN and infinity are not JSON numbers"),
        (("user.nan", "NaN"), "NaN and infinity are not JSON numbers"),
    ]:
        res = _cli(db_path, "config", "set", *args)
        assert res.exit_code == 1 and res.output.startswith("Error:") and word in res.output
        assert res.output.count("\n") == 1, res.output
    assert open_store(db_path).list_configs() == []
    ok = _cli(db_path, "config", "set", "phases.solutio", '{"model": "alchemy-local"}')
    assert ok.exit_code == 0, ok.output
    ok = _cli(db_path, "config", "set", "embeddings.model", "alchemy-lexical")
    assert ok.exit_code == 0, ok.output


def test_config_list_shows_descriptions_and_defaults(db_path: Path) -> None:
    _cli(db_path, "db", "init")
    _cli(db_path, "config", "set", "user.team", "alchemists")
    rows = {row["key"]: row for row in json.loads(_cli(db_path, "config", "list", "--json").stdout)}
    assert rows["embeddings.auto"]["default"] == "true" and rows["embeddings.auto"]["set"] is False
    assert "Embed new prompts" in rows["embeddings.auto"]["description"]
    assert {f"phases.{p}" for p in PHASES} <= set(rows)
    assert rows["user.team"]["value"] == "alchemists" and rows["user.team"]["set"] is True
    text = _cli(db_path, "config", "list").output
    assert "description" in text and "built-in list prices" in text
    got = _cli(db_path, "config", "get", "embeddings.auto")
    assert got.exit_code == 0 and "true" in got.output


def test_an_invalid_stored_row_fails_generate_in_one_line(db_path: Path) -> None:
    store = open_store(db_path)
    # Written behind the schema's back (by hand, or by an older version).
    store.conn.execute(
        "INSERT INTO configurations (key, value, type) VALUES ('prices', '\"cheap\"', 'string')"
    )
    res = _cli(db_path, "generate", "Summarise a paper", "-n", "1", "--no-embed")
    assert res.exit_code == 1 and res.output.count("\n") == 1
    assert res.output.startswith("Error: the stored configuration is invalid: prices:")
    assert "alchemy config delete prices" in res.output
    assert store.counts()["prompt_requests"] == 0
    shown = _cli(db_path, "config", "get", "prices")  # still readable, to fix it
    assert shown.exit_code == 0 and "cheap" in shown.output and "invalid" in shown.output
    listed = _cli(db_path, "config", "list").output
    assert "INVALID" in listed


def test_per_phase_temperature_and_max_tokens_are_honoured(store: Store) -> None:
    store.set_config("phases.solutio", {"temperature": 0.2, "max_tokens": 321})
    res = generate("Summarise a paper", store=store, count=1, seed=1, embed=False, progress=False)
    cfg = {pr.phase: pr.config for pr in store.phase_runs(res.request.id)}
    assert (cfg["solutio"]["temperature"], cfg["solutio"]["max_tokens"]) == (0.2, 321)
    assert (cfg["coagulatio"]["temperature"], cfg["coagulatio"]["max_tokens"]) == (0.7, 1024)
    by_phase = {p.phase: p for p in res.prompts}
    assert by_phase["solutio"].temperature == 0.2 and by_phase["solutio"].max_tokens == 321
    # The call's own options win over the phase's setting.
    res = generate(
        "Summarise a paper", store=store, count=1, temperature=1.1, embed=False, progress=False
    )
    assert {pr.config["temperature"] for pr in store.phase_runs(res.request.id)} == {1.1}


def test_a_phase_temperature_the_provider_refuses_is_refused(store: Store) -> None:
    pytest.importorskip("llm_anthropic")
    store.set_config("phases.coagulatio", {"provider": "anthropic", "temperature": 1.5})
    with pytest.raises(ProviderLimitError, match=r"temperature 0\.\.1"):
        generate("Summarise a paper", store=store, count=1, embed=False, progress=False)
    assert store.counts()["prompt_requests"] == 0
