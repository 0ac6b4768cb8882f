"""Search results: `Hit` and `SearchResult`, with the same fields in Python, JSON and notebooks.

`content` is always the full prompt. `snippet` is a separate field: the matched words in context
(FTS5 `snippet()`, matches between `**` markers) in text and hybrid modes, None in semantic mode
and for hybrid hits that share no searched word with the query.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from .. import display

if TYPE_CHECKING:
    import pandas as pd

# Modes whose hits carry a snippet field (possibly None for a hybrid hit found by meaning only).
SNIPPET_MODES = ("text", "hybrid")


@dataclass
class Hit:
    """One search result: a prompt, its score and where it came from."""

    prompt_id: str
    score: float
    similarity: float | None
    rank: int
    content: str
    phase: str
    provider: str
    model: str
    snippet: str | None = None

    def as_dict(self, mode: str = "semantic") -> dict[str, Any]:
        """The --json shape of a hit: full `content`, plus `snippet` in text and hybrid modes."""
        out: dict[str, Any] = {
            "rank": self.rank,
            "score": round(self.score, 4),
            "similarity": None if self.similarity is None else round(self.similarity, 4),
            "id": self.prompt_id,
            "phase": self.phase,
            "provider": self.provider,
            "model": self.model,
            "content": self.content,
        }
        if mode in SNIPPET_MODES:
            out["snippet"] = self.snippet
        return out

    def _repr_markdown_(self) -> str:
        sim = "" if self.similarity is None else f" · similarity {self.similarity:.3f}"
        # One line: a snippet of a Markdown prompt holds newlines and headings of its own.
        match = f"\n\n> match: {' '.join(self.snippet.split())}" if self.snippet else ""
        return (
            f"**#{self.rank}** `{self.prompt_id[:8]}` · {self.phase} · {self.provider}/{self.model}"
            f" · score {self.score:.4f}{sim}\n\n{display.cut(self.content, 200)}{match}"
        )

    def _repr_html_(self) -> str:
        return _hits_table([self], with_snippet=self.snippet is not None)


def _hits_table(hits: Sequence[Hit], *, with_snippet: bool) -> str:
    columns = ["rank", "score", "similarity", "phase", "model", "prompt_id", "content"]
    if with_snippet:
        columns.append("snippet")
    rows = [asdict(h) | {"model": f"{h.provider}/{h.model}"} for h in hits]
    return display.table(
        rows,
        columns,
        cells={
            "prompt_id": lambda row: display.short_id(row["prompt_id"]),
            "content": lambda row: html.escape(display.cut(row["content"], 200)),
            "snippet": lambda row: display.marked(row["snippet"] or ""),
        },
        titles={"rank": "#", "prompt_id": "id", "snippet": "match"},
    )


class SearchResult(list[Hit]):
    """The hits of one search, best first, with the query, mode and an optional note."""

    def __init__(
        self,
        hits: Iterable[Hit] = (),
        *,
        query: str = "",
        mode: str = "semantic",
        embedding_model: str | None = None,
        note: str | None = None,
        words: Sequence[str] = (),
    ) -> None:
        super().__init__(hits)
        self.query = query
        self.mode = mode
        self.embedding_model = embedding_model
        self.note = note
        # The words a text or hybrid search looked for (stop words left out), for messages.
        self.words = list(words)

    @property
    def ids(self) -> list[str]:
        """Prompt ids in rank order."""
        return [h.prompt_id for h in self]

    def as_dict(self) -> dict[str, Any]:
        """The --json shape of the whole result."""
        out: dict[str, Any] = {"query": self.query, "mode": self.mode, "note": self.note}
        if self.mode in SNIPPET_MODES:
            out["words"] = self.words
        if self.embedding_model:
            out["embedding_model"] = self.embedding_model
        out["hits"] = [h.as_dict(self.mode) for h in self]
        return out

    def to_dataframe(self) -> pd.DataFrame:
        """Return the hits as a pandas DataFrame (one row per hit)."""
        import pandas as pd

        cols = list(Hit.__dataclass_fields__)
        return pd.DataFrame([asdict(h) for h in self], columns=cols)

    def _title(self) -> str:
        model = f", {self.embedding_model}" if self.embedding_model else ""
        return f"{len(self)} {self.mode} hit(s) for {self.query!r}{model}"

    def _repr_markdown_(self) -> str:
        note = f"\n\n_{self.note}_" if self.note else ""
        return f"**{self._title()}**{note}\n\n" + "\n\n".join(h._repr_markdown_() for h in self)

    def _repr_html_(self) -> str:
        table = _hits_table(self, with_snippet=self.mode in SNIPPET_MODES) if self else ""
        return display.heading(self._title(), self.note) + table

    def __repr__(self) -> str:
        return f"<SearchResult {self._title()}{': ' + self.note if self.note else ''}>"


__all__ = ["SNIPPET_MODES", "Hit", "SearchResult"]
