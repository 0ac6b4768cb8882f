"""alchemy_kit: turn raw ideas into refined LLM prompts, recorded in SQLite.

Re-exports are resolved lazily so `import alchemy_kit` stays fast: llm, onnxruntime, pandas,
scikit-learn and the widget stack load only when a function that needs them is first used.
This module holds no logic: `__all__` is the stable public API, each name mapped to its home.
"""

from __future__ import annotations

import sys
from importlib import import_module
from typing import TYPE_CHECKING, Any

from .errors import (
    AlchemyError,
    CorruptEmbeddingError,
    DimensionMismatchError,
    EmbeddingError,
    ImportExportError,
    IntegrityError,
    JudgeParseError,
    MissingKeyError,
    NotADatabaseError,
    NotFoundError,
    ProviderError,
    ProviderLimitError,
    SchemaVersionError,
    SearchError,
    StoreError,
    TransientProviderError,
    UnknownModelError,
    ValidationError,
)

# The single source of the version (pyproject.toml reads it from here).
__version__ = "0.2.0"

# public name -> (module that defines it, its name there)
_LAZY: dict[str, tuple[str, str]] = {
    "open_store": ("store.connect", "open_store"),
    "Store": ("store.store", "Store"),
    "generate": ("engine.api", "generate"),
    "agenerate": ("engine.pipeline", "agenerate"),
    "GenerationResult": ("engine.pipeline", "GenerationResult"),
    "run_batch": ("engine.batch", "run_batch"),
    "arun_batch": ("engine.batch", "arun_batch"),
    # not `search`: that name is the subpackage alchemy_kit.search
    "search_prompts": ("search.query", "search"),
    "similar_to": ("search.query", "similar_to"),
    "embed_texts": ("search.embeddings", "embed_texts"),
    "embed_missing": ("engine.cluster_embed", "embed_missing"),  # cluster= runs it on Dask
    "export": ("store.transfer", "export"),
    "import_": ("store.transfer", "import_"),
    "baseline_score": ("scoring.baseline", "baseline_score"),
    "heuristic_score": ("scoring.baseline", "heuristic_score"),  # deprecated: warns
    "score_text": ("scoring.scorer", "score_text"),
    "explain_score": ("scoring.scorer", "explain"),
    "rescore": ("scoring.rank", "rescore"),
    "judge": ("scoring.judge", "judge"),
    "ajudge": ("scoring.judge", "ajudge"),
    "judge_pair": ("scoring.judge", "judge_pair"),
    "prefer": ("scoring.preferences", "prefer"),
    "pick_best": ("scoring.preferences", "pick_best"),
    "thumb": ("scoring.preferences", "thumb"),
    "rate": ("scoring.preferences", "rate"),
    "undo_pick": ("scoring.preferences", "undo"),
    "picks": ("scoring.preferences", "picks"),
    "learn": ("scoring.learn", "learn"),
    "optimize": ("engine.optimize", "optimize"),
    "evaluate": ("notebook.eval_report", "evaluate"),
    "aevaluate": ("notebook.eval_report", "aevaluate_report"),
    "eval_report": ("notebook.eval_report", "eval_report"),
    "EvalReport": ("notebook.eval_report", "EvalReport"),
    "add_case": ("engine.cases", "add_case"),
    "import_cases": ("engine.cases", "import_cases"),
    "suggest_cases": ("engine.suggest", "suggest_cases"),
    "aoptimize": ("engine.optimize", "aoptimize"),
    "Preference": ("records", "Preference"),
    "Request": ("records", "Request"),
    "PhaseRun": ("records", "PhaseRun"),
    "Prompt": ("records", "Prompt"),
    "Metric": ("records", "Metric"),
    "Tag": ("records", "Tag"),
    "Configuration": ("records", "Configuration"),
    "EmbeddingRecord": ("records", "EmbeddingRecord"),
    "SearchRecord": ("records", "SearchRecord"),
    "workbench": ("notebook.workbench", "workbench"),
    "PHASES": ("vocab", "PHASES"),
    "PROVIDERS": ("vocab", "PROVIDERS"),
    "PERSONAS": ("vocab", "PERSONAS"),
}

if TYPE_CHECKING:
    from .engine.api import generate
    from .engine.batch import arun_batch, run_batch
    from .engine.cases import add_case, import_cases
    from .engine.cluster_embed import embed_missing
    from .engine.optimize import aoptimize, optimize
    from .engine.pipeline import GenerationResult, agenerate
    from .engine.suggest import suggest_cases
    from .notebook.eval_report import EvalReport, eval_report, evaluate
    from .notebook.eval_report import aevaluate_report as aevaluate
    from .notebook.workbench import workbench
    from .records import (
        Configuration,
        EmbeddingRecord,
        Metric,
        PhaseRun,
        Preference,
        Prompt,
        Request,
        SearchRecord,
        Tag,
    )
    from .scoring.baseline import baseline_score, heuristic_score
    from .scoring.judge import ajudge, judge, judge_pair
    from .scoring.learn import learn
    from .scoring.preferences import pick_best, picks, prefer, rate, thumb
    from .scoring.preferences import undo as undo_pick
    from .scoring.rank import rescore
    from .scoring.scorer import explain as explain_score
    from .scoring.scorer import score_text
    from .search.embeddings import embed_texts
    from .search.query import search as search_prompts
    from .search.query import similar_to
    from .store.connect import open_store
    from .store.store import Store
    from .store.transfer import export, import_
    from .vocab import PERSONAS, PHASES, PROVIDERS


# Inside IPython (Jupyter), records, summaries and results render as tables: the notebook surface
# hooks its views into IPython's display formatters (light: no widgets, no engine imported).
if "IPython" in sys.modules:
    from .notebook.views import register as _register_views

    _register_views()


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module, attr = _LAZY[name]
        value = getattr(import_module(f".{module}", __name__), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'alchemy_kit' has no attribute {name!r}")


def __dir__() -> list[str]:
    # Only the public API: not the helper names of this module nor already-imported subpackages.
    return sorted(__all__)


__all__ = [
    "PERSONAS",
    "PHASES",
    "PROVIDERS",
    "AlchemyError",
    "Configuration",
    "CorruptEmbeddingError",
    "DimensionMismatchError",
    "EmbeddingError",
    "EmbeddingRecord",
    "EvalReport",
    "GenerationResult",
    "ImportExportError",
    "IntegrityError",
    "JudgeParseError",
    "Metric",
    "MissingKeyError",
    "NotADatabaseError",
    "NotFoundError",
    "PhaseRun",
    "Preference",
    "Prompt",
    "ProviderError",
    "ProviderLimitError",
    "Request",
    "SchemaVersionError",
    "SearchError",
    "SearchRecord",
    "Store",
    "StoreError",
    "Tag",
    "TransientProviderError",
    "UnknownModelError",
    "ValidationError",
    "__version__",
    "add_case",
    "aevaluate",
    "agenerate",
    "ajudge",
    "aoptimize",
    "arun_batch",
    "baseline_score",
    "embed_missing",
    "embed_texts",
    "eval_report",
    "evaluate",
    "explain_score",
    "export",
    "generate",
    "heuristic_score",
    "import_",
    "import_cases",
    "judge",
    "judge_pair",
    "learn",
    "open_store",
    "optimize",
    "pick_best",
    "picks",
    "prefer",
    "rate",
    "rescore",
    "run_batch",
    "score_text",
    "search_prompts",
    "similar_to",
    "suggest_cases",
    "thumb",
    "undo_pick",
    "workbench",
]
