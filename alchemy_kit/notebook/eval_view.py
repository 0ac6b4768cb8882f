"""HTML for the Evaluate tab: cases, a run's summary, one output beside its case and prompt, A vs B.

Pure functions over the engine's result data (engine/eval_results.py, scoring/stats.py), standard
library only, every text escaped. The outcome palette is shared with `charts.eval_matrix`, so a
cell has the same colour in the widget grid and in the chart.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..placeholders import as_text
from ..records_eval import outcome
from . import markup

if TYPE_CHECKING:
    from .. import records_eval as ev
    from ..engine.eval_results import Cell, CellDetail, PromptSummary
    from ..scoring.stats import Verdict

# outcome → (colour, mark); the order is the legend's.
OUTCOMES: dict[str, tuple[str, str]] = {
    "passed": ("#7cc48a", "✓"),
    "failed": ("#e58a8a", "✗"),
    "call failed": ("#9e9e9e", "!"),
    "not graded": ("#f1d77a", "?"),
}
MISSING = ("#ffffff", "·")  # a unit of the run with no output (yet)
BOX = "flex:1 1 0;min-width:240px;margin:0 8px 0 0;padding:6px;border:1px solid #ddd;border-radius:4px"
PRE = (
    "white-space:pre-wrap;word-break:normal;overflow-wrap:break-word;font-size:12px;margin:4px 0;"
    "max-height:360px;overflow:auto"
)


def cell_mark(passed: bool | None, error: str | None, score: float | None) -> str:
    """What a matrix cell shows: its outcome's mark, or the grade of a failed output that passed
    some of its checks (".50"), so partial progress is visible."""
    verdict = outcome(passed, error)
    if verdict == "failed" and score is not None and 0 < score < 1:
        return f"{score:.2f}".lstrip("0")
    return OUTCOMES[verdict][1]


def cell_look(got: Cell | None) -> tuple[str, str, str]:
    """A matrix cell's colour, mark and tooltip: MISSING and "not run" for a unit with no output."""
    if got is None:
        return (*MISSING, "not run")
    colour = OUTCOMES[outcome(got.passed, got.error)][0]
    return colour, cell_mark(got.passed, got.error, got.score), got.error or got.preview


def legend() -> str:
    """The matrix legend: each outcome's colour and mark."""
    items = [
        f'<span style="background:{colour};padding:1px 6px;margin-right:8px;border-radius:3px">'
        f"{mark} {html.escape(name)}</span>"
        for name, (colour, mark) in OUTCOMES.items()
    ]
    return f"<p style='margin:4px 0;font-size:12px'>{''.join(items)}</p>"


def _assertion_text(a: dict[str, Any]) -> str:
    value = a.get("value")
    shown = "" if value is None else f": {as_text(value)}"
    threshold = f" ({a['threshold']})" if a.get("threshold") is not None else ""
    return f"{a.get('type')}{threshold}{shown}"


def cases_html(cases: Sequence[ev.Case]) -> str:
    """A request's cases: name, vars, assertions, reference, tags and where each came from."""
    if not cases:
        return "<p><em>no cases yet: add one, import a file, or suggest some</em></p>"
    rows = [
        {
            "name": c.name,
            "vars": "; ".join(f"{k}={as_text(v)}" for k, v in c.vars.items()),
            "assert": "; ".join(_assertion_text(a) for a in c.assertions),
            "reference": c.reference or "",
            "tags": ", ".join(c.tags),
            "source": c.source,
        }
        for c in cases
    ]
    return markup.table(rows, ["name", "vars", "assert", "reference", "tags", "source"], width=80)


def rate_text(s: PromptSummary) -> str:
    """A pass rate with its count and 95 % Wilson interval: "7/10 (70%) [0.40, 0.89]"."""
    if s.pass_rate is None or s.low is None or s.high is None:
        return "not graded"
    return f"{s.passed}/{s.graded} ({s.pass_rate:.0%}) [{s.low:.2f}, {s.high:.2f}]"


def summary_html(rows: Sequence[PromptSummary], labels: dict[str, str]) -> str:
    """Per prompt (and model): pass rate with its 95 % Wilson interval, grade, failures, cost, latency."""
    many = len({s.model for s in rows}) > 1
    cols = ["prompt", *(["model"] if many else []), "pass", "grade", "failed", "$/case", "ms/case"]
    data = [
        {
            "prompt": labels.get(s.prompt_id, s.prompt_id[:8]),
            "model": s.model,
            "pass": rate_text(s),
            "grade": s.mean_grade,
            "failed": s.failed_calls,
            "$/case": s.cost_per_case,
            "ms/case": s.latency_ms_per_case,
        }
        for s in rows
    ]
    return markup.table(data, cols, titles={"pass": "passed (95% CI)"}, width=60)


