"""The Compare & pick tab: one phase's variants side by side, diffed against the best, to pick from.

Every pick is a row of `preferences` written by the scoring library (which re-ranks at once); the
judge, the optimise loop, re-ranking and learning from picks are one click each.
"""

from __future__ import annotations

import functools
import html
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from .. import records as r
from ..engine.optimize import OptimizeResult, aoptimize
from ..errors import ValidationError
from ..scoring.judge import JudgeResult, ajudge
from ..scoring.learn import LearnReport, learn
from ..scoring.preferences import pick_best, rate, thumb, undo, whoami
from ..scoring.rank import rescore
from ..vocab import PHASES
from . import markup, views
from .prompt_view import diff_html, diff_title, prompt_html
from .ui import Hub, Tab, choose, facts, metrics_by_prompt, request_options, row

if TYPE_CHECKING:
    from ..store import Store

OPTIMIZE_ITERATIONS = 3


class VariantCard:
    """One variant: its card (diffed against the best) and the buttons that act on it."""

    def __init__(self, prompt: r.Prompt, best: r.Prompt, metrics: list[r.Metric]) -> None:
        self.prompt = prompt
        if prompt.id == best.id:
            title, body = "best", prompt_html(prompt.content)
        else:  # by line, or whole when the two share little (see prompt_view)
            title, body = (
                diff_title(best.content, prompt.content),
                diff_html(best.content, prompt.content),
            )
        self.html = widgets.HTML(
            markup.card(title, facts(prompt, metrics), body_html=body, ident=prompt.id)
        )
        self.best = widgets.Button(description="Best", icon="trophy", tooltip="best of this phase")
        self.up = widgets.Button(icon="thumbs-up", tooltip="thumb up", layout={"width": "44px"})
        self.down = widgets.Button(
            icon="thumbs-down", tooltip="thumb down", layout={"width": "44px"}
        )
        self.stars = [
            widgets.Button(description=str(i), tooltip=f"rate {i} of 5", layout={"width": "34px"})
            for i in range(1, 6)
        ]
        self.judge = widgets.Button(description="Judge", icon="gavel")
        self.optimize = widgets.Button(description="Optimise", icon="magic")
        self.widget = widgets.VBox(
            [
                self.html,
                row(self.best, self.up, self.down),
                row(widgets.Label("rate"), *self.stars),
                row(self.judge, self.optimize),
            ],
            layout={"width": "360px", "min_width": "360px", "margin": "0 8px 8px 0"},
        )
        self.html.add_class("alchemy-compare-card")

    @property
    def buttons(self) -> list[widgets.Button]:
        """Every button of the card."""
        return [self.best, self.up, self.down, *self.stars, self.judge, self.optimize]


