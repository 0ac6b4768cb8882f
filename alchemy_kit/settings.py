"""The typed configuration schema: every key the code reads, its shape, description and default.

`configurations` rows are free JSON in SQL; this registry is what makes them typed. The store checks
every `set_config` against it and every value it hands back to the engine, so a wrong type is one
line naming the key and the expected shape, never a traceback deep in the pipeline. Keys under
`user.` are free-form. To add a key, add one `Setting` to SETTINGS (a name may hold one
`<placeholder>` whose values are listed in `choices`, like `phases.<phase>`).

Only the standard library and the base modules are imported: the store, the engine and the CLI all
read this module.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .errors import ValidationError
from .vocab import PHASES, PROVIDERS, SIMILARITY_RANGE, TEMPERATURE_RANGE

USER_PREFIX = "user."
MAX_TOKENS_LIMIT = 1_000_000

Check = Callable[[Any], Any]


class ShapeError(ValueError):
    """Raised by a check: what is wrong with the value (the Setting adds key and shape)."""


@dataclass(frozen=True)
class Setting:
    """One known configuration key: its name (or pattern), meaning, default and value check."""

    name: str  # "prices", or a pattern such as "phases.<phase>"
    description: str
    shape: str  # one line: what a valid value looks like
    check: Check  # returns the value (normalised) or raises ShapeError
    default: Any = None
    default_label: str | None = None  # shown instead of the default when it is not a plain value
    choices: tuple[str, ...] = ()  # the values of <placeholder>, for pattern names
    models: bool = False  # the value names a provider/model the engine should resolve
    embedding_model: bool = False  # the value names an embedding model the engine should load

    @property
    def prefix(self) -> str:
        """The part of the name before its placeholder (the whole name when it has none)."""
        return self.name.split("<", 1)[0]

    def concrete_keys(self) -> list[str]:
        """The concrete keys this setting covers."""
        if not self.choices:
            return [self.name]
        return [self.prefix + c for c in self.choices]

    def default_text(self) -> str:
        """The default as shown to people."""
        if self.default_label is not None:
            return self.default_label
        return "-" if self.default is None else _compact(self.default)


# -- checks (each returns the value or raises ShapeError saying what is wrong) ------------------------
def _compact(value: Any) -> str:
    import json

    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 60 else text[:59] + "…"


def _is_number(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | float) and math.isfinite(value)


def boolean(value: Any) -> bool:
    """Accept JSON true/false only (not "no", 0 or "false")."""
    if not isinstance(value, bool):
        raise ShapeError(f"got {_compact(value)}")
    return value


def number(lo: float, hi: float) -> Check:
    """A finite number within [lo, hi]."""

    def check(value: Any) -> float:
        if not _is_number(value) or not lo <= value <= hi:
            raise ShapeError(f"got {_compact(value)}")
        return float(value)

    return check


def positive_int(hi: int) -> Check:
    """An integer from 1 to hi (true/false are not integers here)."""

    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= hi:
            raise ShapeError(f"got {_compact(value)}")
        return value

    return check


def text(value: Any) -> str:
    """A non-empty single-line string without NUL characters."""
    if not isinstance(value, str) or not value.strip() or any(c in value for c in "\x00\n\r"):
        raise ShapeError(f"got {_compact(value)}")
    return value


def one_of(values: tuple[str, ...]) -> Check:
    """One of a fixed set of strings."""

    def check(value: Any) -> str:
        if value not in values:
            raise ShapeError(f"got {_compact(value)}")
        return str(value)

    return check


def record(fields: dict[str, Check], *, at_least_one: bool = True) -> Check:
    """A JSON object whose keys are a subset of `fields`, each value passing its check."""

    def check(value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise ShapeError(f"got {_compact(value)}")
        unknown = sorted(set(value) - set(fields))
        if unknown:
            raise ShapeError(f"unknown field(s) {', '.join(map(repr, unknown))}")
        if at_least_one and not value:
            raise ShapeError("got an empty object")
        out = {}
        for name, item in value.items():
            try:
                out[name] = fields[name](item)
            except ShapeError as exc:
                raise ShapeError(f"field {name!r}: {exc}") from None
        return out

    return check


def _price_pair(value: Any) -> list[float]:
    if not (
        isinstance(value, list | tuple)
        and len(value) == 2
        and all(_is_number(v) and v >= 0 for v in value)
    ):
        raise ShapeError(f"got {_compact(value)}")
    return [float(v) for v in value]


def price_table(value: Any) -> dict[str, list[float]]:
    """Model id → [input, output] USD per 1M tokens, both finite and >= 0."""
    if not isinstance(value, dict):
        raise ShapeError(f"got {_compact(value)}")
    out = {}
    for model, pair in value.items():
        if not model.strip():
            raise ShapeError("a model id is empty")
        try:
            out[model] = _price_pair(pair)
        except ShapeError as exc:
            raise ShapeError(f"price of {model!r}: {exc}") from None
    return out


def _number_table(value: Any, what: str) -> dict[str, float]:
    if not isinstance(value, dict) or not value:
        raise ShapeError(f"{what}: got {_compact(value)}")
    if not all(isinstance(k, str) and _is_number(v) for k, v in value.items()):
        raise ShapeError(f"{what}: every entry must be a feature name and a number")
    return {k: float(v) for k, v in value.items()}


def scorer_weights(value: Any) -> dict[str, Any]:
    """Learned scorer weights: coef, mean and scale per feature (written by `alchemy learn`)."""
    if not isinstance(value, dict):
        raise ShapeError(f"got {_compact(value)}")
    missing = [k for k in ("coef", "mean", "scale") if k not in value]
    if missing:
        raise ShapeError(f"missing {', '.join(missing)}")
    coef = _number_table(value["coef"], "coef")
    mean = _number_table(value["mean"], "mean")
    scale = _number_table(value["scale"], "scale")
    if set(coef) - set(mean) or set(coef) - set(scale):
        raise ShapeError("every feature in coef needs a mean and a scale")
    if any(v <= 0 for v in scale.values()):
        raise ShapeError("every scale must be > 0")
    return dict(value) | {"coef": coef, "mean": mean, "scale": scale}


def anything(value: Any) -> Any:
    """Free-form: any JSON value."""
    return value


_MODEL_FIELDS: dict[str, Check] = {"provider": one_of(PROVIDERS), "model": text}
_PHASE_FIELDS: dict[str, Check] = _MODEL_FIELDS | {
    "temperature": number(*TEMPERATURE_RANGE),
    "max_tokens": positive_int(MAX_TOKENS_LIMIT),
}
_PROVIDER_SHAPE = f'"provider": one of {"|".join(PROVIDERS)}, "model": a model id'

SETTINGS: tuple[Setting, ...] = (
    Setting(
        "prices",
        "USD per 1M input and output tokens, per model id, used for the cost metric",
        'an object mapping model ids to [input, output] numbers >= 0, e.g. {"gpt-4o-mini": [0.15, 0.6]}',
        price_table,
        default_label="built-in list prices (seeded on first run)",
    ),
    Setting(
        "defaults",
        "Provider and/or model for every phase without its own phases.<phase> setting",
        "an object with " + _PROVIDER_SHAPE + ' (either or both), e.g. {"provider": "local"}',
        record(_MODEL_FIELDS),
        default_label='{"provider": "local"}',
        models=True,
    ),
    Setting(
        "phases.<phase>",
        "Per-phase provider, model, temperature and max_tokens (explicit call options win)",
        "an object with any of "
        + _PROVIDER_SHAPE
        + f', "temperature": {TEMPERATURE_RANGE[0]:g}..{TEMPERATURE_RANGE[1]:g},'
        f' "max_tokens": 1..{MAX_TOKENS_LIMIT}',
        record(_PHASE_FIELDS),
        choices=PHASES,
        default_label="defaults / the call's options",
        models=True,
    ),
    Setting(
        "embeddings.auto",
        "Embed new prompts right after a request completes",
        "true or false",
        boolean,
        default=True,
    ),
    Setting(
        "embeddings.model",
        "Embedding model for new prompts and for search",
        "a model id string, e.g. all-MiniLM-L6-v2-int8",
        text,
        default_label="all-MiniLM-L6-v2-int8",
        embedding_model=True,
    ),
    Setting(
        "embeddings.similarity_threshold",
        "Similarity recorded with each embedding as its default match threshold",
        f"a number from {SIMILARITY_RANGE[0]:g} to {SIMILARITY_RANGE[1]:g}",
        number(*SIMILARITY_RANGE),
        default=0.5,
    ),
    Setting(
        "scoring.judge",
        "The LLM judge for `alchemy judge`, `ak.judge` and optimise (none: the offline scorer)",
        "an object with "
        + _PROVIDER_SHAPE
        + ', e.g. {"provider": "openai", "model": "gpt-4o-mini"}',
        record(_MODEL_FIELDS),
        default_label="none (the offline scorer stands in)",
        models=True,
    ),
    Setting(
        "scoring.weights",
        "Scorer weights learned from your picks by `alchemy learn` (none: the shipped defaults)",
        'an object with "coef", "mean" and "scale", each mapping feature names to numbers',
        scorer_weights,
        default_label="the shipped weights (learned from the labelled pairs)",
    ),
    Setting(
        USER_PREFIX + "<name>",
        "Free-form settings of your own (never read by alchemy_kit)",
        "any JSON value",
        anything,
    ),
)


def known_keys() -> list[str]:
    """The names of every known key (patterns as written, e.g. phases.<phase>)."""
    return [s.name for s in SETTINGS]


def lookup(key: str) -> Setting:
    """Return the Setting for a key, or raise ValidationError listing the known keys."""
    for s in SETTINGS:
        if s.name == key and not s.choices and "<" not in s.name:
            return s
    for s in SETTINGS:
        if "<" in s.name and key.startswith(s.prefix):
            rest = key[len(s.prefix) :]
            if not s.choices and rest.strip():
                return s
            if rest in s.choices:
                return s
            what = s.name[len(s.prefix) :].strip("<>")
            expected = ", ".join(s.choices) if s.choices else f"a {what}"
            raise ValidationError(f"unknown {what} {rest!r} in {key!r}: expected {expected}")
    raise ValidationError(
        f"unknown configuration key {key!r}: known keys are {', '.join(known_keys())}"
    )


def validate(key: str, value: Any) -> Any:
    """Check a value against its key's schema; return it normalised, or raise ValidationError."""
    setting = lookup(key)
    try:
        return setting.check(value)
    except ShapeError as exc:
        raise ValidationError(f"{key}: {exc}; expected {setting.shape}") from None


def check_stored(key: str, value: Any) -> Any:
    """Validate a value read back from the database, naming the key and how to fix it."""
    try:
        return validate(key, value)
    except ValidationError as exc:
        raise ValidationError(
            f"the stored configuration is invalid: {exc}; fix it with"
            f" `alchemy config set {key} ...` or `alchemy config delete {key}`"
        ) from None


__all__ = [
    "SETTINGS",
    "USER_PREFIX",
    "Setting",
    "ShapeError",
    "check_stored",
    "known_keys",
    "lookup",
    "validate",
]
