"""Opening a store: the file checks, the busy timeout, migrations, and one connection per thread."""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import NotADatabaseError, ReadOnlyStoreError, SchemaVersionError, StoreError
from .sqlite_errors import primary_code, translate

if TYPE_CHECKING:
    from .store import Store

log = logging.getLogger("alchemy_kit")

BUSY_TIMEOUT_S = 60.0
# Seconds to wait for another process's write lock; scripts that would rather fail fast lower it.
BUSY_TIMEOUT_ENV = "ALCHEMY_BUSY_TIMEOUT"


def busy_timeout() -> float:
    """Seconds to wait for a write lock: $ALCHEMY_BUSY_TIMEOUT, else BUSY_TIMEOUT_S."""
    raw = os.environ.get(BUSY_TIMEOUT_ENV)
    try:
        value = float(raw) if raw else BUSY_TIMEOUT_S
    except ValueError:
        raise StoreError(f"{BUSY_TIMEOUT_ENV} must be a number of seconds, got {raw!r}") from None
    if not 0 <= value <= 3600:
        raise StoreError(f"{BUSY_TIMEOUT_ENV} must be between 0 and 3600 seconds, got {raw!r}")
    return value


def writable(path: Path) -> bool:
    """True when SQLite can write the database at `path` (the file and, for WAL, its folder)."""
    # WAL mode needs the -wal and -shm files beside the database: a read-only folder makes the
    # database read-only too unless both already exist and are writable.
    if not os.access(path, os.W_OK):
        return False
    if os.access(path.parent, os.W_OK):
        return True
    sidecars = [path.with_name(path.name + s) for s in ("-wal", "-shm")]
    return all(p.exists() and os.access(p, os.W_OK) for p in sidecars)


def _connect_read_only(path: Path, timeout: float) -> sqlite3.Connection:
    uri = path.resolve().as_uri()
    conn = sqlite3.connect(
        f"{uri}?mode=ro", uri=True, timeout=timeout, check_same_thread=False, isolation_level=None
    )
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.OperationalError:
        # A WAL database in a read-only folder cannot create its -shm file: nobody can be writing
        # it either, so reading it as immutable is safe.
        conn.close()
        conn = sqlite3.connect(
            f"{uri}?mode=ro&immutable=1",
            uri=True,
            timeout=timeout,
            check_same_thread=False,
            isolation_level=None,
        )
    return conn


def prepare(
    path: Path, create: bool, *, name: str | None = None, make_folder: bool = False
) -> bool:
    """Check the path before opening; True when it holds a database, False when one is created.

    A missing or zero-byte file (SQLite would silently turn either into a new database) is an
    error unless `create` is set; a missing folder is an error unless `make_folder` is set (only
    for the per-user default: a folder on a path someone typed may be a typo). `name` is how
    errors call the path (e.g. `$ALCHEMY_DB (x.db)`).
    """
    name = name or str(path)
    if path.is_dir():
        raise StoreError(f"{name} is a directory, not a database file")
    if path.is_file() and path.stat().st_size > 0:
        return True
    if not create:
        what = ""
        if path.is_file():
            what = " (an empty file)"
        elif not path.parent.is_dir():
            what = f" (no folder {path.parent})"
        raise StoreError(
            f"no database at {name}{what}: `alchemy db init` creates it (`alchemy db path` says"
            " which file commands use)"
        )
    if not path.parent.is_dir():
        if not make_folder:
            raise StoreError(
                f"cannot create {name}: the folder {path.parent} does not exist"
                " (alchemy_kit creates the database file, not folders: create it first)"
            )
        path.parent.mkdir(parents=True, exist_ok=True)
    return False


def connect(path: Path, *, read_only: bool, timeout: float) -> sqlite3.Connection:
    """Open the file read-write (autocommit) or read-only; errors become typed StoreErrors."""
    try:
        if read_only:
            return _connect_read_only(path, timeout)
        # Autocommit mode (isolation_level=None): no implicit transactions that could swallow later
        # writes; every multi-statement write takes an explicit BEGIN IMMEDIATE in transaction().
        return sqlite3.connect(path, timeout=timeout, check_same_thread=False, isolation_level=None)
    except sqlite3.Error as exc:
        raise translate(exc, path, timeout) from None


