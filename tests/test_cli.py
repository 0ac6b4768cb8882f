"""CLI: every command has help, data commands speak JSON, errors are one line with exit 1."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from helpers import loaded_by

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
    assert {("db", "init"), ("generate",), ("searches",), ("export",), ("embed",)} <= set(commands)
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
    assert run("db", "path").stdout.strip() == str(db_path)
    assert "Initialised" in run("db", "init").output
    status = json.loads(run("db", "status", "--json").stdout)
    assert status["counts"]["prompts"] == 0 and status["pending"] == []
    assert "up to date" in run("db", "migrate").output


def test_config_roundtrip(run) -> None:
    run("db", "init")
    run("config", "set", "user.price.bonus", "2.5")
    run("config", "set", "phases.solutio", '{"provider": "local"}', "--by", "ada")
    run("config", "set", "user.greeting", "hello world")
    rows = {r["key"]: r for r in json.loads(run("config", "list", "--json").stdout)}
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
        ).stdout
    )
    assert out["request"]["status"] == "completed" and len(out["prompts"]) == 6
    rid = out["request"]["id"]
    listed = json.loads(run("requests", "list", "--json").stdout)
    assert listed[0]["id"] == rid
    shown = json.loads(run("requests", "show", rid[:8], "--json").stdout)
    assert [p["phase"] for p in shown["phase_runs"]] == ["prima-materia", "solutio", "coagulatio"]
    prompts = json.loads(
        run("prompts", "list", "--tag", "memo", "--phase", "coagulatio", "--json").stdout
    )
    assert len(prompts) == 2
    detail = json.loads(run("prompts", "show", prompts[0]["id"], "--json").stdout)
    assert {m["metric_type"] for m in detail["metrics"]} == {"time", "tokens", "cost", "quality"}
    assert "memo" in run("prompts", "show", prompts[0]["id"][:6]).output

    dest = tmp_path / "exp"
    exported = json.loads(
        run("export", str(dest), "-f", "parquet", "--partition-by-date", "--json").stdout
    )
    assert exported["counts"]["prompts"] == 6
    other = tmp_path / "other.db"
    result = CliRunner().invoke(cli, ["import", str(dest), "-d", str(other), "--json"])
    assert result.exit_code == 0, result.output
    assert open_store(other).counts() == open_store(db_path).counts()


def test_text_search_and_history(run) -> None:
    run("generate", "Summarise a clinical trial for patients", "-n", "1", "--no-embed", "--json")
    hits = json.loads(run("search", "clinical trial", "--text", "--json").stdout)
    assert hits["hits"] and hits["mode"] == "text"
    hostile = json.loads(
        run("search", 'NEAR( "x * ); DROP TABLE prompts; --', "--text", "--json").stdout
    )
    assert hostile["hits"] == []
    history = json.loads(run("searches", "--json").stdout)
    assert [h["query"] for h in history][:2] == [
        'NEAR( "x * ); DROP TABLE prompts; --',
        "clinical trial",
    ]


def test_text_search_json_keeps_content_and_snippet_apart(run, db_path: Path) -> None:
    run("generate", "Summarise a clinical trial for patients", "-n", "1", "--no-embed")
    out = json.loads(run("search", "How is the clinical trial going?", "--text", "--json").stdout)
    assert out["words"] == ["clinical", "trial", "going"]
    hit = out["hits"][0]
    full = open_store(db_path).get_prompt(hit["id"]).content
    assert (
        hit["content"] == full and "**clinical**" in hit["snippet"] and "**clinical**" not in full
    )
    none = run("search", "zeppelin airships", "--text")
    assert "no prompt contains any of the searched words: zeppelin, airships" in none.output
    strict = json.loads(
        run("search", "clinical zeppelin", "--text", "--all-words", "--json").stdout
    )
    assert strict["hits"] == [] and "all of the searched words" in strict["note"]


def test_db_check_finds_and_fixes_an_orphan_left_by_a_raw_connection(run, db_path: Path) -> None:
    import sqlite3

    run("db", "init")
    assert "foreign keys: ok" in run("db", "check").output
    raw = sqlite3.connect(db_path)  # foreign keys are off on a plain connection
    raw.execute(
        "INSERT INTO tags (id, prompt_id, tag) VALUES (?, ?, 'ghost')",
        ["8b3e3a2f-7f7d-4e3c-9f9a-2e8f9c3d4e5f", "6f1c1f0e-5d5b-4c1a-9d7e-0c6f7a1b2c3d"],
    )
    raw.commit()
    raw.close()
    found = run("db", "check", ok=False)
    assert found.exit_code == 1
    assert "tags row 1: prompt_id = '6f1c1f0e-5d5b-4c1a-9d7e-0c6f7a1b2c3d'" in found.output
    report = json.loads(run("db", "check", "--json", ok=False).stdout)
    assert report["ok"] is False and report["orphans"][0]["parent"] == "prompts"
    refused = CliRunner().invoke(cli, ["db", "check", "--fix", "-d", str(db_path)], input="n\n")
    assert refused.exit_code == 1 and open_store(db_path).counts()["tags"] == 1
    fixed = CliRunner().invoke(cli, ["db", "check", "--fix", "-d", str(db_path)], input="y\n")
    assert fixed.exit_code == 0, fixed.output
    assert "foreign keys: ok" in fixed.output and open_store(db_path).counts()["tags"] == 0


def test_db_check_repairs_a_full_text_index_out_of_step(run, db_path: Path) -> None:
    import sqlite3

    run("generate", "Summarise a clinical trial for patients", "-n", "1", "--no-embed")
    raw = sqlite3.connect(db_path)
    raw.execute("INSERT INTO prompts_fts(rowid, content) VALUES (999, 'ghost words')")
    raw.commit()
    raw.close()
    assert "does not match prompts.content" in run("db", "check", ok=False).output
    assert "full-text index: ok" in run("db", "check", "--fix", "--yes").output


def test_batch_and_models(run, tmp_path: Path) -> None:
    ideas = tmp_path / "ideas.csv"
    ideas.write_text(
        "idea,persona\nPlan a team offsite,generic\nExplain vector databases,writing\n"
    )
    report = json.loads(run("batch", str(ideas), "-n", "1", "--no-embed", "--json").stdout)
    assert report["completed"] == 2
    again = json.loads(run("batch", str(ideas), "-n", "1", "--no-embed", "--json").stdout)
    assert again["skipped"] == 2 and again["completed"] == 0
    models = {m["model"]: m for m in json.loads(run("models", "--json").stdout)}
    assert models["alchemy-local"]["usable"] is True
    assert models["gpt-4o-mini"]["usable"] is False
    assert "OPENAI_API_KEY" in models["gpt-4o-mini"]["reason"]


def test_import_alchemy_kit_is_light() -> None:
    heavy = ("llm", "pandas", "numpy", "sqlite_utils", "onnxruntime", "sklearn", "ipywidgets")
    assert loaded_by("import alchemy_kit", [*heavy, "altair", "datasette"]) == []


def test_a_cold_semantic_search_does_not_import_scikit_learn(db_path: Path, minilm_prompts) -> None:
    store = open_store(db_path)
    prompts = minilm_prompts(
        store, ["Summarise the quarterly sales report", "A haiku about the sea"]
    )
    store.close()
    code = (
        "import sys; from alchemy_kit.cli.main import cli; "
        f"cli(['search', 'a poem about the ocean', '-k', '1', '-d', {str(db_path)!r}, '--json'],"
        " standalone_mode=False); print('sklearn' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    hits, loaded = out.stdout.rsplit("\n", 2)[0], out.stdout.split()[-1]
    assert json.loads(hits)["hits"][0]["id"] == prompts[1].id
    assert loaded == "False"  # one top-k query: exact numpy, scikit-learn never imported


def test_search_status_filter_says_what_it_hid(run, db_path: Path) -> None:
    from alchemy_kit import records as r

    run("generate", "Summarise a clinical trial for patients", "-n", "1", "--no-embed")
    store = open_store(db_path)
    failed = store._create_request(r.Request(input="x", status="failed", completed_at=r.now()))
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
    out = json.loads(run("search", "clinical trial", "--text", "--json").stdout)
    hidden = json.loads(
        run("search", "clinical trial", "--text", "--status", "completed", "--json").stdout
    )
    assert len(hidden["hits"]) == len(out["hits"]) - 1
    assert hidden["note"] == "1 prompt(s) of requests that are not completed were hidden"


# -- error texts (17.12) ---------------------------------------------------------------------------


def test_a_taken_port_is_one_line_before_any_serving_line(run, db_path: Path) -> None:
    import socket

    run("db", "init")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        result = run("serve", "-p", port, ok=False)
    assert result.exit_code == 1 and "Serving" not in result.output
    assert result.output.startswith(f"Error: cannot serve on 127.0.0.1:{port}")
    assert result.output.count("\n") == 1 and "-p" in result.output


def test_export_into_a_full_folder_gives_cli_advice_in_the_cli(run, tmp_path: Path) -> None:
    import alchemy_kit as ak
    from alchemy_kit.errors import NotEmptyError

    run("db", "init")
    full = tmp_path / "full"
    full.mkdir()
    (full / "notes.txt").write_text("mine")
    result = run("export", str(full), ok=False)
    assert result.output.startswith(f"Error: {full} is not empty; add --overwrite to replace")
    assert "overwrite=True" not in result.output
    with pytest.raises(NotEmptyError, match="pass overwrite=True"):  # Python advice in Python
        ak.export(ak.open_store(tmp_path / "alchemy.db"), full)


def test_judge_without_a_key_says_so(run) -> None:
    made = json.loads(run("generate", "a haiku about rain", "-n", "1", "--json").stdout)
    run("config", "set", "scoring.judge", '{"provider": "openai"}')
    result = run("judge", made["prompts"][-1]["id"], ok=False)
    assert result.output.startswith(
        "Error: no API key for openai (chosen by the setting scoring.judge)"
    )
    assert "could not be read" not in result.output


def test_commands_load_their_module_only_when_used(tmp_path: Path) -> None:
    from alchemy_kit.cli.main import WHERE

    assert all(cli.commands[name].name == name for name in WHERE)
    code = (
        "import sys; from alchemy_kit.cli.main import cli; "
        "cli(['generate', '--help'], standalone_mode=False); "
        "print(sorted(m for m in sys.modules if m.startswith('alchemy_kit.cli.')))"
    )
    env = {**os.environ, "HOME": str(tmp_path), "LLM_USER_PATH": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    loaded = out.stdout.strip().splitlines()[-1]
    assert "alchemy_kit.cli.run" in loaded and "alchemy_kit.cli.search" not in loaded


def test_a_closed_pipe_ends_quietly() -> None:
    # `alchemy eval show RUN | head` closed the pipe early and printed "Error: Broken pipe".
    from alchemy_kit.cli.common import CONTEXT, AlchemyGroup

    @click.group(cls=AlchemyGroup, context_settings=CONTEXT)
    def group() -> None:
        """A group like `alchemy`'s."""

    @group.command()
    def long() -> None:
        """Write to a reader that has gone."""
        raise BrokenPipeError(32, "Broken pipe")

    result = CliRunner().invoke(group, ["long"])
    assert result.exit_code == 1 and "Broken pipe" not in result.output
