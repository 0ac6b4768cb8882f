"""What the database derives, checked and rebuilt: schema objects the migrations create, and ranks.

Indexes, triggers and the full-text index hold no data of their own: they are derived from the
migrations (the DDL) and from the data tables (their content). A file that lost one (dropped by
hand, by another tool, or by a failed experiment) breaks every write that needs it ("no such
table: main.prompts_fts" on each insert into prompts), and `db migrate` cannot help because the
migration that made it is already applied. So the expected objects are read from a scratch
in-memory database migrated exactly as far as the file was, compared by name and DDL, and any
missing or changed one is recreated from its migration. A missing data table is recreated empty,
so the store works again, and reported as lost rows: those only a backup or an export can bring back.

Ranks are derived too (migrations m003, m008 and m009): within one request and phase, 1..n by score,
best first, unscored last, ties in insertion order. `rank_problems` lists the groups that differ.
"""

from __future__ import annotations

import functools
import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

# The rule of m003/m008/m009, for every group at once.
_DERIVED_RANKS = (
    "SELECT rowid AS rid, request_id, phase, rank, row_number() OVER ("
    "PARTITION BY request_id, phase ORDER BY coalesce(score, -1) DESC, rowid) AS r"
    " FROM prompts WHERE request_id IS NOT NULL"
)
SHOWN = 5  # groups or objects named in one line


@dataclass(frozen=True)
class SchemaObject:
    """One object of sqlite_master as the migrations create it."""

    type: str  # table | index | trigger
    name: str
    sql: str

    @property
    def virtual(self) -> bool:
        """True for a virtual table (the FTS5 index)."""
        return self.sql.upper().startswith("CREATE VIRTUAL TABLE")


@dataclass(frozen=True)
class SchemaProblem:
    """A derived object the file lacks or holds with other DDL (or a data table it lacks)."""

    obj: SchemaObject
    problem: str  # missing | changed
    derived: bool  # False: a data table, which no repair can make up

    def __str__(self) -> str:
        what = f"{self.obj.type} {self.obj.name} is {self.problem}"
        if not self.derived:
            return (
                f"{what}: its rows are lost (--fix recreates it empty; restore them from a backup"
                " or with `alchemy import`)"
            )
        return what


def _normal(sql: str | None) -> str:
    return re.sub(r"\s+", " ", sql or "").strip()


@functools.lru_cache(maxsize=8)
def expected_objects(applied: tuple[str, ...]) -> dict[str, SchemaObject]:
    """Every object the migrations in `applied` create, from a scratch in-memory database."""
    import sqlite_utils

    from .migrations import migrations

    scratch = sqlite_utils.Database(memory=True)
    try:
        for migration in migrations.pending(scratch):  # all of them, in order
            if migration.name in applied:
                migration.fn(scratch)
        rows = scratch.conn.execute(
            "SELECT type, name, sql FROM sqlite_master"
            " WHERE type IN ('table', 'index', 'trigger') AND sql IS NOT NULL"
        ).fetchall()
    finally:
        scratch.conn.close()
    return {name: SchemaObject(kind, name, sql) for kind, name, sql in rows}


def _derived_names(expected: dict[str, SchemaObject], data_tables: Sequence[str]) -> set[str]:
    """Indexes, triggers, virtual tables and their shadow tables: everything but data tables."""
    virtual = [o.name for o in expected.values() if o.virtual]
    return {
        o.name
        for o in expected.values()
        if o.type != "table"
        or o.virtual
        or (o.name not in data_tables and any(o.name.startswith(f"{v}_") for v in virtual))
    }


def schema_problems(
    conn: sqlite3.Connection, applied: Sequence[str], data_tables: Sequence[str]
) -> list[SchemaProblem]:
    """Objects the applied migrations create that the file lacks, or holds with other DDL."""
    expected = expected_objects(tuple(applied))
    derived = _derived_names(expected, data_tables)
    actual = dict(
        conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type IN ('table', 'index', 'trigger')"
        ).fetchall()
    )
    out = []
    for name, obj in expected.items():
        if name not in actual:
            out.append(SchemaProblem(obj, "missing", name in derived))
        # A shadow table's DDL is the FTS module's business: its presence is what counts.
        elif (
            name in derived
            and (obj.type != "table" or obj.virtual)
            and _normal(actual[name]) != _normal(obj.sql)
        ):
            out.append(SchemaProblem(obj, "changed", True))
    return out


