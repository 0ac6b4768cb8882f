"""Hostile cases against the CLI and the store (issue 18, points 1-5, 7-9, 11, 12), for hostile_cases.py.

Each case runs the checkout's `alchemy` in a subprocess as a hostile tester would: --overwrite
aimed at the store's own folder, `.`, `..`, home and a project root; imports carrying NaN,
infinity, 2^70, converted line ends, wrong ranks, deep JSON and symlinks out of the folder; a
SIGKILL at the worst moment of `learn` and `pick`; two `batch` runs over one file at once; a
200 MB prompt through embed, score, export and import (peak memory from the kernel); terminal
control characters in stored text; ideas made of nothing visible; and a store whose derived
objects (the full-text index, triggers, indexes) were dropped.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
from collections.abc import Callable
from pathlib import Path

from hostile_lab import (
    IDEA,
    Lab,
    bad_batch_line,
    edit_manifest,
    raw,
    source_export,
    tampered_import,
    why,
)
from hostile_runs import Case, runs_cases


def tree(root: Path) -> dict[str, str]:
    """Every file and folder under root, with a hash of each file (symlinks not followed).

    SQLite's -wal and -shm files come and go as a store is opened: they are not counted.
    """
    out = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + [f for f in files if not f.endswith(("-wal", "-shm"))]:
            path = Path(folder) / name
            rel = str(path.relative_to(root))
            if path.is_file() and not path.is_symlink():
                out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
            else:
                out[rel] = "dir"
    return out


# -- 1. publish / export --overwrite ---------------------------------------------------------
def overwrite(lab: Lab, command: str, where: str) -> bool:
    root = lab.path(f"ow-{command}-{where.replace(' ', '-')}")
    work, home = root / "proj" / "work", root / "home"
    (work / "data").mkdir(parents=True)
    home.mkdir()
    (root / "proj" / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (home / "notes.txt").write_text("mine")
    (work / "keep.txt").write_text("mine")
    db = work / "data" / "a.db"
    env = {"HOME": str(home)}
    lab.cli("generate", IDEA, "-n", "1", "--no-embed", "-d", str(db), cwd=work, env=env)
    out = {
        "the store's folder": "data",
        ".": ".",
        "..": "..",
        "home": str(home),
        "project root": str(root / "proj"),
    }.get(where)
    if where in ("a bundle holding the store", "an output plus a user file"):
        out = str(root / "site")
        made = lab.cli(command, out, "-d", str(db), cwd=work, env=env)
        if made.code != 0:
            return why(f"could not make the first output: {made.err[-200:]}")
        if where == "a bundle holding the store":
            db = root / "site" / "a.db"  # the bundle's copy became someone's working store
            lab.cli("generate", "Another idea to keep", "-n", "1", "--no-embed", "-d", str(db))
        else:
            (root / "site" / "my-notes.md").write_text("mine")
    assert out is not None
    before = tree(root)
    run = lab.cli(command, out, "--overwrite", "-d", str(db), cwd=work, env=env)
    after = tree(root)
    if not run.one_line_error or after != before:
        changed = sorted(set(before.items()) ^ set(after.items()))[:3]
        return why(f"exit {run.code}, {run.err[-200:]!r}, changed {changed}")
    return True


def overwrite_own(lab: Lab, command: str) -> bool:
    db, _ = source_export(lab)
    out = lab.path("own")
    first = lab.cli(command, str(out), "-d", str(db))
    again = lab.cli(command, str(out), "--overwrite", "-d", str(db))
    leftovers = [p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.")]
    return first.code == 0 and again.code == 0 and not leftovers


# -- 2. imports that change data -------------------------------------------------------------
def jsonl_value(table: str, column: str, text: str) -> Callable[[Path, Path], None]:
    """Put raw JSON text (NaN, 1e999, 2**70: not what json.dumps writes) into a row's column."""

    def tamper(src: Path, dest: Path) -> None:
        path = dest / f"{table}.jsonl"
        lines = path.read_text().splitlines()
        row = json.loads(lines[0])
        row[column] = "@@"
        lines[0] = json.dumps(row).replace('"@@"', text)
        path.write_text("\n".join(lines) + "\n")

    return tamper


