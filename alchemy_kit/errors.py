"""Typed errors: the only exceptions alchemy_kit raises on purpose."""

from __future__ import annotations


class AlchemyError(Exception):
    """Base class for every error alchemy_kit raises on purpose."""


class ValidationError(AlchemyError, ValueError):
    """Bad input: an unknown enum value, an out-of-range number, malformed JSON, a non-UUID id."""


class NotFoundError(AlchemyError, LookupError):
    """A record that was asked for does not exist."""


class StoreError(AlchemyError):
    """The database cannot be opened or written as asked."""


class NotADatabaseError(StoreError):
    """The file given as a database is not an SQLite database."""


class SchemaVersionError(StoreError):
    """The database was migrated by a newer alchemy_kit than this one."""


class ReadOnlyStoreError(StoreError):
    """The database file (or its folder) is read-only, and the command needs to write."""


class DiskFullError(StoreError):
    """The disk (or the database's size limit) is full; the write was rolled back."""


class StoreLockedError(StoreError):
    """Another process held the write lock for longer than the busy timeout."""


class IntegrityError(StoreError, ValidationError):
    """A write was refused by a database constraint (CHECK, NOT NULL, FOREIGN KEY, UNIQUE)."""


class ClaimedError(IntegrityError):
    """A batch item is already held by another request (running or completed); it is skipped."""


class ImportExportError(AlchemyError):
    """An export or import could not be completed."""


class NotEmptyError(ImportExportError):
    """An output folder already holds files and replacing them was not asked for."""

    def __init__(self, dest: object, what: str) -> None:
        self.dest, self.what = dest, what
        super().__init__(f"{dest} is not empty; pass overwrite=True to replace {what}")


class ImportConflictError(ImportExportError):
    """Imported rows reuse ids already stored with different content."""


class ProviderError(AlchemyError):
    """A model provider failed to produce a response."""


class UnknownModelError(ProviderError, ValidationError):
    """The provider or model name is not known or its plugin is not installed."""


class MissingKeyError(ProviderError):
    """A provider needs an API key that is not configured."""


class ProviderLimitError(ProviderError, ValidationError):
    """An option is outside what the provider accepts (e.g. Anthropic temperature > 1)."""


class TransientProviderError(ProviderError):
    """A failure worth retrying: a timeout, HTTP 429 or a 5xx."""


class ReplayMissError(ProviderError):
    """Replaying from a recording, a model call was asked that was never recorded."""


class EmbeddingError(AlchemyError):
    """Embedding failed or an embedding is unusable."""


class CorruptEmbeddingError(EmbeddingError, ValidationError):
    """An embedding BLOB is truncated, has a bad header or does not match its dimensions."""


class DimensionMismatchError(EmbeddingError, ValidationError):
    """Vectors of different models or dimensions were compared."""


class SearchError(AlchemyError):
    """A search could not be run as asked."""


class JudgeParseError(AlchemyError, ValueError):
    """An LLM judge's reply has no usable verdict or scores (it is recorded, never trusted)."""


class ClusterError(AlchemyError):
    """A Dask cluster could not be used: a bad or unreachable address, or the extra not installed."""


class Interrupted(KeyboardInterrupt):
    """A run stopped by SIGTERM or SIGHUP, handled like Ctrl-C (finished rows are kept)."""

    def __init__(self, signal_name: str, exit_code: int) -> None:
        super().__init__(f"interrupted by {signal_name}")
        self.signal_name = signal_name
        self.exit_code = exit_code


__all__ = [
    "AlchemyError",
    "ClusterError",
    "CorruptEmbeddingError",
    "DimensionMismatchError",
    "DiskFullError",
    "EmbeddingError",
    "ImportConflictError",
    "ImportExportError",
    "IntegrityError",
    "Interrupted",
    "JudgeParseError",
    "MissingKeyError",
    "NotADatabaseError",
    "NotEmptyError",
    "NotFoundError",
    "ProviderError",
    "ProviderLimitError",
    "ReadOnlyStoreError",
    "ReplayMissError",
    "SchemaVersionError",
    "SearchError",
    "StoreError",
    "StoreLockedError",
    "TransientProviderError",
    "UnknownModelError",
    "ValidationError",
]
