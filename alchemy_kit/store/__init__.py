"""The SQLite store: the only layer that holds SQL. Opening, migrations, reads, writes, transfer."""

from .connect import open_store, pending_migrations
from .reads import PRIMARY_KEYS, TABLES
from .store import Store, default_path

__all__ = ["PRIMARY_KEYS", "TABLES", "Store", "default_path", "open_store", "pending_migrations"]