def csv_value(table: str, column: str, text: str) -> Callable[[Path, Path], None]:
    def tamper(src: Path, dest: Path) -> None:
        import csv
        import io

        path = dest / f"{table}.csv"
        rows = list(csv.reader(io.StringIO(path.read_text(), newline="")))
        rows[1][rows[0].index(column)] = text
        buf = io.StringIO(newline="")
        csv.writer(buf, lineterminator="\n").writerows(rows)
        path.write_text(buf.getvalue())

    return tamper


def parquet_nan(src: Path, dest: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = dest / "prompts.parquet"
    table = pq.read_table(path)
    scores = table.column("score").to_pylist()
    scores[0] = float("nan")
    table = table.set_column(table.schema.get_field_index("score"), "score", pa.array(scores))
    pq.write_table(table, path)


def crlf(src: Path, dest: Path) -> None:
    for path in dest.glob("*.csv"):
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))


def cr_round_trip(lab: Lab, breaks: str = "\r\n", fmt: str = "csv") -> bool:
    db = lab.path("cr.db")
    lab.cli(
        "generate",
        f"Plan a team offsite{breaks}for twelve people",
        "-n",
        "1",
        "--no-embed",
        "-d",
        str(db),
    )
    out, fresh = lab.path("cr-out"), lab.path("cr-fresh.db")
    lab.cli("export", str(out), "-f", fmt, "-d", str(db))
    run = lab.cli("import", str(out), "-d", str(fresh))
    sql = "SELECT input FROM prompt_requests UNION ALL SELECT content FROM prompts ORDER BY 1"
    rows = raw(db, sql)
    same = run.code == 0 and raw(fresh, sql) == rows and any(breaks in v for (v,) in rows)
    return same or why(f"exit {run.code}, {run.err[-200:]!r}")


def _ranks(db: Path) -> list[tuple]:
    return raw(
        db,
        "SELECT request_id, phase, group_concat(rank, ',') FROM (SELECT * FROM prompts"
        " ORDER BY request_id, phase, rank) GROUP BY request_id, phase",
    )


def _permutations(db: Path) -> bool:
    return all(
        sorted(map(int, ranks.split(","))) == list(range(1, ranks.count(",") + 2))
        for _, _, ranks in _ranks(db)
    )


def imported_ranks(lab: Lab) -> bool:
    db = lab.path("ranks.db")
    lab.cli("generate", IDEA, "-n", "3", "--no-embed", "-d", str(db))
    out, fresh = lab.path("ranks-out"), lab.path("ranks-fresh.db")
    lab.cli("export", str(out), "-d", str(db))
    path = out / "prompts.jsonl"
    rows = [json.loads(line) | {"rank": 1} for line in path.read_text().splitlines()]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))  # all siblings rank 1
    run = lab.cli("import", str(out), "-d", str(fresh))
    check = lab.cli("db", "check", "-d", str(fresh))
    return run.code == 0 and _permutations(fresh) and check.code == 0


def check_sees_ranks(lab: Lab) -> bool:
    db = lab.path("ranks-check.db")
    lab.cli("generate", IDEA, "-n", "3", "--no-embed", "-d", str(db))
    conn = sqlite3.connect(db)
    triggers = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'prompts_rank%'"
    ).fetchall()
    for name, _ in triggers:  # a writer that went past them
        conn.execute(f"DROP TRIGGER {name}")
    conn.execute("UPDATE prompts SET rank = 1")
    for _, sql in triggers:
        conn.execute(sql)
    conn.commit()
    conn.close()
    found = lab.cli("db", "check", "-d", str(db))
    fixed = lab.cli("db", "check", "--fix", "--yes", "-d", str(db))
    if found.code == 0 or "rank" not in found.out:
        return why(f"db check said {found.out[-300:]!r}")
    return fixed.code == 0 and _permutations(db)


