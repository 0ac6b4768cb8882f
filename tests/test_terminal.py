"""The CLI's terminal output: control characters in stored text are shown as escapes, never obeyed."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from alchemy_kit.cli.main import cli
from alchemy_kit.cli.terminal import cell, safe
from alchemy_kit.engine.pipeline import generate
from alchemy_kit.store import open_store

# Screen clear, window title (OSC … BEL), cursor home, backspaces, a bare CR, an 8-bit CSI, DEL,
# a bidi override and an isolate: each one changes what a terminal shows when printed raw.
HOSTILE = "Plan \x1b[2J\x1b]0;pwned\x07 a \x1b[H trip\x08\x08 \rover \x9b31m \x7f \u202eevil\u202c \u2066x\u2069"
RAW = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]"
)


def test_safe_escapes_controls_and_keeps_lines() -> None:
    out = safe("a\x1b[31mb\tc\nd\re\u202ef")
    assert out == "a\\x1b[31mb\tc\nd\\x0de\\u202ef"
    assert safe("a\tb\nc", multiline=False) == "a\\x09b\\x0ac"
    assert safe(None) == "" and safe(3) == "3"
    assert not RAW.search(safe(HOSTILE, multiline=False))


def test_cell_is_one_line_and_never_cuts_an_escape() -> None:
    assert cell("a\n\n b\x1c c", 40) == "a b c"
    for width in range(2, 14):
        out = cell("abcd\u202eefgh\x1bijkl", width)
        assert len(out) <= width
        assert not re.search(r"\\(x[0-9a-f]?|u[0-9a-f]{0,3})…$", out), out


@pytest.fixture
def hostile_db(db_path: Path) -> Path:
    store = open_store(db_path)
    generate(HOSTILE, store=store, count=1, embed=False, progress=False, tags=["t\x1b[2Jx"])
    store.set_config("defaults", {"provider": "local"})
    store.close()
    return db_path


@pytest.mark.parametrize(
    "args",
    [
        ("requests", "list"),
        ("requests", "show", "{request}"),
        ("prompts", "list"),
        ("prompts", "show", "{prompt}"),
        ("search", "trip", "--text"),
        ("searches",),
        ("config", "list"),
        ("picks",),
        ("score", "{prompt}"),
    ],
)
def test_no_command_prints_a_raw_control_character(hostile_db: Path, args: tuple[str, ...]) -> None:
    store = open_store(hostile_db)
    prompt = store.list_prompts(limit=1)[0]
    ids = {"request": prompt.request_id, "prompt": prompt.id}
    store.close()
    argv = [a.format(**ids) for a in args]
    res = CliRunner().invoke(cli, [*argv, "-d", str(hostile_db)])
    assert res.exit_code == 0, res.output
    assert not RAW.search(res.output), repr(res.output)


def test_json_output_escapes_c1_and_bidi_but_keeps_the_value(hostile_db: Path) -> None:
    res = CliRunner().invoke(cli, ["requests", "list", "--json", "-d", str(hostile_db)])
    assert res.exit_code == 0, res.output
    assert not RAW.search(res.output.replace("\n", "")), repr(res.output)
    assert json.loads(res.output)[0]["input"] == HOSTILE.strip()


def test_an_error_line_is_escaped(db_path: Path) -> None:
    res = CliRunner().invoke(cli, ["prompts", "show", "\x1b]0;title\x07", "-d", str(db_path)])
    assert res.exit_code == 1 and res.output.startswith("Error:")
    assert not RAW.search(res.output.rstrip("\n")), repr(res.output)
