"""The Generate tab: an idea and its settings in, three phases of scored variant cards out."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from ..engine.pipeline import (
    DEFAULT_COUNT,
    DEFAULT_MAX_TOKENS,
    DEFAULT_TEMPERATURE,
    GenerationResult,
    agenerate,
    default_models,
)
from ..errors import ValidationError
from ..models.catalog import ModelChoice
from ..models.registry import model_status
from ..vocab import MAX_COUNT, PERSONAS, PHASES, TEMPERATURE_RANGE
from . import markup
from .prompt_view import prompt_html
from .ui import Hub, Tab, facts, metrics_by_prompt, row

if TYPE_CHECKING:
    from ..store import Store

# A dropdown value of None would mean "nothing selected" to ipywidgets: the default is a name.
DEFAULT = "default"
WIDE = {"description_width": "initial"}  # labels in full, not "temperat…"


def model_options(store: Store, statuses: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """Per phase, the dropdown options: the configured default first, then every provider's model.

    Unusable models stay listed (marked with why), so choosing one explains itself on Generate.
    """
    defaults = default_models(store)
    out: dict[str, list[Any]] = {}
    for phase in PHASES:
        found = defaults[phase]
        default = (
            f"default: {found.provider}/{found.model_id}"
            if isinstance(found, ModelChoice)
            else f"default: unavailable ({found})"
        )
        options: list[Any] = [(default, DEFAULT)]
        for s in statuses:
            mark = "usable" if s["usable"] else "not usable"
            options.append((f"{s['provider']}/{s['model']} ({mark})", (s["provider"], s["model"])))
        out[phase] = options
    return out


def status_table(statuses: list[dict[str, Any]]) -> str:
    """Which models are usable now and why the others are not."""
    rows = [
        {"provider": s["provider"], "model": s["model"], "usable": "yes" if s["usable"] else "no"}
        | {"why": "" if s["usable"] else s["reason"]}
        for s in statuses
    ]
    return markup.table(rows, ["provider", "model", "usable", "why"], width=140)


def parse_tags(text: str) -> list[str]:
    """Comma-separated tags, blanks dropped."""
    return [t.strip() for t in text.split(",") if t.strip()]


def parse_seed(text: str) -> int | None:
    """A whole-number seed, or None (a fresh one per request) when blank."""
    text = text.strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise ValidationError(f"the seed must be a whole number or blank, got {text!r}") from None


class GenerateTab(Tab):
    """Idea, persona, phases with a model each, count, temperature, max tokens, tags, seed."""

    title = "Generate"

    def __init__(self, store: Store, hub: Hub) -> None:
        super().__init__(store, hub)
        self.result: GenerationResult | None = None
        self.idea = widgets.Textarea(
            placeholder="Describe what the prompt should achieve …",
            layout={"width": "95%", "height": "70px"},
        )
        self.persona = widgets.Dropdown(
            options=PERSONAS, value="generic", description="persona", style=WIDE
        )
        self.count = widgets.BoundedIntText(
            value=DEFAULT_COUNT, min=1, max=MAX_COUNT, description="variants", style=WIDE
        )
        self.temperature = widgets.FloatSlider(
            value=DEFAULT_TEMPERATURE,
            min=TEMPERATURE_RANGE[0],
            max=TEMPERATURE_RANGE[1],
            step=0.1,
            description="temperature",
            style=WIDE,
        )
        self.max_tokens = widgets.BoundedIntText(
            value=DEFAULT_MAX_TOKENS, min=16, max=200_000, description="max tokens", style=WIDE
        )
        self.tags = widgets.Text(placeholder="comma, separated", description="tags", style=WIDE)
        self.seed = widgets.Text(placeholder="random", description="seed", style=WIDE)
        self.statuses = model_status()
        options = model_options(store, self.statuses)
        self.use: dict[str, widgets.Checkbox] = {}
        self.models: dict[str, widgets.Dropdown] = {}
        self.bars: dict[str, widgets.IntProgress] = {}
        self.notes: dict[str, widgets.Label] = {}
        phase_rows = []
        for phase in PHASES:
            self.use[phase] = widgets.Checkbox(
                value=True, description=phase, indent=False, layout={"width": "130px"}
            )
            self.models[phase] = widgets.Dropdown(
                options=options[phase], value=DEFAULT, layout={"width": "340px"}
            )
            self.bars[phase] = widgets.IntProgress(value=0, min=0, max=1, layout={"width": "180px"})
            self.notes[phase] = widgets.Label("", layout={"width": "auto"})
            phase_rows.append(
                widgets.HBox(
                    [self.use[phase], self.models[phase], self.bars[phase], self.notes[phase]]
                )
            )
        self.model_help = widgets.Accordion(
            children=[widgets.HTML(status_table(self.statuses))], titles=("Which models can run",)
        )
        self.model_help.selected_index = None
        self.button = widgets.Button(description="Generate", button_style="primary", icon="flask")
        self.button.on_click(self.safely(self.click))
        self.busy = [self.button]
        self.cards = widgets.VBox()
        self.status.add_class("alchemy-generate-status")
        self.widget = widgets.VBox(
            [
                self.idea,
                row(self.persona, self.count, self.temperature),
                row(self.max_tokens, self.tags, self.seed),
                widgets.HTML("<strong>Phases and models</strong>"),
                *phase_rows,
                self.model_help,
                row(self.button, self.status),
                self.error.widget,
                self.cards,
            ]
        )

    # -- reading the form ---------------------------------------------------------------------
    def settings(self) -> dict[str, Any]:
        """The keyword arguments of `agenerate` that the form describes."""
        phases = [p for p in PHASES if self.use[p].value]
        if not phases:
            raise ValidationError("tick at least one phase")
        chosen = {p: self.models[p].value for p in phases if self.models[p].value != DEFAULT}
        return {
            "count": self.count.value,
            "persona": self.persona.value,
            "phases": phases,
            "temperature": round(self.temperature.value, 2),
            "max_tokens": self.max_tokens.value,
            "tags": parse_tags(self.tags.value),
            "seed": parse_seed(self.seed.value),
            "phase_models": chosen or None,
        }

    # -- running --------------------------------------------------------------------------------
    def click(self) -> None:
        """Generate (the button): validate the form now, then run the phases (see `run`)."""
        kwargs = self.settings()
        idea = self.idea.value
        self._reset_bars(kwargs["phases"])
        self.say("running …")
        self.start(lambda: self._generate(idea, kwargs), self.show)

    async def run(self) -> GenerationResult:
        """Generate and show the cards; in a notebook, `await tab.run()` is a click that waits."""
        self.error.clear()
        kwargs = self.settings()
        self._reset_bars(kwargs["phases"])
        result = await self._generate(self.idea.value, kwargs)
        self.show(result)
        return result

    async def _generate(self, idea: str, kwargs: dict[str, Any]) -> GenerationResult:
        return await agenerate(
            idea, store=self.store, progress=False, on_progress=self._progress, **kwargs
        )

    def _reset_bars(self, phases: list[str]) -> None:
        for phase in PHASES:
            self.bars[phase].value = 0
            self.bars[phase].bar_style = ""
            self.notes[phase].value = "" if phase in phases else "skipped"

    def _progress(self, phase: str, done: int, total: int) -> None:
        bar = self.bars[phase]
        bar.max = max(total, 1)
        bar.value = done
        self.notes[phase].value = f"{done}/{total}"
        if done == total:
            bar.bar_style = "success"

    # -- showing --------------------------------------------------------------------------------
    def show(self, result: GenerationResult) -> None:
        """Render a result as per-phase card rows and tell the other tabs."""
        self.result = result
        for run in result.phase_runs:
            if run.status == "failed":
                self.bars[run.phase].bar_style = "danger"
                self.notes[run.phase].value = markup.cut(run.error_message or "failed", 80)
        if result.error:
            self.error.show(ValidationError(f"request {result.request.status}: {result.error}"))
        cost = result.request.metadata.get("total_cost_usd")
        self.say(
            f"{result.request.status}: {len(result.prompts)} prompts, cost ${cost or 0:.6f}, "
            f"request {result.request.id[:8]}"
        )
        by_prompt = metrics_by_prompt(result.metrics)
        sections: list[widgets.Widget] = []
        for phase in result.request.phases:
            prompts = result.by_phase(phase)
            if not prompts:
                continue
            cards = [
                widgets.HTML(
                    markup.card(
                        f"#{p.rank} {phase}",
                        facts(p, by_prompt.get(p.id, [])),
                        body_html=prompt_html(p.content),  # Markdown rendered, line breaks kept
                        ident=p.id,
                    ),
                    layout={"width": "300px", "min_width": "300px", "margin": "0 6px 6px 0"},
                ).add_class("alchemy-card")
                for p in prompts
            ]
            compare = widgets.Button(description="Compare & pick", icon="columns")
            compare.on_click(self.safely(functools.partial(self.hub.emit, "open", prompts[0].id)))
            head = row(widgets.HTML(f"<h4 style='margin:4px 0'>{phase}</h4>"), compare)
            # One horizontal strip per phase: the variants side by side, scrolling sideways.
            strip = widgets.HBox(cards, layout={"overflow": "auto hidden", "width": "100%"})
            sections.append(widgets.VBox([head, strip]))
        self.cards.children = sections
        self.hub.emit("generated", result)


__all__ = ["DEFAULT", "GenerateTab", "model_options", "parse_seed", "parse_tags", "status_table"]
