"""Every command block of README.md runs in order, as a new user would run it, and does what it says.

One session on a fresh copy of what a clone holds after `make demo`: a temporary folder with
`data/sample_ideas.jsonl`, this checkout's `.venv` (linked, not rebuilt), its own HOME, llm folder
and per-user data folder, no provider key and no $ALCHEMY_DB. The demo runs first, exactly as the
Makefile's `demo` recipe runs it; then every ```bash and ```python block, top to bottom: each
shell line on its own (`bash -c`), each Python block in a fresh interpreter. Any non-zero exit
fails the test with the line and its output.

A block is left out only when the line before its fence is `<!-- readme-test: skip: REASON -->`
(invisible on GitHub); the reason is required. New README sections are therefore covered without
touching this file. `<prompt-id>` and `<id-prefix>` become the demo winner's id. A few lines also
get their claim checked (CLAIMS below), beyond the exit code.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
SKIP = re.compile(r"^<!--\s*readme-test:\s*skip:\s*(?P<why>\S.*?)\s*-->$")
FENCE = re.compile(r"^```(?P<lang>bash|python)\n(?P<body>.*?)^```$", re.M | re.S)
# Key environment variables a provider plugin would read: none may reach the commands.
KEYS = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "LLM_GEMINI_KEY", "GEMINI_API_KEY", "OPENROUTER_KEY")
# Lines whose output must say what the README says they do (substring of stdout + stderr).
CLAIMS = {
    "alchemy db path": "data/alchemy.db",
    "alchemy batch data/sample_ideas.jsonl": "0 completed",  # the demo's ideas, skipped
    'alchemy search "summarise a contract" --semantic': "similarity",
    "alchemy config set phases.coagulatio": "warning: no API key for anthropic",
    "alchemy import out/": "\n0 rows written",
    "alchemy judge": "offline score",
    "alchemy learn": "more needed",
}


@dataclass
class Block:
    """One fenced block of the README: where it starts, its language, its text, why it is skipped."""

    line: int
    lang: str
    body: str
    skip: str | None


def readme_blocks(text: str) -> list[Block]:
    """Every ```bash and ```python block, in order, with the skip reason given above it."""
    blocks = []
    for fence in FENCE.finditer(text):
        start = text.count("\n", 0, fence.start()) + 1
        before = text[: fence.start()].rstrip("\n").rsplit("\n", 1)[-1].strip()
        marked = SKIP.match(before)
        blocks.append(Block(start, fence["lang"], fence["body"], marked["why"] if marked else None))
    return blocks


def shell_lines(body: str) -> list[str]:
    """The commands of a shell block: continuations joined, blank and comment-only lines dropped."""
    joined = body.replace("\\\n", " ")
    return [ln for ln in joined.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]


def demo_command() -> str:
    """What `make demo` runs after installing, read from the Makefile so the two cannot drift."""
    makefile = (ROOT / "Makefile").read_text("utf-8")
    recipe = re.search(r"^demo:.*\n((?:\t.*\n)+)", makefile, re.M)
    assert recipe, "no demo target in the Makefile"
    (command,) = [ln.strip() for ln in recipe[1].splitlines() if "alchemy demo" in ln]
    return command.replace("$(BIN)", ".venv/bin")


def test_blocks_are_found_and_skips_say_why() -> None:
    blocks = readme_blocks(README.read_text("utf-8"))
    langs = [b.lang for b in blocks if b.skip is None]
    assert langs.count("bash") >= 4 and langs.count("python") >= 2, blocks
    assert all(b.skip and len(b.skip) > 10 for b in blocks if b.skip is not None)
    assert sum(b.skip is not None for b in blocks) <= 4  # illustrative only where it must be
    assert "alchemy demo -d data/alchemy.db" in demo_command()
    # A marker must sit right above a fence: a stray one would silently skip nothing.
    markers = [ln for ln in README.read_text("utf-8").splitlines() if "readme-test:" in ln]
    assert len(markers) == sum(b.skip is not None for b in blocks), markers


@pytest.fixture
def clone(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A folder laid out like a fresh clone after `make install`, and a keyless environment."""
    work = tmp_path / "clone"
    (work / "data").mkdir(parents=True)
    for name in ("sample_ideas.jsonl", "sample_cases.jsonl"):
        shutil.copy(ROOT / "data" / name, work / "data")
    (work / ".venv").symlink_to(ROOT / ".venv")
    env = {k: v for k, v in os.environ.items() if k not in KEYS and not k.startswith("PYTEST")}
    env.pop("ALCHEMY_DB", None)
    for var, sub in (("HOME", "home"), ("LLM_USER_PATH", "llm"), ("XDG_DATA_HOME", "share")):
        env[var] = str(tmp_path / sub)
        (tmp_path / sub).mkdir()
    return work, env


def _run(cmd: list[str], work: Path, env: dict[str, str], what: str) -> str:
    done = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True, timeout=600)
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"{what} exited {done.returncode}:\n{output[-3000:]}"
    return output


def test_readme_runs_in_order(clone: tuple[Path, dict[str, str]]) -> None:
    work, env = clone
    _run(["bash", "-c", demo_command()], work, env, "make demo's command")
    with sqlite3.connect(work / "data" / "alchemy.db") as db:
        (winner,) = db.execute(
            "SELECT id FROM prompts WHERE phase = 'coagulatio' ORDER BY score DESC LIMIT 1"
        ).fetchone()
        (blog_request, blog_prompt) = db.execute(
            "SELECT p.request_id, p.id FROM prompts p JOIN prompt_requests q ON q.id = p.request_id"
            " WHERE q.input LIKE 'Write a blog post%' AND p.phase = 'coagulatio'"
            " ORDER BY p.score DESC LIMIT 1"
        ).fetchone()
    places = {
        "<prompt-id>": winner,
        "<id-prefix>": winner[:8],
        "<request-id>": blog_request[:8],
        "<blog-prompt-id>": blog_prompt,
    }
    ran = 0
    for block in readme_blocks(README.read_text("utf-8")):
        if block.skip is not None:
            continue
        where = f"README.md:{block.line}"
        if block.lang == "python":
            _run([sys.executable, "-c", block.body], work, env, f"the Python block at {where}")
            ran += 1
            continue
        for line in shell_lines(block.body):
            if "<run-id>" in line:  # the newest eval run, made by a line above
                with sqlite3.connect(work / "data" / "alchemy.db") as db:
                    (places["<run-id>"],) = db.execute(
                        "SELECT id FROM eval_runs ORDER BY created_at DESC LIMIT 1"
                    ).fetchone()
            for name, value in places.items():
                line = line.replace(name, value)
            output = _run(["bash", "-c", line], work, env, f"`{line}` ({where})")
            for start, claim in CLAIMS.items():
                if start in line:
                    assert claim in output, f"`{line}` ({where}) should say {claim!r}:\n{output}"
            ran += 1
    assert ran >= 20
    # The README's claims about where things went.
    assert (work / "out").is_dir() and (work / "site" / "serve.sh").is_file()
    assert not (Path(env["XDG_DATA_HOME"]) / "alchemy_kit").exists()  # all in data/alchemy.db
