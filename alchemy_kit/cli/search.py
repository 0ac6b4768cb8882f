"""CLI commands for finding prompts: search (semantic, text, hybrid), search history, embed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from click_default_group import DefaultGroup

from ..vocab import PHASES, PROVIDERS
from .common import CONTEXT, database_option, echo_json, echo_table, json_option, open_db
from .terminal import echo


@click.group(cls=DefaultGroup, default="query", default_if_no_args=False, context_settings=CONTEXT)
def search() -> None:
    """Search prompts by meaning or words: `alchemy search "query"`, `alchemy search history`."""


@search.command(name="query", context_settings=CONTEXT)
@click.argument("query", required=False)
@click.option(
    "--semantic", "mode", flag_value="semantic", default=True, help="By meaning (default)"
)
@click.option(
    "--text",
    "mode",
    flag_value="text",
    help="By words: any of them (stop words aside), bm25 ranked",
)
@click.option("--hybrid", "mode", flag_value="hybrid", help="Words and meaning, combined")
@click.option("--all-words", is_flag=True, help="Text/hybrid: require every searched word")
@click.option("--like", "like_id", help="More like this prompt id (instead of a query)")
@click.option("-k", "--limit", "k", type=int, default=10, show_default=True, help="Number of hits")
@click.option("--min-similarity", type=float, help="Only hits at least this similar (-1..1)")
@click.option("--phase", "phases", multiple=True, type=click.Choice(PHASES))
@click.option("--provider", "providers", multiple=True, type=click.Choice(PROVIDERS))
@click.option("--model", "models", multiple=True, help="Generation model of the prompt")
@click.option("--persona", "personas", multiple=True)
@click.option("--tag", "tags", multiple=True, help="Prompts with this tag (repeatable: any)")
@click.option("--all-tags", is_flag=True, help="Require every --tag, not any")
@click.option("--since", help="Created on or after (YYYY-MM-DD or ISO timestamp)")
@click.option("--until", help="Created on or before (YYYY-MM-DD or ISO timestamp)")
@click.option("--min-score", type=float, help="Minimum quality score (0..1)")
@click.option("--request", "request_id", help="Only prompts of this request")
@click.option(
    "--status",
    "statuses",
    multiple=True,
    type=click.Choice(["completed", "failed", "running", "pending"]),
    help="Only prompts of requests with this status (e.g. completed hides failed runs)",
)
@click.option(
    "--embedding-model", help="Embedding model to search with (default: configured/MiniLM)"
)
@database_option
@json_option
def search_query(
    query: str | None,
    mode: str,
    all_words: bool,
    like_id: str | None,
    k: int,
    min_similarity: float | None,
    phases: tuple[str, ...],
    providers: tuple[str, ...],
    models: tuple[str, ...],
    personas: tuple[str, ...],
    tags: tuple[str, ...],
    all_tags: bool,
    since: str | None,
    until: str | None,
    min_score: float | None,
    request_id: str | None,
    statuses: tuple[str, ...],
    embedding_model: str | None,
    database: Path | None,
    json_: bool,
) -> None:
    """Search stored prompts; every search is recorded in search_history."""
    from ..search.exact import numpy_for_single_queries
    from ..search.query import search as run_search
    from ..search.query import similar_to
    from ..search.results import SNIPPET_MODES
    from ..store.guard import check_text

    if not query and not like_id:
        raise click.UsageError("give a QUERY or --like PROMPT_ID")
    if query:
        check_text(query, "the query")
    store = open_db(database)
    filters: dict[str, Any] = {
        "phase": list(phases) or None,
        "provider": list(providers) or None,
        "prompt_model": list(models) or None,
        "persona": list(personas) or None,
        "tags": list(tags) or None,
        "tags_mode": "all" if all_tags else "any",
        "created_from": since,
        "created_to": until,
        "min_score": min_score,
        "request_id": store.get_request(request_id).id if request_id else None,
        "request_status": list(statuses) or None,
    }
    # One query, then exit: exact numpy top-k instead of importing scikit-learn (see vector_index).
    with numpy_for_single_queries():
        if like_id:
            result = similar_to(
                store, like_id, k, min_similarity=min_similarity, model=embedding_model, **filters
            )
        else:
            result = run_search(
                store,
                query or "",
                mode=mode,
                k=k,
                min_similarity=min_similarity,
                model=embedding_model,
                match_all=all_words,
                **filters,
            )
    if json_:
        echo_json(result.as_dict())
        return
    if result.note:
        echo(result.note, err=True)
    rows = [h.as_dict(result.mode) for h in result]
    # In a terminal the matched words in context say more than the prompt's opening words.
    last = "match" if result.mode in SNIPPET_MODES else "content"
    for row in rows:
        row["id"] = str(row["id"])[:8]
        row["match"] = row.get("snippet") or row["content"]
    echo_table(rows, ["rank", "score", "similarity", "phase", "id", last], {last: 70})


@search.command(name="history", context_settings=CONTEXT)
@click.option("-n", "--limit", type=int, default=20, show_default=True)
@database_option
@json_option
def search_history(limit: int, database: Path | None, json_: bool) -> None:
    """List recent searches, newest first."""
    recs = open_db(database).search_history(limit)
    rows = [s.as_dict() for s in recs]
    if json_:
        echo_json(rows)
        return
    for row in rows:
        row["mode"] = row["filters"].get("mode", row["search_type"])
    echo_table(
        rows,
        ["timestamp", "search_type", "mode", "result_count", "min_similarity", "query"],
        {"query": 50},
    )


@click.command(context_settings=CONTEXT)
@click.option(
    "--missing",
    "which",
    flag_value="missing",
    default=True,
    help="Embed prompts that have no vector from the model yet (default)",
)
@click.option("--all", "which", flag_value="all", help="Re-embed every prompt")
@click.option(
    "-m", "--model", help="Embedding model (default: all-MiniLM-L6-v2-int8; any llm one works)"
)
@database_option
@json_option
def embed(which: str, model: str | None, database: Path | None, json_: bool) -> None:
    """Backfill prompt embeddings, with a progress bar."""
    from dataclasses import asdict

    from ..search.vectors import embed_missing

    store = open_db(database)
    model = model or store.get_config("embeddings.model", None)
    report = embed_missing(store, model_id=model, all_prompts=which == "all", progress=not json_)
    if json_:
        echo_json(asdict(report))
    else:
        echo(f"Embedded {report.embedded} prompts with {report.model}")
