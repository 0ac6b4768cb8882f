"""A prompt's lineage: request → phase runs → prompts → metrics → tags, read from the store."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .. import display
from .. import records as r
from ..vocab import PHASES

if TYPE_CHECKING:
    from ..store import Store


@dataclass
class Lineage:
    """Everything recorded about one prompt and the request it came from."""

    prompt: r.Prompt
    request: r.Request | None
    runs: list[r.PhaseRun] = field(default_factory=list)
    prompts: list[r.Prompt] = field(default_factory=list)
    metrics: list[r.Metric] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)

    def _repr_html_(self) -> str:
        p = self.prompt
        parts = [
            display.heading(
                f"Lineage of prompt {p.id[:8]}: {p.phase}, rank {p.rank or '-'}, "
                f"score {display.number(p.score, 3) or '-'}",
            )
        ]
        if self.request is not None:
            q = self.request
            parts.append(
                display.field_table(
                    {
                        "idea": display.cut(q.input, 300),
                        "status": q.status,
                        "created": q.created_at,
                        "persona": q.persona,
                        "variants per phase": q.count,
                        "cost USD": q.metadata.get("total_cost_usd"),
                        "request id": q.id,
                    },
                    "Request",
                )
            )
            parts.append(display.heading("Phase runs") + display.records_table(self.runs))
            parts.append(display.heading("Prompts of the request") + self._prompts_table())
        parts.append(
            display.heading(f"Metrics of {p.id[:8]}") + display.records_table(self.metrics)
        )
        tags = ", ".join(self.tags) or "none"
        parts.append(f"<p><strong>Tags</strong>: {html.escape(tags)}</p>")
        parts.append(
            f"<details><summary>Full text of {p.id[:8]}</summary>"
            f"<pre style='white-space:pre-wrap;font-size:12px'>{html.escape(p.content)}</pre>"
            "</details>"
        )
        return "".join(parts)

    def _prompts_table(self) -> str:
        def order(x: r.Prompt) -> tuple[int, int]:
            return (PHASES.index(x.phase) if x.phase in PHASES else 9, x.rank or 10**9)

        rows: list[dict[str, Any]] = [
            {
                "this": "▶" if x.id == self.prompt.id else "",
                "phase": x.phase,
                "rank": x.rank,
                "score": x.score,
                "strategy": x.metadata.get("strategy"),
                "id": x.id,
                "preview": display.cut(x.content, 90),
            }
            for x in sorted(self.prompts, key=order)
        ]
        return display.table(
            rows,
            ["this", "phase", "rank", "score", "strategy", "id", "preview"],
            cells={"id": lambda row: display.short_id(row["id"])},
            titles={"this": ""},
        )


def lineage(store: Store, prompt_id: str) -> Lineage:
    """Read a prompt's lineage (a unique id prefix works too)."""
    prompt = store.get_prompt(prompt_id)
    found = Lineage(prompt, None, metrics=store.metrics_for([prompt.id]))
    found.tags = store.tags_for(prompt.id)
    if prompt.request_id:
        found.request = store.get_request(prompt.request_id)
        found.runs = store.phase_runs(prompt.request_id)
        found.prompts = store.list_prompts(request_id=prompt.request_id, limit=None)
    return found


__all__ = ["Lineage", "lineage"]