class CompareTab(Tab):
    """Choose a request and a phase; pick, thumb, rate, judge or optimise its variants."""

    title = "Compare & pick"

    def __init__(self, store: Store, hub: Hub) -> None:
        super().__init__(store, hub)
        self.cards: list[VariantCard] = []
        self.last_picks: list[r.Preference] = []
        self.requests = widgets.Dropdown(description="request", layout={"width": "60%"})
        self.phase = widgets.ToggleButtons(options=PHASES, value=PHASES[-1])
        self.who = widgets.Text(value=whoami(), description="who")
        self.reload = widgets.Button(description="Reload", icon="refresh")
        self.rerank = widgets.Button(description="Re-rank", icon="sort-amount-desc")
        self.learn = widgets.Button(description="Learn from picks", icon="graduation-cap")
        self.undo = widgets.Button(description="Undo last pick", icon="undo", disabled=True)
        self.variants = widgets.HBox(layout={"overflow": "auto hidden", "width": "100%"})
        self.report = widgets.HTML()
        self.picks = widgets.HTML()
        self.requests.observe(self._changed, names="value")
        self.phase.observe(self._changed, names="value")
        self.reload.on_click(self.safely(self.refresh))
        self.rerank.on_click(self.safely(self.click_rerank))
        self.learn.on_click(self.safely(self.click_learn))
        self.undo.on_click(self.safely(self.click_undo))
        self.widget = widgets.VBox(
            [
                row(self.requests, self.reload),
                row(self.phase, self.who),
                self.error.widget,
                self.status,
                self.variants,
                row(self.rerank, self.learn, self.undo),
                self.report,
                self.picks,
            ]
        )

    # -- choosing what to compare -----------------------------------------------------------------
    def _changed(self, _: Any) -> None:
        if not self.quieted:
            self.safely(self.show)()

    def _select(self, request_id: str | None, phase: str | None = None) -> None:
        """Reload the request options, select `request_id` (and `phase`), render once."""
        with self.quiet():
            choose(self.requests, request_options(self.store, request_id), request_id)
            if phase:
                self.phase.value = phase
        self.show()

    def refresh(self) -> None:
        """Re-read the recent requests (keeping the selection) and the variants shown."""
        self._select(self.requests.value)

    def open(self, prompt_id: str) -> None:
        """Show the phase of the request that `prompt_id` belongs to."""
        prompt = self.store.get_prompt(prompt_id)
        if prompt.request_id is None:
            raise ValidationError(f"prompt {prompt.id[:8]} belongs to no request")
        self._select(prompt.request_id, prompt.phase)

    def variants_shown(self) -> list[r.Prompt]:
        """The variants of the chosen request and phase, best first."""
        if not self.requests.value:
            return []
        found = self.store.list_prompts(
            request_id=self.requests.value, phase=self.phase.value, limit=None
        )
        return sorted(found, key=lambda p: (p.rank or 10**9, p.created_at))

    def show(self) -> None:
        """Render the chosen phase's variants side by side, each diffed against the best."""
        prompts = self.variants_shown()
        metrics = metrics_by_prompt(self.store.metrics_for([p.id for p in prompts]))
        self.cards = [VariantCard(p, prompts[0], metrics.get(p.id, [])) for p in prompts]
        for card in self.cards:
            self._wire(card)
        self.busy = [b for card in self.cards for b in card.buttons]
        self.variants.children = [card.widget for card in self.cards]
        if not prompts:
            self.say("no variants: choose a request and a phase (or generate one)")
        picks = self.store.preferences(prompt_ids=[p.id for p in prompts])
        self.picks.value = views.records_table(picks) if picks else ""

    def _wire(self, card: VariantCard) -> None:
        pid = card.prompt.id
        card.best.on_click(self.safely(lambda: self.click_best(pid)))
        card.up.on_click(self.safely(lambda: self.click_thumb(pid, True)))
        card.down.on_click(self.safely(lambda: self.click_thumb(pid, False)))
        for i, star in enumerate(card.stars, start=1):
            star.on_click(self.safely(functools.partial(self.click_rate, pid, i)))
        card.judge.on_click(self.safely(lambda: self.click_judge(pid)))
        card.optimize.on_click(self.safely(lambda: self.click_optimize(pid)))

    # -- picks ----------------------------------------------------------------------------------
    def _picked(self, picks: list[r.Preference], what: str) -> None:
        self.last_picks = picks
        self.undo.disabled = False
        self.show()
        ranks = ", ".join(f"{p.id[:8]} #{p.rank}" for p in self.variants_shown())
        self.say(f"{what}; ranks now: {ranks}")

    def click_best(self, prompt_id: str) -> None:
        """Record `prompt_id` as the best of its phase (preferred over each sibling shown)."""
        shown = [c.prompt.id for c in self.cards]
        picks = pick_best(self.store, prompt_id, who=self.who.value, shown_order=shown)
        self._picked(picks, f"picked {prompt_id[:8]} as best ({len(picks)} pairwise picks)")

    def click_thumb(self, prompt_id: str, up: bool) -> None:
        """Record a thumb up or down."""
        pick = thumb(self.store, prompt_id, up, who=self.who.value)
        self._picked([pick], f"thumb {'up' if up else 'down'} for {prompt_id[:8]}")

    def click_rate(self, prompt_id: str, rating: int) -> None:
        """Record a 1-5 rating."""
        pick = rate(self.store, prompt_id, rating, who=self.who.value)
        self._picked([pick], f"rated {prompt_id[:8]} {rating}/5")

    def click_undo(self) -> None:
        """Take back the last pick (all rows of a best-of-phase pick)."""
        for pick in self.last_picks:
            undo(self.store, pick.id)
        n, self.last_picks = len(self.last_picks), []
        self.undo.disabled = True
        self.show()
        self.say(f"took back {n} pick row(s)")

    # -- scoring actions --------------------------------------------------------------------------
    def click_rerank(self) -> None:
        """Re-score the variants shown with the weights in force (ranks follow)."""
        scores = rescore(self.store, [p.id for p in self.variants_shown()])
        self.show()
        self.say(f"re-scored {len(scores)} variants")

    def click_learn(self) -> None:
        """Learn scorer weights from the stored picks and show the held-out accuracy."""
        report = learn(self.store)
        self.report.value = learn_html(report)
        self.show()

    def click_judge(self, prompt_id: str) -> None:
        """Run the judge on one variant (offline, the scorer stands in and says so)."""
        self.say(f"judging {prompt_id[:8]} …")
        self.start(lambda: ajudge(self.store, prompt_id), self._judged)

    def _judged(self, result: JudgeResult) -> None:
        self.report.value = judge_html(result)
        self.show()
        self.say(f"judged {result.prompt_id[:8]}")

    def click_optimize(self, prompt_id: str) -> None:
        """Run the optimise loop from one variant; improved versions join the phase."""
        self.say(f"optimising {prompt_id[:8]} …")
        self.start(
            lambda: aoptimize(prompt_id, store=self.store, max_iterations=OPTIMIZE_ITERATIONS),
            self._optimized,
        )

    def _optimized(self, result: OptimizeResult) -> None:
        self.report.value = optimize_html(result)
        self.show()
        self.say(f"optimised {result.start_id[:8]}: {result.message}")


