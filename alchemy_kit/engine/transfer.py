"""Import that decodes every embedding BLOB: the store's importer with the store codec plugged in.

The store layer cannot import the codec (it lives in search/, above the store), so it takes a
decoder; this is the import `alchemy_kit.import_` and `alchemy import` use.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..store import transfer

if TYPE_CHECKING:
    from ..store import Store


def blob_dimensions(blob: bytes) -> int:
    """Decode an embedding BLOB (CorruptEmbeddingError if it cannot be) and return its size."""
    from ..store.codec import decode_vector

    return int(decode_vector(blob).shape[0])


def import_(store: Store, src_dir: str | Path, **kwargs: Any) -> transfer.ImportReport:
    """Import an export directory, all or nothing (see `alchemy_kit.store.transfer.import_`)."""
    return transfer.import_(store, src_dir, verify_blob=blob_dimensions, **kwargs)


__all__ = ["blob_dimensions", "import_"]
