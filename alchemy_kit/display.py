"""Deprecated: the HTML helpers moved to the notebook surface (removed in the next release).

Generic pieces (tables, cards, diffs) are in `alchemy_kit.notebook.markup`, the views of records and
results in `alchemy_kit.notebook.views`, and `Rows` in `alchemy_kit.records`. The store returns plain
lists of records now, so `RecordList` is `list`.
"""

from __future__ import annotations

import warnings

from .notebook.markup import (
    card,
    cut,
    diff_counts,
    error_line,
    field_table,
    heading,
    marked,
    number,
    preview,
    short_id,
    table,
    word_diff,
)
from .notebook.views import records_table, records_text, search_filters_text
from .records import Rows

RecordList = list

warnings.warn(
    "alchemy_kit.display is deprecated: use alchemy_kit.notebook.markup, alchemy_kit.notebook.views"
    " and alchemy_kit.records.Rows",
    DeprecationWarning,
    stacklevel=2,
)

__all__ = [
    "RecordList",
    "Rows",
    "card",
    "cut",
    "diff_counts",
    "error_line",
    "field_table",
    "heading",
    "marked",
    "number",
    "preview",
    "records_table",
    "records_text",
    "search_filters_text",
    "short_id",
    "table",
    "word_diff",
]
