"""Semantic, full-text and hybrid search over the store, with every search written to history.

Semantic ranking runs on `vector_index.VectorIndex` (scikit-learn brute-force nearest neighbours
over an in-memory unit-row matrix); text ranking is SQLite FTS5 bm25 over `prompts_fts`, for a query
built by text.py (any word by default, stop words never decide a match); hybrid is the tuned
weighted sum of fusion.py over the union of both candidate pools. Filters are resolved by a store
query to a candidate set before ranking.

`search_history.search_type` only allows 'text' and 'semantic' (the seed's enum): hybrid searches
are recorded as 'semantic' with `filters["mode"] == "hybrid"`, and `similar_to` as 'semantic' with
`filters["mode"] == "similar"` and query "similar:<prompt id>".
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import records as r
from ..errors import ValidationError
from ..store.calling import store_argument
from ..vocab import MAX_SEARCH_K
from .fusion import MIN_POOL, Candidates, fuse
from .results import Hit, SearchResult
from .text import TextQuery, text_query
from .vector_index import VectorIndex, clear_index_cache, get_index

if TYPE_CHECKING:
    from ..store import Store

MODES = ("semantic", "text", "hybrid")
MAX_K = MAX_SEARCH_K


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


# ---------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------


def _check_k(k: int) -> int:
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_K:
        raise ValidationError(f"k must be an integer from 1 to {MAX_K}, got {k!r}")
    return k


def _pool(k: int) -> int:
    """How many candidates each ranking contributes to hybrid fusion."""
    return min(MAX_K, max(MIN_POOL, 5 * k))


# A ranked hit before its prompt row is read: (prompt_id, score, similarity).
Ranked = tuple[str, float, float | None]


@store_argument
def search(
    store: Store,
    query: str | np.ndarray | Sequence[float],
    *,
    mode: str = "semantic",
    k: int = 10,
    min_similarity: float | None = None,
    model: str | None = None,
    match_all: bool = False,
    **filters: Any,
) -> SearchResult:
    """Search prompts by meaning, by words (FTS5 bm25) or both (a tuned weighted sum).

    Text matching takes any searched word unless `match_all`; stop words never decide a match.
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
    tq = text_query(text, match_all=match_all) if mode != "semantic" else None
    result = SearchResult(query=text, mode=mode, words=tq.words if tq else ())
    notes: list[str] = []
    if mode != "semantic" and tq is None:
        notes.append("the query has no searchable words")
    texts: list[tuple[str, float]] = []
    if tq is not None:
        texts = store.search_sql.text(tq.match, tq.rank, flt, k if mode == "text" else _pool(k))
        if not texts:
            notes.append(tq.no_match_note() + (" among the filtered prompts" if flt else ""))
    ranked: list[Ranked] = [(pid, rel, None) for pid, rel in texts]
    if mode != "text":
        vector, used = _query_vector(query, model)
        result.embedding_model = used
        index = get_index(store, used)
        pool = k if mode == "semantic" else _pool(k)
        sems, note = _semantic(store, index, vector, flt, pool, min_similarity)
        if note:
            notes.append(note)
        if mode == "semantic":
            ranked = [(pid, sim, sim) for pid, sim in sems]
        else:
            cands = _candidates(store, tq, flt, texts, sems, index, vector, _pool(k))
            ranked = _fused(cands, [pid for pid, _ in [*texts, *sems]], k, min_similarity)
    snippets = store.search_sql.snippets(tq.match, [h[0] for h in ranked]) if tq and ranked else {}
    result.extend(_hits(store, ranked, snippets))
    notes.extend(_hidden_note(store, flt))
    result.note = "; ".join(notes) or None
    history = {**flt, "k": k, "mode": mode}
    if match_all and mode != "semantic":
        history["match_all"] = True
    if result.embedding_model:
        history["embedding_model"] = result.embedding_model
    _record(store, result, "text" if mode == "text" else "semantic", history, min_similarity)
    return result


def _query_vector(
    query: str | np.ndarray | Sequence[float], model: str | None
) -> tuple[np.ndarray, str]:
    """The query as a vector (embedded when it is text) and the embedding model it belongs to."""
    from .embeddings import DEFAULT_EMBEDDING_MODEL, embed_texts

    if isinstance(query, str):
        matrix, used = embed_texts([query], model_id=model)
        return matrix[0], used
    vector = np.asarray(query, dtype=np.float32).ravel()
    if not np.isfinite(vector).all():
        raise ValidationError("the query vector contains NaN or infinite values")
    return vector, model or DEFAULT_EMBEDDING_MODEL