def learn_html(report: LearnReport) -> str:
    """What learning did: pairs, held-out accuracy against the shipped weights, stored or not."""
    measures = {
        "pick pairs": report.pick_pairs,
        "labelled pairs": report.labelled_pairs,
        "held-out accuracy on picks (learned)": report.picks_cv_accuracy,
        "accuracy on picks (shipped weights)": report.default_accuracy_on_picks,
        "cross-validated accuracy (all pairs)": report.cv_accuracy,
        "weights stored": "yes" if report.stored else "no",
    }
    return markup.heading("Learn from picks", report.message) + markup.measures_table(measures)


def judge_html(result: JudgeResult) -> str:
    """A judgement: the score, who judged (or why the scorer stood in), criteria and critique."""
    who = result.model or "offline scorer"
    note = f"the offline scorer stood in: {result.fallback}" if result.fallback else None
    head = markup.heading(
        f"Judge ({who}): {result.prompt_id[:8]} scores {markup.number(result.score, 3)}",
        note,
        error=result.error,
    )
    rows = [{"criterion": k, "score": v} for k, v in result.criteria.items()]
    body = markup.table(rows, ["criterion", "score"]) if rows else ""
    critique = f"<p>{html.escape(markup.cut(result.critique, 600))}</p>" if result.critique else ""
    return head + body + critique


def optimize_html(result: OptimizeResult) -> str:
    """The optimise loop's path: its signal, the steps tried and whether the signal confirmed one."""
    head = markup.heading(
        f"Optimised against {result.signal}: {'improved' if result.improved else 'no change'}",
        f"{result.message} · {len(result.steps)} step(s), stopped: {result.stopped}",
    )
    rows = [
        {
            "step": s.iteration,
            "search grade": s.search_score,
            "kept": "yes" if s.accepted else "no",
            "why": s.reason,
            "id": s.prompt_id,
        }
        for s in result.steps
    ]
    cells = {"id": lambda row: markup.short_id(row["id"])}
    cols = ["step", "search grade", "kept", "why", "id"]
    return head + (markup.table(rows, cols, cells=cells) if rows else "")


__all__ = ["CompareTab", "VariantCard", "judge_html", "learn_html", "optimize_html"]
