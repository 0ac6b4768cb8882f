"""One clear typed error for every file problem: full disk, read-only file, held lock, bad text.

SQLite reports these as `sqlite3.OperationalError` with a result code; `translate` turns each into
an `AlchemyError` subclass whose message is one line that says what happened and what to do.
Text that SQLite cannot store faithfully (lone surrogates, which cannot be encoded as UTF-8, and
NUL characters, which many readers truncate at) is refused with the position of the problem.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from pathlib import Path

from ..errors import (
    ClaimedError,
    DiskFullError,
    IntegrityError,
    NotADatabaseError,
    ReadOnlyStoreError,
    StoreError,
    StoreLockedError,
    ValidationError,
)

# Primary result codes (the low byte of the extended code).
_BUSY, _LOCKED, _READONLY, _IOERR, _CORRUPT, _FULL, _CANTOPEN, _NOTADB = 5, 6, 8, 10, 11, 13, 14, 26


def primary_code(exc: sqlite3.Error) -> int:
    """The primary SQLite result code of `exc` (SQLITE_BUSY, SQLITE_FULL, ...), 0 when unknown."""
    return (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF


def translate(exc: sqlite3.Error, path: Path | None, busy_timeout_s: float) -> StoreError:
    """Map an sqlite3 error to a typed StoreError with a one-line message."""
    where = str(path) if path else "the database"
    code = primary_code(exc)
    text = str(exc)
    if code == _FULL or "disk is full" in text:
        return DiskFullError(
            f"{where}: the disk is full (or the database reached its size limit); the write was"
            " rolled back and nothing was half-written: free some space and retry"
        )
    if code == _READONLY or "readonly database" in text:
        return ReadOnlyStoreError(
            f"{where} is read-only (check the permissions of the file and its folder): this"
            " command needs to write"
        )
    if code in (_BUSY, _LOCKED) or "database is locked" in text:
        return StoreLockedError(
            f"{where} is locked by another process (waited {busy_timeout_s:g} s for the write"
            " lock): retry when it has finished"
        )
    if code == _CANTOPEN:
        return StoreError(
            f"cannot open {where}: the file or its folder vanished or is not accessible"
        )
    if code in (_CORRUPT, _NOTADB) or "malformed" in text or "not a database" in text:
        return NotADatabaseError(f"{where} is not an SQLite database, or it is damaged ({text})")
    if code == _IOERR:
        return StoreError(
            f"{where}: disk I/O error ({text}); the write was rolled back: check the disk and"
            " that the file was not moved or deleted"
        )
    if "no such table" in text or "no such index" in text:
        return StoreError(
            f"{where}: {text}: part of the schema is missing; run `alchemy db check --fix` to"
            " rebuild it"
        )
    return StoreError(f"{where}: {text}")


# The message of m008's batch-claim trigger (RAISE(ABORT, ...)).
CLAIM_TAKEN = "batch item already claimed"


def refused(exc: sqlite3.IntegrityError) -> IntegrityError:
    """A constraint's refusal as a typed error (ClaimedError for a batch item another run holds)."""
    if CLAIM_TAKEN in str(exc):
        return ClaimedError("another run has claimed this batch item (it is running or done)")
    return IntegrityError(f"the database refused the write: {exc}")


_SURROGATE = re.compile("[\ud800-\udfff]")


def text_problem(value: str) -> str | None:
    """Why `value` cannot be stored as text (None when it can)."""
    nul = value.find("\x00")
    if nul >= 0:
        return f"contains a NUL character at position {nul}"
    # A scan, not value.encode(): that would copy a huge text once more just to look at it.
    bad = None if value.isascii() else _SURROGATE.search(value)
    if bad is not None:
        char, at = bad.group(), bad.start()
        if "\udc80" <= char <= "\udcff":  # how Python decodes an invalid byte (surrogateescape)
            return f"is not valid UTF-8 (byte 0x{ord(char) - 0xDC00:02x} at position {at})"
        return f"contains a lone surrogate (U+{ord(char):04X}) at position {at}"
    return None


def check_text(value: object, what: str) -> str:
    """Return `value` if it is text that can be stored as is, else raise ValidationError."""
    if not isinstance(value, str):
        raise ValidationError(f"{what} must be text, got {type(value).__name__} {value!r:.40}")
    problem = text_problem(value)
    if problem:
        raise ValidationError(f"{what} {problem}")
    return value


def check_row_texts(
    table: str, json_fields: Sequence[str], cols: Sequence[str], row: Sequence[object]
) -> None:
    """Refuse NUL characters in the plain text columns of a row about to be written."""
    # JSON columns escape NUL as \u0000; plain text columns would store the byte itself, which
    # many readers (C strings, some CSV tools) silently cut at. search_history is a log of what
    # was asked, whatever it was: a hostile query is recorded, not refused.
    if table == "search_history":
        return
    for col, value in zip(cols, row, strict=True):
        if isinstance(value, str) and "\x00" in value and col not in json_fields:
            raise ValidationError(f"{table}.{col} {text_problem(value)}")


def encode_error(exc: UnicodeEncodeError, what: str = "a value") -> ValidationError:
    """The ValidationError for text that failed to encode while binding a statement."""
    return ValidationError(f"{what} {text_problem(str(exc.object)) or 'is not valid UTF-8'}")


__all__ = [
    "check_row_texts",
    "check_text",
    "encode_error",
    "primary_code",
    "text_problem",
    "translate",
]
