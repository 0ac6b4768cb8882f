"""CLI: every command has help, data commands speak JSON, errors are one line with exit 1."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from alchemy_kit.cli.main import cli
from alchemy_kit.store import open_store


@pytest.fixture
def run(db_path: Path):
    runner = CliRunner()

    def invoke(*args: str, ok: bool = True) -> click.testing.Result:
        result = runner.invoke(
            cli, ["--help"] if not args else list(args), env={"ALCHEMY_DB": str(db_path)}
        )
        if ok:
            assert result.exit_code == 0, result.output
        return result

    return invoke


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = []
    for name, cmd in group.commands.items():
        out.append((*prefix, name))
        if isinstance(cmd, click.Group):
            out.extend(_commands(cmd, (*prefix, name)))
    return out


def test_every_command_has_help(run) -> None:
    commands = _commands(cli)
    assert {("db", "init"), ("generate",), ("search", "history"), ("export",), ("embed",)} <= set(
        commands
    )
    for path in commands:
        result = run(*path, "-h")
        assert "Usage:" in result.output
        cmd = cli
        for part in path:
            cmd = cmd.commands[part]  # type: ignore[attr-defined]
        assert cmd.help and cmd.help.strip(), path


def test_version(run) -> None:
    assert "alchemy, version" in run("--version").output


def test_db_commands(run, db_path: Path) -> None:
    assert run("db", "path").output.strip() == str(db_path)
    assert "Initialised" in run("db", "init").output
    status = json.loads(run("db", "status", "--json").output)
    assert status["counts"]["prompts"] == 0 and status["pending"] == []
    assert "up to date" in run("db", "migrate").output


def test_config_roundtrip(run) -> None:
    run("db", "init")
    run("config", "set", "user.price.bonus", "2.5")
    run("config", "set", "phases.solutio", '{"provider": "local"}', "--by", "ada")
    run("config", "set", "user.greeting", "hello world")
    rows = {r["key"]: r for r in json.loads(run("config", "list", "--json").output)}
    assert rows["user.price.bonus"]["type"] == "number" and rows["user.price.bonus"]["value"] == 2.5
    assert rows["phases.solutio"]["updated_by"] == "ada"
    assert run("config", "get", "user.greeting").output.strip() == "hello world"
    bad = run("config", "set", "user.x", "{broken", "--type", "object", ok=False)
    assert bad.exit_code == 1 and bad.output.count("\n") == 1 and bad.output.startswith("Error:")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("generate", "   "), "empty"),
        (("generate", "idea", "-n", "0"), "count"),
        (("generate", "idea", "-t", "3"), "temperature"),
        (("generate", "idea", "--max-tokens", "0"), "max_tokens"),
        (("generate", "idea", "--model", "no-such-model"), "unknown model"),
        (("generate", "idea", "--provider", "openai"), "OPENAI_API_KEY"),
        (("prompts", "show", "0000dead"), "no prompt"),
        (("requests", "show", "x"), "id"),
        (("search", "q", "-k", "0"), "k must"),
        (("config", "get", "nope"), "no configuration"),
    ],
)
def test_errors_are_one_line_and_nothing_is_written(
    run, db_path: Path, args: tuple[str, ...], message: str
) -> None:
    run("db", "init")
    result = run(*args, ok=False)
    assert result.exit_code == 1
    assert result.output.startswith("Error:") and message in result.output
    assert result.output.strip().count("\n") == 0
    assert open_store(db_path).counts()["prompt_requests"] == 0


def test_not_a_database_message(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_text("not sqlite at all" * 50)
    result = CliRunner().invoke(cli, ["db", "status", "-d", str(junk)])
    assert result.exit_code == 1 and "not an SQLite database" in result.output


def test_generate_inspect_export_import(run, tmp_path: Path, db_path: Path) -> None:
    out = json.loads(
        run(
            "generate",
            "Draft a memo on remote work policy",
            "-n",
            "2",
            "--persona",
            "writing",
            "--tag",
            "memo",
            "--seed",
            "4",
            "--no-embed",
            "--json",
        ).output
    )
    assert out["request"]["status"] == "completed" and len(out["prompts"]) == 6
    rid = out["request"]["id"]
    listed = json.loads(run("requests", "list", "--json").output)
    assert listed[0]["id"] == rid
    shown = json.loads(run("requests", "show", rid[:8], "--json").output)
    assert [p["phase"] for p in shown["phase_runs"]] == ["prima-materia", "solutio", "coagulatio"]
    prompts = json.loads(
        run("prompts", "list", "--tag", "memo", "--phase", "coagulatio", "--json").output
    )
    assert len(prompts) == 2
    detail = json.loads(run("prompts", "show", prompts[0]["id"], "--json").output)
    assert {m["metric_type"] for m in detail["metrics"]} == {"time", "tokens", "cost"}
    assert "memo" in run("prompts", "show", prompts[0]["id"][:6]).output

    dest = tmp_path / "exp"
    exported = json.loads(
        run("export", str(dest), "-f", "parquet", "--partition-by-date", "--json").output
    )
    assert exported["counts"]["prompts"] == 6
    other = tmp_path / "other.db"
    result = CliRunner().invoke(cli, ["import", str(dest), "-d", str(other), "--json"])
    assert result.exit_code == 0, result.output
    assert open_store(other).counts() == open_store(db_path).counts()


def test_text_search_and_history(run) -> None:
    run("generate", "Summarise a clinical trial for patients", "-n", "1", "--no-embed", "--json")
    hits = json.loads(run("search", "clinical trial", "--text", "--json").output)
    assert hits["hits"] and hits["mode"] == "text"
    hostile = json.loads(
        run("search", 'NEAR( "x * ); DROP TABLE prompts; --', "--text", "--json").output
    )
    assert hostile["hits"] == []
    history = json.loads(run("search", "history", "--json").output)
    assert [h["query"] for h in history][:2] == [
        'NEAR( "x * ); DROP TABLE prompts; --',
        "clinical trial",
    ]


def test_batch_and_models(run, tmp_path: Path) -> None:
    ideas = tmp_path / "ideas.csv"
    ideas.write_text(
        "idea,persona\nPlan a team offsite,generic\nExplain vector databases,writing\n"
    )
    report = json.loads(run("batch", str(ideas), "-n", "1", "--no-embed", "--json").output)
    assert report["completed"] == 2
    again = json.loads(run("batch", str(ideas), "-n", "1", "--no-embed", "--json").output)
    assert again["skipped"] == 2 and again["completed"] == 0
    models = {m["provider"]: m for m in json.loads(run("models", "--json").output)}
    assert models["local"]["usable"] is True
    assert models["openai"]["usable"] is False and "OPENAI_API_KEY" in models["openai"]["reason"]


def test_import_alchemy_kit_is_light() -> None:
    code = (
        "import sys, alchemy_kit; "
        "print(sorted(m for m in ('llm', 'pandas', 'numpy', 'sqlite_utils', 'onnxruntime', 'sklearn',"
        " 'ipywidgets', 'altair', 'datasette') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_search_status_filter_says_what_it_hid(run, db_path: Path) -> None:
    from alchemy_kit import records as r

    run("generate", "Summarise a clinical trial for patients", "-n", "1", "--no-embed")
    store = open_store(db_path)
    failed = store.create_request(r.Request(input="x", status="failed", completed_at=r.now()))
    store.add_prompts(
        [
            r.Prompt(
                content="clinical trial draft",
                phase="solutio",
                provider="local",
                model="m",
                request_id=failed.id,
            )
        ]
    )
    out = json.loads(run("search", "clinical trial", "--text", "--json").output)
    hidden = json.loads(
        run("search", "clinical trial", "--text", "--status", "completed", "--json").output
    )
    assert len(hidden["hits"]) == len(out["hits"]) - 1
    assert hidden["note"] == "1 prompt(s) of requests that are not completed were hidden"