def enable_wal(conn: sqlite3.Connection, timeout: float) -> None:
    """Switch the file to WAL, retrying while another process holds the lock, up to `timeout` s."""
    # Two processes opening a brand-new file race to convert it from a rollback journal to WAL.
    # That conversion needs an exclusive lock, and SQLite answers SQLITE_BUSY at once rather than
    # calling the busy handler (waiting could deadlock), so the wait is ours to do.
    deadline = time.monotonic() + timeout
    pause = 0.005
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if primary_code(exc) != sqlite3.SQLITE_BUSY or time.monotonic() + pause > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.1)


def configure(conn: sqlite3.Connection, timeout: float, *, writes_wal: bool) -> None:
    """Set the per-connection pragmas every connection of a store needs."""
    conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA recursive_triggers = OFF")
    if writes_wal:
        # NORMAL is durable across application crashes in WAL mode and much faster than FULL.
        conn.execute("PRAGMA synchronous = NORMAL")


class ThreadConnections:
    """One connection per thread to the same database, opened on a thread's first use.

    The Store's threading rule lives here: a thread never uses another thread's connection, so a
    transaction belongs to the thread that began it. Its uncommitted rows are invisible to the
    other threads, its rollback undoes only its own writes, and writers queue on SQLite's write
    lock (BEGIN IMMEDIATE and the busy timeout), as separate processes do.
    """

    def __init__(self, first: sqlite3.Connection, opener: Callable[[], sqlite3.Connection]):
        self._opener = opener
        self._local = threading.local()
        self._lock = threading.Lock()
        self._by_thread: dict[threading.Thread, sqlite3.Connection] = {}
        self._closed = False
        self._adopt(first)

    def get(self) -> sqlite3.Connection:
        """This thread's connection (opened now if the thread has none yet)."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._open()
        return conn

    @property
    def state(self) -> threading.local:
        """Per-thread state kept beside the connection (savepoint depth, sqlite-utils wrapper)."""
        return self._local

    def _open(self) -> sqlite3.Connection:
        with self._lock:
            if self._closed:
                raise sqlite3.ProgrammingError("Cannot operate on a closed database.")
            # Threads come and go (asyncio.to_thread, one-off runners): close what the dead left.
            for thread in [t for t in self._by_thread if not t.is_alive()]:
                self._by_thread.pop(thread).close()
        conn = self._opener()
        with self._lock:
            if self._closed:
                conn.close()
                raise sqlite3.ProgrammingError("Cannot operate on a closed database.")
            self._adopt(conn)
        return conn

    def _adopt(self, conn: sqlite3.Connection) -> None:
        self._local.conn = conn
        self._by_thread[threading.current_thread()] = conn

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A savepoint on this thread's connection, released, or rolled back on an exception."""
        state, conn = self._local, self.get()
        depth = state.savepoints = getattr(state, "savepoints", 0) + 1
        name = f"alchemy_sp{depth}"
        conn.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            conn.execute(f"ROLLBACK TO {name}")
            conn.execute(f"RELEASE {name}")
            raise
        else:
            conn.execute(f"RELEASE {name}")
        finally:
            state.savepoints = depth - 1

    def close(self) -> None:
        """Close every thread's connection; a thread that uses the store afterwards gets an error."""
        with self._lock:
            self._closed = True
            conns, self._by_thread = list(self._by_thread.values()), {}
        for conn in conns:
            conn.close()


def disk_usage(path: Path | None) -> dict[str, int]:
    """Bytes used by the database file and its -wal and -shm files (0 for a missing one)."""
    if path is None:
        return {"main": 0, "wal": 0, "shm": 0}
    sizes = {}
    for part, suffix in (("main", ""), ("wal", "-wal"), ("shm", "-shm")):
        try:
            sizes[part] = path.with_name(path.name + suffix).stat().st_size
        except OSError:
            sizes[part] = 0
    return sizes


