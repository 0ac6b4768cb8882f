"""The lineage page: /<db>/-/lineage/<id> shows a request's whole chain on one page.

From any request, phase run, prompt, metric or tag id: the request → its phase runs (status,
model, timings) → every variant with score and rank → its metrics and tags → its nearest
neighbours from other requests. `.json` on the same URL returns the data.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import numpy as np
from markupsafe import Markup

from ..errors import CorruptEmbeddingError, DimensionMismatchError
from ..store import browse
from ..store.codec import decode_many
from ..vocab import PHASES
from .metadata import is_store
from .render import id_link, lineage_url, markdown_html

ROUTE = r"^/(?P<database>[^/]+)/-/lineage/(?P<id>[^/.]+)(?P<as_json>\.json)?$"
TEMPLATE = Path(__file__).with_name("assets") / "lineage.html"
NEIGHBOURS = 3


def _unit(mat: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(mat, axis=1, keepdims=True)
    return np.asarray(mat / np.where(norms > 0, norms, 1), dtype=np.float32)


async def nearest_neighbours(
    execute: browse.Execute, request_id: str, k: int = NEIGHBOURS
) -> tuple[dict[str, list[dict[str, Any]]], bool]:
    """For each embedded variant of a request: its k most similar prompts of other requests.

    Returns ({prompt_id: [{id, similarity, phase, score, idea, request_id}, ...]}, whether the scan
    stopped at NEIGHBOUR_SCAN_LIMIT candidates).
    """
    own = await browse.request_embeddings(execute, request_id)
    by_model: dict[str, list[dict[str, Any]]] = {}
    for row in own:
        by_model.setdefault(row["model"], []).append(row)
    found: dict[str, list[tuple[str, float]]] = {}
    capped = False
    for model, rows in by_model.items():
        cands = await browse.neighbour_candidates(execute, request_id, model)
        capped = capped or len(cands) >= browse.NEIGHBOUR_SCAN_LIMIT
        if not cands:
            continue
        try:
            queries = _unit(decode_many([r["embedding"] for r in rows]))
            matrix = _unit(decode_many([c["embedding"] for c in cands]))
            sims = queries @ matrix.T
        except (CorruptEmbeddingError, DimensionMismatchError, ValueError):
            continue  # a damaged vector: the page still shows everything else
        take = min(k, matrix.shape[0])
        top = np.argsort(-sims, axis=1)[:, :take]
        for i, row in enumerate(rows):
            found[row["prompt_id"]] = [
                (cands[j]["prompt_id"], float(sims[i, j])) for j in top[i].tolist()
            ]
    ids = sorted({pid for hits in found.values() for pid, _ in hits})
    summaries = await browse.prompt_summaries(execute, ids)
    result = {
        pid: [{**summaries.get(other, {"id": other}), "similarity": sim} for other, sim in hits]
        for pid, hits in found.items()
    }
    return result, capped


async def lineage_data(execute: browse.Execute, any_id: str) -> dict[str, Any] | None:
    """Everything the page shows, as plain data; None when no row has that id."""
    resolved = await browse.resolve_request(execute, any_id)
    if resolved is None:
        return None
    request_id, kind = resolved
    if request_id is None:  # a prompt stored without a request has no chain to show
        return None
    data = await browse.request_lineage(execute, request_id)
    if data is None:
        return None
    neighbours, capped = await nearest_neighbours(execute, request_id)
    for variant in data["variants"]:
        variant["neighbours"] = neighbours.get(variant["id"], [])
    data.update({"from": {"id": any_id, "kind": kind}, "neighbour_scan_capped": capped})
    return data


def _phases(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Phase runs and their variants grouped in pipeline order (unknown phases last)."""
    names = list(PHASES)
    for item in data["phase_runs"] + data["variants"]:
        if item["phase"] not in names:
            names.append(item["phase"])
    runs = {run["phase"]: run for run in data["phase_runs"]}
    groups = []
    for name in names:
        variants = [v for v in data["variants"] if v["phase"] == name]
        if name in runs or variants:
            groups.append({"name": name, "run": runs.get(name), "variants": variants})
    return groups


def _links(datasette: Any, database: str, data: dict[str, Any]) -> dict[str, Any]:
    """Pre-rendered links and Markdown, so the template only lays them out."""

    def link(table: str, value: str | None, short: bool = True) -> Markup | str:
        return id_link(datasette, database, table, value, short) if value else ""

    db_url = datasette.urls.database(database)
    request = data["request"]
    for run in data["phase_runs"]:
        run["link"] = link("request_phases", run["id"])
    for v in data["variants"]:
        v["link"] = link("prompts", v["id"])
        v["run_link"] = link("request_phases", v.get("phase_run_id"))
        v["embedding_url"] = datasette.urls.row(database, "embeddings", v["id"])
        v["metrics_url"] = f"{db_url}/metrics?" + urlencode({"prompt_id": v["id"]})
        v["similar_url"] = f"{db_url}/similar_prompts?" + urlencode({"prompt_id": v["id"]})
        v["snippet"] = markdown_html(v["content"] or "", snippet=True)
        v["tag_list"] = _json(v.get("tags"), [])
        for n in v["neighbours"]:
            n["link"] = link("prompts", n.get("id"))
            n["lineage"] = lineage_url(datasette, database, n["id"]) if n.get("request_id") else ""
    return {
        "request_link": link("prompt_requests", request["id"], short=False),
        "request_tags": _json(request.get("tags"), []),
        "request_meta": _json(request.get("metadata"), {}),
        "tagged_url": f"{db_url}/prompts_tagged?",
    }


def _json(text: str | None, empty: Any) -> Any:
    try:
        return json.loads(text) if text else empty
    except ValueError:
        return empty


async def lineage_view(datasette: Any, request: Any) -> Any:
    """The register_routes view for ROUTE."""
    from datasette.utils.asgi import Forbidden, NotFound, Response

    try:
        db = datasette.get_database(route=request.url_vars["database"])
    except KeyError:
        raise NotFound("Database not found") from None
    if not is_store(datasette, db.name):
        raise NotFound(f"{db.name} is not an alchemy_kit store")
    allowed = await datasette.permission_allowed(
        request.actor, "view-database", db.name, default=True
    )
    if not allowed:
        raise Forbidden("You do not have permission to view this database")
    any_id = request.url_vars["id"]
    data = await lineage_data(db.execute, any_id)
    if data is None:
        raise NotFound(f"No request, phase run, prompt, metric or tag with id {any_id!r}")
    if request.url_vars.get("as_json"):
        return Response.json(data, default=str)
    extra = _links(datasette, db.name, data)
    template = datasette.jinja_env.from_string(TEMPLATE.read_text(encoding="utf-8"))
    context = {
        "database": db.name,
        "req": data["request"],
        "phases": _phases(data),
        "data": data,
        "json_url": f"{datasette.urls.database(db.name)}/-/lineage/{any_id}.json",
        **extra,
    }
    html = await datasette.render_template(template, context, request=request, view_name="lineage")
    return Response.html(html)


__all__ = ["ROUTE", "lineage_data", "lineage_view", "nearest_neighbours"]
