"""The SQLite store: the only layer that holds SQL. Opening, migrations, reads, writes, transfer."""

from .connect import open_store, pending_migrations
from .location import Location, default_path, resolve
from .reads import PRIMARY_KEYS, TABLES
from .store import Store

__all__ = [
    "PRIMARY_KEYS",
    "TABLES",
    "Location",
    "Store",
    "default_path",
    "open_store",
    "pending_migrations",
    "resolve",
]
