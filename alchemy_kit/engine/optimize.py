"""The optimise loop: rewrite a prompt from what it makes a model do, and accept only what an
independent signal confirms.

The loop never optimises the signal that judges it (after DSPy: choose on one split, report on
another; the original stays a candidate):
- With test cases (at least MIN_CASES), they are split once, reproducibly by `seed`: a search half
  the loop sees and a held-back half it never sees (`holdout` share, or `holdout_cases` by id or
  name). Each step shows the rewriting model the current best prompt, the earlier candidates with
  their search-half grades in ascending order (OPRO), and the failed assertions on the search half;
  a candidate that grades higher there becomes the one to beat. At the end the best candidate and
  the original are run on the held-back cases, and the candidate is accepted only when it grades
  higher there (mean grade up, pass rate not down).
- Without cases, the judge compares the current best with each candidate in both orders; only a
  win in both orders accepts it (a disagreement between the orders is a tie, and a tie is no win).
  The offline scorer's critique guides the rewriting, but never decides.
- Guards, whatever the signal: a candidate whose every sentence was already in its parent (a pure
  deletion) is rejected, and so is one that pastes a line of the critique verbatim; a candidate
  identical to an earlier one stops the loop.
- With no cases and no judge there is no independent signal: that is one ValidationError line before
  any call. When nothing passes, the result says "no improvement found" and why.
Every candidate is stored as a prompt of the same request and phase (metadata.optimize links it to
its parent, its grades and the decision), and every eval run is an ordinary run in the store.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from .. import records as r
from .. import records_eval as ev
from ..errors import ValidationError
from ..models import recording
from ..models.catalog import ModelChoice
from ..models.providers import acomplete
from ..runner import synchronous
from ..scoring.critique import critique
from ..scoring.judge import ajudge_pair, judge_choice
from ..store.calling import store_argument
from .eval_plan import replay_model, resolve_model
from .evaluate import aevaluate
from .inputs import check_number
from .optimize_guards import copied_critique, only_deletes, sentences, split_cases
from .pipeline import _metrics_for, _prices, background_embedding

if TYPE_CHECKING:
    from ..store import Store

MIN_CASES = 4  # two to search on, two held back
HISTORY_LIMIT = 20
SYSTEM = (
    "You are a senior prompt engineer. You revise a prompt so that the model it instructs passes "
    "the failed checks: state each missing requirement in your own words, keep every requirement "
    "of the original that still holds, and return only the revised prompt — no commentary."
)


@dataclass
class Step:
    """One candidate of the loop and what became of it."""

    iteration: int
    prompt_id: str
    search_score: float | None  # mean grade on the search half (None in judge mode)
    accepted: bool  # chosen on the search half, or won the judge's pairwise in both orders
    reason: str
    critique: list[str] = field(default_factory=list)


@dataclass
class OptimizeResult:
    """Where the loop started, what it tried, and whether an independent signal confirmed it."""

    start_id: str
    best: r.Prompt  # the accepted candidate, or the original when nothing was accepted
    signal: str  # "held-back cases" or "judge pairwise (both orders)"
    steps: list[Step]
    stopped: str  # "target", "limit", "no change" or "no failures"
    improved: bool
    message: str
    start_score: float | None = None  # the original's mean grade on the search half
    best_score: float | None = None  # the best candidate's, on the search half
    holdout: dict[str, Any] = field(default_factory=dict)  # both prompts on the held-back half
    split: dict[str, list[str]] = field(default_factory=dict)  # case ids: search, held_back


def _failures(store: Store, run_id: str, prompt_id: str) -> list[str]:
    """The failed assertions of a prompt's outputs, one critique line each (with the check as JSON)."""
    import json

    # Outputs are stored in the order they finished: follow the run's case order instead, so the
    # rewriting prompt (and the key its recorded call is replayed by) does not depend on timing.
    position = {cid: i for i, cid in enumerate(store.get_eval_run(run_id).case_ids)}
    outputs = sorted(
        store.outputs_of(run_id, prompt_ids=[prompt_id]),
        key=lambda o: (position.get(o.case_id, len(position)), o.model),
    )
    lines = []
    for o in outputs:
        case = store.get_case(o.case_id)
        if o.error:
            lines.append(f'- case "{case.name}": the call failed ({o.error})')
        for g in o.grades:
            if g.get("passed") is False:
                spec = next(
                    (a for a in case.assertions if a.get("type") == g["grader"]),
                    {"type": g["grader"]},
                )
                check = json.dumps(spec, ensure_ascii=False, sort_keys=True)
                lines.append(f'- case "{case.name}": {check} failed: {g.get("reason", "")}')
    return lines


