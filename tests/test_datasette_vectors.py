"""Our SQL functions under hostile input, and the vector queries behind similar prompts and near
duplicates (functions.py, vectors.py): bounded work per call, bounded memory, answers from the
in-memory index that match brute force, and a note instead of a hang when an answer is late.
"""

from __future__ import annotations

import os
import socket
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import alchemy_kit as ak
from alchemy_kit.datasette import functions, vectors
from alchemy_kit.search import duplicates
from alchemy_kit.store.codec import MAX_BLOB_BYTES, MAX_DIMS, decode_vector, encode_vector

DB = "vec"
ROOT = Path(__file__).resolve().parents[1]


def _header(dims: int, code: int = 1) -> bytes:
    return b"AKV" + bytes([1, code]) + struct.pack("<I", dims)


def test_blobs_beyond_the_codec_maximum_are_refused_before_decoding() -> None:
    huge = _header(10_000_000) + bytes(40)  # claims 10M dims, carries 40 bytes
    with pytest.raises(ak.CorruptEmbeddingError, match="at most 16,384"):
        functions.alchemy_vector(huge)
    too_long = _header(MAX_DIMS) + bytes(MAX_BLOB_BYTES)
    for fn in (functions.alchemy_vector, functions.alchemy_dims):
        with pytest.raises(ak.CorruptEmbeddingError, match="longer than any embedding"):
            fn(too_long)
    with pytest.raises(ak.CorruptEmbeddingError, match="longer than any embedding"):
        functions.alchemy_cosine(too_long, too_long)
    widest = encode_vector(np.ones(MAX_DIMS), "float32")
    assert len(widest) == MAX_BLOB_BYTES
    assert functions.alchemy_dims(widest) == MAX_DIMS
    assert functions.alchemy_cosine(widest, widest) == pytest.approx(1.0)
    with pytest.raises(ak.ValidationError, match="at most 16,384"):
        encode_vector(np.ones(MAX_DIMS + 1))


def test_decode_cache_is_bounded_in_bytes() -> None:
    functions._cache.clear()
    rng = np.random.default_rng(0)
    for _ in range(400):  # 400 distinct 4,096-d vectors: ~20 MB decoded, more than the cache holds
        a, b = (encode_vector(rng.standard_normal(4096), "float32") for _ in range(2))
        functions.alchemy_cosine(a, b)
    assert 0 < functions._cache.bytes <= functions.CACHE_BYTES
    functions._cache.clear()


def test_min_similarity_values() -> None:
    assert functions.min_similarity("") == functions.DEFAULT_MIN_SIMILARITY
    assert functions.min_similarity(" 0.5 ") == 0.5
    for bad in ("abc", "2", "-1.5", "nan", "inf"):
        with pytest.raises(ak.ValidationError, match="min_similarity"):
            functions.min_similarity(bad)


