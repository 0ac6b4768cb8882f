"""Tests for alchemy_kit.search.digests: model file digests hashed once per file version."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import pytest

from alchemy_kit.search import digests


@pytest.fixture
def counted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    monkeypatch.setenv(digests.CACHE_ENV, str(tmp_path / "cache"))
    calls: list[Path] = []
    real = digests.sha256

    def counting(path: Path) -> str:
        calls.append(path)
        return real(path)

    monkeypatch.setattr(digests, "sha256", counting)
    return calls


def test_a_file_is_hashed_once_per_version(tmp_path: Path, counted: list[Path]) -> None:
    model = tmp_path / "model.onnx"
    model.write_bytes(b"weights v1")
    expected = hashlib.sha256(b"weights v1").hexdigest()
    assert digests.file_sha256(model) == expected
    assert digests.file_sha256(model) == expected
    assert len(counted) == 1  # the second start read the cache
    model.write_bytes(b"weights version 2")  # a new size: hashed again
    assert digests.file_sha256(model) == hashlib.sha256(b"weights version 2").hexdigest()
    stat = model.stat()
    model.write_bytes(b"weights version 3")  # same size, restored mtime: a new mtime_ns anyway
    os.utime(model, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1))
    assert digests.file_sha256(model) == hashlib.sha256(b"weights version 3").hexdigest()
    assert len(counted) == 3


def test_an_unusable_cache_means_hashing_every_time(
    tmp_path: Path, counted: list[Path], monkeypatch: Any
) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the cache directory should be")
    monkeypatch.setenv(digests.CACHE_ENV, str(blocker))
    model = tmp_path / "model.onnx"
    model.write_bytes(b"weights")
    assert digests.file_sha256(model) == digests.file_sha256(model)
    assert len(counted) == 2
    (tmp_path / "cache").mkdir()
    monkeypatch.setenv(digests.CACHE_ENV, str(tmp_path / "cache"))
    (tmp_path / "cache" / digests.CACHE_FILE).write_text("{not json")
    assert digests.file_sha256(model) == hashlib.sha256(b"weights").hexdigest()
    assert len(counted) == 3


def test_minilm_load_uses_the_cached_digest(tmp_path: Path, counted: list[Path]) -> None:
    from alchemy_kit.search.embeddings import MiniLMEmbedder

    try:
        MiniLMEmbedder().load()
    except Exception as exc:  # the model package may be missing in a slim install
        pytest.skip(f"MiniLM unavailable: {exc}")
    first = len(counted)
    MiniLMEmbedder().load()
    assert first == 2 and len(counted) == first  # model and tokenizer, hashed by the first only