def reimport_same(lab: Lab) -> bool:
    _, dest = source_export(lab)
    target = lab.path("again.db")
    first = lab.cli("import", str(dest), "-d", str(target))
    before = raw(target, "SELECT * FROM prompts ORDER BY id")
    again = lab.cli("import", str(dest), "-d", str(target))
    return (
        first.code == again.code == 0 and raw(target, "SELECT * FROM prompts ORDER BY id") == before
    )


# -- 3. symlinks out of the import folder ---------------------------------------------------
def symlink_out(lab: Lab, how: str, manifest: bool) -> bool:
    def tamper(src: Path, dest: Path) -> None:
        outside = dest.parent / f"{dest.name}-outside"
        outside.mkdir()
        if how == "file":
            (outside / "tags.jsonl").write_text((dest / "tags.jsonl").read_text())
            (dest / "tags.jsonl").unlink()
            (dest / "tags.jsonl").symlink_to(outside / "tags.jsonl")
        elif how == "fifo":
            os.mkfifo(outside / "pipe")
            (dest / "tags.jsonl").unlink()
            (dest / "tags.jsonl").symlink_to(outside / "pipe")
        elif how == "device":
            (dest / "tags.jsonl").unlink()
            (dest / "tags.jsonl").symlink_to("/dev/zero")
        else:  # a table's folder: a partitioned export's directory pointing out
            (dest / "tags").mkdir()
            (dest / "tags.jsonl").rename(outside / "part-0000.jsonl")
            (dest / "tags").rmdir()
            (dest / "tags").symlink_to(outside, target_is_directory=True)
            if manifest:
                files = json.loads((dest / "manifest.json").read_text())["files"]
                edit_manifest(dest, files=files | {"tags": ["tags/part-0000.jsonl"]})
        if not manifest:
            (dest / "manifest.json").unlink()

    return tampered_import(lab, tamper)


# -- 8. deep JSON and 2^70 ------------------------------------------------------------------
DEEP = "[" * 20_000 + "]" * 20_000
BIG = str(2**70)


def config_value(lab: Lab, key: str, value: str) -> bool:
    db = lab.path("cfg.db")
    lab.cli("db", "init", "-d", str(db))
    run = lab.cli("config", "set", key, value, "-d", str(db))
    return run.one_line_error or why(f"exit {run.code} {run.err[-200:]!r}")


def deep_manifest(src: Path, dest: Path) -> None:
    (dest / "manifest.json").write_text("[" * 100_000 + "]" * 100_000)


def import_names_line(lab: Lab, tamper: Callable[[Path, Path], None], fmt: str = "jsonl") -> bool:
    src, dest = source_export(lab, fmt)
    tamper(src, dest)
    target = lab.path("target.db")
    lab.cli("db", "init", "-d", str(target))
    run = lab.cli("import", str(dest), "-d", str(target))
    named = re.search(r"(\.jsonl:\d+|\.csv row \d+|manifest\.json)", run.err)
    unchanged = raw(target, "SELECT count(*) FROM prompts")[0][0] == 0
    return (run.one_line_error and named is not None and unchanged) or why(run.err[-300:])


BAD_LINES_18 = {
    "deep tags": b'{"idea": "deep", "tags": ' + DEEP.encode() + b"}",
    "deep and torn": b'{"idea": ' + b"[" * 50_000 + b"}",
    "seed 2^70": b'{"idea": "big", "seed": ' + BIG.encode() + b"}",
    "max_tokens 2^70": b'{"idea": "big", "max_tokens": ' + BIG.encode() + b"}",
    "count 2^70": b'{"idea": "big", "count": ' + BIG.encode() + b"}",
    "temperature NaN": b'{"idea": "nan", "temperature": NaN}',
    "temperature 1e999": b'{"idea": "inf", "temperature": 1e999}',
    "zero-width idea": b'{"idea": "\\u200b\\u200c\\u2060"}',
}