def _meta_prompt(
    idea: str, best: str, history: list[tuple[str, float]], failures: list[str]
) -> str:
    shown = sorted(history, key=lambda h: h[1])[-HISTORY_LIMIT:]
    past = "\n\n".join(f'<candidate grade="{g:.3f}">\n{t}\n</candidate>' for t, g in shown)
    return (
        f"<idea>\n{idea}\n</idea>\n\nEarlier versions with their grades on test cases, worst first:"
        f"\n\n{past}\n\nThe checks the best version still fails:\n<failures>\n"
        + "\n".join(failures)
        + "\n</failures>\n\nRevise the prompt so the model passes these checks: say what is "
        "needed in your own words (do not paste the checks), and do not drop a requirement."
        f"\n\n<prompt>\n{best}\n</prompt>"
    )


class _Loop:
    """State shared by the steps of one optimise run (keeps aoptimize readable)."""

    def __init__(
        self, store: Store, start: r.Prompt, idea: str, writer: ModelChoice, temperature: float
    ) -> None:
        self.store, self.start, self.idea, self.writer = store, start, idea, writer
        self.temperature = temperature
        self.run_id = r.new_id()
        self.prices = _prices(store)
        self.texts = [start.content]
        self.timeout = 120.0  # seconds per model call
        self.made: list[r.Prompt] = []
        # How the prompts are graded on cases: the model, calls in flight, the recording mode.
        self.model: ModelChoice | None = None
        self.concurrency = 8
        self.mode = "record"

    async def write(self, prompt: str, parent: r.Prompt, i: int) -> tuple[str, Any]:
        with recording.purpose("optimize", f"optimise step {i} of {self.start.id[:8]}"):
            done = await acomplete(
                self.writer,
                prompt,
                system=SYSTEM,
                temperature=self.temperature,
                max_tokens=max(1024, (parent.actual_tokens or 0) * 2),
                seed=i,
                timeout=self.timeout,
                model_options={"task": "revise"},
            )
        return done.text.strip(), done

    def store_candidate(
        self, text: str, done: Any, parent: r.Prompt, meta: dict[str, Any]
    ) -> r.Prompt:
        cand = r.Prompt(
            content=text,
            phase=self.start.phase,
            provider=done.provider,
            model=done.model,
            persona=self.start.persona,
            temperature=self.temperature,
            max_tokens=self.start.max_tokens,
            actual_tokens=done.output_tokens or None,
            request_id=self.start.request_id,
            metadata={
                "parent_id": parent.id,
                "optimize": {"run": self.run_id, "origin": self.start.id} | meta,
            },
        )
        self.store.add_prompts([cand], _metrics_for(cand, done, self.prices))
        self.made.append(cand)
        return cand

    async def embed_made(self) -> None:
        """Embed the candidates like every generated prompt, so `search --like` finds them."""
        embedding = background_embedding(self.store, None)
        if embedding and self.made:
            embedding.add(self.made)
            await embedding.wait()

    def guard(self, parent: str, text: str, lines: Sequence[str]) -> str | None:
        """Why a candidate is refused before it is judged, or None."""
        if only_deletes(parent, text):
            return "only deletes: every sentence was already in the prompt"
        copied = copied_critique(parent, text, lines)
        if copied:
            return f"pastes the critique verbatim: {copied[:80]}"
        return None

    async def propose(
        self, prompt: str, best: r.Prompt, i: int, lines: list[str], signal: str
    ) -> tuple[r.Prompt, str | None] | None:
        """Write a candidate from `prompt` and store it, with why the guard refuses it if it does;
        None when the writer has nothing new to offer (the loop stops)."""
        text, done = await self.write(prompt, best, i)
        if not text or text in self.texts:
            return None
        self.texts.append(text)
        refused = self.guard(best.content, text, lines)
        meta: dict[str, Any] = {"iteration": i, "critique": lines, "signal": signal}
        refusal = {"accepted": False, "reason": refused} if refused else {}
        return self.store_candidate(text, done, best, meta | refusal), refused


