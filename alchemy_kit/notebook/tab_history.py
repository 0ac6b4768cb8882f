"""The History tab: recent requests (status, cost) and recent searches, each re-run in one click."""

from __future__ import annotations

from typing import TYPE_CHECKING

import ipywidgets as widgets

from ..engine.pipeline import GenerationResult
from . import markup, views
from .replay import rerun_request, rerun_search
from .ui import Hub, Tab, choose, request_label, row

if TYPE_CHECKING:
    from ..store import Store

LIMIT = 20


class HistoryTab(Tab):
    """What was generated and searched, newest first."""

    title = "History"

    def __init__(self, store: Store, hub: Hub) -> None:
        super().__init__(store, hub)
        self.requests_table = widgets.HTML()
        self.requests = widgets.Select(options=[], rows=5, layout={"width": "95%"})
        self.same_seed = widgets.Checkbox(value=False, description="same seed", indent=False)
        self.rerun = widgets.Button(description="Re-run request", icon="repeat")
        self.open_request = widgets.Button(description="Compare & pick", icon="columns")
        self.searches_table = widgets.HTML()
        self.searches = widgets.Select(options=[], rows=5, layout={"width": "95%"})
        self.rerun_search = widgets.Button(description="Re-run search", icon="search")
        self.reload = widgets.Button(description="Reload", icon="refresh")
        self.rerun.on_click(self.safely(self.click_rerun))
        self.open_request.on_click(self.safely(self.click_open))
        self.rerun_search.on_click(self.safely(self.click_rerun_search))
        self.reload.on_click(self.safely(self.refresh))
        # Until the researcher picks a row, the selection follows the newest one: a request
        # generated meanwhile is what "Re-run request" then acts on, not whatever was newest
        # when the tab was first drawn.
        self.followed = {"requests": True, "searches": True}
        self.requests.observe(lambda _: self._chosen("requests"), names="value")
        self.searches.observe(lambda _: self._chosen("searches"), names="value")
        self.busy = [self.rerun]
        self.widget = widgets.VBox(
            [
                row(self.reload, self.status),
                self.error.widget,
                widgets.HTML("<h4 style='margin:4px 0'>Recent requests</h4>"),
                self.requests_table,
                self.requests,
                row(self.rerun, self.same_seed, self.open_request),
                widgets.HTML("<h4 style='margin:4px 0'>Recent searches</h4>"),
                self.searches_table,
                self.searches,
                self.rerun_search,
            ]
        )

    def _chosen(self, which: str) -> None:
        if not self.quieted:  # a click in the list, not refresh() setting it
            self.followed[which] = False

    def refresh(self) -> None:
        """Re-read the recent requests and searches (newest first, the newest selected unless
        the researcher picked another)."""
        requests = self.store.list_requests(limit=LIMIT)
        searches = self.store.search_history(LIMIT)
        self.requests_table.value = views.records_table(requests)
        self.searches_table.value = views.records_table(searches)
        with self.quiet():
            self._fill(self.requests, "requests", [(request_label(q), q.id) for q in requests])
            self._fill(
                self.searches,
                "searches",
                [
                    (
                        f"{s.filters.get('mode', s.search_type)} · {markup.cut(s.query, 60)}"
                        f" · {s.result_count} hits",
                        s.id,
                    )
                    for s in searches
                ],
            )

    def _fill(self, select: widgets.Select, which: str, options: list[tuple[str, str]]) -> None:
        keep = None if self.followed[which] else select.value
        choose(select, options, keep)
        # A picked row that is gone (or none picked): follow the newest again.
        self.followed[which] = keep is None or select.value != keep

    def click_rerun(self) -> None:
        """Run the selected request again as a new request."""
        request_id = self.requests.value
        if not request_id:
            self.say("select a request first")
            return
        self.say(f"re-running {request_id[:8]} …")
        same = self.same_seed.value
        self.start(
            lambda: rerun_request(self.store, request_id, same_seed=same, progress=False),
            self._rerun_done,
        )

    def _rerun_done(self, result: GenerationResult) -> None:
        self.say(
            f"re-ran as {result.request.id[:8]}: {result.request.status}, {len(result.prompts)} prompts"
        )
        self.hub.emit("generated", result)

    def click_open(self) -> None:
        """Open the selected request's final phase in Compare & pick."""
        request_id = self.requests.value
        prompts = self.store.list_prompts(request_id=request_id, limit=1) if request_id else []
        if not prompts:
            self.say("that request has no prompts to compare")
            return
        self.hub.emit("open", prompts[0].id)

    def click_rerun_search(self) -> None:
        """Run the selected search again and show it in the Search tab."""
        search_id = self.searches.value
        record = next((s for s in self.store.search_history(LIMIT) if s.id == search_id), None)
        if record is None:
            self.say("select a search first")
            return
        result = rerun_search(self.store, record)
        self.hub.emit("show search", result)


__all__ = ["HistoryTab"]
