"""The DDL of migration m009: ranks kept in O(log n) for a prompt that joins the end of its group.

Kept out of migrations.py so that file stays small; `m009_rank_append` there runs this text. Like every
shipped migration it is frozen (tests/test_migrations.py pins its digest).

m008 re-ranked the whole request phase (a window function over every sibling) after each inserted
row, and again (prompts_rank_on_move) for each row whose rank that re-rank moved, so inserting n
prompts into one request cost O(n²) unscored (50,000 did not finish) and worse scored. Most inserts
put the new row last in its group: the Store writes a prompt before it is scored (score NULL sorts
last) and a new row has the largest rowid (ties go by rowid). Such a row's rank is one more than the
largest rank among its siblings, found on an index over (request_id, phase, rank) in O(log n). Any
other insert re-ranks the group once; prompts_rank_on_move no longer re-ranks after the triggers' own
rank writes. The rule, and what every statement leaves, are m008's.

The shortcut trusts the siblings' ranks, which the triggers keep (m003, m008, this one) after every
statement for every writer. The one write that can slip past them is an `INSERT OR REPLACE` on a
connection without `PRAGMA recursive_triggers` (SQLite then deletes the replaced row without firing
delete triggers: the full-text index goes stale the same way); sqlite-utils turns the pragma on, and
`alchemy db check --fix` re-derives ranks.
"""

from __future__ import annotations

from .migrations import _M008_RERANK

# The sibling last in rank order (the largest rank) other than {row}, as
# (is it ahead of {row} in rank order?, its rank): score first (NULL as -1), then rowid.
_LAST_SIBLING = """(
        SELECT {what} FROM prompts AS s
        WHERE s.request_id = {row}.request_id AND s.phase = {row}.phase AND s.rowid <> {row}.rowid
        ORDER BY s.rank DESC LIMIT 1)"""
_AHEAD = (
    "coalesce(s.score, -1) > coalesce({row}.score, -1)"
    " OR (coalesce(s.score, -1) = coalesce({row}.score, -1) AND s.rowid < {row}.rowid)"
)


def _is_last(row: str) -> str:
    """SQL: {row} sorts after every sibling (true when it has none)."""
    inner = _LAST_SIBLING.format(what=_AHEAD.format(row=row), row=row)
    return f"coalesce({inner}, 1)"


def _tail_rank(row: str) -> str:
    """SQL: the rank {row} takes when it is last: one more than the largest sibling rank."""
    inner = _LAST_SIBLING.format(what="s.rank", row=row)
    return f"1 + coalesce({inner}, 0)"


def _rule_rank(row: str) -> str:
    """SQL: the rank the rule gives {row}, 1 + the siblings ahead of it (a count: O(group))."""
    return (
        f"1 + (SELECT count(*) FROM prompts AS s WHERE s.request_id = {row}.request_id"
        f" AND s.phase = {row}.phase AND s.rowid <> {row}.rowid AND ({_AHEAD.format(row=row)}))"
    )


M009_SQL = f"""
-- The largest rank of a request phase in O(log n); `ORDER BY rank DESC LIMIT 1` walks it backwards.
CREATE INDEX idx_prompts_request_phase_rank ON prompts(request_id, phase, rank);

-- A row that sorts last in its group takes rank = 1 + the largest sibling rank: no re-rank.
CREATE TRIGGER prompts_rank_on_append AFTER INSERT ON prompts
WHEN NEW.request_id IS NOT NULL AND {_is_last("NEW")}
BEGIN
    UPDATE prompts SET rank = {_tail_rank("NEW")}
    WHERE rowid = NEW.rowid AND rank IS NOT {_tail_rank("NEW")};
END;

-- Any other insert re-ranks the group: first every sibling (the window counts the new row), while
-- the new row's rank is still NULL if it came without one, then the new row itself.
DROP TRIGGER prompts_rank_on_insert;
CREATE TRIGGER prompts_rank_on_insert AFTER INSERT ON prompts
WHEN NEW.request_id IS NOT NULL AND NOT {_is_last("NEW")}
BEGIN
    UPDATE prompts SET rank = ranked.r
    FROM (
        SELECT rowid AS rid,
               row_number() OVER (ORDER BY coalesce(score, -1) DESC, rowid) AS r
        FROM prompts WHERE request_id = NEW.request_id AND phase = NEW.phase
    ) AS ranked
    WHERE prompts.rowid = ranked.rid AND prompts.rank IS NOT ranked.r
      AND prompts.rowid <> NEW.rowid;
    UPDATE prompts SET rank = {_rule_rank("NEW")}
    WHERE rowid = NEW.rowid AND rank IS NOT {_rule_rank("NEW")};
END;

-- A rank write re-ranks both groups as m008 did, unless it is the triggers' own or changes nothing
-- (each test below is one the write must pass in a group whose ranks were right before it):
-- - a row outside any request;
-- - the group holds another row with rank NULL: only a row being inserted has one, while
--   prompts_rank_on_insert re-ranks its siblings (O(log n));
-- - the row stays last in its group with rank 1 + the largest sibling rank (what
--   prompts_rank_on_append writes; O(log n));
-- - the row keeps its score and group and its new rank is the rule's (what every re-rank writes;
--   a count over the group).
-- m008 re-ranked again for each row a re-rank moved, and with recursive triggers on (sqlite-utils'
-- default) that recursed past SQLite's limit ("too many levels of trigger recursion") whenever a
-- write moved two ranks or more.
DROP TRIGGER prompts_rank_on_move;
CREATE TRIGGER prompts_rank_on_move AFTER UPDATE OF rank, request_id, phase ON prompts
WHEN NOT (
    (NEW.request_id IS NULL AND OLD.request_id IS NULL)
    OR (NEW.request_id IS OLD.request_id AND NEW.phase IS OLD.phase AND NEW.score IS OLD.score
        AND (EXISTS (SELECT 1 FROM prompts AS s WHERE s.request_id = NEW.request_id
                AND s.phase = NEW.phase AND s.rank IS NULL AND s.rowid <> NEW.rowid)
            OR ({_is_last("NEW")} AND NEW.rank IS {_tail_rank("NEW")})
            OR NEW.rank IS {_rule_rank("NEW")}))
)
BEGIN{_M008_RERANK.format(row="NEW")}{_M008_RERANK.format(row="OLD")}
END;
"""