@store_argument
async def aoptimize(
    prompt_id: str,
    *,
    store: Store | None = None,
    max_iterations: int = 5,
    target: float = 1.0,
    model: str | None = None,
    provider: str | None = None,
    eval_model: str | None = None,
    judge: str | None = None,
    judge_provider: str | None = None,
    holdout: float = 0.5,
    holdout_cases: Sequence[str] | None = None,
    seed: int = 0,
    temperature: float = 0.7,
    concurrency: int = 8,
    replay: bool | None = None,
    record: bool | None = None,
    timeout: float = 120.0,
) -> OptimizeResult:
    """Improve a stored prompt against its request's cases (or the judge); see the module docstring.

    `model`/`provider` rewrite (default: the prompt's own model); `eval_model` runs the prompt on
    the cases (default: the offline model); `target` stops the search early at that search-half grade;
    `timeout` bounds each model call, in seconds (a small local model on a busy machine needs more).
    """
    from ..store import open_store

    store = store or open_store()
    if isinstance(max_iterations, bool) or not isinstance(max_iterations, int):
        raise ValidationError(f"max_iterations must be an integer, got {max_iterations!r}")
    if not 1 <= max_iterations <= 20:
        raise ValidationError(f"max_iterations must be from 1 to 20, got {max_iterations}")
    r.check_range(target, 0, 1, "target", optional=False)
    r.check_range(holdout, 0.1, 0.9, "holdout", optional=False)
    check_number(timeout, "timeout", 0, 3600, open_lo=True)
    start = store.get_prompt(prompt_id)
    if start.request_id is None:
        raise ValidationError("optimise needs a prompt of a request (its idea and cases)")
    idea = store.get_request(start.request_id).input
    mode = recording.resolve_mode(replay, record)
    # A replay needs neither model installed: each stands for the provider its recording names.
    find = partial(replay_model, store) if mode == "replay" else resolve_model
    writer = find((provider, model) if provider or model else (start.provider, start.model))
    target_model = find(eval_model)
    cases = store.cases_for(start.request_id)
    loop = _Loop(store, start, idea, writer, temperature)
    loop.timeout, loop.model = float(timeout), target_model
    loop.concurrency, loop.mode = concurrency, mode
    recording.attach(store, mode=mode, prices=loop.prices)
    if len(cases) >= MIN_CASES:
        search, back = split_cases(cases, holdout, seed, holdout_cases)
        result = await _with_cases(loop, search, back, max_iterations, target)
    else:
        result = await _with_judge(
            loop,
            _judge_model(store, start.request_id, cases, judge, judge_provider),
            max_iterations,
        )
    _finish(loop, result)
    await loop.embed_made()
    return result


def _judge_model(
    store: Store, request_id: str, cases: list[ev.Case], judge: str | None, provider: str | None
) -> ModelChoice:
    """The judge of a run without enough cases; without one there is no independent signal."""
    if not (judge or provider):
        have = f"has {len(cases)} case(s)" if cases else "has no cases"
        raise ValidationError(
            f"optimise needs an independent signal: request {request_id[:8]} {have} (at least"
            f" {MIN_CASES}: `alchemy cases suggest` or `alchemy cases import`), or give a judge (--judge)"
        )
    judge_model, why = judge_choice(store, provider, judge)
    if judge_model is None:
        raise ValidationError(f"cannot judge with that model: {why}")
    return judge_model


