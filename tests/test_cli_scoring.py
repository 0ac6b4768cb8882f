"""CLI of alchemy_kit.cli.scoring: score, judge, pick, picks, learn, optimize."""

from __future__ import annotations

import json
import math
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from alchemy_kit.cli.main import cli
from alchemy_kit.scoring.scorer import WEIGHTS_KEY, default_weights
from alchemy_kit.store import open_store


@pytest.fixture
def run(db_path: Path):
    runner = CliRunner()

    def invoke(*args: str, code: int = 0) -> click.testing.Result:
        result = runner.invoke(cli, list(args), env={"ALCHEMY_DB": str(db_path)})
        assert result.exit_code == code, result.output
        return result

    return invoke


@pytest.fixture
def variants(run) -> list[dict]:
    out = json.loads(
        run(
            "generate",
            "Write a short bio for a jazz pianist",
            "-n",
            "3",
            "--phases",
            "coagulatio",
            "--no-embed",
            "--json",
        ).stdout
    )
    return sorted(out["prompts"], key=lambda p: p["rank"])


def test_score_text_and_stored_prompts(run, variants) -> None:
    out = json.loads(run("score", "--text", "Write a bio.", "--idea", "a bio", "--json").stdout)
    assert 0 <= out["score"] <= 1 and "contributions" in out
    shown = run("score", variants[0]["id"][:8]).output
    assert "scorer" in shown and "feature" in shown
    assert "re-scored 3 prompts" in run("score", "--all").output


def test_score_names_the_features_that_moved_it_and_quotes_conflicts(run) -> None:
    text = (
        "Write the launch note as one SMS, under 160 characters. Add a table of the new prices.\n"
        "Audience: TBD"
    )
    shown = run("score", "--text", text, "--idea", "An SMS about our new prices").output
    assert "hollow" in shown and "effect" in shown
    assert "too much for the length allowed" in shown
    assert "Write the launch note as one SMS, under 160 characters." in shown
    assert "Add a table of the new prices." in shown
    # The baseline is shown, so the listed effects add up to the score.
    top, logodds = shown.splitlines()[0], next(x for x in shown.splitlines() if "log-odds" in x)
    z, baseline = float(logodds.split()[1]), float(logodds.split("baseline ")[1].split()[0])
    assert "+ the effects above" in logodds and baseline == round(default_weights().bias, 2)
    assert abs(1 / (1 + math.exp(-z)) - float(top.split()[1])) < 0.01
    # A prompt that states no value the idea asks for is told what it lacks, not only what it has.
    bare = run(
        "score", "--text", "Summarise the report.", "--idea", "Summarise the Q3 report"
    ).output
    assert "not found (each would raise the score):" in bare and "concrete" in bare
    french = "Rédigez un SMS de moins de 160 caractères sur nos nouveaux prix, signé « L'équipe »."
    shown = run("score", "--text", french, "--idea", "Un SMS sur nos nouveaux prix").output
    # French has translated word lists; only the contradiction rules are English-only.
    assert "not computed (neutral, language fr): contradictions" in shown


def test_weights_learned_for_an_older_scorer_fall_back_to_the_defaults(
    run, variants, db_path: Path
) -> None:
    old = default_weights().as_dict() | {"version": 1}
    open_store(db_path).set_config(WEIGHTS_KEY, old, updated_by="test")
    with pytest.warns(UserWarning, match="scorer version 1"):
        result = run("score", variants[0]["id"][:8])
    assert "default weights" in result.output


def test_pick_picks_and_undo(run, variants) -> None:
    last = variants[-1]["id"]
    out = json.loads(run("pick", last, "--best", "--by", "ana", "--json").stdout)
    assert out["rank"] == 1 and len(out["picks"]) == 2
    listed = json.loads(run("picks", "--json").stdout)
    assert {p["who"] for p in listed} == {"ana"}
    run("pick", variants[0]["id"], "--rating", "4")
    assert "Took back" in run("pick", "--undo", listed[0]["id"]).output
    assert len(json.loads(run("picks", "--json").stdout)) == 2


def test_bad_picks_are_one_line_errors(run, variants) -> None:
    result = run("pick", variants[0]["id"], "--up", "--rating", "3", code=2)
    assert "exactly one of" in result.output
    result = run("pick", "0000", "--up", code=1)
    assert result.output.startswith("Error: ") and len(result.output.strip().splitlines()) == 1
    run("pick", variants[0]["id"], "--rating", "9", code=2)


def test_learn_judge_and_optimize_offline(run, variants, tmp_path: Path) -> None:
    assert "more needed" in run("learn").output
    assert "no LLM judge" in run("judge", variants[0]["id"]).output
    refused = run("optimize", variants[-1]["id"], code=1).output
    assert "needs an independent signal" in refused and refused.count("Error:") == 1
    tests = tmp_path / "bio.jsonl"
    tests.write_text(
        "".join(
            json.dumps(
                {"vars": {"input": f"pianist {i}"}, "assert": [{"type": "max-words", "value": 30}]}
            )
            + "\n"
            for i in range(4)
        )
    )
    request_id = run("prompts", "show", variants[-1]["id"], "--json").output
    run("cases", "import", str(tests), "-r", json.loads(request_id)["request_id"])
    out = json.loads(run("optimize", variants[-1]["id"], "--max-iterations", "2", "--json").output)
    assert out["signal"] == "held-back cases" and out["message"]
    assert len(out["split"]["search"]) == len(out["split"]["held_back"]) == 2
