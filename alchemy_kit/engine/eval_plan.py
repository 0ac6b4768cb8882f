"""Planning an eval run: which prompts, cases and models, all checked before any call is made.

`plan()` turns a selection (a request and optionally a phase, prompt ids, or a phase alone), the
models, the case filters and the run-wide graders into a `Plan`: every problem is one
ValidationError (or UnknownModelError) line, and nothing is called or written. A plan's signature
is what `alchemy eval` resumes by.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .. import records as r
from .. import records_eval as ev
from ..errors import UnknownModelError, ValidationError
from ..models.catalog import ModelChoice
from ..models.options import check_options
from ..models.registry import resolve
from ..placeholders import missing_vars
from ..scoring.assertions import Assertion
from ..scoring.graders import Graders, case_assertions
from .inputs import check_int

if TYPE_CHECKING:
    from ..store import Store


@dataclass
class Plan:
    """What a run will do: its prompts, each request's cases, the models, graders and options."""

    request_id: str | None
    selection: dict[str, Any]
    prompts: list[r.Prompt]
    cases: dict[str, list[ev.Case]]  # request id → its cases
    models: list[ModelChoice]
    asserts: dict[str, list[Assertion]]  # case id → assertions with the run's graders
    graders: Graders
    options: dict[str, Any]

    def units(self) -> list[tuple[r.Prompt, ev.Case, ModelChoice]]:
        return [
            (p, c, m)
            for p in self.prompts
            for c in self.cases[p.request_id or ""]
            for m in self.models
        ]

    def signature(self) -> str:
        body = {
            "selection": self.selection,
            "models": sorted([m.provider, m.model_id] for m in self.models),
            "options": {k: self.options.get(k) for k in ("temperature", "max_tokens", "seed")},
        }
        return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def _select_prompts(
    store: Store, request: str | None, prompts: Sequence[str] | None, phase: str | None
) -> tuple[str | None, dict[str, Any], list[r.Prompt]]:
    if request is not None and prompts:
        raise ValidationError("choose prompts by request (and phase) or by id, not both")
    if prompts:
        found = [store.get_prompt(pid) for pid in dict.fromkeys(prompts)]
        requests = {p.request_id for p in found}
        if None in requests:
            raise ValidationError("a prompt without a request has no cases to run on")
        only = next(iter(requests)) if len(requests) == 1 else None
        return only, {"prompts": sorted(p.id for p in found)}, found
    if request is not None:
        req = store.get_request(request)
        found = store.list_prompts(request_id=req.id, phase=phase, limit=None, order_by="rowid")
        if not found:
            what = f" in phase {phase}" if phase else ""
            raise ValidationError(f"request {req.id} has no prompts{what} to evaluate")
        return req.id, {"request": req.id, "phase": phase}, list(found)
    if phase is None:
        raise ValidationError("choose what to evaluate: a request, prompt ids, or a phase")
    found = [
        p
        for p in store.list_prompts(phase=phase, limit=None, order_by="rowid")
        if p.request_id is not None and store.cases_for(p.request_id)
    ]
    if not found:
        raise ValidationError(f"no {phase} prompt belongs to a request with cases")
    return None, {"phase": phase}, found


def resolve_model(m: Any) -> ModelChoice:
    if isinstance(m, ModelChoice):
        return m
    if isinstance(m, tuple):
        return resolve(*m)
    try:
        return resolve(None, m)
    except UnknownModelError as exc:
        # A model from a plugin that is not one of the five providers runs in-process: local.
        if m is None or "not a known provider plugin" not in str(exc):
            raise
        return resolve("local", m)


def call_unit(case: ev.Case) -> str:
    """What an eval call keys on besides what it asked: its case, by name (unique per request), so
    two cases with the same input replay as themselves, and a recording replays in any store that
    holds the same cases (ids differ between stores; names and messages do not)."""
    return f"case:{case.name}"


def replay_model(store: Store, m: Any) -> ModelChoice:
    """The model a replay asks for: as installed, or, when it is not installed, the one provider
    its recorded calls name (a replay never calls it, so it need not be there)."""
    try:
        return resolve_model(m)
    except UnknownModelError:
        provider, model = m if isinstance(m, tuple) else (None, m)
        if not isinstance(model, str):
            raise
        found = [p for p in store._recorded_providers(model) if provider in (None, p)]
        if len(found) != 1:
            raise
        return ModelChoice(found[0], model)


def _models(models: Sequence[Any] | None) -> list[ModelChoice]:
    chosen: list[ModelChoice] = []
    for m in list(models or []) or [None]:
        choice = resolve_model(m)
        if choice not in chosen:
            chosen.append(choice)
    return chosen


def plan(
    store: Store,
    *,
    request: str | None = None,
    prompts: Sequence[str] | None = None,
    phase: str | None = None,
    models: Sequence[Any] | None = None,
    cases: Sequence[str] | None = None,
    tag: str | None = None,
    graders: Graders | None = None,
    temperature: float | None = None,
    max_tokens: int | None = None,
    seed: int | None = None,
) -> Plan:
    """Check everything a run needs before any call; every problem is one ValidationError line."""
    if phase is not None:
        r.check_enum(phase, r.PHASES, "phase")
    request_id, selection, chosen = _select_prompts(store, request, prompts, phase)
    choices = _models(models)
    for m in choices:
        check_options(m, temperature, max_tokens)
    if seed is not None:
        check_int(seed, "seed", 0, 2**31 - 1)
    graders = graders or Graders()
    by_request: dict[str, list[ev.Case]] = {}
    for p in chosen:
        rid = p.request_id or ""
        if rid in by_request:
            continue
        found = store.cases_for(rid, tag=tag)
        if cases is not None:
            wanted = set(cases)
            found = [c for c in found if c.id in wanted or c.name in wanted]
        if not found:
            what = f" tagged {tag!r}" if tag else ""
            raise ValidationError(
                f"request {rid} has no cases{what}: add some with `alchemy cases import` or"
                " `alchemy cases suggest`"
            )
        by_request[rid] = found
    asserts = {c.id: case_assertions(c, graders) for cs in by_request.values() for c in cs}
    for p in chosen:
        for c in by_request[p.request_id or ""]:
            gone = missing_vars(p.content, c.vars)
            if gone:
                raise ValidationError(
                    f"case {c.name!r} has no value for {', '.join('{{' + g + '}}' for g in gone)}"
                    f" used by prompt {p.id[:8]}"
                )
    if cases is not None:
        selection["cases"] = sorted(c.id for cs in by_request.values() for c in cs)
    if tag is not None:
        selection["tag"] = tag
    options = {"temperature": temperature, "max_tokens": max_tokens, "seed": seed}
    return Plan(request_id, selection, chosen, by_request, choices, asserts, graders, options)


__all__ = ["Plan", "call_unit", "plan", "replay_model", "resolve_model"]