def cases_file(lab: Lab, name: str, text: str) -> bool:
    """A cases file (alchemy cases import) nested past the recursion limit: one line, or one
    failed line in the report while the good lines are added."""
    db, path = lab.path("cases.db"), lab.path(name)
    lab.cli("generate", IDEA, "-n", "1", "--no-embed", "-d", str(db))
    rid = raw(db, "SELECT id FROM prompt_requests")[0][0]
    path.write_text(text)
    run = lab.cli("cases", "import", str(path), "-r", rid, "--json", "-d", str(db))
    if "Traceback" in run.err or "RecursionError" in run.out + run.err:
        return why(f"exit {run.code}: {run.err[-200:]!r}")
    if run.code != 0 and not run.out.strip():
        return run.one_line_error or why(run.err[-200:])
    report = json.loads(run.out)
    good = sum('"good"' in line for line in text.splitlines()) or text.count('"good"')
    return (report["added"] == good and report["failed"] >= 1) or why(str(report)[:200])


DEEP_CASES = {
    "deep.json": DEEP,
    "deep-vars.json": json.dumps([{"vars": {"input": "good"}}])[:-1]
    + ', {"vars": {"input": '
    + DEEP
    + "}}]",
    "deep-schema.json": json.dumps(
        [
            {"vars": {"input": "x"}, "assert": [{"type": "is-json", "value": DEEP}]},
            {"vars": {"input": "good"}},
        ]
    ),
    "deep.jsonl": '{"vars": {"input": ' + DEEP + '}}\n{"vars": {"input": "good"}}\n',
    "deep-schema.jsonl": json.dumps(
        {"vars": {"input": "x"}, "assert": [{"type": "contains-json", "value": DEEP}]}
    )
    + '\n{"vars": {"input": "good"}}\n',
}


# -- 12. repair -----------------------------------------------------------------------------
def repair(lab: Lab, loss: str) -> bool:
    db = lab.path("repair.db")
    lab.cli("generate", IDEA, "-n", "2", "--no-embed", "-d", str(db))
    conn = sqlite3.connect(db)
    conn.execute(loss)
    conn.commit()
    conn.close()
    found = lab.cli("db", "check", "--json", "-d", str(db))
    fixed = lab.cli("db", "check", "--fix", "--yes", "--json", "-d", str(db))
    try:
        report, after = json.loads(found.out), json.loads(fixed.out)
    except ValueError:
        return why(f"not JSON: {found.out[:100]!r} / {fixed.out[:100]!r}")
    gen = lab.cli(
        "generate", "Plan a team offsite for twelve people", "-n", "1", "--no-embed", "-d", str(db)
    )
    hits = lab.cli("search", "offsite", "--text", "--json", "-d", str(db))
    ok = not report["ok"] and after["ok"] and gen.code == 0 and hits.code == 0
    return (ok and len(json.loads(hits.out)["hits"]) > 0) or why(
        f"check ok={report['ok']}, fixed ok={after['ok']}, generate {gen.code} {gen.err[-150:]!r}"
    )


LOSSES = [
    "DROP TABLE prompts_fts",
    "DROP TABLE prompts_fts_data",
    "DROP TABLE prompts_fts_config",
    "DROP TRIGGER prompts_fts_ai",
    "DROP TRIGGER prompts_rank_on_score",
    "DROP INDEX idx_prompts_request_phase",
    "DROP INDEX idx_metrics_prompt_id",
]


