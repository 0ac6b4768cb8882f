"""Batch: every item is checked before any write; a bad line is reported and skipped, never fatal."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from alchemy_kit.cli.main import cli
from alchemy_kit.engine.batch import read_items, run_batch
from alchemy_kit.store import Store, open_store

GOOD = "Summarise the findings of report {n} for the board"
# (raw JSONL line, a word the reason must contain). Lone surrogates arrive as JSON escapes.
BAD_LINES: list[tuple[bytes, str]] = [
    (b'{"idea": "lone \\ud800 surrogate"}', "lone surrogate"),
    (b'{"idea": "NUL \\u0000 inside"}', "NUL"),
    ('{"idea": "caf\xe9 in latin-1"}'.encode("latin-1"), "not valid UTF-8"),
    (b'{"idea": "tags", "tags": [1, null]}', "each tag must be a string"),
    (b'{"idea": "tags", "tags": "notalist"}', "tags must be a list"),
    (b'{"idea": "seed", "seed": "abc"}', "seed must be an integer"),
    (b'{"idea": "seed", "seed": 1.5}', "seed must be an integer"),
    (b'{"idea": "long tag", "tags": ["' + b"x" * 101 + b'"]}', "1-100 characters"),
    (b'{"idea": "temp", "temperature": "hot"}', "temperature must be a number"),
    (b'{"idea": "count", "count": 0}', "count must be an integer"),
    (b'{"idea": "count", "count": true}', "count must be an integer"),
    (b'{"idea": 42}', "idea must be text"),
    (b'{"idea": "   "}', "empty"),
    (b'{"idea": "typo", "persna": "code"}', "unknown field"),
    (b'{"idea": "persona", "persona": "pirate"}', "unknown persona"),
    (b'{"idea": "phase", "phases": ["solutio", "distillatio"]}', "unknown phase"),
    (b"[1, 2, 3]", "expected a JSON object"),
    (b'{"idea": "torn', "not valid JSON"),
    (b'{"idea": "deep", "tags": ' + b"[" * 20_000 + b"]" * 20_000 + b"}", "nested more than"),
    (b'{"idea": ' + b"[" * 50_000 + b"}", "nested more than"),  # deep and torn
    (b'{"idea": "big", "seed": 1180591620717411303424}', "seed must be an integer"),
    (b'{"idea": "big", "max_tokens": 1180591620717411303424}', "max_tokens must be"),
    (b'{"idea": "nan", "temperature": NaN}', "temperature must be a number"),
    (b'{"idea": "inf", "temperature": 1e999}', "temperature must be a number"),
    (b'{"idea": "\\u200b\\u2060"}', "empty"),
]


@pytest.fixture
def store(db_path: Path) -> Store:
    return open_store(db_path)


def _mixed_file(tmp_path: Path) -> tuple[Path, list[int], list[int]]:
    """Good lines around every bad one; returns the path, good line numbers, bad line numbers."""
    lines, good, bad = [], [], []
    for i, (raw, _) in enumerate(BAD_LINES):
        lines.append(json.dumps({"idea": GOOD.format(n=i)}).encode())
        good.append(len(lines))
        lines.append(raw)
        bad.append(len(lines))
    lines.append(json.dumps({"idea": GOOD.format(n="last")}).encode())
    good.append(len(lines))
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path, good, bad


def test_read_items_reports_each_bad_line_with_its_reason(tmp_path: Path) -> None:
    path, good, bad = _mixed_file(tmp_path)
    items = {item.line: item for item in read_items(path)}
    assert sorted(items) == sorted(good + bad)
    for line, (_, word) in zip(bad, BAD_LINES, strict=True):
        assert word in (items[line].error or ""), (line, items[line].error)
    assert all(items[line].error is None for line in good)


def test_bad_lines_in_the_middle_do_not_stop_the_good_ones(store: Store, tmp_path: Path) -> None:
    path, good, bad = _mixed_file(tmp_path)
    report = run_batch(store, path, count=1, embed=False, progress=False)
    assert report.completed == len(good) and report.failed == len(bad)
    assert [f["line"] for f in report.failures] == bad
    assert all(f["request_id"] is None for f in report.failures)  # refused before any write
    done = store.list_requests(status="completed", limit=None)
    assert sorted(q.metadata["batch_line"] for q in done) == good
    assert store.counts()["prompt_requests"] == len(good)
    again = run_batch(store, path, count=1, embed=False, progress=False)
    assert again.skipped == len(good) and again.completed == 0 and again.failed == len(bad)


def test_cli_batch_prints_a_table_of_failed_lines_and_exits_non_zero(
    db_path: Path, tmp_path: Path
) -> None:
    path, good, bad = _mixed_file(tmp_path)
    res = CliRunner().invoke(cli, ["batch", str(path), "-n", "1", "--no-embed", "-d", str(db_path)])
    assert res.exit_code == 1
    assert f"{len(good) + len(bad)} ideas: {len(good)} completed" in res.output
    assert re.search(r"line +error", res.output) and "Traceback" not in res.output
    for line in bad:
        assert any(row.split()[:1] == [str(line)] for row in res.output.splitlines())


def test_csv_items_are_checked_per_row(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "ideas.csv"
    path.write_bytes(
        b"idea,count,temperature,tags\n"
        b"Plan a team offsite,1,0.5,a;b\n"
        b"Seed is words,abc,0.5,\n"
        b"Temperature is nan,1,nan,\n"
        b"Bad bytes \xff\xfe here,1,0.5,\n"
        b"Explain vector databases,1,,x\n"
    )
    items = read_items(path)
    assert [i.error is None for i in items] == [True, False, False, False, True]
    assert "count must be a number" in (items[1].error or "")
    assert "finite" in (items[2].error or "")
    assert "not valid UTF-8" in (items[3].error or "")
    report = run_batch(store, path, embed=False, progress=False)
    assert report.completed == 2 and [f["line"] for f in report.failures] == [3, 4, 5]


def test_a_full_disk_stops_new_items_and_a_rerun_resumes(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "ideas.jsonl"
    path.write_text("".join(json.dumps({"idea": GOOD.format(n=i)}) + "\n" for i in range(4)))
    first = run_batch(store, path, count=1, concurrency=1, embed=False, progress=False)
    assert first.completed == 4
    path.write_text(
        path.read_text()
        + "".join(json.dumps({"idea": GOOD.format(n=i)}) + "\n" for i in range(4, 8))
    )
    # SQLite's own limit gives a genuine SQLITE_FULL: no more pages may be added.
    pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
    store.conn.execute(f"PRAGMA max_page_count = {pages + 1}")
    full = run_batch(store, path, count=1, concurrency=1, embed=False, progress=False)
    assert full.skipped == 4 and full.completed == 0 and full.failed == 4
    assert "disk is full" in full.failures[0]["error"]
    assert all(f["error"].startswith("not run: ") for f in full.failures[1:])
    store.conn.execute("PRAGMA max_page_count = 1073741823")
    resumed = run_batch(store, path, count=1, concurrency=2, embed=False, progress=False)
    assert resumed.skipped == 4 and resumed.completed == 4 and resumed.failed == 0


def test_resume_embeds_what_a_crash_left_unembedded(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "ideas.jsonl"
    path.write_text("".join(json.dumps({"idea": GOOD.format(n=i)}) + "\n" for i in range(3)))
    store.set_config("embeddings.model", "alchemy-lexical")  # fast and offline
    # embed=False stands in for a process killed between completing and embedding.
    run_batch(store, path, count=1, embed=False, progress=False)
    assert store.counts()["embeddings"] == 0
    again = run_batch(store, path, count=1, progress=False)
    assert again.skipped == 3 and again.embedded == store.counts()["prompts"] == 9
    assert store.counts()["embeddings"] == 9
    assert run_batch(store, path, count=1, progress=False).embedded == 0


def _ideas(path: Path, ideas: list[str], **extra: object) -> Path:
    path.write_text("".join(json.dumps({"idea": i, **extra}) + "\n" for i in ideas))
    return path


def test_repeated_lines_run_once_unless_again(store: Store, tmp_path: Path) -> None:
    """The same idea with the same options is the same work, whichever line it is on."""
    path = _ideas(tmp_path / "dup.jsonl", [GOOD.format(n=1), GOOD.format(n=2), GOOD.format(n=1)])
    first = run_batch(store, path, count=1, embed=False, progress=False)
    assert (first.completed, first.skipped) == (2, 1)
    assert first.skips == [{"line": 3, "why": "the same idea and options as line 1"}]
    # The same ideas on other lines of another file: already done.
    moved = _ideas(tmp_path / "moved.jsonl", [GOOD.format(n=2), GOOD.format(n=1)])
    assert run_batch(store, moved, count=1, embed=False, progress=False).skipped == 2
    # Other options are other work.
    assert run_batch(store, moved, count=2, embed=False, progress=False).completed == 2
    again = run_batch(store, path, count=1, embed=False, progress=False, again=True)
    assert (again.completed, again.skipped) == (3, 0)
    runs = store.list_requests(status="completed", limit=None)
    assert sum(bool(q.metadata.get("batch_again")) for q in runs) == 3


def test_a_claimed_item_is_skipped_not_run_twice(store: Store, tmp_path: Path) -> None:
    """Another run holds an item (its request is running): this run skips it."""
    from alchemy_kit.engine.batch import BatchItem, item_key
    from alchemy_kit.engine.pipeline import generate
    from alchemy_kit.errors import ClaimedError

    path = _ideas(tmp_path / "two.jsonl", [GOOD.format(n=1), GOOD.format(n=2)])
    key = item_key(store, BatchItem(1, {"idea": GOOD.format(n=1)}), {"count": 1})
    store.conn.execute(  # what a concurrent run's request looks like while it runs
        "INSERT INTO prompt_requests (id, input, phases, count, status, metadata) VALUES"
        " ('0f0e0d0c-0b0a-4908-8706-050403020100', 'x', '[\"solutio\"]', 1, 'running', ?)",
        [json.dumps({"batch_key": key, "batch_line": 1})],
    )
    report = run_batch(store, path, count=1, embed=False, progress=False)
    assert (report.completed, report.skipped) == (1, 1)
    assert report.skips == [{"line": 1, "why": "already running"}]
    # The database holds the claim too, whoever writes: a second pending request is refused.
    with pytest.raises(ClaimedError):
        generate(
            GOOD.format(n=1),
            store=store,
            count=1,
            embed=False,
            progress=False,
            metadata={"batch_key": key},
        )
    # A failed request frees its key.
    store.conn.execute(
        "UPDATE prompt_requests SET status = 'failed', completed_at = created_at WHERE input = 'x'"
    )
    assert run_batch(store, path, count=1, embed=False, progress=False).completed == 1


def test_batch_after_demo_does_not_regenerate_the_samples(db_path: Path) -> None:
    samples = Path(__file__).resolve().parents[1] / "data" / "sample_ideas.jsonl"
    demo = CliRunner().invoke(cli, ["demo", "--ideas", str(samples), "-d", str(db_path)])
    assert demo.exit_code == 0, demo.output
    res = CliRunner().invoke(cli, ["batch", str(samples), "--no-embed", "-d", str(db_path)])
    assert res.exit_code == 0, res.output
    assert "6 ideas: 0 completed, 6 skipped" in res.output