async def _grade(
    loop: _Loop, prompt_ids: list[str], cases: Sequence[ev.Case], half: str
) -> tuple[str, dict[str, tuple[float, float]]]:
    """Run prompts on some cases; (run id, prompt id → (mean grade, pass rate))."""
    from .eval_results import summary

    res = await aevaluate(
        loop.store,
        prompts=prompt_ids,
        models=[loop.model],
        cases=[c.id for c in cases],
        concurrency=loop.concurrency,
        timeout=loop.timeout,
        again=True,
        replay=loop.mode == "replay",
        record=loop.mode != "off",
        extra_options={"optimize": loop.run_id, "half": half},
    )
    rows = summary(loop.store, res.run_id)
    return res.run_id, {s.prompt_id: (s.mean_grade or 0.0, s.pass_rate or 0.0) for s in rows}


async def _with_cases(
    loop: _Loop, search: list[ev.Case], back: list[ev.Case], max_iterations: int, target: float
) -> OptimizeResult:
    start = loop.start
    split = {"search": [c.id for c in search], "held_back": [c.id for c in back]}
    if not any(c.assertions for c in search) or not any(c.assertions for c in back):
        raise ValidationError(
            "optimise grades outputs by the cases' assertions: both halves need cases with at least"
            " one assertion (add them, or use --judge)"
        )
    best, best_score, start_score, steps, stopped = await _search_half(
        loop, search, max_iterations, target
    )
    result = OptimizeResult(
        start.id,
        start,
        "held-back cases",
        steps,
        stopped,
        False,
        "",
        start_score,
        best_score,
        split=split,
    )
    if best.id == start.id:
        result.message = (
            "no improvement found: the prompt already passes every check on the search half"
            if not steps and stopped in ("target", "no failures")
            else "no improvement found: no candidate graded higher on the search half"
        )
        return result
    await _held_back_verdict(loop, result, best, back)
    return result


async def _search_half(
    loop: _Loop, search: list[ev.Case], max_iterations: int, target: float
) -> tuple[r.Prompt, float, float, list[Step], str]:
    """Rewrite from failures on the search half: the best prompt, its grade, the start's, steps."""
    start = loop.start
    best_run, graded = await _grade(loop, [start.id], search, "search")
    best, best_score = start, graded[start.id][0]
    start_score = best_score
    history = [(start.content, best_score)]
    steps: list[Step] = []
    stopped = "limit"
    for i in range(1, max_iterations + 1):
        if best_score >= target:
            stopped = "target"
            break
        failures = _failures(loop.store, best_run, best.id)
        if not failures:
            stopped = "no failures"
            break
        prompt = _meta_prompt(loop.idea, best.content, history, failures)
        made = await loop.propose(prompt, best, i, failures, "held-back cases")
        if made is None:
            stopped = "no change"
            break
        cand, refused = made
        if refused:
            steps.append(Step(i, cand.id, None, False, refused, failures))
            continue
        cand_run, scores = await _grade(loop, [cand.id], search, "search")
        score = scores[cand.id][0]
        history.append((cand.content, score))
        chosen = score > best_score
        reason = (
            f"search grade {score:.3f} > {best_score:.3f}: the one to beat"
            if chosen
            else f"search grade {score:.3f} ≤ {best_score:.3f}"
        )
        _note(loop.store, cand, {"search_score": score, "accepted": chosen, "reason": reason})
        steps.append(Step(i, cand.id, score, chosen, reason, failures))
        if chosen:
            best, best_score, best_run = cand, score, cand_run
    return best, best_score, start_score, steps, stopped


async def _held_back_verdict(
    loop: _Loop, result: OptimizeResult, best: r.Prompt, back: list[ev.Case]
) -> None:
    """Accept the search half's best only if it beats the start on the held-back cases too."""
    start = loop.start
    _, held = await _grade(loop, [start.id, best.id], back, "held-back")
    (o_grade, o_rate), (b_grade, b_rate) = held[start.id], held[best.id]
    result.holdout = {
        "original": {"mean_grade": o_grade, "pass_rate": o_rate},
        "candidate": {"id": best.id, "mean_grade": b_grade, "pass_rate": b_rate},
        "cases": len(back),
    }
    if b_grade > o_grade and b_rate >= o_rate:
        result.best, result.improved = loop.store.get_prompt(best.id), True
        result.message = (
            f"improved: held-back pass rate {o_rate:.0%} → {b_rate:.0%}, mean grade {o_grade:.3f} →"
            f" {b_grade:.3f} on {len(back)} cases the loop never saw"
        )
    else:
        result.message = (
            f"no improvement found: the search-half gain did not hold on the {len(back)} held-back"
            f" cases (grade {o_grade:.3f} → {b_grade:.3f}, pass rate {o_rate:.0%} → {b_rate:.0%})"
        )
    _note(loop.store, best, {"held_back": result.holdout, "accepted_on_held_back": result.improved})


