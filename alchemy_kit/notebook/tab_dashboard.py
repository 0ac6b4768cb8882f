"""The Dashboard tab: the charts of `charts.py`, drawn offline; clicking a map point opens it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import altair as alt
import ipywidgets as widgets

from ..vocab import PHASES, PROVIDERS
from . import charts, views
from .ui import Hub, Tab, row

if TYPE_CHECKING:
    from ..store import Store

ANY = "any"
# The map gets its own widget (its clicks come back to Python); the others share one view.
GRID = ("score", "cost", "tokens", "variety", "judge")


class DashboardTab(Tab):
    """Score, cost and latency, tokens, judge rubric, sibling variety and the embedding map."""

    title = "Dashboard"

    def __init__(self, store: Store, hub: Hub) -> None:
        super().__init__(store, hub)
        self.charts: dict[str, alt.Chart] = {}
        self.map_view: alt.JupyterChart | None = None
        self.grid_view: alt.JupyterChart | None = None
        self.picked_id: str | None = None
        self.stale = True
        self.phase = widgets.Dropdown(options=(ANY, *PHASES), description="phase")
        self.provider = widgets.Dropdown(options=(ANY, *PROVIDERS), description="provider")
        self.button = widgets.Button(description="Refresh", icon="refresh")
        self.button.on_click(self.safely(self.refresh))
        self.picked = widgets.HTML()
        self.open_button = widgets.Button(
            description="Compare & pick", icon="columns", disabled=True
        )
        self.open_button.on_click(self.safely(lambda: self.hub.emit("open", self.picked_id)))
        self.views = widgets.VBox()
        self.widget = widgets.VBox(
            [
                row(self.phase, self.provider, self.button),
                self.error.widget,
                self.status,
                self.views,
            ]
        )
        self.say("open this tab or press Refresh to draw the charts")

    def filters(self) -> dict[str, Any]:
        """The chart filters the form describes."""
        flt = {"phase": self.phase.value, "provider": self.provider.value}
        return {k: v for k, v in flt.items() if v != ANY}

    def refresh(self) -> None:
        """Redraw every chart from the store (interactive, offline: Vega comes from vl-convert)."""
        charts.enable_offline()
        flt = self.filters()
        self.charts = {name: make(self.store, **flt) for name, make in charts.CHARTS.items()}
        self.map_view = alt.JupyterChart(self.charts["map"])
        if charts.PICK in self.map_view.selections.trait_names():
            self.map_view.selections.observe(self._picked, names=[charts.PICK])
        self.grid_view = alt.JupyterChart(charts.grid([self.charts[name] for name in GRID]))
        # The picked prompt's lineage sits right under the map it was picked on.
        self.views.children = [self.map_view, row(self.open_button), self.picked, self.grid_view]
        self.stale = False
        self.say("click a point of the map to open that prompt")

    def _picked(self, change: dict[str, Any]) -> None:
        points = change["new"].value
        self.safely(lambda: self.open_prompt(points[0]["prompt_id"] if points else None))()

    def open_prompt(self, prompt_id: str | None) -> None:
        """Show the lineage of a prompt picked on the map (None clears it)."""
        self.picked_id = prompt_id
        self.open_button.disabled = prompt_id is None
        self.picked.value = views.lineage_html(self.store.lineage(prompt_id)) if prompt_id else ""


__all__ = ["DashboardTab"]
