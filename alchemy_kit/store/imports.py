"""Bulk import of raw rows, the store's side of `alchemy import`: a mixin of `Store`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .. import records as r
from ..errors import ValidationError
from .mixin import StoreMixin, insert_sql, record_columns
from .reads import PRIMARY_KEYS, TABLE_RECORDS, check_table
from .sqlite_errors import check_row_texts


class BulkImport(StoreMixin):
    """Upserting rows as an export holds them (JSON columns as JSON text)."""

    def _import_rows(self, table: str, rows: Iterable[dict[str, Any]]) -> int:
        """Upsert raw rows (JSON columns as JSON text, as `rows()` yields them) by primary key.

        JSON text is validated and stored byte for byte, so an export/import round trip is exact;
        re-importing an identical row changes nothing (not even updated_at). Returns the row count.
        """
        check_table(table)
        cls = TABLE_RECORDS[table]
        cols = record_columns(cls)
        sql = insert_sql(table, cols, PRIMARY_KEYS[table])
        # Touch a conflicting row only when something differs, so triggers don't re-stamp it.
        sql += f" WHERE ({', '.join(cols)}) IS NOT ({', '.join('excluded.' + c for c in cols)})"
        json_cols = set(cls.json_fields)
        batch, n = [], 0
        for row in rows:
            try:
                rec = cls.from_row(row)
            except (TypeError, ValueError) as exc:  # JSONDecodeError is a ValueError
                raise ValidationError(f"{table} row {n + 1}: {exc}") from None
            r.validate(rec)
            vals = rec.to_row()
            for c in json_cols:
                if isinstance(row.get(c), str):
                    vals[c] = row[c]
            batch.append([vals[c] for c in cols])
            check_row_texts(table, cls.json_fields, cols, batch[-1])
            n += 1
        self._execmany(sql, batch)
        return n