async def _with_judge(loop: _Loop, judge_model: ModelChoice, max_iterations: int) -> OptimizeResult:
    start, store = loop.start, loop.store
    best = start
    steps: list[Step] = []
    stopped = "limit"
    for i in range(1, max_iterations + 1):
        crit = critique(best.content, loop.idea)
        lines = [f"- issue: {x}" for x in crit.issues] or ["- no issue found: tighten the wording"]
        prompt = (
            f"<idea>\n{loop.idea}\n</idea>\n\nA reviewer's notes on the prompt:\n<failures>\n"
            + "\n".join(lines)
            + f"\n</failures>\n\nRevise the prompt in your own words.\n\n<prompt>\n{best.content}\n</prompt>"
        )
        made = await loop.propose(prompt, best, i, lines, "judge pairwise")
        if made is None:
            stopped = "no change"
            break
        cand, refused = made
        if refused:
            steps.append(Step(i, cand.id, None, False, refused, lines))
            continue
        verdict = await ajudge_pair(
            store, best.id, cand.id, provider=judge_model.provider, model=judge_model.model_id
        )
        won = verdict.winner == "b" and not verdict.flipped and verdict.error is None
        reason = (
            "won in both orders"
            if won
            else f"judge: {verdict.error or ('orders disagreed' if verdict.flipped else verdict.winner)}"
        )
        _note(store, cand, {"accepted": won, "reason": reason, "verdicts": verdict.verdicts})
        steps.append(Step(i, cand.id, None, won, reason, lines))
        if won:
            best = cand
    improved = best.id != start.id
    message = (
        f"improved: {sum(s.accepted for s in steps)} candidate(s) won the judge's comparison in both orders"
        if improved
        else "no improvement found: no candidate won the judge's comparison in both orders"
    )
    signal = f"judge pairwise ({judge_model.model_id}, both orders)"
    best = store.get_prompt(best.id)
    return OptimizeResult(start.id, best, signal, steps, stopped, improved, message)


def _note(store: Store, prompt: r.Prompt, facts: dict[str, Any]) -> None:
    fresh = store.get_prompt(prompt.id)
    meta = dict(fresh.metadata)
    meta["optimize"] = dict(meta.get("optimize", {})) | facts
    store.update_prompt(prompt.id, metadata=meta)


def _finish(loop: _Loop, result: OptimizeResult) -> None:
    """Note on the original prompt what the run found."""
    start = loop.store.get_prompt(loop.start.id)
    loop.store.update_prompt(
        start.id,
        metadata=start.metadata
        | {
            "optimized": {
                "run": loop.run_id,
                "best": result.best.id,
                "improved": result.improved,
                "signal": result.signal,
                "message": result.message,
                "at": r.now(),
            }
        },
    )


optimize = synchronous(
    aoptimize,
    "optimize",
    """Improve a stored prompt against its request's cases (or the judge); the sync `aoptimize`.

    Works in a script and inside Jupyter's running loop. Half the cases drive the rewrites, the
    other half (or `holdout_cases`) decide; without cases `judge` must prefer a rewrite in both
    orders. `model`/`provider` rewrite (default: the prompt's own model), `eval_model` runs the
    prompt on the cases (default: the offline model), `target` stops the search early.
    """,
)


__all__ = [
    "MIN_CASES",
    "OptimizeResult",
    "Step",
    "aoptimize",
    "copied_critique",
    "only_deletes",
    "optimize",
    "sentences",
    "split_cases",
]