# -- the table ------------------------------------------------------------------------------
def cli_cases(lab: Lab) -> list[Case]:
    """The cases of issue 18 outside Datasette, grouped as scripts/hostile_cases.py prints them."""
    c: list[Case] = []
    g = "publish/export --overwrite: never what it did not make"
    for where in (
        "the store's folder",
        ".",
        "..",
        "home",
        "project root",
        "a bundle holding the store",
        "an output plus a user file",
    ):
        c.append((g, lambda w=where: overwrite(lab, "publish", w)))
    for where in ("the store's folder", ".", "an output plus a user file"):
        c.append((g, lambda w=where: overwrite(lab, "export", w)))
    for command in ("publish", "export"):
        c.append(
            (
                "publish/export --overwrite: replaces its own output",
                lambda x=command: overwrite_own(lab, x),
            )
        )
    g = "import: NaN, infinity, CR: refused in one line, unchanged"
    for tamper, fmt in [
        (jsonl_value("prompts", "score", "NaN"), "jsonl"),
        (jsonl_value("prompts", "temperature", "Infinity"), "jsonl"),
        (jsonl_value("metrics", "value", "-1e999"), "jsonl"),
        (csv_value("metrics", "value", "nan"), "csv"),
        (csv_value("prompts", "score", "inf"), "csv"),
        (parquet_nan, "parquet"),
        (crlf, "csv"),
    ]:
        c.append((g, lambda t=tamper, f=fmt: tampered_import(lab, t, f)))
    for breaks in ("\r\n", "\r", "\r\r", "\n\r", "\u2028", "\x85", "\x0b\x0c\x1c\x1e"):
        for fmt in ("csv", "jsonl", "parquet") if breaks == "\r" else ("csv",):
            c.append(
                (
                    "import: a CR of the text round-trips; re-import changes nothing",
                    lambda b=breaks, f=fmt: cr_round_trip(lab, b, f),
                )
            )
    c.append(
        (
            "import: a CR of the text round-trips; re-import changes nothing",
            lambda: reimport_same(lab),
        )
    )
    c.append(("import/db check: ranks re-derived, checked", lambda: imported_ranks(lab)))
    c.append(("import/db check: ranks re-derived, checked", lambda: check_sees_ranks(lab)))
    for how in ("file", "folder", "fifo", "device"):
        for manifest in (False, True):
            c.append(
                (
                    "import: a symlink out, with or without a manifest",
                    lambda h=how, m=manifest: symlink_out(lab, h, m),
                )
            )
    g = "deep JSON / 2^70: one line, with the line number"
    for key, value in [
        ("user.deep", DEEP),
        ("phases.solutio", DEEP),
        ("user.deep", '{"a":' * 150 + "1" + "}" * 150),
        ("phases.solutio", '{"max_tokens": ' + BIG + "}"),
        ("user.inf", '{"a": 1e999}'),
    ]:
        c.append((g, lambda k=key, v=value: config_value(lab, k, v)))
    for tamper, fmt in [
        (jsonl_value("prompts", "metadata", json.dumps("[" * 50_000 + "]" * 50_000)), "jsonl"),
        (jsonl_value("prompts", "metadata", DEEP), "jsonl"),
        (jsonl_value("prompts", "actual_tokens", BIG), "jsonl"),
        (jsonl_value("metrics", "total_tokens", BIG), "jsonl"),
        (csv_value("prompts", "max_tokens", BIG), "csv"),
        (deep_manifest, "jsonl"),
    ]:
        c.append((g, lambda t=tamper, f=fmt: import_names_line(lab, t, f)))
    for bad in BAD_LINES_18.values():
        c.append((g, lambda b=bad: bad_batch_line(lab, b)))
    for name, text in DEEP_CASES.items():
        c.append((g, lambda n=name, t=text: cases_file(lab, n, t)))
    for loss in LOSSES:
        c.append(
            ("db check --fix rebuilds lost derived objects; --json", lambda x=loss: repair(lab, x))
        )
    return c + runs_cases(lab)
