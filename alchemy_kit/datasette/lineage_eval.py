"""The lineage page's eval section: each variant's outputs on the request's test cases.

Per variant, its outputs over every run (graded, passed, mean grade, failed calls) with links to
all of them and to its failing cases; then the newest outputs (store/browse.py's OUTPUTS), each with
its case, model, outcome and grade, and a bounded cut of its text linked to the whole.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from markupsafe import Markup

from ..records_eval import outcome
from .render import head_more, id_link


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


__all__ = ["eval_links"]
