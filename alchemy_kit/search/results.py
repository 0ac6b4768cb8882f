"""Search results: `Hit` and `SearchResult`, with the same fields in Python and JSON.

`content` is always the full prompt. `snippet` is a separate field: the matched words in context
(FTS5 `snippet()`, matches between `**` markers) in text and hybrid modes, None in semantic mode
and for hybrid hits that share no searched word with the query. notebook/views.py renders them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

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

    @property
    def title(self) -> str:
        """One line: how many hits, of which mode, for which query (and embedding model)."""
        model = f", {self.embedding_model}" if self.embedding_model else ""
        return f"{len(self)} {self.mode} hit(s) for {self.query!r}{model}"

    def __repr__(self) -> str:
        return f"<SearchResult {self.title}{': ' + self.note if self.note else ''}>"


__all__ = ["SNIPPET_MODES", "Hit", "SearchResult"]
