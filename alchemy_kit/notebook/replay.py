"""Running a recorded request or search again, with the settings it was recorded with."""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any

from .. import records as r
from ..engine.pipeline import GenerationResult, agenerate
from ..search.query import SearchResult, build_filters, search, similar_to

if TYPE_CHECKING:
    from ..store import Store


def request_settings(store: Store, request_id: str, *, same_seed: bool = False) -> dict[str, Any]:
    """The `agenerate` arguments that reproduce a stored request, each phase on its own model."""
    q = store.get_request(request_id)
    runs = store.phase_runs(q.id)
    kwargs: dict[str, Any] = {
        "count": q.count,
        "persona": q.persona or "generic",
        "phases": list(q.phases),
        "tags": list(q.tags),
        "phase_models": {run.phase: (run.provider, run.model) for run in runs},
        "metadata": {"rerun_of": q.id},
    }
    recorded = {
        "temperature": q.temperature,
        "max_tokens": q.max_tokens,
        "chain": q.metadata.get("chain"),
        "seed": q.metadata.get("seed") if same_seed else None,
    }
    kwargs |= {key: value for key, value in recorded.items() if value is not None}  # else defaults
    return {"idea": q.input, **kwargs}


async def rerun_request(
    store: Store, request_id: str, *, same_seed: bool = False, **extra: Any
) -> GenerationResult:
    """Run a stored request again as a new request (`metadata.rerun_of` points back)."""
    kwargs = request_settings(store, request_id, same_seed=same_seed)
    return await agenerate(kwargs.pop("idea"), store=store, **kwargs, **extra)


def rerun_search(store: Store, record: r.SearchRecord) -> SearchResult:
    """Run a recorded search again: same query, mode, k, threshold, all-words and every filter."""
    flt = dict(record.filters)
    mode = flt.pop("mode", record.search_type)
    k = int(flt.pop("k", 10))
    model = flt.pop("embedding_model", None)
    match_all = bool(flt.pop("match_all", False))
    # The rest is what build_filters returned, keyed by its arguments but for the prompt's model.
    known = inspect.signature(build_filters).parameters
    renamed = {("prompt_model" if key == "model" else key): value for key, value in flt.items()}
    kwargs: dict[str, Any] = {key: value for key, value in renamed.items() if key in known}
    kwargs |= {"min_similarity": record.min_similarity, "model": model}
    if mode == "similar":
        return similar_to(store, record.query.removeprefix("similar:"), k, **kwargs)
    if mode == "text":
        kwargs["model"] = None  # words only: no embedding model is involved
    return search(store, record.query, mode=mode, k=k, match_all=match_all, **kwargs)


__all__ = ["request_settings", "rerun_request", "rerun_search"]
