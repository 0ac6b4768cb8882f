"""The database file: never created by reading, read-only opens, full disks, held locks, one line each."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from alchemy_kit import records as r
from alchemy_kit.cli.main import cli
from alchemy_kit.engine.pipeline import generate
from alchemy_kit.errors import DiskFullError, ReadOnlyStoreError, StoreError
from alchemy_kit.search.query import search
from alchemy_kit.store import Store, connect, open_store
from alchemy_kit.store.connect import enable_wal
from alchemy_kit.store.transfer import export, import_

READ_ONLY_COMMANDS = [
    ("db", "status"),
    ("db", "migrate"),
    ("requests", "list"),
    ("prompts", "list"),
    ("search", "anything", "--text"),
    ("searches",),
    ("config", "list"),
    ("config", "get", "prices"),
    ("config", "set", "user.x", "1"),
    ("embed",),
]


def _cli(*args: str, env: dict[str, str] | None = None, input: str | None = None):
    return CliRunner().invoke(cli, list(args), env=env, input=input)


def _one_line(res, word: str, code: int = 1) -> None:
    assert res.exit_code == code, res.output
    lines = [line for line in res.output.splitlines() if not line.startswith("note:")]
    assert len(lines) == 1 and lines[0].startswith("Error:") and word in lines[0], res.output
    assert "Traceback" not in res.output


@pytest.mark.parametrize("args", READ_ONLY_COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_reading_never_creates_a_database(tmp_path: Path, args: tuple[str, ...]) -> None:
    missing = tmp_path / "nowhere" / "alchemy.db"
    _one_line(_cli(*args, "-d", str(missing)), "no folder")
    assert not missing.parent.exists()
    absent = tmp_path / "absent.db"
    _one_line(_cli(*args, "-d", str(absent)), "no database at")
    empty = tmp_path / "empty.db"
    empty.touch()
    _one_line(_cli(*args, "-d", str(empty)), "an empty file")
    assert empty.stat().st_size == 0 and not absent.exists()
    _one_line(_cli("export", str(tmp_path / "out"), "-d", str(absent)), "no database")


@pytest.mark.parametrize(
    "args",
    [("db", "init"), ("generate", "Summarise a paper", "-n", "1", "--no-embed")],
    ids=["db init", "generate"],
)
def test_creating_commands_create_the_database_not_folders(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    # A folder in -d may be a typo: alchemy_kit creates the file, never a folder tree.
    nested = tmp_path / "new" / "folder" / "alchemy.db"
    _one_line(_cli(*args, "-d", str(nested)), "does not exist")
    assert not (tmp_path / "new").exists()
    db = tmp_path / "alchemy.db"
    res = _cli(*args, "-d", str(db))
    assert res.exit_code == 0, res.output
    assert res.stderr.startswith(f"Created a new database: {db}")
    assert open_store(db, create=False).applied_migrations()


def test_python_api_create_flag(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no database"):
        open_store(tmp_path / "a.db", create=False)
    assert not (tmp_path / "a.db").exists()
    open_store(tmp_path / "a.db").close()  # the Python default still creates
    assert open_store(tmp_path / "a.db", create=False).counts()["prompts"] == 0


def test_db_status_counts_the_write_ahead_log(db_path: Path) -> None:
    store = open_store(db_path)  # held open, so the WAL is not folded back on close
    store.add_prompts([_prompt(i) for i in range(200)])
    res = _cli("db", "status", "--json", "-d", str(db_path))
    info = json.loads(res.stdout)
    assert info["wal_bytes"] > 100_000
    assert info["size_bytes"] == info["file_bytes"] + info["wal_bytes"]
    assert "write-ahead log" in _cli("db", "status", "-d", str(db_path)).output
    store.close()


def _prompt(i: int) -> r.Prompt:
    return r.Prompt(content=f"{i} " + "x" * 2000, phase="solutio", provider="local", model="m")


# -- read-only ---------------------------------------------------------------------------------------
def _filled(path: Path) -> None:
    with open_store(path) as store:
        res = generate(
            "Summarise a clinical trial", store=store, count=1, seed=1, embed=False, progress=False
        )
        assert res.ok


def _check_read_only(db: Path) -> None:
    before = db.read_bytes()
    store = open_store(db)
    assert store.read_only
    hits = search(store, "clinical trial", mode="text")
    assert hits and store.search_history() == []  # searched, nothing written
    with pytest.raises(ReadOnlyStoreError, match="read-only"):
        generate("Another idea", store=store, count=1, embed=False, progress=False)
    assert store.query("SELECT count(*) AS n FROM prompts")[0]["n"] == 3
    store.close()
    res = _cli("search", "clinical", "--text", "-d", str(db))
    assert res.exit_code == 0 and res.output.count("is read-only") == 1, res.output
    _one_line(_cli("generate", "Another idea", "-n", "1", "-d", str(db)), "read-only")
    _one_line(_cli("config", "set", "user.x", "1", "-d", str(db)), "read-only")
    assert db.read_bytes() == before


def test_a_read_only_file_opens_read_only(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _filled(db_path)
    if os.geteuid() != 0:
        db_path.chmod(0o444)
    else:  # root writes anything: report the file unwritable, as os.access would for a user
        monkeypatch.setattr(connect, "writable", lambda path: False)
        monkeypatch.setattr("alchemy_kit.store.connect.writable", lambda path: False)
    _check_read_only(db_path)


@contextlib.contextmanager
def _tmpfs(path: Path, size: str) -> Iterator[Path]:
    path.mkdir()
    if shutil.which("mount") is None or os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root; the simulated cases cover this")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def test_a_read_only_filesystem_opens_read_only(tmp_path: Path) -> None:
    with _tmpfs(tmp_path / "ro", "4m") as mnt:
        db = mnt / "alchemy.db"
        _filled(db)
        subprocess.run(["mount", "-o", "remount,ro", str(mnt)], check=True)
        _check_read_only(db)  # no -shm can be created: opened immutable


def test_sqlite_readonly_is_one_typed_error(db_path: Path) -> None:
    open_store(db_path).close()
    conn = sqlite3.connect(f"{db_path.as_uri()}?mode=ro", uri=True, isolation_level=None)
    store = Store(conn, db_path)  # believes it may write: SQLite itself refuses
    with pytest.raises(ReadOnlyStoreError, match="read-only"):
        store.set_config("user.x", 1)


# -- full disk -----------------------------------------------------------------------------------
def _fill_up(store: Store) -> None:
    pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
    store.conn.execute(f"PRAGMA max_page_count = {pages}")  # SQLite's own SQLITE_FULL


def test_a_full_database_rolls_back_and_says_so(db_path: Path) -> None:
    store = open_store(db_path)
    _filled(db_path)
    counts = store.counts()
    _fill_up(store)
    with pytest.raises(DiskFullError, match=r"disk is full.*rolled back"):
        store.add_prompts([_prompt(i) for i in range(20)])
    with pytest.raises(DiskFullError):
        generate("Summarise a clinical trial", store=store, count=3, embed=False, progress=False)
    assert store.counts()["prompts"] == counts["prompts"]
    other = open_store(db_path.parent / "other.db")
    generate("Explain vector databases", store=other, count=3, embed=False, progress=False)
    export(other, db_path.parent / "exp")
    before = store.counts()
    with pytest.raises(DiskFullError):
        import_(store, db_path.parent / "exp")
    assert store.counts() == before


def test_a_full_filesystem_gives_one_line_per_command(tmp_path: Path) -> None:
    ideas = tmp_path / "ideas.jsonl"
    ideas.write_text(
        "".join(json.dumps({"idea": f"Summarise report {i}"}) + "\n" for i in range(3))
    )
    src = tmp_path / "src.db"
    _filled(src)
    exported = tmp_path / "exp"
    assert _cli("export", str(exported), "-d", str(src)).exit_code == 0
    with _tmpfs(
        tmp_path / "full", "640k"
    ) as mnt:  # room for db init: the schema (m007 too), its WAL
        db = mnt / "alchemy.db"
        assert _cli("db", "init", "-d", str(db)).exit_code == 0
        filler = mnt / "filler"
        with contextlib.suppress(OSError), open(filler, "wb") as f:
            while True:
                f.write(b"\0" * 4096)
                f.flush()
        for args in [
            ("generate", "Summarise a long clinical trial", "-n", "5", "--no-embed"),
            ("search", "clinical", "--text"),
            ("import", str(exported)),
        ]:
            _one_line(_cli(*args, "-d", str(db)), "disk is full")
        res = _cli("batch", str(ideas), "-n", "1", "--no-embed", "-d", str(db))
        assert res.exit_code == 1 and "disk is full" in res.output and "Traceback" not in res.output
        _one_line(_cli("export", str(mnt / "out"), "-d", str(src)), "No space left on device")
        assert not any(p.name.startswith(".out") for p in mnt.iterdir())
        filler.unlink()


# -- locks and vanished files ----------------------------------------------------------------------
def test_a_held_lock_is_one_line(db_path: Path) -> None:
    open_store(db_path).close()
    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        env = {"ALCHEMY_BUSY_TIMEOUT": "0.2"}
        res = _cli("generate", "Summarise a paper", "-n", "1", "-d", str(db_path), env=env)
        _one_line(res, "locked by another process (waited 0.2 s")
        _one_line(_cli("config", "set", "user.x", "1", "-d", str(db_path), env=env), "locked")
        assert _cli("requests", "list", "-d", str(db_path), env=env).exit_code == 0  # reads go on
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    _one_line(_cli("db", "status", "-d", str(db_path), env={"ALCHEMY_BUSY_TIMEOUT": "x"}), "number")


def test_a_vanished_file_is_one_line(db_path: Path) -> None:
    store = open_store(db_path)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    with pytest.raises(StoreError, match="cannot open"):
        store.query("SELECT count(*) FROM prompts")  # user SQL opens its own connection
    _one_line(_cli("requests", "list", "-d", str(db_path)), "no database")


class _BusyThenOk:
    """A connection whose first `busy` executes fail with SQLITE_BUSY, like a racing opener's."""

    def __init__(self, busy: int, code: int = sqlite3.SQLITE_BUSY) -> None:
        self.busy, self.code, self.calls = busy, code, 0

    def execute(self, sql: str) -> None:
        self.calls += 1
        if self.calls <= self.busy:
            exc = sqlite3.OperationalError("database is locked")
            exc.sqlite_errorcode = self.code  # type: ignore[attr-defined]
            raise exc


