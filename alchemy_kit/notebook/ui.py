"""What every workbench tab shares: the event hub, the error line, running work, variant facts.

Long work (generation, a remote judge, optimisation) goes through `launch`: inside Jupyter, where an
event loop is running, it becomes a task so the kernel stays responsive; with no running loop
(tests, scripts) it runs to completion before the click returns, so `button.click()` is enough to
drive a tab headless.
"""

from __future__ import annotations

import asyncio
import html
import traceback
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

import ipywidgets as widgets

from .. import records as r
from ..errors import AlchemyError
from . import markup

if TYPE_CHECKING:
    from ..store import Store

T = TypeVar("T")
HIDDEN = {"display": "none"}


class Hub:
    """A tiny event hub: tabs announce what happened ("generated", "open", "searched")."""

    def __init__(self) -> None:
        self._subscribers: dict[str, list[Callable[..., None]]] = defaultdict(list)

    def on(self, event: str, handler: Callable[..., None]) -> None:
        """Call `handler(*args)` whenever `event` is emitted."""
        self._subscribers[event].append(handler)

    def emit(self, event: str, *args: Any) -> None:
        """Tell every subscriber of `event`."""
        for handler in list(self._subscribers[event]):
            handler(*args)


class ErrorLine:
    """One red line inside a tab; unexpected exceptions add a "details" toggle with the traceback."""

    def __init__(self) -> None:
        self.line = widgets.HTML()
        self.toggle = widgets.ToggleButton(description="details", layout={"display": "none"})
        self.trace = widgets.HTML(layout={"display": "none"})
        self.toggle.observe(self._flip, names="value")
        self.widget = widgets.VBox([widgets.HBox([self.line, self.toggle]), self.trace])
        self.message = ""

    def show(self, exc: BaseException) -> None:
        """Show an error: an AlchemyError's own message, or the exception type and message."""
        expected = isinstance(exc, AlchemyError)
        self.message = str(exc) if expected else f"{type(exc).__name__}: {exc}"
        self.line.value = markup.error_line(self.message)
        if expected:
            self.toggle.layout.display = "none"
            self.trace.value = ""
        else:
            text = "".join(traceback.format_exception(exc))
            self.trace.value = f"<pre style='font-size:11px'>{html.escape(text)}</pre>"
            self.toggle.layout.display = None
        self.toggle.value = False

    def clear(self) -> None:
        """Remove the error line."""
        self.message = ""
        self.line.value = ""
        self.trace.value = ""
        self.toggle.value = False
        self.toggle.layout.display = "none"

    def _flip(self, change: dict[str, Any]) -> None:
        self.trace.layout.display = None if change["new"] else "none"


def launch(
    work: Callable[[], Awaitable[T]],
    done: Callable[[T], None],
    fail: Callable[[BaseException], None],
) -> asyncio.Task[None] | None:
    """Run `work()`: as a task when an event loop runs (Jupyter), else to completion now.

    Either way `done(value)` or `fail(exc)` is called; awaiting the task never raises an Exception
    (it is shown by `fail`), so a notebook can click a button and `await tab.task`, then read
    what the tab shows.
    """
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(_guarded(work, done, fail))
        return None
    task = loop.create_task(_guarded(work, done, fail))

    def cancelled(t: asyncio.Task[None]) -> None:
        if t.cancelled():
            fail(asyncio.CancelledError("cancelled"))

    task.add_done_callback(cancelled)
    return task


async def _guarded(
    work: Callable[[], Awaitable[T]],
    done: Callable[[T], None],
    fail: Callable[[BaseException], None],
) -> None:
    try:
        value = await work()
    except Exception as exc:  # reported by `fail`, in the widget
        fail(exc)
        return
    done(value)