def _pre(text: str, label: str | None = None) -> str:
    head = f"<p style='margin:4px 0 0'><em>{html.escape(label)}</em></p>" if label else ""
    return f'{head}<pre style="{PRE}">{html.escape(text)}</pre>'


def _box(title: str, body: str) -> str:
    return f'<div style="{BOX}"><strong>{html.escape(title)}</strong>{body}</div>'


def detail_html(d: CellDetail, label: str | None = None) -> str:
    """One output beside its case's vars and the prompt, then every grader's verdict and reason."""
    out = d.output
    case_body = "".join(_pre(as_text(v), k) for k, v in d.case.vars.items())
    case_body = case_body or "<p><em>no vars</em></p>"
    if d.case.reference:
        case_body += _pre(d.case.reference, "reference")
    sent = "".join(
        _pre(markup.preview(m["content"], lines=30, width=2000), f"{m['role']} message")
        for m in d.messages
    )
    facts = (
        f"{out.provider}/{out.model} · {out.input_tokens or 0}/{out.output_tokens or 0} tokens"
        f" · {out.latency_ms} ms · ${out.cost_usd or 0:.6f}"
    )
    said = _pre(out.text or "") if out.error is None else _error(out.error)
    verdict = outcome(out.passed, out.error)
    colour = OUTCOMES[verdict][0]
    head = (
        f"<p style='margin:4px 0'><span style='background:{colour};padding:1px 6px;"
        f"border-radius:3px'>{html.escape(verdict)}</span> "
        f"<strong>{html.escape(d.case.name)}</strong> × "
        + (html.escape(label) if label else f"prompt {markup.short_id(d.prompt_id)}")
        + "</p>"
    )
    boxes = (
        "<div style='display:flex;flex-flow:row nowrap;align-items:stretch;width:100%'>"
        + _box(f"Case: {markup.cut(d.case.name, 60)}", case_body)
        + _box(f"Prompt {d.prompt_id[:8]} (as sent)", sent)
        + _box("Output", f"<p style='margin:4px 0;font-size:12px'>{html.escape(facts)}</p>{said}")
        + "</div>"
    )
    return f"<div class='alchemy-eval-detail'>{head}{boxes}{grades_html(d.grades)}</div>"


def _error(message: str) -> str:
    return f"<p style='color:#b00'>{html.escape(message)}</p>"


def grades_html(grades: Sequence[dict[str, Any]]) -> str:
    """Each grader's verdict: passed or not (or why it could not grade), score and reason."""
    if not grades:
        return "<p><em>no grader ran on this output (a failed call is not graded)</em></p>"
    rows = [
        {
            "grader": g.get("grader"),
            "passed": "not graded" if g.get("passed") is None else ("yes" if g["passed"] else "no"),
            "score": g.get("score"),
            "reason": g.get("error") or g.get("reason") or "",
        }
        for g in grades
    ]
    return markup.heading("Graders") + markup.table(
        rows, ["grader", "passed", "score", "reason"], width=200
    )


def verdict_html(v: Verdict, labels: dict[str, str]) -> str:
    """The "does A beat B?" verdict: its sentence, then n, wins, ties, effect, p and the method."""
    a, b = labels.get(v.a, v.a[:8]), labels.get(v.b, v.b[:8])
    interval = None if v.interval is None else f"[{v.interval[0]:.3f}, {v.interval[1]:.3f}]"
    measures = {
        "A": a,
        "B": b,
        "shared cases": v.n,
        "A better / B better / ties": f"{v.a_wins} / {v.b_wins} / {v.ties}",
        "effect (mean A − B)": round(v.effect, 4),
        "95% interval of the effect": interval,
        "p-value": None if v.p_value is None else round(v.p_value, 4),
        "method": v.method,
    }
    colour = "#1a7f37" if v.winner else "#555"
    sentence = (
        f"<p class='alchemy-eval-verdict' style='color:{colour}'>"
        f"<strong>{html.escape(v.summary)}</strong></p>"
    )
    return sentence + markup.measures_table(measures, width=120)


__all__ = [
    "MISSING",
    "OUTCOMES",
    "cases_html",
    "cell_look",
    "cell_mark",
    "detail_html",
    "grades_html",
    "legend",
    "outcome",
    "rate_text",
    "summary_html",
    "verdict_html",
]
