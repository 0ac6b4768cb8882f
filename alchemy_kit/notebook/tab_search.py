"""The Search tab: by meaning, by words or both, with filters; a hit opens its lineage."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from ..search.query import MODES, Hit, SearchResult, search, similar_to
from ..vocab import PERSONAS, PHASES, PROVIDERS
from . import markup, views
from .prompt_view import plain
from .ui import Hub, Tab, row

if TYPE_CHECKING:
    from ..store import Store

ANY = "any"


def _choice(value: str) -> str | None:
    return None if value == ANY else value


def hit_label(hit: Hit) -> str:
    """One line per hit in the hits list: rank, phase, similarity (or fused/bm25 score), text."""
    how = (
        f"similarity {hit.similarity:.2f}"
        if hit.similarity is not None
        else f"score {markup.number(hit.score, 3)}"
    )
    # A list label cannot show bold: the snippet's **match** markers would read literally.
    text = plain(getattr(hit, "snippet", None) or hit.content)
    return f"#{hit.rank} {hit.phase} · {how} · {markup.cut(text, 80)}"


class SearchTab(Tab):
    """Query, mode, filters and a similarity threshold in; a hits table and a lineage out."""

    title = "Search"

    def __init__(self, store: Store, hub: Hub) -> None:
        super().__init__(store, hub)
        self.result: SearchResult | None = None
        self.query = widgets.Text(placeholder="what are you looking for?", layout={"width": "60%"})
        self.mode = widgets.ToggleButtons(options=MODES, value="semantic")
        self.k = widgets.IntSlider(value=10, min=1, max=50, description="hits")
        self.min_similarity = widgets.FloatSlider(
            value=0.0, min=0.0, max=1.0, step=0.05, description="min sim"
        )
        self.phase = widgets.Dropdown(options=(ANY, *PHASES), description="phase")
        self.provider = widgets.Dropdown(options=(ANY, *PROVIDERS), description="provider")
        self.model = widgets.Text(placeholder="any", description="model")
        self.persona = widgets.Dropdown(options=(ANY, *PERSONAS), description="persona")
        self.tag = widgets.Text(placeholder="any", description="tag")
        self.date_from = widgets.DatePicker(description="from")
        self.date_to = widgets.DatePicker(description="to")
        self.min_score = widgets.FloatSlider(
            value=0.0, min=0.0, max=1.0, step=0.05, description="min score"
        )
        self.button = widgets.Button(description="Search", button_style="primary", icon="search")
        self.button.on_click(self.safely(self.click))
        self.mode.observe(self._mode_changed, names="value")
        self.results = widgets.HTML()
        self.hits = widgets.Select(options=[], rows=6, layout={"width": "95%"})
        self.hits.observe(lambda _: self.safely(self.open_selected)(), names="value")
        self.similar = widgets.Button(description="More like this", icon="clone", disabled=True)
        self.compare = widgets.Button(description="Compare siblings", icon="columns", disabled=True)
        self.similar.on_click(self.safely(self.click_similar))
        self.compare.on_click(self.safely(lambda: self.hub.emit("open", self.hits.value)))
        self.lineage = widgets.HTML()
        self.widget = widgets.VBox(
            [
                row(self.query, self.button),
                row(self.mode, self.k, self.min_similarity),
                row(self.phase, self.provider, self.model),
                row(self.persona, self.tag, self.min_score),
                row(self.date_from, self.date_to),
                self.error.widget,
                self.status,
                self.results,
                self.hits,
                row(self.similar, self.compare),
                self.lineage,
            ]
        )

    def _mode_changed(self, change: dict[str, Any]) -> None:
        # A similarity threshold means nothing to a words-only search.
        self.min_similarity.disabled = change["new"] == "text"

    def filters(self) -> dict[str, Any]:
        """The search filters the form describes (blank and "any" mean no filter)."""
        flt: dict[str, Any] = {
            "phase": _choice(self.phase.value),
            "provider": _choice(self.provider.value),
            "prompt_model": self.model.value.strip() or None,
            "persona": _choice(self.persona.value),
            "tags": self.tag.value.strip() or None,
            "created_from": self.date_from.value,
            "created_to": self.date_to.value,
            "min_score": self.min_score.value or None,
        }
        return {k: v for k, v in flt.items() if v is not None}

    def click(self) -> None:
        """Search (the button)."""
        mode = self.mode.value
        threshold = (
            None if mode == "text" or not self.min_similarity.value else self.min_similarity.value
        )
        result = search(
            self.store,
            self.query.value,
            mode=mode,
            k=self.k.value,
            min_similarity=threshold,
            **self.filters(),
        )
        self.show_result(result)

    def click_similar(self) -> None:
        """More like the selected hit."""
        if self.hits.value:
            self.show_result(similar_to(self.store, self.hits.value, self.k.value))

    def show_result(self, result: SearchResult) -> None:
        """Show a search result (from this tab or a re-run from History)."""
        self.result = result
        self.results.value = views.search_html(result)
        self.lineage.value = ""
        self.hits.options = [(hit_label(h), h.prompt_id) for h in result]
        self.hits.value = None
        self.similar.disabled = self.compare.disabled = True
        self.say(f"{len(result)} hit(s); select one to see its lineage")
        self.hub.emit("searched", result)

    def open_selected(self) -> None:
        """Show the selected hit's lineage."""
        pid = self.hits.value
        self.similar.disabled = self.compare.disabled = not pid
        self.lineage.value = views.lineage_html(self.store.lineage(pid)) if pid else ""


__all__ = ["SearchTab"]
