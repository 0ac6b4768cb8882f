"""The hostile cases of issues 11 and 18, tried against a checkout: how many does it handle well?

    python scripts/hostile_cases.py                      # this checkout
    python scripts/hostile_cases.py --repo /tmp/main     # another one (e.g. main, for "before")

Every case runs the `alchemy` CLI of the checkout in a subprocess (PYTHONPATH=<repo>, this venv's
Python) the way a hostile tester would: kill -9 and SIGTERM/SIGHUP mid-batch, bad batch lines,
wrong configuration values, tampered exports, read-only and full filesystems (small tmpfs mounts:
run as root, or those cases are reported as not tried), a held lock, bad bytes in argv and files.
A case is "handled well" when the outcome is what issue 11 asks for: nothing left `running`, one
`Error:` line and no traceback, good items completed, the database unchanged after a refused
import, and so on. Prints one row per group of cases: tried, handled well.
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from hostile_cli import cli_cases
from hostile_datasette import datasette_cases
from hostile_lab import (
    BATCH,
    HERE,
    IDEA,
    Lab,
    Run,
    bad_batch_line,
    completed_once,
    edit_manifest,
    fill,
    held_open,
    ideas_file,
    jsonl_edit,
    raw,
    source_export,
    tampered_import,
    tmpfs,
    unfinished,
    why,
)

SLOW_BATCH = (
    "-n",
    "1",
    "--provider",
    "local",
    "-m",
    "slow-fake",
    "--no-embed",
    "-c",
    "2",
    "--json",
)


def killed_batch(lab: Lab, sig: signal.Signals, after: int) -> bool:
    ideas, db = ideas_file(lab.path("ideas.jsonl"), 6), lab.path("kill.db")
    proc, err = lab.start("batch", str(ideas), "-d", str(db), *SLOW_BATCH, slow=0.3)
    deadline = time.monotonic() + 120
    while sum(b"answered" in line for line in err) < after and time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        time.sleep(0.05)
    proc.send_signal(sig)
    code = proc.wait(timeout=60)
    stderr = b"".join(err).decode(errors="replace")
    # SIGTERM/SIGHUP are handled like Ctrl-C: non-zero exit, no traceback, and nothing left
    # running even before anything reopens the database.
    handled = code != 0 and "Traceback" not in stderr and unfinished(db) == 0
    if sig != signal.SIGKILL and not handled:
        return why(f"exit {code}, {unfinished(db)} rows unfinished, stderr ends {stderr[-200:]!r}")
    lab.cli("requests", "list", "-d", str(db))  # the next open
    if unfinished(db) != 0:
        return why(f"{unfinished(db)} rows still unfinished after the next open")
    rerun = lab.cli("batch", str(ideas), "-d", str(db), *SLOW_BATCH, slow=0.01)
    if rerun.code != 0 or not completed_once(db, 6) or unfinished(db) != 0:
        return why(f"re-run exit {rerun.code}, stderr ends {rerun.err[-200:]!r}")
    return True


def full_disk_leaves_nothing_running(lab: Lab) -> bool | None:
    with tmpfs(lab.path("full"), "400k") as mnt:
        if mnt is None:
            return None
        db = mnt / "a.db"
        lab.cli("db", "init", "-d", str(db))
        with held_open(db):
            filler = fill(mnt)
            run = lab.cli(
                "generate", IDEA + " in great detail", "-n", "5", "--no-embed", "-d", str(db)
            )
            filler.unlink()
        lab.cli("requests", "list", "-d", str(db))  # the next open, with space again
        return run.code != 0 and unfinished(db) == 0


def unembedded_after_crash(lab: Lab) -> bool:
    ideas, db = ideas_file(lab.path("ideas.jsonl"), 3), lab.path("emb.db")
    lab.cli("db", "init", "-d", str(db))
    lab.cli("config", "set", "embeddings.model", "alchemy-lexical", "-d", str(db))
    # --no-embed stands in for a kill between completing a request and embedding it.
    lab.cli("batch", str(ideas), *BATCH, "-d", str(db))
    lab.cli("batch", str(ideas), "-n", "1", "-c", "2", "-d", str(db))
    prompts = raw(db, "SELECT count(*) FROM prompts")[0][0]
    return prompts > 0 and raw(db, "SELECT count(*) FROM embeddings")[0][0] == prompts


BAD_LINES: dict[str, bytes] = {
    "lone surrogate": b'{"idea": "lone \\ud800 surrogate"}',
    "tags [1, null]": b'{"idea": "tags", "tags": [1, null]}',
    'tags "notalist"': b'{"idea": "tags", "tags": "notalist"}',
    'seed "abc"': b'{"idea": "seed", "seed": "abc"}',
    "invalid UTF-8": '{"idea": "caf\xe9"}'.encode("latin-1"),
    "NUL byte": b'{"idea": "nul \\u0000 here"}',
}


def refused_up_front(lab: Lab, *args: str) -> bool:
    db = lab.path("upfront.db")
    lab.cli("db", "init", "-d", str(db))
    run = lab.cli("generate", IDEA, "-n", "1", "--no-embed", *args, "-d", str(db))
    return run.one_line_error and raw(db, "SELECT count(*) FROM prompt_requests")[0][0] == 0


CONFIG_BAD: list[tuple[str, str]] = [
    ("prices", '"cheap"'),
    ("prices", '{"gpt-4o-mini": 1}'),
    ("prices", "[1, 2]"),
    ("prices", '{"gpt-4o-mini": [1]}'),
    ("defaults", '"local"'),
    ("defaults", '{"provider": "mistral"}'),
    ("defaults", '{"model": 5}'),
    ("phases.solutio", '"local"'),
    ("phases.solutio", '{"temperature": 5}'),
    ("phases.solutio", '{"temperature": "hot"}'),
    ("phases.solutio", '{"max_tokens": -1}'),
    ("phases.solutio", '{"provider": "acme"}'),
    ("phases.solutio", '{"model": "no-such-model"}'),
    ("phases.solutio", '{"top_p": 0.5}'),
    ("embeddings.auto", "no"),
    ("embeddings.auto", "0"),
    ("embeddings.model", "123"),
    ("embeddings.similarity_threshold", "5"),
    ("embeddings.similarity_threshold", '"high"'),
]


def config_value(lab: Lab, key: str, value: str) -> bool:
    db = lab.path("cfg.db")
    lab.cli("db", "init", "-d", str(db))
    run = lab.cli("config", "set", key, value, "-d", str(db))
    gen = lab.cli("generate", IDEA, "-n", "1", "--no-embed", "-d", str(db))
    return run.one_line_error and "Traceback" not in gen.err


def per_phase_temperature(lab: Lab) -> bool:
    db = lab.path("temp.db")
    lab.cli("db", "init", "-d", str(db))
    lab.cli(
        "config", "set", "phases.solutio", '{"temperature": 0.2, "max_tokens": 300}', "-d", str(db)
    )
    lab.cli("generate", IDEA, "-n", "1", "--no-embed", "-d", str(db))
    got = raw(
        db,
        "SELECT json_extract(config, '$.temperature'), json_extract(config, '$.max_tokens') FROM request_phases WHERE phase = 'solutio'",
    )
    return got == [(0.2, 300)]


def invalid_stored_config(lab: Lab) -> bool:
    db = lab.path("stored.db")
    lab.cli("db", "init", "-d", str(db))
    conn = sqlite3.connect(db)
    conn.execute(
        "INSERT INTO configurations (key, value, type) VALUES ('prices', '\"cheap\"', 'string')"
    )
    conn.commit()
    conn.close()
    run = lab.cli("generate", IDEA, "-n", "1", "--no-embed", "-d", str(db))
    return run.one_line_error and "prices" in run.err


def three_byte_blob(src: Path, dest: Path) -> None:
    jsonl_edit(dest / "embeddings.jsonl", 0, embedding="AAAA")


def changed_content(src: Path, dest: Path) -> None:
    jsonl_edit(dest / "prompts.jsonl", 0, content="silently replaced")


def duplicate_ids(src: Path, dest: Path) -> None:
    path = dest / "prompts.jsonl"
    lines = path.read_text().splitlines()
    path.write_text(
        "\n".join([*lines, lines[0].replace('"content": "', '"content": "dup ')]) + "\n"
    )
    counts = json.loads((dest / "manifest.json").read_text())["counts"]
    edit_manifest(dest, counts=counts | {"prompts": counts["prompts"] + 1})


def dotdot_path(src: Path, dest: Path) -> None:
    other = dest.parent / "other"
    other.mkdir(exist_ok=True)
    shutil.copy(dest / "prompts.jsonl", other / "prompts.jsonl")
    files = json.loads((dest / "manifest.json").read_text())["files"]
    edit_manifest(dest, files=files | {"prompts": ["../other/prompts.jsonl"]})


def absolute_path(src: Path, dest: Path) -> None:
    files = json.loads((dest / "manifest.json").read_text())["files"]
    edit_manifest(dest, files=files | {"prompts": [str(dest.resolve() / "prompts.jsonl")]})


def truncated_parquet(src: Path, dest: Path) -> None:
    path = dest / "prompts.parquet"
    path.write_bytes(path.read_bytes()[:-60])


def missing_parent(src: Path, dest: Path) -> None:
    jsonl_edit(dest / "metrics.jsonl", 0, prompt_id="00000000-0000-4000-8000-000000000000")


def leftover_partial(lab: Lab) -> bool:
    db, _ = source_export(lab)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    out = lab.path("exports")
    out.mkdir()
    # What a killed export leaves: a hidden partial folder (old style and with the pid in its name).
    for name in (".out.partial-x1y2z3", f".out.partial-{dead.pid}-a1b2c3"):
        (out / name).mkdir()
        (out / name / "prompts.jsonl").write_text("{}\n")
    lab.cli("export", str(out / "out"), "-d", str(db))
    return sorted(p.name for p in out.iterdir()) == ["out"]


def read_only_case(lab: Lab, command: str) -> bool | None:
    with tmpfs(lab.path("ro"), "4m") as mnt:
        if mnt is None:
            return None
        db = mnt / "a.db"
        lab.cli("generate", IDEA, "-n", "1", "--no-embed", "-d", str(db))
        subprocess.run(["mount", "-o", "remount,ro", str(mnt)], check=True)
        if command == "search":
            run = lab.cli("search", "clinical", "--text", "--json", "-d", str(db))
            if run.code != 0 or "read-only" not in run.err or "Traceback" in run.err:
                return why(f"exit {run.code}, stderr {run.err[-300:]!r}")
            return bool(json.loads(run.out)["hits"])
        run = lab.cli("generate", "Another idea", "-n", "1", "--no-embed", "-d", str(db))
        if not (run.one_line_error and "read-only" in run.err):
            return why(f"exit {run.code}, stderr {run.err[-300:]!r}")
        return True


def full_disk_case(lab: Lab, command: str) -> bool | None:
    with tmpfs(lab.path("full"), "400k") as mnt:
        if mnt is None:
            return None
        src, dest = source_export(lab)
        db = mnt / "a.db"
        lab.cli("db", "init", "-d", str(db))
        lab.cli("generate", IDEA, "-n", "1", "--no-embed", "-d", str(db))
        ideas = ideas_file(lab.path("ideas.jsonl"), 3)
        with held_open(db):
            filler = fill(mnt)
            run = _full_disk_command(lab, command, db, src, dest, ideas, mnt)
            filler.unlink()
        if command == "batch":  # one line per failed item, in a table: no traceback, non-zero
            return run.code != 0 and "Traceback" not in run.err and "full" in (run.out + run.err)
        return run.one_line_error


def _full_disk_command(
    lab: Lab, command: str, db: Path, src: Path, dest: Path, ideas: Path, mnt: Path
) -> Run:
    return {
        "generate": lambda: lab.cli(
            "generate", IDEA + " again", "-n", "5", "--no-embed", "-d", str(db)
        ),
        "search": lambda: lab.cli("search", "clinical", "--text", "-d", str(db)),
        "import": lambda: lab.cli("import", str(dest), "-d", str(db)),
        "batch": lambda: lab.cli("batch", str(ideas), *BATCH, "-d", str(db)),
        "export": lambda: lab.cli("export", str(mnt / "out"), "-d", str(src)),
    }[command]()


def held_lock(lab: Lab) -> bool:
    db = lab.path("lock.db")
    lab.cli("db", "init", "-d", str(db))
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        run = lab.cli("generate", IDEA, "-n", "1", "--no-embed", "-d", str(db), timeout=120)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    return run.one_line_error and "lock" in run.err


def zero_byte(lab: Lab) -> bool:
    db = lab.path("zero.db")
    db.touch()
    run = lab.cli("db", "status", "-d", str(db))
    return run.one_line_error and db.stat().st_size == 0


def missing_folder(lab: Lab) -> bool:
    db = lab.path("nofolder") / "a.db"
    run = lab.cli("db", "status", "-d", str(db))
    return run.one_line_error and not db.parent.exists()


def wal_size(lab: Lab) -> bool:
    db = lab.path("wal.db")
    lab.cli("db", "init", "-d", str(db))
    holder = sqlite3.connect(db, isolation_level=None)  # keeps the WAL from being folded back
    holder.execute("PRAGMA journal_mode=WAL")
    holder.execute("BEGIN")
    for i in range(300):
        holder.execute(
            "INSERT INTO prompts (id, content, phase, provider, model) VALUES (?, ?, 'solutio', 'local', 'm')",
            [f"{i:08x}-0000-4000-8000-000000000000", "x" * 3000],
        )
    holder.execute("COMMIT")
    try:
        wal = Path(f"{db}-wal").stat().st_size
        run = lab.cli("db", "status", "--json", "-d", str(db))
        info = json.loads(run.out)
        return info["size_bytes"] >= wal > 0
    finally:
        holder.close()


def argv_surrogate(lab: Lab) -> bool:
    db = lab.path("argv.db")
    run = lab.cli("generate", b"caf\xe9 \xff", "-n", "1", "--no-embed", "-d", str(db))
    return run.one_line_error


def bad_csv(lab: Lab) -> bool:
    path = lab.path("ideas.csv")
    path.write_bytes(b"idea\nPlan a team offsite\nBad \xff\xfe bytes\nExplain vector databases\n")
    db = lab.path("csv.db")
    run = lab.cli("batch", str(path), *BATCH, "-d", str(db))
    done = (
        raw(db, "SELECT count(*) FROM prompt_requests WHERE status = 'completed'")[0][0]
        if db.exists()
        else 0
    )
    return run.code != 0 and "Traceback" not in run.err and done == 2


def nul_stdin(lab: Lab) -> bool:
    db = lab.path("nul.db")
    lab.cli("db", "init", "-d", str(db))
    run = lab.cli("generate", "-", "-n", "1", "--no-embed", "-d", str(db), input=b"nul \x00 byte")
    stored = raw(db, "SELECT count(*) FROM prompt_requests WHERE instr(input, char(0)) > 0")[0][0]
    return run.one_line_error and stored == 0


def big_idea(lab: Lab, via: str) -> bool:
    db = lab.path("big.db")
    lab.cli("db", "init", "-d", str(db))
    text = ("word " * 200_000).encode()
    if via == "stdin":
        run = lab.cli("generate", "-", "-n", "1", "--no-embed", "-d", str(db), input=text)
    else:
        path = lab.path("idea.txt")
        path.write_bytes(text)
        run = lab.cli("generate", "--idea-file", str(path), "-n", "1", "--no-embed", "-d", str(db))
    # A 1 MB idea reaches the pipeline, which refuses it in one line as too long for the model.
    return run.one_line_error and "too long" in run.err


# -- the table ------------------------------------------------------------------------------------
def cases(lab: Lab) -> list[tuple[str, Callable[[], bool | None]]]:
    c: list[tuple[str, Callable[[], bool | None]]] = []
    for after in (4, 7, 10):
        c.append(
            (
                "kill -9 mid-batch: recovered on next open, re-run completes once",
                lambda a=after: killed_batch(lab, signal.SIGKILL, a),
            )
        )
    for sig in (signal.SIGTERM, signal.SIGTERM, signal.SIGHUP, signal.SIGHUP):
        c.append(
            ("SIGTERM/SIGHUP mid-batch: handled like Ctrl-C", lambda s=sig: killed_batch(lab, s, 7))
        )
    c.append(
        (
            "full disk mid-generate: nothing left running",
            lambda: full_disk_leaves_nothing_running(lab),
        )
    )
    c.append(("crash before embedding: batch resume embeds", lambda: unembedded_after_crash(lab)))
    for bad in BAD_LINES.values():
        c.append(
            (
                "batch: a bad line is skipped, the rest complete",
                lambda b=bad: bad_batch_line(lab, b),
            )
        )
    for args in (
        ("--seed", "abc"),
        ("--tag", "x" * 101),
        ("--timeout", "0"),
        ("--timeout", "-5"),
        ("--timeout", "nan"),
    ):
        c.append(
            (
                "generate: bad option refused before any write",
                lambda a=args: refused_up_front(lab, *a),
            )
        )
    for key, value in CONFIG_BAD:
        c.append(
            (
                "config set: wrong value refused in one line",
                lambda k=key, v=value: config_value(lab, k, v),
            )
        )
    c.append(
        ("config: per-phase temperature/max_tokens honoured", lambda: per_phase_temperature(lab))
    )
    c.append(
        (
            "config: invalid stored row -> one line naming the key",
            lambda: invalid_stored_config(lab),
        )
    )
    for tamper in (three_byte_blob, duplicate_ids, dotdot_path, absolute_path, missing_parent):
        c.append(
            (
                "import: tampered file refused, database unchanged",
                lambda t=tamper: tampered_import(lab, t),
            )
        )
    c.append(
        (
            "import: tampered file refused, database unchanged",
            lambda: tampered_import(lab, truncated_parquet, "parquet"),
        )
    )
    c.append(
        (
            "import: changed content under an existing id",
            lambda: tampered_import(lab, changed_content, target_is_source=True),
        )
    )
    c.append(("export: killed export's partial folder removed", lambda: leftover_partial(lab)))
    for command in ("search", "generate"):
        c.append(("read-only database file", lambda cmd=command: read_only_case(lab, cmd)))
    for command in ("generate", "search", "import", "batch", "export"):
        c.append(("full disk: one clear line", lambda cmd=command: full_disk_case(lab, cmd)))
    c.append(("write lock held past the busy timeout", lambda: held_lock(lab)))
    c.append(("zero-byte file / missing folder never created", lambda: zero_byte(lab)))
    c.append(("zero-byte file / missing folder never created", lambda: missing_folder(lab)))
    c.append(("db status counts the WAL", lambda: wal_size(lab)))
    c.append(("bad bytes in argv / .csv / stdin (NUL)", lambda: argv_surrogate(lab)))
    c.append(("bad bytes in argv / .csv / stdin (NUL)", lambda: bad_csv(lab)))
    c.append(("bad bytes in argv / .csv / stdin (NUL)", lambda: nul_stdin(lab)))
    for via in ("stdin", "file"):
        c.append(("a 1 MB idea from stdin / --idea-file", lambda v=via: big_idea(lab, v)))
    c += cli_cases(lab)  # issue 18, points 1-5, 7-9, 11 and 12: scripts/hostile_cli.py
    c += datasette_cases(lab)  # issue 18, points 6, 7, 10 and 12: scripts/hostile_datasette.py
    return c


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=Path, default=HERE, help="checkout whose alchemy_kit to try")
    parser.add_argument("--json", action="store_true", help="print per-case results as JSON")
    parser.add_argument("--only", help="only the groups whose name contains this text")
    parser.add_argument("--skip", action="append", default=[], help="skip groups containing this")
    args = parser.parse_args()
    # Children must get SIGHUP's default action even if we run under nohup (which ignores it and
    # is inherited): the SIGHUP cases would otherwise measure nohup, not alchemy_kit.
    signal.signal(signal.SIGHUP, signal.SIG_DFL)
    rows: dict[str, list[int]] = {}
    detail = []
    with tempfile.TemporaryDirectory(prefix="hostile-") as tmp:
        lab = Lab(args.repo.resolve(), Path(tmp))
        package = lab.package()
        print(f"trying {package}", file=sys.stderr)
        for group, case in cases(lab):
            if (args.only and args.only not in group) or any(x in group for x in args.skip):
                continue
            started = time.perf_counter()
            try:
                ok = case()
            except Exception as exc:  # a case that blew up the harness counts as not handled
                ok = False
                print(f"  ! {group}: {type(exc).__name__}: {exc}", file=sys.stderr)
            tried, good = rows.setdefault(group, [0, 0])
            if ok is not None:
                rows[group] = [tried + 1, good + int(ok)]
            detail.append(
                {"group": group, "ok": ok, "seconds": round(time.perf_counter() - started, 1)}
            )
            print(f"  {'ok ' if ok else 'n/a' if ok is None else 'BAD'} {group}", file=sys.stderr)
    if args.json:
        print(json.dumps(detail, indent=2))
        return
    print(f"alchemy_kit: {package}")
    print(f"{'case':<66} {'tried':>5} {'handled well':>12}")
    for group, (tried, good) in rows.items():
        print(f"{group:<66} {tried:>5} {good:>12}")
    total = [sum(v[0] for v in rows.values()), sum(v[1] for v in rows.values())]
    print(f"{'total':<66} {total[0]:>5} {total[1]:>12}")


if __name__ == "__main__":
    main()
