"""alchemy_kit: turn raw ideas into refined LLM prompts, recorded in SQLite.

Re-exports are resolved lazily so `import alchemy_kit` stays fast: llm, onnxruntime, pandas,
scikit-learn and the widget stack load only when a function that needs them is first used.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from .errors import (
    AlchemyError,
    CorruptEmbeddingError,
    DimensionMismatchError,
    EmbeddingError,
    ImportExportError,
    IntegrityError,
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

__version__ = "0.1.0"

# public name -> module that defines it
_LAZY = {
    "open_store": "store",
    "Store": "store",
    "generate": "pipeline",
    "agenerate": "pipeline",
    "GenerationResult": "pipeline",
    "run_batch": "batch",
    "arun_batch": "batch",
    # not `search`: that name is the submodule alchemy_kit.search once anything imports it
    "search_prompts": "search",
    "similar_to": "search",
    "embed_texts": "embeddings",
    "embed_missing": "vectors",
    "export": "transfer",
    "import_": "transfer",
    "heuristic_score": "scoring",
    "Request": "records",
    "PhaseRun": "records",
    "Prompt": "records",
    "Metric": "records",
    "Tag": "records",
    "Configuration": "records",
    "EmbeddingRecord": "records",
    "SearchRecord": "records",
    "PHASES": "migrations",
    "PROVIDERS": "migrations",
}

if TYPE_CHECKING:
    from .batch import arun_batch, run_batch
    from .embeddings import embed_texts
    from .migrations import PHASES, PROVIDERS
    from .pipeline import GenerationResult, agenerate, generate
    from .records import (
        Configuration,
        EmbeddingRecord,
        Metric,
        PhaseRun,
        Prompt,
        Request,
        SearchRecord,
        Tag,
    )
    from .scoring import heuristic_score
    from .search import search as search_prompts
    from .search import similar_to
    from .store import Store, open_store
    from .transfer import export, import_
    from .vectors import embed_missing


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module = import_module(f".{_LAZY[name]}", __name__)
        value = getattr(module, "search" if name == "search_prompts" else name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'alchemy_kit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "PHASES",
    "PROVIDERS",
    "AlchemyError",
    "Configuration",
    "CorruptEmbeddingError",
    "DimensionMismatchError",
    "EmbeddingError",
    "EmbeddingRecord",
    "GenerationResult",
    "ImportExportError",
    "IntegrityError",
    "Metric",
    "MissingKeyError",
    "NotADatabaseError",
    "NotFoundError",
    "PhaseRun",
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
    "agenerate",
    "arun_batch",
    "embed_missing",
    "embed_texts",
    "export",
    "generate",
    "heuristic_score",
    "import_",
    "open_store",
    "run_batch",
    "search_prompts",
    "similar_to",
]
