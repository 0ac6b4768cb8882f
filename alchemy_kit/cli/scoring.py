"""`alchemy score`, `judge`, `pick`, `picks`, `learn` and `optimize`: scoring a researcher can trust."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .common import (
    CONTEXT,
    database_json_options,
    echo_json,
    echo_rows,
    echo_table,
    open_db,
    replay_options,
)
from .terminal import echo

if TYPE_CHECKING:
    from ..scoring.scorer import Breakdown, Weights


def _breakdown_rows(contributions: dict[str, float], features: dict[str, float]) -> list[dict]:
    ordered = sorted(contributions, key=lambda k: -abs(contributions[k]))
    return [
        {
            "feature": k,
            "value": round(features.get(k, 0.0), 3),
            "effect": round(contributions[k], 3),
        }
        for k in ordered
        if abs(contributions[k]) >= 0.005
    ]


def _show(b: Breakdown, weights: Weights) -> None:
    """The features that moved the score (value and effect), what was not computed, the issues."""
    echo_table(_breakdown_rows(b.contributions, b.features), ["feature", "value", "effect"])
    # Effects are measured from each feature's neutral value, and the baseline sits far below 0
    # (a prompt with nothing in it): without it the effects above would not add up to the score,
    # and a low score whose listed effects are all positive would be unexplained.
    z = weights.z(b.features)
    echo(f"  log-odds {z:+.2f} = baseline {weights.bias:+.2f} + the effects above")
    absent = [
        k
        for k, w in weights.coef.items()
        if w > 0 and b.contributions.get(k, 0.0) <= 0 and k not in b.not_computed
    ]
    if absent:
        echo(f"  not found (each would raise the score): {', '.join(sorted(absent))}")
    if b.not_computed:
        echo(
            f"  not computed (neutral, language {b.language}): {', '.join(sorted(b.not_computed))}"
        )
    for issue in b.issues:
        echo(f"  - {issue}")


@click.command(context_settings=CONTEXT)
@click.argument("prompt_id", required=False)
@click.option("--request", "request_id", help="Re-score every prompt of this request")
@click.option("--all", "everything", is_flag=True, help="Re-score every prompt in the store")
@click.option("--text", help="Score this text instead of a stored prompt (needs --idea)")
@click.option("--idea", help="The idea --text was written for")
@click.option("--rescan", is_flag=True, help="Re-read the text instead of reusing stored features")
@database_json_options
def score(
    prompt_id: str | None,
    request_id: str | None,
    everything: bool,
    text: str | None,
    idea: str | None,
    rescan: bool,
    database: Path | None,
    json_: bool,
) -> None:
    """Re-derive scores and ranks from the evidence and show which evidence set each one.

    With eval results a prompt ranks by them (`alchemy eval`); else by the offline scorer, the
    LLM judge and your picks. The blend is documented in alchemy_kit/scoring/rank.py.
    """
    from ..scoring.rank import current_weights, evidence, rescore
    from ..scoring.scorer import default_weights, explain

    if text is not None:
        if not idea:
            raise click.UsageError("--text needs --idea")
        b = explain(text, idea)
        if json_:
            echo_json(b.as_details() | {"score": b.score})
            return
        echo(f"score {b.score:.4f} (default weights)")
        _show(b, default_weights())
        return
    if sum(bool(x) for x in (prompt_id, request_id, everything)) != 1:
        raise click.UsageError("give one of PROMPT_ID, --request ID, --all or --text")
    store = open_db(database)
    if prompt_id:
        p = store.get_prompt(prompt_id)
        idea_text = store.get_request(p.request_id).input if p.request_id else ""
        weights, which = current_weights(store)
        b = explain(p.content, idea_text, weights=weights)
        pid = p.id
        del p  # a huge prompt's text is not held while its score is rewritten
        new = rescore(store, [pid], rescan=rescan)
        fresh = store.get_prompt(pid)
        why = evidence(store, [pid])[pid]
        if json_:
            echo_json(
                b.as_details()
                | {"scorer": b.score, "score": new[pid], "rank": fresh.rank, "evidence": why}
            )
            return
        echo(
            f"{pid}  scorer {b.score:.4f} ({which} weights) → score {new[pid]:.4f}, "
            f"rank {fresh.rank}"
        )
        echo(f"evidence: {why}")
        _show(b, weights)
        return
    ids = None  # --all
    if request_id:
        rid = store.get_request(request_id).id
        ids = [pid for pid, _, _ in store._prompts_for_scoring(request_id=rid)]
    scores = rescore(store, ids, rescan=rescan)
    if json_:
        echo_json(scores)
        return
    echo(f"re-scored {len(scores)} prompts")
    if request_id:
        sets = evidence(store, list(scores))
        rows = [
            {"phase": p.phase, "rank": p.rank, "score": p.score, "id": p.id, "evidence": sets[p.id]}
            for p in sorted(
                (store.get_prompt(pid) for pid in scores), key=lambda p: (p.phase, p.rank or 0)
            )
        ]
        echo_table(rows, ["phase", "rank", "score", "id", "evidence"], {"evidence": 60})


@click.command(context_settings=CONTEXT)
@click.argument("prompt_id")
@click.option("--vs", "other_id", help="Compare with this prompt instead (both orders)")
@click.option("--provider", help="Judge provider (default: the scoring.judge configuration)")
@click.option("-m", "--model", help="Judge model id")
@click.option("--samples", type=int, default=1, show_default=True, help="Replies to average")
@database_json_options
def judge(
    prompt_id: str,
    other_id: str | None,
    provider: str | None,
    model: str | None,
    samples: int,
    database: Path | None,
    json_: bool,
) -> None:
    """Ask an LLM judge to score a prompt on the rubric, or to compare it with another."""
    from ..scoring.judge import judge as run_judge
    from ..scoring.judge import judge_pair

    store = open_db(database)
    if other_id:
        verdict = judge_pair(store, prompt_id, other_id, provider=provider, model=model)
        if json_:
            echo_json(asdict(verdict))
            return
        who = verdict.model or f"offline scorer ({verdict.fallback})"
        if verdict.error:
            raise click.ClickException(f"the judge gave no usable verdict: {verdict.error}")
        echo(f"winner: {verdict.winner} (judge: {who}; orders disagreed: {verdict.flipped})")
        return
    result = run_judge(store, prompt_id, provider=provider, model=model, samples=samples)
    if json_:
        echo_json(asdict(result))
        return
    if result.fallback:
        echo(f"no LLM judge: {result.fallback}; offline score {result.score}")
    elif result.error and result.score is None:
        raise click.ClickException(f"the judge gave no usable score: {result.error}")
    else:
        echo(f"judge {result.model}: {result.score} over {result.samples} sample(s)")
        for name, value in result.criteria.items():
            echo(f"  {name:<14} {value:g}")
    if result.critique:
        echo(f"critique: {result.critique}")


@click.command(context_settings=CONTEXT)
@click.argument("prompt_id", required=False)
@click.option("--over", "over", multiple=True, help="Preferred over this prompt (repeatable)")
@click.option("--best", is_flag=True, help="Best of its phase: preferred over every sibling")
@click.option("--tie", is_flag=True, help="With --over: the two are equally good")
@click.option("--up", "thumb", flag_value="up", help="Thumbs up")
@click.option("--down", "thumb", flag_value="down", help="Thumbs down")
@click.option("--rating", type=click.IntRange(1, 5), help="A 1-5 rating")
@click.option("--undo", "undo_id", help="Take back the pick with this id")
@click.option("--by", "who", help="Who is picking (default: login name)")
@click.option("--note", help="Why")
@database_json_options
def pick(
    prompt_id: str | None,
    over: tuple[str, ...],
    best: bool,
    tie: bool,
    thumb: str | None,
    rating: int | None,
    undo_id: str | None,
    who: str | None,
    note: str | None,
    database: Path | None,
    json_: bool,
) -> None:
    """Record your pick on a prompt: over others, best of its phase, thumb, or rating."""
    from ..scoring import preferences as prefs

    store = open_db(database)
    if undo_id:
        prefs.undo(store, undo_id)
        echo(f"Took back pick {undo_id}")
        return
    if not prompt_id:
        raise click.UsageError("give PROMPT_ID (or --undo PICK_ID)")
    chosen = [bool(over), best, thumb is not None, rating is not None]
    if sum(chosen) != 1:
        raise click.UsageError("give exactly one of --over, --best, --up/--down or --rating")
    if tie and not over:
        raise click.UsageError("--tie goes with --over")
    if over:
        made = [
            prefs.prefer(store, prompt_id, other, who=who, tie=tie, note=note) for other in over
        ]
    elif best:
        made = prefs.pick_best(store, prompt_id, who=who, note=note)
    elif thumb is not None:
        made = [prefs.thumb(store, prompt_id, thumb == "up", who=who, note=note)]
    else:
        assert rating is not None
        made = [prefs.rate(store, prompt_id, rating, who=who, note=note)]
    target = store.get_prompt(made[0].prompt_id)
    if json_:
        echo_json(
            {"picks": [p.as_dict() for p in made], "score": target.score, "rank": target.rank}
        )
        return
    for p in made:
        echo(f"recorded {p.kind} pick {p.id}")
    echo(f"{target.id}: score {target.score}, rank {target.rank}")


@click.command(context_settings=CONTEXT)
@click.option("--by", "who", help="Only picks by this researcher")
@click.option("-n", "--limit", type=int, default=50, show_default=True, help="How many picks")
@database_json_options
def picks(who: str | None, limit: int, database: Path | None, json_: bool) -> None:
    """List recorded picks, oldest first."""
    rows = [p.as_dict() for p in open_db(database).preferences(who=who, limit=limit)]
    columns = ["id", "kind", "prompt_id", "other_prompt_id", "value", "who", "created_at"]
    echo_rows(rows, columns, None, json_)


@click.command(context_settings=CONTEXT)
@click.option("--no-labelled", is_flag=True, help="Learn from picks only, not the shipped pairs")
@click.option(
    "--folds",
    type=click.IntRange(2, 20),
    default=5,
    show_default=True,
    help="Cross-validation folds for the held-out accuracy on your picks",
)
@click.option(
    "--min-pairs",
    type=click.IntRange(2),
    default=20,
    show_default=True,
    help="Pick pairs needed before learning; with fewer, the current weights stay",
)
@click.option("--dry-run", is_flag=True, help="Report accuracy without storing the weights")
@database_json_options
def learn(no_labelled: bool, database: Path | None, json_: bool, **kw: Any) -> None:
    """Learn scorer weights from your picks (and the shipped labelled pairs), then re-rank."""
    from ..scoring.learn import learn as run_learn

    # folds, min_pairs and dry_run are learn's keywords as they are.
    report = run_learn(open_db(database), include_labelled=not no_labelled, **kw)
    if json_:
        echo_json(asdict(report))
        return
    echo(report.message)
    if report.cv_accuracy is not None:
        echo(f"  {kw['folds']}-fold cross-validated pairwise accuracy: {report.cv_accuracy:.3f}")
    if report.picks_cv_accuracy is not None:
        echo(
            f"  held-out accuracy on your picks: {report.picks_cv_accuracy:.3f}"
            f" (shipped defaults: {report.default_accuracy_on_picks:.3f})"
        )


@click.command(context_settings=CONTEXT)
@click.argument("prompt_id")
@click.option(
    "--max-iterations",
    type=int,
    default=5,
    show_default=True,
    help="Rewrites to try at most; the search stops earlier once --target is reached",
)
@click.option(
    "--target",
    type=float,
    default=1.0,
    show_default=True,
    help="Stop the search at this search-half grade",
)
@click.option("--provider", help="Provider of the rewriting model (default: the prompt's own)")
@click.option("-m", "--model", help="Rewriting model id (default: the prompt's own)")
@click.option(
    "--eval-model", help="Model the prompt is run on for the cases (default: alchemy-local)"
)
@click.option(
    "--judge",
    help="Judge model: without cases, candidates must win its pairwise comparison in both orders",
)
@click.option("--judge-provider", help="Judge provider")
@click.option(
    "--holdout",
    type=float,
    default=0.5,
    show_default=True,
    help="Share of the cases held back from the loop",
)
@click.option(
    "--holdout-case",
    "holdout_cases",
    multiple=True,
    help="Hold back this case (id or name; repeatable) instead",
)
@click.option(
    "--seed",
    type=int,
    default=0,
    show_default=True,
    help="Seed of the case split and of the rewriting calls",
)
@replay_options
@database_json_options
def optimize(prompt_id: str, database: Path | None, json_: bool, **kw: Any) -> None:
    """Rewrite a prompt from its failed cases; accept only what held-back cases (or the judge) confirm.

    The request's cases are split: the loop searches on one half and never sees the other, which
    decides. Without cases, a judge must prefer the rewrite in both orders.
    """
    from ..engine.optimize import optimize as run

    # The other options are optimize's keywords as they are.
    holdout_cases = list(kw.pop("holdout_cases")) or None
    result = run(prompt_id, store=open_db(database), holdout_cases=holdout_cases, **kw)
    if json_:
        echo_json(asdict(result))
        return
    echo(f"signal: {result.signal}; stopped: {result.stopped}")
    for step in result.steps:
        grade = "" if step.search_score is None else f" search grade {step.search_score:.3f}"
        echo(f"  #{step.iteration} {step.prompt_id[:8]}{grade}: {step.reason}")
    echo(result.message)
    if result.improved:
        echo("")
        echo(result.best.content)