def rebuild(conn: sqlite3.Connection, problems: Sequence[SchemaProblem]) -> list[str]:
    """Recreate the derived objects in `problems` (call inside a transaction); return the names.

    A virtual table (the FTS index) that is missing, changed or short of a shadow table is
    dropped and created again and then refilled from its content table ('rebuild').
    """
    for p in problems:  # data tables first: the indexes and triggers below may be theirs
        if not p.derived and p.problem == "missing":
            conn.execute(p.obj.sql)
    todo = [p for p in problems if p.derived]
    expected = {p.obj.name: p.obj for p in todo}
    virtual = {o.name: o for o in expected.values() if o.virtual}
    # A missing shadow table means its virtual table must be made again.
    for p in todo:
        if p.obj.type == "table" and not p.obj.virtual:
            owner = p.obj.name.rsplit("_", 1)[0]
            found = conn.execute(
                "SELECT name, type, sql FROM sqlite_master WHERE name = ?", [owner]
            ).fetchone()
            if found is not None and owner not in virtual:
                virtual[owner] = SchemaObject(found[1], found[0], found[2])
    for name, obj in virtual.items():
        # FTS5 cannot even drop a table whose _data or _config shadow is gone ("vtable
        # constructor failed"): refill each missing shadow from an empty twin made just for it.
        exists = conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", [name]).fetchone()
        shadows = [p.obj for p in todo if p.obj.name.startswith(f"{name}_") and not p.obj.virtual]
        if exists and shadows:
            _refill_shadows(conn, obj, shadows)
        conn.execute(f'DROP TABLE IF EXISTS "{name}"')
        for (shadow,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE ? ESCAPE '\\'",
            [name.replace("_", "\\_") + "\\_%"],
        ).fetchall():
            conn.execute(f'DROP TABLE IF EXISTS "{shadow}"')
        conn.execute(obj.sql)
    for p in todo:
        if p.obj.type in ("index", "trigger"):
            if p.problem == "changed":
                conn.execute(f'DROP {p.obj.type.upper()} IF EXISTS "{p.obj.name}"')
            conn.execute(p.obj.sql)
    for name in virtual:
        conn.execute(f'INSERT INTO "{name}"("{name}") VALUES (\'rebuild\')')
    return sorted({p.obj.name for p in problems} | set(virtual))


_TWIN = "alchemy_rebuild_twin"


def _refill_shadows(
    conn: sqlite3.Connection, table: SchemaObject, shadows: Sequence[SchemaObject]
) -> None:
    """Give a virtual table back its missing shadow tables, holding what an empty one holds."""
    twin_sql = re.sub(
        rf'^(CREATE VIRTUAL TABLE\s+)["\'\[`]?{re.escape(table.name)}["\'\]`]?',
        rf"\g<1>{_TWIN}",
        table.sql,
        count=1,
        flags=re.IGNORECASE,
    )
    conn.execute(f'DROP TABLE IF EXISTS "{_TWIN}"')
    conn.execute(twin_sql)
    for shadow in shadows:
        conn.execute(shadow.sql)
        suffix = shadow.name[len(table.name) :]
        conn.execute(f'INSERT INTO "{shadow.name}" SELECT * FROM "{_TWIN}{suffix}"')
    conn.execute(f'DROP TABLE "{_TWIN}"')


def rank_problems(conn: sqlite3.Connection) -> list[str]:
    """The request/phase groups whose ranks are not the permutation 1..n by score."""
    rows = conn.execute(
        f"SELECT request_id, phase, group_concat(coalesce(rank, '-'), ','),"
        f" group_concat(r, ',') FROM ({_DERIVED_RANKS} ORDER BY request_id, phase, r)"
        " GROUP BY request_id, phase HAVING sum(rank IS NOT r) > 0"
    ).fetchall()
    return [
        f"request {req} {phase}: ranks {got}, expected {want} (by score)"
        for req, phase, got, want in rows
    ]


def rederive_ranks(conn: sqlite3.Connection) -> int:
    """Set every rank to what the rule derives (call inside a transaction); return rows changed."""
    cur = conn.execute(
        f"UPDATE prompts SET rank = ranked.r FROM ({_DERIVED_RANKS}) AS ranked"
        " WHERE prompts.rowid = ranked.rid AND prompts.rank IS NOT ranked.r"
    )
    return cur.rowcount


__all__ = [
    "SchemaObject",
    "SchemaProblem",
    "expected_objects",
    "rank_problems",
    "rebuild",
    "rederive_ranks",
    "schema_problems",
]
