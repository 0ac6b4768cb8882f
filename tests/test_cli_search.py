"""`alchemy search QUERY` and `alchemy searches`: options in plain sight, honest columns and exits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import alchemy_kit as ak
from alchemy_kit.cli.main import cli


@pytest.fixture
def run(db_path: Path):
    def invoke(*args: str, code: int = 0) -> Result:
        result = CliRunner().invoke(cli, [*args, "-d", str(db_path)])
        assert result.exit_code == code, result.output
        return result

    return invoke


def test_search_help_shows_its_options() -> None:
    text = " ".join(CliRunner().invoke(cli, ["search", "-h"]).output.split())
    assert "search [OPTIONS] [QUERY]" in text
    for option in ("-k, --limit", "--semantic", "--text", "--hybrid", "--like", "--phase"):
        assert option in text, option
    assert "`alchemy searches` lists" in text and "`alchemy embed` makes them" in text


def test_without_embeddings_a_search_by_meaning_fails_and_names_embed(run) -> None:
    run("generate", "Summarise a clinical trial for patients", "-n", "1", "--no-embed")
    for mode in ("--semantic", "--hybrid"):
        res = run("search", "clinical trial", mode, code=1)
        assert res.stderr.startswith("Error: none of the 3 stored prompts is embedded with")
        assert "run `alchemy embed` first" in res.stderr and res.stdout == ""
    assert json.loads(run("search", "clinical trial", "--text", "--json").stdout)["hits"]
    assert "searched" not in run("searches").stdout  # the refused searches were not recorded
    run("embed")
    assert json.loads(run("search", "clinical trial", "--json").stdout)["hits"]


def test_the_score_column_is_named_per_mode(run) -> None:
    run("generate", "Summarise a clinical trial for patients", "-n", "2")

    def header(*args: str) -> list[str]:
        return run("search", "clinical trial", *args).stdout.splitlines()[0].split()

    assert header() == ["rank", "similarity", "phase", "id", "content"]
    assert header("--text") == ["rank", "relevance", "phase", "id", "match"]
    assert header("--hybrid") == ["rank", "fused", "similarity", "phase", "id", "match"]
    out = json.loads(run("search", "clinical trial", "--text", "--json").stdout)
    assert out["score_is"].startswith("relevance: -bm25")
    first = json.loads(run("search", "clinical trial", "--json").stdout)["hits"][0]
    table = run("search", "clinical trial").stdout.splitlines()[2].split()
    assert float(table[1]) == pytest.approx(first["similarity"], abs=1e-4)


def test_searches_lists_the_history(run) -> None:
    run("generate", "Summarise a clinical trial for patients", "-n", "1", "--no-embed")
    run("search", "clinical", "--text")
    run("search", "history", "--text")  # a query may be any word, `history` included
    rows = json.loads(run("searches", "--json").stdout)
    assert [r["query"] for r in rows] == ["history", "clinical"]


def test_optimised_prompts_are_embedded_like_every_other(run, db_path: Path) -> None:
    made = json.loads(run("generate", "Write a haiku about rain", "-n", "1", "--json").stdout)
    start = made["prompts"][-1]["id"]
    cases = db_path.parent / "cases.jsonl"  # optimise needs cases (or a judge) to decide
    cases.write_text(
        "".join(
            json.dumps(
                {"vars": {"input": f"rain {i}"}, "assert": [{"type": "max-words", "value": 5}]}
            )
            + "\n"
            for i in range(4)
        )
    )
    run("cases", "import", str(cases), "-r", made["request"]["id"])
    run("optimize", start, "--max-iterations", "2")
    store = ak.open_store(db_path)
    optimised = [p for p in store.list_prompts(limit=None) if "optimize" in p.metadata]
    assert optimised
    assert store.counts()["embeddings"] == store.counts()["prompts"]
    like = json.loads(run("search", "--like", optimised[0].id, "--json").stdout)
    assert like["hits"] and optimised[0].id not in [h["id"] for h in like["hits"]]