def _semantic(
    store: Store,
    index: VectorIndex,
    vector: np.ndarray,
    flt: dict[str, Any],
    k: int,
    min_similarity: float | None,
    exclude: Sequence[str] = (),
) -> tuple[list[tuple[str, float]], str | None]:
    """Rank by meaning; return (pid, similarity) pairs and a note."""
    if len(index) == 0:
        return [], f"no stored {index.model!r} embeddings to search; embed the prompts first"
    rows = None
    if flt:
        rows = index.rows_for_rowids(store.search_sql.candidate_rowids(index.model, flt))
        if rows.size == 0:
            return [], None
    found = index.query(
        vector[None, :], k, rows=rows, min_similarity=min_similarity, exclude=exclude
    )
    return found[0], None


def _fused(
    cands: Candidates, order: list[str], k: int, min_similarity: float | None
) -> list[Ranked]:
    """The k best candidates by the weighted sum (see fusion.py); ties keep `order`."""
    fused = fuse(cands.relevance, cands.similarity, len(order), order=order)
    if min_similarity is not None:
        fused = [f for f in fused if f.similarity is not None and f.similarity >= min_similarity]
    return [(f.prompt_id, f.score, f.similarity) for f in fused[:k]]


def _candidates(
    store: Store,
    tq: TextQuery | None,
    flt: dict[str, Any],
    texts: list[tuple[str, float]],
    sems: list[tuple[str, float]],
    index: VectorIndex,
    vector: np.ndarray,
    pool: int,
    target: str = "",
) -> Candidates:
    """Both scores for every candidate of either pool: bm25 (0 without a searched word), cosine."""
    relevance = dict(texts)
    similarity: dict[str, float | None] = dict(sems)
    if tq is not None and len(texts) >= pool:
        # The text pool was cut off: bm25 of semantic candidates beyond it is not 0, look it up.
        beyond = [pid for pid in similarity if pid not in relevance]
        relevance.update(store.search_sql.text(tq.match, tq.rank, flt, len(beyond), only=beyond))
    similarity.update(index.similarities(vector, [p for p in relevance if p not in similarity]))
    return Candidates(relevance, similarity, target)


def hybrid_candidates(
    store: Store,
    query: str,
    *,
    k: int = 10,
    model: str | None = None,
    match_all: bool = False,
    target: str = "",
) -> Candidates:
    """The candidates a hybrid search would fuse, with both scores, for tuning (fusion.tune_weight)."""
    tq = text_query(query, match_all=match_all)
    texts = store.search_sql.text(tq.match, tq.rank, {}, _pool(k)) if tq else []
    vector, used = _query_vector(query, model)
    index = get_index(store, used)
    sems, _ = _semantic(store, index, vector, {}, _pool(k), None)
    return _candidates(store, tq, {}, texts, sems, index, vector, _pool(k), target)


def _hits(store: Store, ranked: Sequence[Ranked], snippets: dict[str, str]) -> Iterator[Hit]:
    rows = store.search_sql.prompt_rows([pid for pid, *_ in ranked])
    rank = 0
    for pid, score, sim in ranked:
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
            snippet=snippets.get(pid),
        )


def _hidden_note(store: Store, flt: dict[str, Any]) -> list[str]:
    """Say how many prompts the request_status filter hid (nothing when it hid none)."""
    hidden = store.search_sql.hidden_by_status(flt)
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
    store._record_search(
        r.SearchRecord(
            query=result.query,
            search_type=search_type,
            result_count=len(result),
            results=result.ids,
            filters=json.loads(json.dumps(filters, default=str)),
            min_similarity=min_similarity,
        )
    )


@store_argument
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
    used = model or store._get_embedding(pid).model
    index = get_index(store, used)
    vector = index.vector_for(pid)
    sems, note = _semantic(store, index, vector, flt, k, min_similarity, exclude=[pid])
    result = SearchResult(
        _hits(store, [(p, s, s) for p, s in sems], {}),
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
    "TextQuery",
    "VectorIndex",
    "build_filters",
    "clear_index_cache",
    "get_index",
    "history",
    "hybrid_candidates",
    "search",
    "similar_to",
    "text_query",
]