def open_store(
    path: str | os.PathLike[str] | None = None, *, migrate: bool = True, create: bool = True
) -> Store:
    """Open and migrate the database at `path`, else $ALCHEMY_DB, ./data/alchemy.db or per-user.

    The rule is store/location.py's. With create=False a missing (or zero-byte) file is an error
    instead of a new database; `Store.created` says whether this call created it. Folders are never
    created on a path you chose, only the per-user data folder. A file that cannot be written opens
    read-only (`Store.read_only`): reads and searches work, writes raise ReadOnlyStoreError.
    Opening also reclaims requests left running by a crashed process (see store/recovery.py).
    """
    from .location import resolve
    from .store import Store

    timeout = busy_timeout()
    read_only = exists = False
    where = None
    opener: Callable[[], sqlite3.Connection] | None = None
    if path == ":memory:":
        # A named in-memory database (SQLite's memdb VFS) that every thread's connection shares.
        uri = f"file:/alchemy-{uuid.uuid4().hex}?vfs=memdb"

        def open_memory() -> sqlite3.Connection:
            conn = sqlite3.connect(
                uri, uri=True, timeout=timeout, check_same_thread=False, isolation_level=None
            )
            configure(conn, timeout, writes_wal=False)
            return conn

        conn = (opener := open_memory)()
        db_path = None
    else:
        where = resolve(path)
        db_path = where.path
        exists = prepare(db_path, create, name=where.name, make_folder=where.source == "user")
        read_only = exists and not writable(db_path)
        conn = connect(db_path, read_only=read_only, timeout=timeout)
    try:
        wal = db_path is not None and not read_only
        if wal:
            enable_wal(conn, timeout)
        configure(conn, timeout, writes_wal=wal)
        store = Store(conn, db_path, read_only=read_only, busy_timeout_s=timeout, opener=opener)
        store.created = db_path is not None and not exists
        _check_version(store)
        if read_only:
            _note_read_only(store, migrate)
        elif migrate:
            _migrate(store)
            from .recovery import reclaim_on_open

            reclaim_on_open(store)
    except sqlite3.DatabaseError as exc:
        conn.close()
        error = translate(exc, db_path, timeout)
        if isinstance(error, NotADatabaseError):
            name = where.name if where else str(path)
            raise NotADatabaseError(f"{name} is not an SQLite database") from None
        raise error from None
    except BaseException:
        conn.close()
        raise
    return store


def _note_read_only(store: Store, migrate: bool) -> None:
    pending = pending_migrations(store)
    if migrate and pending:
        raise ReadOnlyStoreError(
            f"{store.path} is read-only and needs migrations ({', '.join(pending)}) from this"
            " alchemy_kit: open it once with write access"
        )
    log.warning(
        f"note: {store.path} is read-only: reading and searching work, nothing is written"
        " (not even search history)"
    )


def _check_version(store: Store) -> None:
    from .store import MIGRATION_NAMES

    unknown = [m for m in store.applied_migrations() if m not in MIGRATION_NAMES]
    if unknown:
        raise SchemaVersionError(
            f"{store.path} was migrated by a newer alchemy_kit (unknown migrations:"
            f" {', '.join(unknown)}); upgrade alchemy_kit to open it"
        )


def pending_migrations(store: Store) -> list[str]:
    """Return the names of migrations not yet applied (read-only; sqlite-utils is not imported)."""
    from .store import MIGRATION_NAMES

    applied = set(store.applied_migrations())
    return [name for name in MIGRATION_NAMES if name not in applied]


def _migrate(store: Store) -> None:
    if not pending_migrations(store):
        return
    from .migrations import migration_names, migrations
    from .store import MIGRATION_NAMES

    if migration_names() != MIGRATION_NAMES:  # a new migration must be listed above too
        raise StoreError(
            f"alchemy_kit is inconsistent: MIGRATION_NAMES {MIGRATION_NAMES} does not match the "
            f"migrations defined {migration_names()}"
        )
    # Serialise migration across processes: the second opener waits, then finds nothing pending.
    with store.transaction():
        migrations.apply(store.db)


__all__ = [
    "BUSY_TIMEOUT_ENV",
    "BUSY_TIMEOUT_S",
    "ThreadConnections",
    "busy_timeout",
    "configure",
    "connect",
    "disk_usage",
    "enable_wal",
    "open_store",
    "pending_migrations",
    "writable",
]