def test_enable_wal_retries_an_immediate_busy() -> None:
    conn = _BusyThenOk(busy=3)
    enable_wal(conn, timeout=5.0)  # type: ignore[arg-type]
    assert conn.calls == 4


def test_enable_wal_gives_up_at_the_timeout_and_never_retries_other_errors() -> None:
    always = _BusyThenOk(busy=10**9)
    with pytest.raises(sqlite3.OperationalError):
        enable_wal(always, timeout=0.05)  # type: ignore[arg-type]
    assert 1 < always.calls < 50
    io_error = _BusyThenOk(busy=1, code=sqlite3.SQLITE_IOERR)
    with pytest.raises(sqlite3.OperationalError):
        enable_wal(io_error, timeout=5.0)  # type: ignore[arg-type]
    assert io_error.calls == 1


OPENER = """
import sys, time
from alchemy_kit.store import open_store
start, folder = float(sys.argv[1]), sys.argv[2]
for round_ in range(6):  # every opener starts each round at the same instant, on a new file
    time.sleep(max(0.0, start + 0.25 * round_ - time.time()))
    open_store(f"{folder}/race-{round_}.db")
"""


def test_processes_opening_a_new_file_at_once_all_succeed(tmp_path: Path) -> None:
    # Converting a new file to WAL answered SQLITE_BUSY at once to the loser of this race, which
    # then failed to open (seen in CI as a flaky two-writer test); this reproduced it 2 runs in 3.
    script = tmp_path / "opener.py"
    script.write_text(OPENER)
    start = f"{time.time() + 1.5}"  # after every opener has imported alchemy_kit
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), start, str(tmp_path)], stderr=subprocess.PIPE, text=True
        )
        for _ in range(3)
    ]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], errors
    for db in sorted(tmp_path.glob("race-*.db")):
        assert sqlite3.connect(db).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


