"""The lineage page: /<db>/-/lineage/<id> shows a request's whole chain on one page.

From any request, phase run, prompt, metric or tag id: the request → its phase runs (status,
model, timings) → every variant with score and rank → its metrics and tags → its nearest
neighbours from other requests (from the vector index, vectors.py) → its eval outputs: per
variant its outputs over every run (graded, passed, mean grade, failed calls) with links to all of
them and to its failing cases, then the newest outputs (store/browse.py's OUTPUTS) with case, model,
outcome and grade. `.json` on the same URL returns the data. Long texts come as bounded cuts with
the length of the whole and a link to it.
"""

from __future__ import annotations

import json
import weakref
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from markupsafe import Markup

from ..errors import AlchemyError
from ..records_eval import outcome
from ..store import browse
from ..vocab import PHASES
from . import vectors
from .metadata import page_database
from .render import JSON_CHARS, head_more, id_link, lineage_url, markdown_html

ROUTE = r"^/(?P<database>[^/]+)/-/lineage/(?P<id>[^/.]+)(?P<as_json>\.json)?$"
TEMPLATE = Path(__file__).with_name("assets") / "lineage.html"
NEIGHBOURS = 3


async def nearest_neighbours(
    execute: browse.Execute,
    heads: browse.Heads,
    path: Path | None,
    prompt_ids: list[str],
    timeout: float,
    k: int = NEIGHBOURS,
) -> dict[str, list[dict[str, Any]]]:
    """For each embedded variant: its k most similar prompts outside the request (same model).

    Returns {prompt_id: [{id, similarity, phase, score, idea, request_id}, ...]}; {} when the
    store has no file or the index did not answer within `timeout` seconds.
    """
    import asyncio

    if path is None or not prompt_ids:
        return {}
    try:
        found = await asyncio.to_thread(vectors.neighbours, path, prompt_ids, k, timeout)
    except (vectors.StillComputing, AlchemyError):
        return {}  # late, or a damaged vector in the store: the page still shows everything else
    ids = sorted({pid for hits in found.values() for pid, _ in hits})
    summaries = await browse.prompt_summaries(execute, ids, heads)
    return {
        pid: [{**summaries.get(other, {"id": other}), "similarity": sim} for other, sim in hits]
        for pid, hits in found.items()
    }


async def lineage_data(
    execute: browse.Execute,
    heads: browse.Heads,
    any_id: str,
    path: Path | None = None,
    timeout: float = 1.0,
) -> dict[str, Any] | None:
    """Everything the page shows, as plain data; None when no row has that id."""
    resolved = await browse.resolve_request(execute, any_id)
    if resolved is None:
        return None
    request_id, kind = resolved
    if request_id is None:  # a prompt stored without a request has no chain to show
        return None
    data = await browse.request_lineage(execute, request_id, heads)
    if data is None:
        return None
    ids = [v["id"] for v in data["variants"]]
    neighbours = await nearest_neighbours(execute, heads, path, ids, timeout)
    for variant in data["variants"]:
        variant["neighbours"] = neighbours.get(variant["id"], [])
    data["eval"] = await browse.request_evals(execute, request_id, heads)
    data["from"] = {"id": any_id, "kind": kind}
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


# Datasette instance -> the lineage template compiled in its Jinja environment (compiling it took
# more time than the rest of the page).
_templates: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()


def _template(datasette: Any) -> Any:
    template = _templates.get(datasette)
    if template is None:
        source = TEMPLATE.read_text(encoding="utf-8")
        template = _templates[datasette] = datasette.jinja_env.from_string(source)
    return template


def _links(datasette: Any, database: str, data: dict[str, Any]) -> dict[str, Any]:
    """Pre-rendered links and Markdown, so the template only lays them out."""

    def link(table: str, value: str | None, short: bool = True) -> Markup | str:
        return id_link(datasette, database, table, value, short) if value else ""

    more = partial(head_more, datasette, database)
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
        v["snippet"] = markdown_html(v["content"] or "", snippet=True) + more(
            "prompts", "content", v["id"], v["content"], v["content_bytes"]
        )
        v["tag_list"] = _json(v.get("tags"), [])
        for n in v["neighbours"]:
            n["link"] = link("prompts", n.get("id"))
            n["lineage"] = lineage_url(datasette, database, n["id"]) if n.get("request_id") else ""
    return {
        "idea_more": more(
            "prompt_requests", "input", request["id"], request["input"], request["input_bytes"]
        ),
        "request_link": link("prompt_requests", request["id"], short=False),
        "request_tags": _json(request.get("tags"), []),
        "request_meta": _json(request.get("metadata"), {}),
        "tagged_url": f"{db_url}/prompts_tagged?",
    }


def _json(text: str | None, empty: Any) -> Any:
    if not text or len(text) > JSON_CHARS:  # nothing to show, or too big to parse for a page
        return empty
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return empty


def eval_links(datasette: Any, database: str, data: dict[str, Any]) -> dict[str, Any]:
    """Links, outcomes and cut texts for the template's eval section (`eval_prompts`, `eval_outputs`)."""
    db_url = datasette.urls.database(database)
    for row in data["prompts"]:
        row["link"] = id_link(datasette, database, "prompts", row["prompt_id"])
        row["outputs_url"] = f"{db_url}/outputs?" + urlencode({"prompt_id": row["prompt_id"]})
        row["failing_url"] = f"{db_url}/eval_failing_cases?" + urlencode(
            {"prompt_id": row["prompt_id"]}
        )
    for row in data["outputs"]:
        row["outcome"] = outcome(row["passed"], row["error"])
        row["link"] = id_link(datasette, database, "outputs", row["id"])
        row["prompt_link"] = id_link(datasette, database, "prompts", row["prompt_id"])
        row["run_link"] = id_link(datasette, database, "eval_runs", row["run_id"])
        row["case_link"] = id_link(datasette, database, "cases", row["case_id"])
        column = "text" if row["error"] is None else "error"
        more = head_more(
            datasette, database, "outputs", column, row["id"], row[column], row[f"{column}_bytes"]
        )
        row["shown"] = Markup("{}{}").format(row[column] or "", more) if more else row[column] or ""
    return {"eval_prompts": data["prompts"], "eval_outputs": data["outputs"]}


async def lineage_view(datasette: Any, request: Any) -> Any:
    """The register_routes view for ROUTE."""
    from datasette.database import QueryInterrupted
    from datasette.utils.asgi import NotFound, Response
    from datasette.views.base import DatasetteError

    db = await page_database(datasette, request)
    any_id = request.url_vars["id"]
    path = Path(db.path).resolve() if getattr(db, "path", None) else None
    timeout = int(datasette.setting("sql_time_limit_ms") or 1000) / 1000

    async def heads(table: str, column: str, rowids: list[int], chars: int) -> Any:
        read = partial(browse.text_head, table=table, column=column, rowids=rowids, chars=chars)
        return await db.execute_fn(read)

    try:
        data = await lineage_data(db.execute, heads, any_id, path, timeout)
    except QueryInterrupted:
        raise DatasetteError(
            "The lineage page took longer than the SQL time limit; try again", status=503
        ) from None
    if data is None:
        raise NotFound(f"No request, phase run, prompt, metric or tag with id {any_id!r}")
    if request.url_vars.get("as_json"):
        return Response.json(data, default=str)
    extra = _links(datasette, db.name, data) | eval_links(datasette, db.name, data["eval"])
    template = _template(datasette)
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
