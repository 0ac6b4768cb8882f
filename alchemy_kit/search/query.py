"""Semantic, full-text and hybrid search over the store, with every search written to history.

Semantic ranking runs on `vector_index.VectorIndex` (scikit-learn brute-force nearest neighbours
over an in-memory unit-row matrix); text ranking is SQLite FTS5 bm25 over `prompts_fts`; hybrid
is reciprocal-rank fusion (k=60) of the two rankings. Filters are resolved by a store query to a
candidate set before ranking.

`search_history.search_type` only allows 'text' and 'semantic' (the seed's enum): hybrid searches
are recorded as 'semantic' with `filters["mode"] == "hybrid"`, and `similar_to` as 'semantic' with
`filters["mode"] == "similar"` and query "similar:<prompt id>".
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import display
from .. import records as r
from ..errors import ValidationError
from .vector_index import VectorIndex, clear_index_cache, get_index

if TYPE_CHECKING:
    import pandas as pd

    from ..store import Store

MODES = ("semantic", "text", "hybrid")
RRF_K = 60
MAX_K = 1000


# ---------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------


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

    def _repr_markdown_(self) -> str:
        sim = "" if self.similarity is None else f" · similarity {self.similarity:.3f}"
        body = self.snippet or _shorten(self.content)
        return (
            f"**#{self.rank}** `{self.prompt_id[:8]}` · {self.phase} · {self.provider}/{self.model}"
            f" · score {self.score:.4f}{sim}\n\n> {body}"
        )

    def _repr_html_(self) -> str:
        return _hits_table([self])


_COLUMNS = ("rank", "score", "similarity", "phase", "model", "prompt_id", "text")


def _hits_table(hits: Sequence[Hit]) -> str:
    rows = [asdict(h) | {"model": f"{h.provider}/{h.model}"} for h in hits]
    return display.table(
        rows,
        _COLUMNS,
        cells={
            "prompt_id": lambda row: display.short_id(row["prompt_id"]),
            "text": lambda row: (
                display.marked(row["snippet"])
                if row["snippet"]
                else html.escape(display.cut(row["content"], 200))
            ),
        },
        titles={"rank": "#", "prompt_id": "id"},
    )


def _shorten(text: str, width: int = 200) -> str:
    return display.cut(text, width)


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
    ) -> None:
        super().__init__(hits)
        self.query = query
        self.mode = mode
        self.embedding_model = embedding_model
        self.note = note

    @property
    def ids(self) -> list[str]:
        """Prompt ids in rank order."""
        return [h.prompt_id for h in self]

    def to_dataframe(self) -> pd.DataFrame:
        """Return the hits as a pandas DataFrame (one row per hit)."""
        import pandas as pd

        cols = [f for f in Hit.__dataclass_fields__]
        return pd.DataFrame([asdict(h) for h in self], columns=cols)

    def _title(self) -> str:
        model = f", {self.embedding_model}" if self.embedding_model else ""
        return f"{len(self)} {self.mode} hit(s) for {self.query!r}{model}"

    def _repr_markdown_(self) -> str:
        note = f"\n\n_{self.note}_" if self.note else ""
        return f"**{self._title()}**{note}\n\n" + "\n\n".join(h._repr_markdown_() for h in self)

    def _repr_html_(self) -> str:
        return display.heading(self._title(), self.note) + _hits_table(self)

    def __repr__(self) -> str:
        return f"<SearchResult {self._title()}{': ' + self.note if self.note else ''}>"


# ---------------------------------------------------------------------------------------------
# Filters and the full-text query
# ---------------------------------------------------------------------------------------------


def _strings(value: str | Sequence[str] | None, what: str) -> list[str]:
    if value is None:
        return []
    values = [value] if isinstance(value, str) else list(value)
    if not all(isinstance(v, str) and v for v in values):
        raise ValidationError(f"{what} filter must be a non-empty string or list of them")
    return values


def _when(value: str | date | datetime | None, what: str, end: bool) -> str | None:
    """A UTC timestamp; a bare date means the start (from) or the end (to) of that day."""
    if value is None:
        return None
    if isinstance(value, date) and not isinstance(value, datetime):
        value = value.isoformat()
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        value += "T23:59:59.999Z" if end else "T00:00:00.000Z"
    return r.check_timestamp(value, what)


def build_filters(
    *,
    phase: str | Sequence[str] | None = None,
    provider: str | Sequence[str] | None = None,
    prompt_model: str | Sequence[str] | None = None,
    persona: str | Sequence[str] | None = None,
    tags: str | Sequence[str] | None = None,
    tags_mode: str = "any",
    created_from: str | date | datetime | None = None,
    created_to: str | date | datetime | None = None,
    min_score: float | None = None,
    request_id: str | Sequence[str] | None = None,
    request_status: str | Sequence[str] | None = None,
) -> dict[str, Any]:
    """Validate search filters into the JSON-able dict the store and search history use."""
    phases = _strings(phase, "phase")
    providers = _strings(provider, "provider")
    statuses = _strings(request_status, "request_status")
    for p in phases:
        r.check_enum(p, r.PHASES, "phase")
    for p in providers:
        r.check_enum(p, r.PROVIDERS, "provider")
    for p in statuses:
        r.check_enum(p, r.STATUSES, "request status")
    if tags_mode not in ("any", "all"):
        raise ValidationError(f"tags_mode must be 'any' or 'all', got {tags_mode!r}")
    r.check_range(min_score, 0, 1, "min_score")
    out: dict[str, Any] = {
        "phase": phases,
        "provider": providers,
        "model": _strings(prompt_model, "prompt_model"),
        "persona": _strings(persona, "persona"),
        "tags": [t.strip() for t in _strings(tags, "tags")],
        "created_from": _when(created_from, "created_from", end=False),
        "created_to": _when(created_to, "created_to", end=True),
        "min_score": min_score,
        "request_id": _strings(request_id, "request_id"),
        "request_status": statuses,
    }
    if out["tags"]:
        out["tags_mode"] = tags_mode
    return {k: v for k, v in out.items() if v not in (None, [])}


def fts_query(text: str, *, match_all: bool = True) -> str | None:
    """Turn raw user text into a safe FTS5 query: every word a quoted string, none an operator."""
    # Quoting each whitespace-separated token (inner quotes doubled) means `"`, `*`, `NEAR(`,
    # `col:`, parentheses and SQL fragments are searched as text, never parsed as FTS syntax;
    # the text itself is bound as a parameter, so it is never SQL either.
    tokens = [t for t in text.split() if re.search(r"\w", t)]
    if not tokens:
        return None
    return (" AND " if match_all else " OR ").join('"' + t.replace('"', '""') + '"' for t in tokens)


# ---------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------


def _check_k(k: int) -> int:
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_K:
        raise ValidationError(f"k must be an integer from 1 to {MAX_K}, got {k!r}")
    return k


def _pool(k: int) -> int:
    """How many candidates each ranking contributes to hybrid fusion."""
    return min(MAX_K, max(50, 5 * k))


def search(
    store: Store,
    query: str | np.ndarray | Sequence[float],
    *,
    mode: str = "semantic",
    k: int = 10,
    min_similarity: float | None = None,
    model: str | None = None,
    match_all: bool = True,
    **filters: Any,
) -> SearchResult:
    """Search prompts by meaning, by words (FTS5 bm25) or both (reciprocal-rank fusion).

    `query` may be a vector (semantic mode, with `model` naming the embedding model). Filters
    (see `build_filters`: phase, provider, prompt_model, persona, tags, tags_mode, created_from,
    created_to, min_score, request_id, request_status) restrict the candidates before ranking;
    request_status=["completed"] hides prompts of failed or unfinished runs and notes how many.
    """
    if mode not in MODES:
        raise ValidationError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    _check_k(k)
    r.check_range(min_similarity, -1, 1, "min_similarity")
    if mode == "text" and min_similarity is not None:
        raise ValidationError("min_similarity applies to semantic and hybrid searches only")
    is_vector = not isinstance(query, str)
    if is_vector and mode != "semantic":
        raise ValidationError(f"a {mode} search needs query text, not a vector")
    if not is_vector and not str(query).strip():
        raise ValidationError("the search query is empty")
    flt = build_filters(**filters)
    text = f"<vector {len(np.ravel(query))}d>" if is_vector else str(query).strip()
    result = SearchResult(query=text, mode=mode)
    pool = k if mode != "hybrid" else _pool(k)
    texts: list[tuple[str, float, str]] = []
    sems: list[tuple[str, float]] = []
    notes: list[str] = []
    if mode in ("text", "hybrid"):
        match = fts_query(text, match_all=match_all)
        if match is None:
            notes.append("the query has no searchable words")
        else:
            texts = store.search_text(match, flt, pool)
    if mode in ("semantic", "hybrid"):
        sems, used, note = _semantic(store, query, model, flt, pool, min_similarity)
        result.embedding_model = used
        if note:
            notes.append(note)
    hits = _fuse(texts, sems, k) if mode == "hybrid" else None
    if mode == "text":
        hits = [(pid, -bm, None, snip) for pid, bm, snip in texts]
    elif mode == "semantic":
        hits = [(pid, sim, sim, None) for pid, sim in sems]
    result.extend(_hits(store, hits or []))
    notes.extend(_hidden_note(store, flt))
    result.note = "; ".join(notes) or None
    history = {**flt, "k": k, "mode": mode}
    if result.embedding_model:
        history["embedding_model"] = result.embedding_model
    _record(store, result, "text" if mode == "text" else "semantic", history, min_similarity)
    return result


def _semantic(
    store: Store,
    query: str | np.ndarray | Sequence[float],
    model: str | None,
    flt: dict[str, Any],
    k: int,
    min_similarity: float | None,
    exclude: Sequence[str] = (),
) -> tuple[list[tuple[str, float]], str, str | None]:
    """Rank by meaning; return (pid, similarity) pairs, the embedding model used and a note."""
    from .embeddings import DEFAULT_EMBEDDING_MODEL, embed_texts

    if isinstance(query, str):
        matrix, used = embed_texts([query], model_id=model)
        vector = matrix[0]
    else:
        vector = np.asarray(query, dtype=np.float32).ravel()
        used = model or DEFAULT_EMBEDDING_MODEL
        if not np.isfinite(vector).all():
            raise ValidationError("the query vector contains NaN or infinite values")
    index = get_index(store, used)
    if len(index) == 0:
        return [], used, f"no stored {used!r} embeddings to search; embed the prompts first"
    rows = None
    if flt:
        rows = index.rows_for_rowids(store.search_candidate_rowids(used, flt))
        if rows.size == 0:
            return [], used, None
    found = index.query(
        vector[None, :], k, rows=rows, min_similarity=min_similarity, exclude=exclude
    )
    return found[0], used, None


def _fuse(
    texts: Sequence[tuple[str, float, str]], sems: Sequence[tuple[str, float]], k: int
) -> list[tuple[str, float, float | None, str | None]]:
    """Reciprocal-rank fusion: score = Σ 1/(60 + rank) over the rankings a prompt appears in."""
    scores: dict[str, float] = {}
    for ranking in ([t[0] for t in texts], [s[0] for s in sems]):
        for rank, pid in enumerate(ranking, start=1):
            scores[pid] = scores.get(pid, 0.0) + 1.0 / (RRF_K + rank)
    sim = dict(sems)
    snip = {pid: s for pid, _, s in texts}
    first: dict[str, int] = {}
    for pid in [*(t[0] for t in texts), *(s[0] for s in sems)]:
        first.setdefault(pid, len(first))
    # Rounded so equal rank sums tie exactly whatever the float addition order; then first seen.
    order = sorted(scores, key=lambda pid: (-round(scores[pid], 12), first[pid]))[:k]
    return [(pid, scores[pid], sim.get(pid), snip.get(pid)) for pid in order]


def _hits(
    store: Store, ranked: Sequence[tuple[str, float, float | None, str | None]]
) -> Iterator[Hit]:
    rows = store.search_prompt_rows([pid for pid, *_ in ranked])
    rank = 0
    for pid, score, sim, snip in ranked:
        row = rows.get(pid)
        if row is None:  # deleted between ranking and now
            continue
        rank += 1
        yield Hit(
            prompt_id=pid,
            score=float(score),
            similarity=sim,
            rank=rank,
            content=row["content"],
            phase=row["phase"],
            provider=row["provider"],
            model=row["model"],
            snippet=snip,
        )


def _hidden_note(store: Store, flt: dict[str, Any]) -> list[str]:
    """Say how many prompts the request_status filter hid (nothing when it hid none)."""
    hidden = store.search_hidden_by_status(flt)
    if not hidden:
        return []
    wanted = "/".join(flt["request_status"])
    return [f"{hidden} prompt(s) of requests that are not {wanted} were hidden"]


def _record(
    store: Store,
    result: SearchResult,
    search_type: str,
    filters: dict[str, Any],
    min_similarity: float | None,
) -> None:
    store.record_search(
        r.SearchRecord(
            query=result.query,
            search_type=search_type,
            result_count=len(result),
            results=result.ids,
            filters=json.loads(json.dumps(filters, default=str)),
            min_similarity=min_similarity,
        )
    )


def similar_to(
    store: Store,
    prompt_id: str,
    k: int = 10,
    *,
    min_similarity: float | None = None,
    model: str | None = None,
    **filters: Any,
) -> SearchResult:
    """Return "more like this": the prompts nearest to a stored prompt's vector, itself excluded."""
    _check_k(k)
    r.check_range(min_similarity, -1, 1, "min_similarity")
    flt = build_filters(**filters)
    pid = store.get_prompt(prompt_id).id
    used = model or store.get_embedding(pid).model
    index = get_index(store, used)
    vector = index.vector_for(pid)
    sems, used, note = _semantic(store, vector, used, flt, k, min_similarity, exclude=[pid])
    result = SearchResult(
        _hits(store, [(p, s, s, None) for p, s in sems]),
        query=f"similar:{pid}",
        mode="semantic",
        embedding_model=used,
        note="; ".join([*([note] if note else []), *_hidden_note(store, flt)]) or None,
    )
    history = {**flt, "k": k, "mode": "similar", "embedding_model": used}
    _record(store, result, "semantic", history, min_similarity)
    return result


def history(store: Store, limit: int | None = 20) -> list[r.SearchRecord]:
    """Return recent searches, newest first."""
    return store.search_history(limit)


__all__ = [
    "MODES",
    "Hit",
    "SearchResult",
    "VectorIndex",
    "build_filters",
    "clear_index_cache",
    "fts_query",
    "get_index",
    "history",
    "search",
    "similar_to",
]
