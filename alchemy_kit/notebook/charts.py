"""Altair charts over the store: each takes a Store (plus optional filters) and returns a chart.

No chart function has side effects: it reads aggregated rows from the store (SQL does the grouping,
see store/analytics.py), shapes them with pandas and returns an Altair chart, to display, combine or
`save_chart` as PNG/SVG offline (vl-convert). Filters are those of a search (phase, provider,
prompt_model, persona, tags, created_from, created_to, min_score, request_id). The eval charts
(`pass_rate`, `eval_matrix`) take a run instead: an id, a prefix, or by default the newest run.

Renderers: `enable_offline()` draws interactive charts in JupyterLab with no network access
(Altair's `jupyter` renderer, an anywidget whose Vega bundle comes from vl-convert, not a CDN);
`use_png()` renders static PNGs, which the tested notebooks use: nbval skips image outputs (it
compares them only with --nbdime), so a chart cell is checked by running without error and by its
text/plain repr, not by its pixels, and a saved notebook holds no widget state.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import altair as alt
import numpy as np
import pandas as pd

from ..errors import ValidationError
from ..scoring.stats import wilson
from ..search.query import build_filters
from ..store.codec import decode_many
from ..vocab import PHASES
from . import markup
from .eval_view import OUTCOMES, outcome

if TYPE_CHECKING:
    from .. import records_eval as ev
    from ..store import Store

# Above this many rows a chart shows aggregates (tokens per day) or a sample (the newest points).
MAX_ROWS = 5000
WIDTH = 420
HEIGHT = 260
PICK = "picked"  # the embedding map's click selection, read back by the dashboard
PHASE_SCALE = alt.Scale(domain=list(PHASES), range=["#8c6d31", "#3182bd", "#31a354"])


def enable_offline() -> None:
    """Render charts interactively in JupyterLab without network access (vl-convert's Vega)."""
    alt.renderers.enable("jupyter", offline=True)
    alt.JupyterChart.enable_offline()


def use_png(scale: float = 1.0) -> None:
    """Render charts as PNG images whose text form is the chart's sanitised Vega-Lite spec.

    nbval skips PNG outputs, so a tested notebook compares the text: the spec with each inline
    dataset reduced to its row count and columns (values hold timestamps, latencies and ids that
    change per run) and Altair's counter-numbered names made stable. A changed mark, encoding,
    title, scale or row count then fails the notebook test.
    """
    if PNG_RENDERER not in alt.renderers.names():
        alt.renderers.register(PNG_RENDERER, _png_with_spec)
    alt.renderers.enable(PNG_RENDERER, scale_factor=scale)


PNG_RENDERER = "alchemy-png"


def _png_with_spec(spec: dict[str, Any], **metadata: Any) -> Any:
    from altair.vegalite.v6.display import png_renderer

    bundle: Any = png_renderer(spec, **metadata)
    data, meta = bundle if isinstance(bundle, tuple) else (bundle, None)
    data = {**data, "text/plain": spec_text(spec)}
    return (data, meta) if meta is not None else data


def spec_text(spec: dict[str, Any]) -> str:
    """A chart's Vega-Lite spec as stable text: data reduced to its shape, generated names fixed.

    One line per top-level property (and per encoding channel), so a changed chart shows as a
    short diff.
    """
    import json
    import re

    spec = {k: v for k, v in spec.items() if k != "$schema"}
    datasets = spec.pop("datasets", None) or {}
    lines = [
        f"data {name}: {len(rows)} row(s) of {', '.join(sorted({k for r in rows for k in r}))}"
        for name, rows in datasets.items()
    ]
    for key, value in sorted(spec.items()):
        if key == "encoding" and isinstance(value, dict):
            lines += [
                f"encoding.{ch}: {json.dumps(v, sort_keys=True, ensure_ascii=False)}"
                for ch, v in sorted(value.items())
            ]
        else:
            lines.append(
                f"{key}: {json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)}"
            )
    text = "\n".join(["Vega-Lite chart", *lines])
    # Dataset names hash their values; unnamed params and views get a random or counted suffix.
    pattern = re.compile(r"\bdata-[0-9a-f]{32}\b|\b(?:param|view)_[0-9a-f]+\b")
    names: dict[str, str] = {}
    for found in dict.fromkeys(pattern.findall(text)):
        kind = found.split("_")[0].split("-")[0]
        names[found] = f"{kind}_{sum(v.startswith(kind) for v in names.values()) + 1}"
    return pattern.sub(lambda m: names[m[0]], text)


def save_chart(chart: alt.TopLevelMixin, path: str | Path, *, scale: float = 2.0) -> Path:
    """Write a chart as PNG or SVG (by suffix), rendered offline by vl-convert."""
    import vl_convert as vlc

    out = Path(path)
    spec = chart.to_dict()
    version = alt.SCHEMA_VERSION.lstrip("v").rsplit(".", 1)[0].replace(".", "_")
    if out.suffix.lower() == ".png":
        out.write_bytes(vlc.vegalite_to_png(spec, vl_version=version, scale=scale))
    elif out.suffix.lower() == ".svg":
        out.write_text(vlc.vegalite_to_svg(spec, vl_version=version), "utf-8")
    else:
        raise ValidationError(f"save_chart writes .png or .svg files, got {out.name!r}")
    return out


def _empty(title: str, message: str) -> alt.Chart:
    """A chart that says why it has nothing to show (rather than an empty frame)."""
    import textwrap

    # Wrapped to fit the narrowest place a chart is drawn: a cell of the dashboard's grid.
    data = pd.DataFrame({"message": ["\n".join(textwrap.wrap(message, 44))]})
    return (
        alt.Chart(data, title=title)
        .mark_text(align="left", baseline="middle", fontSize=13, color="#666", x=10, lineBreak="\n")
        .encode(text="message:N")
        .properties(width=WIDTH, height=80)
    )


def grid(
    charts: list[alt.Chart], *, columns: int = 2, width: int = 300, height: int = 200
) -> alt.ConcatChart:
    """Several charts in one view, each keeping its own colours and legends."""
    sized = [c.properties(width=width, height=height) for c in charts]
    return (
        alt.concat(*sized, columns=columns)
        .resolve_scale(
            color="independent", size="independent", strokeDash="independent", xOffset="independent"
        )
        .resolve_legend(color="independent", size="independent", strokeDash="independent")
        # Legends under their charts, not beside them: two columns then fit a notebook panel
        # (about 760 px) instead of running off its right edge with the legends clipped.
        .configure_legend(orient="bottom", direction="horizontal", columns=4)
    )


def score_by_phase(store: Store, **filters: Any) -> alt.Chart:
    """Mean score of the prompts per phase and provider (min and max in the tooltip)."""
    rows = store.metric_summary(["phase", "provider"], build_filters(**filters))
    title = "Score by phase and provider"
    if not rows:
        return _empty(title, "no prompts yet: generate some first")
    data = rows.to_dataframe()
    return (
        alt.Chart(data, title=title)
        .mark_bar()
        .encode(
            x=alt.X("phase:N", sort=list(PHASES), title="phase", axis=alt.Axis(labelAngle=0)),
            xOffset=alt.XOffset("provider:N"),
            y=alt.Y("mean_score:Q", title="mean score", scale=alt.Scale(domain=[0, 1])),
            color=alt.Color("provider:N", title="provider"),
            tooltip=["phase", "provider", "prompts", "mean_score", "min_score", "max_score"],
        )
        .properties(width=WIDTH, height=HEIGHT)
    )


def cost_latency(store: Store, **filters: Any) -> alt.Chart:
    """Mean latency against mean cost per prompt, one point per provider and model."""
    rows = store.metric_summary(["provider", "model"], build_filters(**filters))
    title = "Cost and latency per provider and model"
    if not rows:
        return _empty(title, "no prompts yet: generate some first")
    data = rows.to_dataframe()
    data["cost_per_prompt"] = data["cost_usd"].fillna(0) / data["prompts"]
    data["label"] = data["provider"] + "/" + data["model"]
    free = "every prompt so far cost nothing (in-process or Ollama models)"
    return (
        alt.Chart(
            data, title=alt.Title(title, subtitle=free) if not data["cost_usd"].any() else title
        )
        .mark_circle(opacity=0.8)
        .encode(
            x=alt.X("mean_ms:Q", title="mean latency per prompt (ms)"),
            y=alt.Y("cost_per_prompt:Q", title="mean cost per prompt (USD)"),
            size=alt.Size(
                "prompts:Q",
                title="prompts",
                scale=alt.Scale(range=[60, 600]),
                legend=alt.Legend(tickMinStep=1, format="d"),  # whole prompts, not 0.5
            ),
            color=alt.Color("provider:N", title="provider"),
            tooltip=["label", "prompts", "mean_ms", "cost_usd", "cost_per_prompt", "mean_score"],
        )
        .properties(width=WIDTH, height=HEIGHT)
    )


def tokens_over_time(store: Store, *, per: str = "auto", **filters: Any) -> alt.Chart:
    """Input and output tokens over time: per request, or per day above MAX_ROWS requests."""
    flt = build_filters(**filters)
    if per == "auto":
        per = "request" if store._count_requests(flt) <= MAX_ROWS else "day"
    rows = store.token_usage(per, flt)
    title = f"Tokens per {per}"
    if not rows:
        return _empty(title, "no requests yet: generate some first")
    data = rows.to_dataframe().melt(
        id_vars=["time", "provider", "requests", "prompts"],
        value_vars=["input_tokens", "output_tokens"],
        var_name="direction",
        value_name="tokens",
    )
    data["direction"] = data["direction"].str.replace("_tokens", "", regex=False)
    times = pd.to_datetime(data["time"], utc=True)
    points = times.nunique()
    # A line needs two points: with one the chart shows dots, and says why there is no line.
    subtitle = f"one {per} so far: the lines start with the next" if points == 1 else None
    return (
        alt.Chart(data, title=alt.Title(title, subtitle=subtitle) if subtitle else title)
        .mark_line(point=alt.OverlayMarkDef(size=60))
        .encode(
            # A utc time unit and a 24-hour format: Vega's defaults are the browser's time zone
            # and a 12-hour clock without AM/PM, under an axis that says UTC. (A "utc" scale
            # type would keep the zone but Vega then ignores the axis format.)
            x=alt.X(
                f"{_time_unit(per)}(time):T",
                title="time (UTC)",
                axis=alt.Axis(format=_time_format(per, times), labelAngle=0),
            ),
            y=alt.Y("tokens:Q", title="tokens"),
            color=alt.Color("direction:N", title="tokens", sort=["input", "output"]),
            strokeDash=alt.StrokeDash("provider:N", title="provider"),
            tooltip=[
                alt.Tooltip(f"{_time_unit(per)}(time):T", title="time (UTC)", format=UTC_SECONDS),
                "provider",
                "direction",
                "tokens",
                "requests",
                "prompts",
            ],
        )
        .properties(width=WIDTH, height=HEIGHT)
    )


UTC_SECONDS = "%Y-%m-%d %H:%M:%S"


def _time_unit(per: str) -> str:
    return "utcyearmonthdate" if per == "day" else "utcyearmonthdatehoursminutesseconds"


def _time_format(per: str, times: pd.Series) -> str:
    """A 24-hour axis format as fine as the data's span needs."""
    if per == "day":
        return "%Y-%m-%d"
    if per != "request":  # minute or hour buckets
        return "%m-%d %H:%M"
    span = (times.max() - times.min()).total_seconds()
    if span < 600:
        return "%H:%M:%S"
    return "%H:%M" if span < 86_400 else "%m-%d %H:%M"


def judge_rubric(store: Store, *, judge_model: str | None = None, **filters: Any) -> alt.Chart:
    """The judge's mean score per rubric criterion, per judge model."""
    rows = store._judge_criteria(judge_model, build_filters(**filters))
    title = "Judge rubric per criterion"
    if not rows:
        return _empty(
            title,
            "no judge runs yet: configure a judge model and run ak.judge (offline, the scorer "
            "stands in and records no rubric)",
        )
    data = rows.to_dataframe()
    return (
        alt.Chart(data, title=title)
        .mark_bar()
        .encode(
            x=alt.X("criterion:N", title="criterion"),
            xOffset=alt.XOffset("judge:N"),
            y=alt.Y("mean:Q", title="mean score (1-10)", scale=alt.Scale(domain=[0, 10])),
            color=alt.Color("judge:N", title="judge model"),
            tooltip=["judge", "criterion", "judged", "mean", "min", "max"],
        )
        .properties(width=WIDTH, height=HEIGHT)
    )


def _embedding_model(store: Store, model: str | None) -> str | None:
    if model:
        return model
    found = store.search_sql.embedding_models()
    return found[0][0] if found else None


def pca_2d(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Project rows onto their first two principal components; return (points, variance share).

    scikit-learn's PCA fixes each component's sign (its largest loading positive): the same data
    always gives the same picture.
    """
    from sklearn.decomposition import PCA

    pca = PCA(n_components=min(2, *matrix.shape), svd_solver="full")
    with np.errstate(invalid="ignore", divide="ignore"):  # identical rows have no variance
        points = pca.fit_transform(matrix)
        share = np.nan_to_num(pca.explained_variance_ratio_)
    pad = 2 - points.shape[1]  # a single component: the points on a line
    return np.pad(points, ((0, 0), (0, pad))), np.pad(share, (0, pad))


def embedding_map(
    store: Store, *, model: str | None = None, limit: int = MAX_ROWS, **filters: Any
) -> alt.Chart:
    """A 2-D PCA map of the prompt embeddings, coloured by phase; click a point to select it.

    Above `limit` embeddings the newest `limit` are shown. The point selection is named
    `picked` (fields: prompt_id), so `alt.JupyterChart` reports clicks back to Python.
    """
    title = "Embedding map (PCA)"
    used = _embedding_model(store, model)
    rows = store._embedding_sample(used, limit, build_filters(**filters)) if used else []
    if len(rows) < 3:
        return _empty(title, "fewer than three embedded prompts: generate (with embed=True) first")
    points, share = pca_2d(decode_many([row.pop("embedding") for row in rows]))
    data = pd.DataFrame(rows)
    data["x"], data["y"] = points[:, 0].round(5), points[:, 1].round(5)
    data["id"] = data["prompt_id"].str[:8]
    data["preview"] = data["content"].map(lambda text: markup.cut(text, 120))
    data = data.drop(columns=["content"])
    total = len(rows)
    if used and len(rows) == limit:  # maybe more than shown: count them all
        total = store._count_embeddings(used, build_filters(**filters))
    shown = f"the newest {len(rows)} of {total}" if total > len(rows) else f"all {total}"
    pick = alt.selection_point(name=PICK, fields=["prompt_id"], on="click")
    return (
        alt.Chart(data, title=alt.Title(title, subtitle=f"{shown} prompts, {used}"))
        .mark_circle(size=70)
        .encode(
            x=alt.X("x:Q", title=f"PC1 ({share[0]:.0%} of variance)"),
            y=alt.Y("y:Q", title=f"PC2 ({share[1]:.0%} of variance)"),
            color=alt.Color("phase:N", scale=PHASE_SCALE, title="phase"),
            opacity=alt.condition(pick, alt.value(0.9), alt.value(0.35)),
            tooltip=["id", "phase", "provider", "model", "score", "rank", "preview"],
        )
        .add_params(pick)
        .properties(width=WIDTH, height=HEIGHT + 40)
    )


def _variety(matrix: np.ndarray) -> float:
    """Mean pairwise cosine distance between the rows (1 - cosine similarity)."""
    unit = matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
    sims = unit @ unit.T
    n = len(unit)
    return float(1.0 - (sims.sum() - np.trace(sims)) / (n * (n - 1)))


def sibling_variety(
    store: Store, *, requests: int = 30, model: str | None = None, **filters: Any
) -> alt.Chart:
    """How different the variants of each phase are: mean pairwise cosine distance, per request."""
    title = "Sibling variety per request"
    used = _embedding_model(store, model)
    rows = store._sibling_embeddings(used, requests, build_filters(**filters)) if used else []
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault((row["request_id"], row["phase"]), []).append(row)
    records = []
    for (request_id, phase), members in groups.items():
        if len(members) < 2:
            continue
        first = members[0]
        records.append(
            {
                "request": f"{markup.cut(first['idea'], 32)} · {request_id[:8]}",
                "request_id": request_id,
                "created_at": first["created_at"],
                "phase": phase,
                "variants": len(members),
                "variety": round(_variety(decode_many([m["embedding"] for m in members])), 4),
            }
        )
    if not records:
        return _empty(title, "no request with two or more embedded variants in a phase yet")
    data = pd.DataFrame(records)
    order = data.sort_values("created_at")["request"].drop_duplicates().tolist()
    return (
        alt.Chart(
            data, title=alt.Title(title, subtitle="mean cosine distance between sibling variants")
        )
        .mark_bar()
        .encode(
            x=alt.X("request:N", sort=order, title=None, axis=alt.Axis(labelAngle=-30)),
            xOffset=alt.XOffset("phase:N", sort=list(PHASES)),
            y=alt.Y("variety:Q", title="variety (cosine distance)"),
            color=alt.Color("phase:N", scale=PHASE_SCALE, title="phase"),
            tooltip=["request", "phase", "variants", "variety"],
        )
        .properties(width=WIDTH, height=HEIGHT)
    )


def _run(store: Store, run: str | None) -> ev.EvalRun | None:
    """The run asked for (an id or a prefix), else the newest one; None when there is none."""
    if run is not None:
        return store.get_eval_run(run)
    found = store.eval_runs(limit=1)
    return found[0] if found else None


def _prompt_label(row: dict[str, Any], models: int) -> str:
    rank = f"#{row['rank']} " if row.get("rank") else ""
    label = f"{rank}{row['phase']} · {row['prompt_id'][:8]}"
    return f"{label} · {row['model']}" if models > 1 else label


def pass_rate(store: Store, *, run: str | None = None) -> alt.TopLevelMixin:
    """Pass rate per prompt (and model) of an eval run, with 95 % Wilson intervals as error bars.

    `run` is a run id (or a prefix of one); by default the newest run. SQL counts the passes per
    prompt and model (store.eval_pass_counts); the interval comes from scoring.stats.wilson.
    """
    title = "Pass rate per prompt"
    found = _run(store, run)
    rows = store._eval_pass_counts(found.id) if found else []
    if found is None or not rows:
        return _empty(title, "no eval outputs yet: add cases and run ak.evaluate first")
    models = len({row["model"] for row in rows})
    shaped = []
    for row in rows:
        n, passed = row["graded"], row["passed"]
        low, high = wilson(passed, n) if n else (None, None)
        shaped.append(
            {k: v for k, v in row.items() if k != "content"}
            | {
                "prompt": _prompt_label(row, models),
                "preview": markup.cut(row["content"], 120),
                "pass_rate": passed / n if n else None,
                "low": low,
                "high": high,
                "passes": f"{passed}/{n}",
            }
        )
    data = pd.DataFrame(shaped)
    order = data.sort_values("pass_rate", ascending=False, kind="stable")["prompt"].tolist()
    x = alt.X("prompt:N", sort=order, title=None, axis=alt.Axis(labelAngle=-30, labelLimit=220))
    base = alt.Chart(data).encode(x=x)
    tooltip = ["prompt", "passes", "pass_rate", "low", "high", "mean_grade", "failed_calls"]
    tooltip += ["cost_per_case", "ms_per_case", "preview"]
    bars = base.mark_bar(color="#4c9a5b", opacity=0.85, width=alt.RelativeBandSize(0.6)).encode(
        y=alt.Y(
            "pass_rate:Q",
            title="pass rate, 95% Wilson interval; ◆ mean grade",
            scale=alt.Scale(domain=[0, 1]),
        ),
        tooltip=tooltip,
    )
    whiskers = base.mark_errorbar(ticks={"size": 14}, color="#333").encode(
        y=alt.Y("low:Q", title=""), y2="high:Q"
    )
    labels = base.mark_text(dy=-8, fontSize=11, color="#333").encode(
        y=alt.Y("high:Q"), text="passes:N"
    )
    # The share of checks passed: it separates prompts that all fail some check of every case.
    grades = base.mark_point(shape="diamond", filled=True, size=80, color="#1f4e8c").encode(
        y=alt.Y("mean_grade:Q"), tooltip=tooltip
    )
    when = found.completed_at or found.started_at or found.created_at
    subtitle = f"run {found.id[:8]} · {len(found.case_ids)} cases · {when[:16]}"
    layered = alt.layer(bars, whiskers, labels, grades, title=alt.Title(title, subtitle=subtitle))
    return layered.properties(width=WIDTH, height=HEIGHT)


OUTCOME_SCALE = alt.Scale(domain=list(OUTCOMES), range=[colour for colour, _ in OUTCOMES.values()])


def eval_matrix(
    store: Store, *, run: str | None = None, limit: int = MAX_ROWS
) -> alt.TopLevelMixin:
    """The prompts × cases matrix of an eval run: one cell per output, coloured by its outcome,
    with the grade (the share of checks passed) written in a failed cell that passed some.

    `run` is a run id (or a prefix of one); by default the newest run. Above `limit` outputs the
    first `limit` (by prompt, then case) are drawn and the subtitle says so. The cell selection is
    named `cell` (field output_id), so `alt.JupyterChart` reports clicks back to Python.
    """
    title = "Prompts × cases"
    found = _run(store, run)
    rows, total = store._eval_cells(found.id, limit) if found else ([], 0)
    if found is None or not rows:
        return _empty(title, "no eval outputs yet: add cases and run ak.evaluate first")
    models = len({row["model"] for row in rows})
    data = pd.DataFrame(
        [
            {k: v for k, v in row.items() if k not in ("failed", "passed")}
            | {
                "prompt": _prompt_label(row, models),
                "outcome": outcome(row["passed"], "call" if row["failed"] else None),
                "preview": markup.cut(row["preview"], 120),
                "grade": f"{row['score']:.2f}" if 0 < (row["score"] or 0) < 1 else "",
            }
            for row in rows
        ]
    )
    shown = f"first {len(rows)} of {total} outputs" if total > len(rows) else f"{total} outputs"
    pick = alt.selection_point(name="cell", fields=["output_id"], on="click")
    ranked = sorted(rows, key=lambda row: (row["rank"] is None, row["rank"] or 0))
    prompts = list(dict.fromkeys(_prompt_label(row, models) for row in ranked))
    cases = list(dict.fromkeys(data["case_name"]))
    base = alt.Chart().encode(
        x=alt.X(
            "case_name:N", sort=cases, title="case", axis=alt.Axis(labelAngle=-40, labelLimit=140)
        ),
        y=alt.Y("prompt:N", sort=prompts, title=None, axis=alt.Axis(labelLimit=240)),
    )
    cells = (
        base.mark_rect(stroke="white", strokeWidth=1)
        .encode(
            color=alt.Color("outcome:N", scale=OUTCOME_SCALE, title="outcome"),
            opacity=alt.condition(pick, alt.value(1.0), alt.value(0.55)),
            tooltip=["prompt", "case_name", "outcome", "score", "preview"],
        )
        .add_params(pick)
    )
    grades = base.mark_text(fontSize=10, color="#333").encode(text="grade:N")
    subtitle = f"run {found.id[:8]} · {shown}; a number is the grade of a failed output"
    return alt.layer(
        cells, grades, data=data, title=alt.Title(title, subtitle=subtitle)
    ).properties(width=max(WIDTH, 34 * len(cases)), height=max(120, 24 * len(prompts)))


CHARTS: dict[str, Callable[..., alt.Chart]] = {
    "score": score_by_phase,
    "cost": cost_latency,
    "tokens": tokens_over_time,
    "judge": judge_rubric,
    "map": embedding_map,
    "variety": sibling_variety,
}

__all__ = [
    "CHARTS",
    "MAX_ROWS",
    "PICK",
    "cost_latency",
    "embedding_map",
    "enable_offline",
    "eval_matrix",
    "grid",
    "judge_rubric",
    "pass_rate",
    "pca_2d",
    "save_chart",
    "score_by_phase",
    "sibling_variety",
    "tokens_over_time",
    "use_png",
]