# -- one Store, many threads (the rule: a connection per thread) ----------------------------------
THREADS, WRITES = 4, 500


class _Undo(Exception):
    """Raised inside a transaction to roll it back on purpose."""


def _hammer(store: Store, worker: int, kept: list[str], undone: list[str]) -> None:
    """500 single-prompt writes: workers 2 and 3 group theirs in transactions, rolling back every
    third group; worker 3 also nests a savepoint in each group and rolls back only that."""
    for group in range(WRITES // 10):
        prompts = [_tagged(worker, group, i) for i in range(10)]
        if worker < 2:
            for p in prompts:
                store.add_prompts([p])
                kept.append(p.id)
            continue
        try:
            with store.transaction():
                for i, p in enumerate(prompts):
                    if worker == 3 and i == 9:
                        with contextlib.suppress(_Undo), store.transaction():
                            store.add_prompts([p])
                            raise _Undo  # only this savepoint goes
                        undone.append(p.id)
                        continue
                    store.add_prompts([p])
                    time.sleep(0)  # let the other threads run while this one is open
                if group % 3 == 0:
                    raise _Undo
        except _Undo:
            undone.extend(p.id for p in prompts[: 9 if worker == 3 else 10])
        else:
            kept.extend(p.id for p in prompts[: 9 if worker == 3 else 10])


def _tagged(worker: int, group: int, i: int) -> r.Prompt:
    return r.Prompt(
        content=f"w{worker} g{group} i{i}", phase="solutio", provider="local", model=f"w{worker}"
    )


@pytest.mark.parametrize("where", ["file", "memory"])
def test_four_threads_write_through_one_store(db_path: Path, where: str) -> None:
    """4 threads × 500 writes, rollbacks in two of them: nothing lost, nothing kept by accident."""
    import threading

    store = open_store(db_path if where == "file" else ":memory:")
    kept: list[list[str]] = [[] for _ in range(THREADS)]
    undone: list[list[str]] = [[] for _ in range(THREADS)]
    errors: list[BaseException] = []

    def run(worker: int) -> None:
        try:
            _hammer(store, worker, kept[worker], undone[worker])
        except BaseException as exc:  # reported below: a thread's exception is otherwise lost
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(w,)) for w in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    stored = {row[0]: row[1] for row in store.conn.execute("SELECT id, model FROM prompts")}
    for w in range(THREADS):
        assert len(kept[w]) + len(undone[w]) == WRITES
        assert all(stored.get(pid) == f"w{w}" for pid in kept[w]), f"worker {w} lost rows"
        assert not set(undone[w]) & set(stored), f"worker {w} kept rolled-back rows"
    assert len(stored) == sum(map(len, kept))
    assert len(undone[2]) == 170 and len(undone[3]) == 50 + 17 * 9  # the rollbacks did happen
    store.close()


def test_a_thread_never_sees_another_threads_open_transaction(db_path: Path) -> None:
    import threading

    store = open_store(db_path)
    opened, checked = threading.Event(), threading.Event()
    seen: list[int] = []

    def writer() -> None:
        with contextlib.suppress(_Undo), store.transaction():
            store.add_prompts([_tagged(9, 0, 0)])
            opened.set()
            checked.wait(10)
            raise _Undo

    t = threading.Thread(target=writer)
    t.start()
    opened.wait(10)
    seen.append(store.counts()["prompts"])  # another thread's uncommitted row is invisible
    checked.set()
    t.join(10)
    seen.append(store.counts()["prompts"])  # and its rollback took it away
    assert seen == [0, 0]
    store.close()


def test_a_closed_store_refuses_every_thread(db_path: Path) -> None:
    import threading

    store = open_store(db_path)
    store.close()
    failures: list[BaseException] = []

    def use() -> None:
        try:
            store.counts()
        except sqlite3.ProgrammingError as exc:
            failures.append(exc)

    t = threading.Thread(target=use)
    t.start()
    t.join(10)
    assert len(failures) == 1 and "closed" in str(failures[0])
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        store.counts()