class Tab:
    """Base of the workbench tabs: a store, the hub, an error line and a status line."""

    title = ""

    def __init__(self, store: Store, hub: Hub) -> None:
        self.store = store
        self.hub = hub
        self.error = ErrorLine()
        self.status = widgets.HTML()
        self.task: asyncio.Task[None] | None = None  # the running work, inside Jupyter
        self.busy: list[widgets.Button] = []  # disabled while long work runs
        self.widget: widgets.Widget = widgets.VBox()
        self.quieted = False  # while code changes a selection: one render, not one per change

    def refresh(self) -> None:
        """Re-read what the tab shows from the store."""

    def safely(self, fn: Callable[[], None]) -> Callable[..., None]:
        """A widget callback that runs `fn` and shows any exception in the tab's error line."""

        def handler(*_: Any) -> None:
            self.error.clear()
            try:
                fn()
            except Exception as exc:  # shown in the widget, never raised into the frontend
                self.error.show(exc)

        return handler

    def start(self, work: Callable[[], Awaitable[T]], done: Callable[[T], None]) -> None:
        """Run long work (see `launch`); buttons in `busy` are disabled until it ends."""
        self.error.clear()
        for button in self.busy:
            button.disabled = True

        def finished(value: T) -> None:
            self._idle()
            try:
                done(value)
            except Exception as exc:
                self.error.show(exc)

        def failed(exc: BaseException) -> None:
            self._idle()
            self.status.value = ""
            self.error.show(exc)

        self.task = launch(work, finished, failed)

    @contextmanager
    def quiet(self) -> Iterator[None]:
        """Change selections without their observers re-rendering (they check `quieted`)."""
        self.quieted = True
        try:
            yield
        finally:
            self.quieted = False

    def _idle(self) -> None:
        for button in self.busy:
            button.disabled = False

    def say(self, text: str) -> None:
        """Put one plain line in the status area."""
        self.status.value = f"<p style='margin:2px 0'>{html.escape(text)}</p>"


def facts(prompt: r.Prompt, metrics: Iterable[r.Metric]) -> dict[str, Any]:
    """What a variant card shows: rank, score, strategy, tokens, latency and cost."""
    mine = {m.metric_type: m for m in metrics if m.prompt_id == prompt.id}
    tokens = mine.get("tokens")
    return {
        "rank": prompt.rank,
        "score": prompt.score,
        "strategy": prompt.metadata.get("strategy"),
        "tokens in/out": f"{tokens.input_tokens}/{tokens.output_tokens}" if tokens else None,
        "ms": int(mine["time"].value) if "time" in mine else None,
        "USD": mine["cost"].value if "cost" in mine else None,
    }


def metrics_by_prompt(metrics: Iterable[r.Metric]) -> Mapping[str, list[r.Metric]]:
    """Group metric rows by prompt id."""
    out: dict[str, list[r.Metric]] = defaultdict(list)
    for m in metrics:
        out[m.prompt_id].append(m)
    return out


def request_label(req: r.Request) -> str:
    """A one-line label for a request in a dropdown."""
    return f"{markup.cut(req.input, 60)} · {req.status} · {req.id[:8]}"


def request_options(store: Store, request_id: str | None) -> list[tuple[str, str]]:
    """The 50 newest requests as dropdown options, and `request_id` too when it is older."""
    found = store.list_requests(limit=50)
    options = [(request_label(q), q.id) for q in found]
    if request_id and request_id not in {q.id for q in found}:
        options.append((request_label(store.get_request(request_id)), request_id))
    return options


def choose(menu: widgets.Dropdown, options: list[tuple[str, str]], wanted: Any) -> None:
    """Set a dropdown's options and select `wanted`, else the first option (None when empty)."""
    ids = [value for _, value in options]
    menu.options = options
    menu.value = wanted if wanted in ids else (ids[0] if ids else None)


def row(*children: widgets.Widget, **layout: Any) -> widgets.HBox:
    """A wrapping horizontal row of widgets."""
    return widgets.HBox(list(children), layout={"flex_flow": "row wrap", **layout})


__all__ = [
    "ErrorLine",
    "Hub",
    "Tab",
    "choose",
    "facts",
    "launch",
    "metrics_by_prompt",
    "request_label",
    "request_options",
    "row",
]
