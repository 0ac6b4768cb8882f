"""Tests for alchemy_kit.cli.evals: `alchemy cases` and `alchemy eval`, output and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from alchemy_kit import records as r
from alchemy_kit.cli.main import cli
from alchemy_kit.store import open_store


@pytest.fixture
def setup(db_path: Path, tmp_path: Path) -> dict:
    with open_store(db_path) as store:
        req = r.Request(input="Weather in at most 15 words", phases=["coagulatio"])
        prompts = [
            r.Prompt(
                "Describe the weather in at most 15 words.",
                "coagulatio",
                "local",
                "m",
                request_id=req.id,
            ),
            r.Prompt("Describe the weather.", "coagulatio", "local", "m", request_id=req.id),
        ]
        store.add([req], prompts)
    tests = tmp_path / "tests.jsonl"
    lines = [
        {
            "description": "rain",
            "vars": {"q": "rain"},
            "assert": [{"type": "max-words", "value": 15}],
        },
        {
            "description": "sun",
            "vars": {"q": "sun"},
            "assert": [{"type": "max-words", "value": 15}],
        },
        {"vars": {"q": "x"}, "assert": [{"type": "javascript", "value": "true"}]},
    ]
    tests.write_text("".join(json.dumps(x) + "\n" for x in lines))
    return {
        "db": str(db_path),
        "request": req.id,
        "prompts": [p.id for p in prompts],
        "tests": tests,
    }


def _run(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == code, result.output
    return result.output


def test_cases_eval_show_compare_list(setup: dict) -> None:
    db, req = setup["db"], setup["request"]
    out = _run("cases", "import", str(setup["tests"]), "-r", req[:8], "-d", db, code=1)
    assert "3 tests: 2 added, 0 already present, 1 failed" in out and "runs code" in out
    listed = json.loads(_run("cases", "list", "-r", req, "-d", db, "--json"))
    assert [c["name"] for c in listed] == ["rain", "sun"]
    ran = json.loads(_run("eval", "-r", req, "-d", db, "--json"))
    run_id = ran["run"]["id"]
    assert ran["this_time"]["ran"] == 4 and len(ran["summary"]) == 2
    pooled = {row["prompt_id"]: row for row in ran["pooled"]}
    assert (
        pooled[setup["prompts"][0]]["pass_rate"] == 1.0
        and pooled[setup["prompts"][1]]["pass_rate"] == 0.0
    )
    again = _run("eval", "-r", req, "-d", db)
    assert "resumed run" in again and "0 outputs now" in again and "2 already done" not in again
    shown = _run("eval", "show", run_id[:8], "-d", db)
    assert "✓" in shown and "✗" in shown and "rain" in shown
    output_id = ran["matrix"]["rows"][1]["cells"][listed[0]["id"]]["output_id"]
    cell = _run("eval", "show", run_id, "--output", output_id, "-d", db)
    assert "--- system ---" in cell and "max-words" in cell and "FAIL" in cell
    verdict = json.loads(_run("eval", "compare", run_id, *setup["prompts"], "-d", db, "--json"))
    assert verdict["n"] == 2 and verdict["a_wins"] == 2 and "not enough cases" in verdict["summary"]
    assert run_id in _run("eval", "list", "-d", db)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["eval", "-d", "{db}"], "choose what to evaluate"),
        (["eval", "-r", "{req}", "-m", "no-such-model", "-d", "{db}"], "no-such-model"),
        (["eval", "-r", "{req}", "-d", "{db}"], "has no cases"),
        (["eval", "-r", "{req}", "--replay", "-m", "gpt-4o-mini", "-d", "{db}"], "has no cases"),
        (["eval", "show", "nope", "-d", "{db}"], "no eval run with id"),
        (["cases", "import", "{tests}", "-r", "00000000", "-d", "{db}"], "no prompt request"),
    ],
)
def test_errors_are_one_line(setup: dict, args: list[str], message: str) -> None:
    filled = [a.format(db=setup["db"], req=setup["request"], tests=setup["tests"]) for a in args]
    result = CliRunner().invoke(cli, filled)
    assert result.exit_code in (1, 2) and message in result.output, result.output
    if result.exit_code == 1:
        assert result.output.count("Error:") == 1
