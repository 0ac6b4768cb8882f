"""Health checks of the store file: SQLite integrity, orphaned rows, the full-text index, the
derived schema objects (indexes, triggers, the FTS table; see derived.py) and the ranks.

SQLite enforces foreign keys per connection, and only when that connection has run
`PRAGMA foreign_keys = ON`. Our connections always do; `sqlite3.connect()`, `sqlite-utils insert`
or a GUI editor usually do not, so they can leave rows pointing at parents that do not exist
(a tag of a deleted prompt). `check()` finds them with `PRAGMA foreign_key_check`, and
`_delete_orphans()` removes them in one transaction (cascading to their own children).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import ValidationError
from .derived import SHOWN, SchemaProblem, rank_problems, rebuild, rederive_ranks, schema_problems
from .mixin import StoreMixin
from .reads import TABLES

FTS_TABLE = "prompts_fts"


@dataclass(frozen=True)
class Orphan:
    """A row whose foreign key names a parent row that does not exist."""

    table: str
    rowid: int
    column: str
    value: Any
    parent: str

    def __str__(self) -> str:
        return f"{self.table} row {self.rowid}: {self.column} = {self.value!r} (no such {self.parent} row)"


@dataclass
class CheckReport:
    """What `Store.check()` found: integrity problems, orphaned rows, full-text index state."""

    integrity: list[str] = field(default_factory=list)  # empty when PRAGMA integrity_check is ok
    orphans: list[Orphan] = field(default_factory=list)
    fts_error: str | None = None  # None when the index matches prompts.content
    schema: list[SchemaProblem] = field(default_factory=list)  # missing or changed objects
    ranks: list[str] = field(default_factory=list)  # groups whose ranks are not derived ones

    @property
    def ok(self) -> bool:
        """True when nothing is wrong."""
        return not (self.integrity or self.orphans or self.fts_error or self.schema or self.ranks)

    @property
    def fixable(self) -> list[str]:
        """What `repair` would do, in words (empty when there is nothing it can fix)."""
        what = [f"delete {len(self.orphans)} orphaned row(s)"] if self.orphans else []
        derived = [str(p.obj.name) for p in self.schema if p.derived]
        lost = [str(p.obj.name) for p in self.schema if not p.derived]
        if lost:
            what.append(f"recreate {', '.join(lost)} empty (the rows are lost)")
        if derived:
            what.append(
                f"rebuild {', '.join(derived[:SHOWN])}{', …' if len(derived) > SHOWN else ''}"
            )
        if self.fts_error and not any(n.startswith(FTS_TABLE) for n in derived):
            what.append("rebuild the full-text index")
        if self.ranks:
            what.append(f"re-derive the ranks of {len(self.ranks)} request phase(s)")
        return what

    def as_dict(self) -> dict[str, Any]:
        """The --json shape of the report."""
        return {
            "ok": self.ok,
            "integrity": self.integrity or ["ok"],
            "orphans": [o.__dict__ for o in self.orphans],
            "fts": self.fts_error or "ok",
            "schema": [str(p) for p in self.schema] or ["ok"],
            "ranks": self.ranks or ["ok"],
        }


class Checks(StoreMixin):
    """Integrity, foreign-key and full-text checks of the Store, and their repairs."""

    def check(self) -> CheckReport:
        """Run SQLite's integrity, foreign-key and FTS5 checks; compare schema and ranks."""
        report = CheckReport()
        problems = [row[0] for row in self.conn.execute("PRAGMA integrity_check")]
        report.integrity = [] if problems == ["ok"] else problems
        report.orphans = self._orphans()
        report.fts_error = self._fts_error()
        report.schema = self._schema_problems()
        report.ranks = rank_problems(self.conn)
        return report

    def _schema_problems(self) -> list[SchemaProblem]:
        """Objects the applied migrations create that the file lacks or holds with other DDL."""
        return schema_problems(self.conn, self.applied_migrations(), TABLES)

    def repair(self, report: CheckReport) -> int:
        """Fix what `report` found, in one transaction; return how many orphans were deleted.

        Orphans are deleted, missing or changed derived objects rebuilt from their migrations,
        the full-text index refilled from prompts.content, and ranks re-derived from scores.
        """
        with self.transaction():
            deleted = self._delete_orphans(report.orphans)
            rebuilt = rebuild(self.conn, report.schema)
            # A sync trigger that was missing may have let the index fall behind its content.
            touched = report.fts_error or any(n.startswith(FTS_TABLE) for n in rebuilt)
            if touched and FTS_TABLE not in rebuilt:  # a recreated table was refilled already
                self._rebuild_fts()
            rederive_ranks(self.conn)
        return deleted

    def _orphans(self) -> list[Orphan]:
        out = []
        for table, rowid, parent, fkid in self.conn.execute("PRAGMA foreign_key_check"):
            if table not in TABLES:
                continue  # not one of ours: reported by nothing, repaired by nothing
            cols = {
                row[0]: row[3]
                for row in self.conn.execute(f"PRAGMA foreign_key_list({table})")  # id, .., from
            }
            column = cols.get(fkid, "?")
            value = self.conn.execute(
                f"SELECT {column} FROM {table} WHERE rowid = ?", [rowid]
            ).fetchone()
            out.append(Orphan(table, int(rowid), column, value[0] if value else None, parent))
        return out

    def _fts_error(self) -> str | None:
        try:
            # rank = 1 also compares the index with the content table (external content).
            self.conn.execute(
                f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rank) VALUES ('integrity-check', 1)"
            )
        except sqlite3.DatabaseError as exc:
            return f"the full-text index does not match prompts.content ({exc})"
        return None

    def _delete_orphans(self, orphans: Sequence[Orphan]) -> int:
        """Delete the given orphaned rows atomically (their own children cascade); return how many."""
        by_table: dict[str, list[int]] = {}
        for o in orphans:
            if o.table not in TABLES:
                raise ValidationError(f"unknown table {o.table!r}")
            by_table.setdefault(o.table, []).append(o.rowid)
        deleted = 0
        with self.transaction():
            for table, rowids in by_table.items():
                marks = ",".join("?" * len(rowids))
                cur = self.conn.execute(f"DELETE FROM {table} WHERE rowid IN ({marks})", rowids)
                deleted += cur.rowcount
        return deleted

    def _rebuild_fts(self) -> None:
        """Rebuild the full-text index from prompts.content."""
        with self.transaction():
            self.conn.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")


__all__ = ["CheckReport", "Checks", "Orphan"]
