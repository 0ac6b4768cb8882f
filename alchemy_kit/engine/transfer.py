"""Import that decodes every embedding BLOB: the store's importer with the store codec plugged in.

store/transfer.py takes the decoder as an argument (its `import_` alone checks rows, not BLOBs);
this is the import `alchemy_kit.import_` and `alchemy import` use, with store/codec.py's decoder.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..store import transfer
from ..store.calling import store_argument

if TYPE_CHECKING:
    from ..store import Store


def blob_dimensions(blob: bytes) -> int:
    """Decode an embedding BLOB (CorruptEmbeddingError if it cannot be) and return its size."""
    from ..store.codec import decode_vector

    return int(decode_vector(blob).shape[0])


@store_argument
def import_(
    store: Store,
    src_dir: str | Path,
    *,
    tables: Sequence[str] | None = None,
    on_conflict: str = "fail",
) -> transfer.ImportReport:
    """Import an export folder (`ak.export`, `alchemy export`) into `store`, all or nothing.

    JSONL, CSV or Parquet, partitioned by date or not (the manifest says which, else it is
    detected). Every row is checked as the API checks it and every embedding BLOB is decoded;
    any error leaves the store untouched. `tables` limits the import to some tables (parents
    first); a row whose id is stored with other content is a conflict: `on_conflict` "fail"
    (default, lists the ids), "skip" (keep the stored row) or "replace". Returns an ImportReport
    with rows read, written and skipped per table.
    """
    return transfer.import_(
        store, src_dir, tables=tables, on_conflict=on_conflict, verify_blob=blob_dimensions
    )


__all__ = ["blob_dimensions", "import_"]
