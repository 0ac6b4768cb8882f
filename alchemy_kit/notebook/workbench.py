"""`workbench(store)`: the whole notebook interface as six tabs over one store.

The tabs hold no logic of their own (each calls the library and renders its result); they talk
through a small event hub: a finished request refreshes History and the Dashboard and is shown in
Evaluate, a finished eval run re-ranks what Compare & pick shows, "open prompt" shows it in
Compare & pick, a re-run search lands in Search.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from ..store.calling import store_argument
from .tab_compare import CompareTab
from .tab_dashboard import DashboardTab
from .tab_evaluate import EvaluateTab
from .tab_generate import GenerateTab
from .tab_history import HistoryTab
from .tab_search import SearchTab
from .ui import Hub, Tab

if TYPE_CHECKING:
    from ..engine.evaluate import EvalResult
    from ..engine.pipeline import GenerationResult
    from ..search.query import SearchResult
    from ..store import Store


class Workbench:
    """Generate | Compare & pick | Evaluate | Search | History | Dashboard, as an ipywidgets Tab."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.hub = Hub()
        self.generate = GenerateTab(store, self.hub)
        self.compare = CompareTab(store, self.hub)
        self.evaluate = EvaluateTab(store, self.hub)
        self.search = SearchTab(store, self.hub)
        self.history = HistoryTab(store, self.hub)
        self.dashboard = DashboardTab(store, self.hub)
        self.tabs: list[Tab] = [
            self.generate,
            self.compare,
            self.evaluate,
            self.search,
            self.history,
            self.dashboard,
        ]
        self.widget = widgets.Tab(
            children=[t.widget for t in self.tabs], titles=[t.title for t in self.tabs]
        )
        self.hub.on("generated", self._generated)
        self.hub.on("evaluated", self._evaluated)
        self.hub.on("open", self._open)
        self.hub.on("searched", lambda _: self.history.refresh())
        self.hub.on("show search", self._show_search)
        self.widget.observe(self._selected, names="selected_index")
        self.compare.refresh()
        self.evaluate.refresh()
        self.history.refresh()

    def select(self, tab: Tab) -> None:
        """Bring one tab to the front."""
        self.widget.selected_index = self.tabs.index(tab)

    def _selected(self, change: dict[str, Any]) -> None:
        # Charts are drawn when the Dashboard is first shown, not on every open of the workbench.
        if self.tabs[change["new"]] is self.dashboard and self.dashboard.stale:
            self.dashboard.safely(self.dashboard.refresh)()

    def _generated(self, result: GenerationResult) -> None:
        self.history.refresh()
        self.evaluate.safely(lambda: self.evaluate.select(result.request.id))()
        if result.prompts:
            self.compare.safely(lambda: self.compare.open(result.prompts[-1].id))()
        self.dashboard.stale = True
        if self.widget.selected_index == self.tabs.index(self.dashboard):
            self.dashboard.safely(self.dashboard.refresh)()

    def _evaluated(self, result: EvalResult) -> None:
        # An eval run re-ranks its prompts: what Compare & pick shows may have changed order.
        self.compare.safely(self.compare.refresh)()
        self.dashboard.stale = True

    def _open(self, prompt_id: str | None) -> None:
        if prompt_id:
            self.compare.safely(lambda: self.compare.open(prompt_id))()
            self.select(self.compare)

    def _show_search(self, result: SearchResult) -> None:
        self.search.query.value = result.query
        self.search.show_result(result)
        self.select(self.search)

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle: dict[str, Any] = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = repr(self)  # stable text (the widget's own names a model id)
        return bundle

    def __repr__(self) -> str:
        name = self.store.path.name if self.store.path else ":memory:"
        return f"<Workbench on {name}: {' | '.join(t.title for t in self.tabs)}>"


@store_argument
def workbench(store: Store | None = None) -> Workbench:
    """Show the whole workbench (Generate, Compare & pick, Evaluate, Search, History, Dashboard)."""
    from ..store import open_store

    return Workbench(store or open_store())


__all__ = ["Workbench", "workbench"]
