"""Inputs: ideas from argv, files and stdin; bad text and options are refused before any write."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from alchemy_kit.cli.main import cli
from alchemy_kit.engine.inputs import MAX_IDEA_BYTES, check_item, read_idea
from alchemy_kit.engine.pipeline import generate
from alchemy_kit.errors import ValidationError
from alchemy_kit.store import open_store


def _gen(db: Path, *args: str, input: bytes | None = None):
    return CliRunner().invoke(
        cli, ["generate", *args, "-n", "1", "--no-embed", "--json", "-d", str(db)], input=input
    )


def _one_line_error(res, word: str) -> None:
    assert res.exit_code == 1, res.output
    # The model's context limit is known once the store (and its settings) is open, so a new
    # database may have been announced first.
    lines = [ln for ln in res.output.splitlines() if not ln.startswith("Created a new database")]
    assert len(lines) == 1 and lines[0].startswith("Error:"), res.output
    assert word in res.output, res.output


def test_idea_from_stdin_and_from_a_file(db_path: Path, tmp_path: Path) -> None:
    res = _gen(db_path, "-", input=b"Summarise a clinical trial for patients\n")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["request"]["input"] == "Summarise a clinical trial for patients"
    idea = tmp_path / "idea.txt"
    idea.write_text("Explain vector databases to a product manager\n", encoding="utf-8")
    res = _gen(db_path, "--idea-file", str(idea))
    assert res.exit_code == 0 and "vector databases" in json.loads(res.stdout)["request"]["input"]


def test_a_large_idea_passes_through_a_file_and_gets_a_clear_limit(
    db_path: Path, tmp_path: Path
) -> None:
    big = tmp_path / "big.txt"
    big.write_text("word " * 200_000)  # 1 MB: too long for the local model's context
    _one_line_error(_gen(db_path, "--idea-file", str(big)), "too long for alchemy-local")
    huge = tmp_path / "huge.txt"
    huge.write_bytes(b"a" * (MAX_IDEA_BYTES + 1))
    _one_line_error(_gen(db_path, "--idea-file", str(huge)), "at most 4 MiB")
    _one_line_error(_gen(db_path, "-", input=b"a" * (MAX_IDEA_BYTES + 1)), "4 MiB limit")
    assert not db_path.exists() or open_store(db_path).counts()["prompt_requests"] == 0


def test_unspaced_and_invisible_ideas_are_refused(db_path: Path, tmp_path: Path) -> None:
    """A long idea without spaces is estimated by its characters; zero-widths are blank."""
    unspaced = tmp_path / "unspaced.txt"
    unspaced.write_bytes(b"a" * (MAX_IDEA_BYTES - 16))
    _one_line_error(_gen(db_path, "--idea-file", str(unspaced)), "too long for alchemy-local")
    _one_line_error(_gen(db_path, "x" * 100_000), "too long for alchemy-local")
    _one_line_error(_gen(db_path, "\u200b\u200c\u200d\u2060\ufeff"), "the idea is empty")
    _one_line_error(_gen(db_path, "-", input="\u200b \u200b\n".encode()), "the idea is empty")
    assert not db_path.exists() or open_store(db_path).counts()["prompt_requests"] == 0


def test_every_idea_has_the_same_size_cap() -> None:
    """Not only files and stdin: a batch line or an API call is held to MAX_IDEA_BYTES too."""
    with pytest.raises(ValidationError, match="4 MiB limit"):
        check_item({"idea": "é" * (MAX_IDEA_BYTES // 2 + 1)})
    with pytest.raises(ValidationError, match="the idea is empty"):
        check_item({"idea": "\u200b\u2800"})


def test_bad_text_is_refused_with_its_position(db_path: Path, tmp_path: Path) -> None:
    latin = tmp_path / "latin.txt"
    latin.write_bytes("café au lait".encode("latin-1"))
    _one_line_error(_gen(db_path, "--idea-file", str(latin)), "not valid UTF-8 (byte 0xe9")
    _one_line_error(_gen(db_path, "-", input=b"nul \x00 byte"), "NUL character at position 4")
    _one_line_error(_gen(db_path, "lone \udcff byte"), "not valid UTF-8 (byte 0xff at position 5)")
    _one_line_error(_gen(db_path, "surrogate \ud800"), "lone surrogate")
    assert not db_path.exists()  # refused before the database was even created


def test_argv_that_is_not_utf8_through_a_real_process(tmp_path: Path) -> None:
    db = tmp_path / "argv.db"
    out = subprocess.run(
        [sys.executable, "-m", "alchemy_kit", "generate", b"caf\xe9", "-d", str(db)],
        capture_output=True,
    )
    assert out.returncode == 1 and b"Traceback" not in out.stderr
    assert out.stderr.startswith(b"Error: the idea is not valid UTF-8 (byte 0xe9")


@pytest.mark.parametrize(
    ("args", "word"),
    [
        (("--timeout", "0"), "timeout must be a number more than 0"),
        (("--timeout", "-5"), "timeout"),
        (("--timeout", "nan"), "timeout"),
        (("--timeout", "inf"), "timeout"),
        (("--tag", "x" * 101), "1-100 characters"),
        (("--tag", "   "), "1-100 characters"),
        (("-t", "nan"), "temperature"),
        (("--max-tokens", "-1"), "max_tokens"),
    ],
)
def test_bad_options_are_refused_before_any_write(db_path: Path, args: tuple, word: str) -> None:
    open_store(db_path).close()
    _one_line_error(_gen(db_path, "Summarise a paper", *args), word)
    assert open_store(db_path).counts()["prompt_requests"] == 0


def test_python_api_refuses_the_same_inputs(db_path: Path) -> None:
    store = open_store(db_path)
    for kwargs, word in [
        ({"tags": "notalist"}, "tags must be a list"),
        ({"tags": [1, None]}, "each tag must be a string"),
        ({"seed": "abc"}, "seed must be an integer"),
        ({"seed": -1}, "seed"),
        ({"timeout": math.nan}, "timeout"),
        ({"retries": -1}, "retries"),
    ]:
        with pytest.raises(ValidationError, match=word):
            generate(
                "Summarise a paper", store=store, count=1, embed=False, progress=False, **kwargs
            )
    assert store.counts()["prompt_requests"] == 0


def test_check_item_normalises_and_refuses() -> None:
    assert check_item({"idea": "x", "phases": "solutio, coagulatio", "tags": ["a", " a "]}) == {
        "idea": "x",
        "phases": ["solutio", "coagulatio"],
        "tags": ["a"],
    }
    with pytest.raises(ValidationError, match="`idea` is missing"):
        check_item({"persona": "code"})


def test_read_idea_reports_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="idea file not found"):
        read_idea(tmp_path / "nope.txt")
