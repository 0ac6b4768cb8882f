"""One request, resolved before anything is written: every input checked once, settings read once.

`resolve_plan` is the boundary between a caller (the CLI, `generate`, a batch line, the notebook)
and the pipeline: it checks each argument once, reads `defaults` and `phases.<phase>` once, and
resolves each phase's model and options (checking them against the provider's limits once). The
pipeline then runs the RunPlan as it is, without checking or reading the settings again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .. import phases as ph
from .. import records as r
from ..errors import AlchemyError, ValidationError
from ..models import catalog
from ..models.catalog import ModelChoice
from ..vocab import MAX_COUNT, PROVIDERS, TEMPERATURE_RANGE, estimate_tokens
from .configured import PhaseSettings, model_for_phase, phase_plan
from .inputs import check_choice, check_int, check_run_options

if TYPE_CHECKING:
    from ..store import Store

DEFAULT_COUNT = 3
# Rough allowance for the phase template wrapped around the idea when checking context limits.
TEMPLATE_OVERHEAD_TOKENS = 600


@dataclass
class PhasePlan:
    """What one phase will run: template, model choice and options."""

    phase: str
    choice: ModelChoice
    config: dict[str, Any]


@dataclass(frozen=True)
class RunPlan:
    """Everything one request needs, checked and resolved: the pipeline runs it as it is."""

    idea: str  # stripped
    phases: tuple[str, ...]
    steps: tuple[PhasePlan, ...]  # one per phase, in order
    count: int
    persona: str
    chain: str
    tags: tuple[str, ...]
    seed: int | None  # None: the pipeline draws one per request (and records it)
    timeout: float
    retries: int
    provider: str | None  # the caller's override, as recorded on the request
    temperature: float | None  # the caller's, as recorded (None: each phase's own setting)
    max_tokens: int | None


def resolve_plan(
    store: Store,
    idea: str,
    *,
    count: int = DEFAULT_COUNT,
    persona: str = "generic",
    phases: Sequence[str] | None = None,
    provider: str | None = None,
    model: str | None = None,
    temperature: float | None = None,
    max_tokens: int | None = None,
    tags: Sequence[str] = (),
    chain: str = "per-variant",
    seed: int | None = None,
    timeout: float = 120.0,
    retries: int = 3,
    phase_models: Mapping[str, tuple[str | None, str | None]] | None = None,
    settings: PhaseSettings | None = None,
) -> RunPlan:
    """Check every input and resolve each phase's model and options; nothing is written.

    `phase_models` maps a phase to its own (provider, model), overriding `provider`/`model`;
    `settings` are the store's settings when the caller has already read them.
    """
    idea, clean_tags = check_run_options(idea, tags, seed, timeout, retries)
    check_int(count, "count", 1, MAX_COUNT)
    # None: the phase's own setting (phases.<phase>) or the default.
    r.check_range(temperature, *TEMPERATURE_RANGE, "temperature")
    r.check_positive_int(max_tokens, "max_tokens")
    persona = ph.validate_persona(persona)
    names = ph.validate_phases(phases or ph.PHASES)
    check_choice(chain, "chain mode", ph.CHAIN_MODES)
    if provider is not None:
        r.check_enum(provider, PROVIDERS, "provider")
    settings = settings or PhaseSettings.read(store, names)
    need = estimate_tokens(idea) * 2 + TEMPLATE_OVERHEAD_TOKENS
    steps = []
    for phase in names:
        setting = (phase_models or {}).get(phase, (provider, model))
        choice, temp, tokens = phase_plan(settings, phase, *setting, temperature, max_tokens)
        limit = catalog.context_limit(choice)
        if limit is not None and need > limit:
            raise ValidationError(
                f"the idea is too long for {choice.model_id}: about {need} tokens with the phase "
                f"template, the model accepts {limit}"
            )
        cfg = {
            "persona": persona,
            "temperature": temp,
            "max_tokens": tokens,
            "count": count,
            "chain": chain,
            "template": ph.get_template(phase).name,
        }
        steps.append(PhasePlan(phase, choice, cfg))
    return RunPlan(
        idea=str(idea).strip(),
        phases=names,
        steps=tuple(steps),
        count=count,
        persona=persona,
        chain=chain,
        tags=tuple(clean_tags),
        seed=seed,
        timeout=timeout,
        retries=retries,
        provider=provider,
        temperature=temperature,
        max_tokens=max_tokens,
    )


def default_models(store: Store) -> dict[str, ModelChoice | str]:
    """The model each phase uses when none is given (from configurations), or why it cannot."""
    out: dict[str, ModelChoice | str] = {}
    settings = PhaseSettings.read(store)
    for phase in ph.PHASES:
        try:
            out[phase] = model_for_phase(settings, phase, None, None)
        except AlchemyError as exc:
            out[phase] = str(exc)
    return out


def plan(
    store: Store,
    idea: str,
    *,
    count: int,
    persona: str,
    phases: Sequence[str] | None,
    provider: str | None,
    model: str | None,
    temperature: float | None,
    max_tokens: int | None,
    chain: str,
    phase_models: Mapping[str, tuple[str | None, str | None]] | None = None,
) -> tuple[tuple[str, ...], list[PhasePlan]]:
    """Deprecated (use plan.resolve_plan, which returns the whole RunPlan): (phases, phase plans)."""
    done = resolve_plan(**locals())  # exactly the parameters above
    return done.phases, list(done.steps)


__all__ = ["DEFAULT_COUNT", "PhasePlan", "RunPlan", "default_models", "plan", "resolve_plan"]