@pytest.fixture(scope="module")
def vec(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Two refined ideas, embedded (MiniLM, or the lexical fallback where it cannot load)."""
    path = tmp_path_factory.mktemp("vec") / f"{DB}.db"
    with ak.open_store(path) as store:
        kw: dict[str, Any] = {"count": 2, "seed": 5, "store": store, "progress": False}
        first = ak.generate("summarise a legal contract for a founder", **kw)
        second = ak.generate("write a haiku about rain on a tin roof", **kw)
        rows = store.query("SELECT prompt_id, embedding FROM embeddings")
        phases = {p.id: p.phase for res in (first, second) for p in res.prompts}
    yield {
        "path": path,
        "vectors": {row["prompt_id"]: decode_vector(row["embedding"]) for row in rows},
        "phases": phases,
    }
    vectors.forget()


async def _datasette(path: Path, **settings: Any) -> Any:
    from datasette.app import Datasette

    ds = Datasette(files=[str(path)], settings=settings or None)
    await ds.invoke_startup()
    return ds


def _cos(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


async def test_similar_and_near_duplicates_match_brute_force(vec: dict[str, Any]) -> None:
    ds = await _datasette(vec["path"])
    vecs, phases = vec["vectors"], vec["phases"]
    target = sorted(vecs)[0]
    got = (
        await ds.client.get(f"/{DB}/similar_prompts.json?_shape=array&prompt_id={target}")
    ).json()
    want = sorted(((_cos(vecs[target], v), pid) for pid, v in vecs.items() if pid != target))[::-1]
    assert [row["prompt_id"] for row in got] == [pid for _, pid in want]
    assert [row["similarity"] for row in got] == pytest.approx(
        [round(s, 4) for s, _ in want], abs=2e-4
    )

    pairs = (
        await ds.client.get(f"/{DB}/near_duplicates.json?_shape=array&min_similarity=-1")
    ).json()
    ids = sorted(vecs)
    expected = [(a, b) for i, a in enumerate(ids) for b in ids[i + 1 :] if phases[a] == phases[b]]
    assert sorted((row["prompt_id"], row["other_prompt_id"]) for row in pairs) == sorted(expected)
    sims = [row["similarity"] for row in pairs]
    assert sims == sorted(sims, reverse=True)
    page2 = (
        await ds.client.get(f"/{DB}/near_duplicates.json?_shape=array&min_similarity=-1&page=2")
    ).json()
    assert page2 == []  # 12 prompts, 4 per phase: 18 pairs, one page


async def test_a_late_answer_shows_a_note_then_arrives(
    vec: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    vectors.forget()
    real = duplicates.near_duplicates

    def slow(*args: Any, **kwargs: Any) -> Any:
        time.sleep(1.5)
        return real(*args, **kwargs)

    monkeypatch.setattr(duplicates, "near_duplicates", slow)
    ds = await _datasette(vec["path"], sql_time_limit_ms=200)
    first = await ds.client.get(f"/{DB}/near_duplicates?min_similarity=-1")
    assert first.status_code == 200 and "Still comparing every pair" in first.text
    time.sleep(2)
    ready = await ds.client.get(f"/{DB}/near_duplicates.json?_shape=array&min_similarity=-1")
    assert len(ready.json()) == 18
    again = await ds.client.get(f"/{DB}/near_duplicates?min_similarity=-1")
    assert "Still comparing" not in again.text
    bad = await ds.client.get(f"/{DB}/near_duplicates?min_similarity=7")
    assert bad.status_code == 400 and "min_similarity must be a number in -1..1" in bad.text


async def test_refused_blobs_answer_400_without_a_traceback(
    vec: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    ds = await _datasette(vec["path"])
    header = _header(10_000_000).hex()
    for sql in (
        f"SELECT alchemy_vector(CAST(X'{header}' || zeroblob(1000) AS BLOB))",
        "SELECT alchemy_cosine(randomblob(100000), randomblob(16))",
        "SELECT alchemy_dims(X'414B560101FFFFFFFF')",
    ):
        resp = await ds.client.get(f"/{DB}.json", params={"sql": sql})
        assert resp.status_code == 400, sql
    assert "Traceback" not in capsys.readouterr().err


def _rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads memory from /proc")
def test_server_memory_comes_back_after_crafted_requests(
    vec: dict[str, Any], tmp_path: Path
) -> None:
    """Issue 18.6: one crafted GET grew the server by ~1 GB for good; ten now leave < 50 MB."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    cmd = [
        sys.executable,
        "-m",
        "alchemy_kit",
        "serve",
        "-d",
        str(vec["path"]),
        "--port",
        str(port),
    ]
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}/{DB}.json?"

    def get(sql: str) -> int:
        try:
            with urllib.request.urlopen(
                base + urllib.parse.urlencode({"sql": sql}), timeout=60
            ) as r:
                return int(r.status)
        except urllib.error.HTTPError as err:
            return int(err.code)

    try:
        for _ in range(200):
            try:
                if get("SELECT 1") == 200:
                    break
            except OSError:
                time.sleep(0.2)
        header = _header(10_000_000).hex()
        crafted = [
            f"SELECT alchemy_vector(CAST(X'{header}' || zeroblob(40000000) AS BLOB))",  # the 10M dims
            "SELECT alchemy_cosine(randomblob(50000000), randomblob(16))",
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n LIMIT 200)"
            " SELECT sum(alchemy_cosine("
            "CAST(X'414B56010300400000' || X'0000803F' || randomblob(16384) AS BLOB),"
            " CAST(X'414B56010300400000' || X'0000803F' || randomblob(16384) AS BLOB))) FROM n",
            "SELECT alchemy_vector(embedding) FROM embeddings",
        ]
        for sql in crafted:  # warm every path once: imports, caches, the allocator's arenas
            get(sql)
        time.sleep(0.5)
        baseline = _rss(proc.pid)
        statuses = {get(crafted[i % len(crafted)]) for i in range(10)}
        time.sleep(0.5)
        grown = _rss(proc.pid) - baseline
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert statuses <= {200, 400}
    assert grown < 50 * 2**20, f"server grew by {grown / 2**20:.0f} MB after 10 crafted requests"
