"""Datasette with our plugin against plain Datasette: every page and canned query, in one run.

Two stores: the demo store (`alchemy demo`: six sample ideas, three variants per phase, embedded)
and a large one grown from it to --prompts prompts (default 10,000) by cloning its requests with
new ids, each clone's idea and text varied and its embedding the original's plus noise, so that
pages, facets, full-text search and the vector queries see realistic Markdown and near duplicates.

For each store, two Datasette instances run in this process over the same rows: ours, built as
`alchemy serve` builds it (our metadata, settings and every installed plugin), and plain Datasette
(the same metadata and settings, no plugins at all: the reference the issue measured). Both are
driven through Datasette's own ASGI client, alternating page by page for --rounds rounds; the
table shows medians. Where plain Datasette cannot run a page (our SQL functions, the lineage
route), its reference is the plain page that returns the same rows: the same prompts selected by
id for similar_prompts and near_duplicates, request_lineage for the lineage page.

Ours is timed twice per round: a first view (rendered-snippet cache emptied) and again. Ratios
use CPU time of this process (every thread), which other processes' load hardly moves; wall
times are shown beside them, and the 1 s target is judged on wall time. The near-duplicate pairs
are computed once per change of the embeddings: that first computation is timed on its own.

    python benchmarks/datasette.py [--prompts 10000] [--rounds 7] [--keep DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import numpy as np

# Run as a script, this file's folder comes first on sys.path, and this file is called datasette.py:
# drop the folder so `import datasette` finds Datasette, not this benchmark.
sys.path = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from alchemy_kit import markdown  # noqa: E402
from alchemy_kit import records as r  # noqa: E402
from alchemy_kit.datasette.metadata import for_database  # noqa: E402
from alchemy_kit.datasette.serve import ServeSettings, build_datasette  # noqa: E402
from alchemy_kit.store import TABLES, open_store  # noqa: E402
from alchemy_kit.store.codec import decode_many, encode_many  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BATCH = 500  # cloned requests per transaction
TAGS = ("legal", "marketing", "code-review", "data", "onboarding")


def build_demo(path: Path) -> None:
    """`alchemy demo` into `path` (offline), plus two searches for search_history."""
    for args in (
        ["demo", "-d", str(path)],
        ["search", "deduplicate a csv file", "-d", str(path), "-k", "5"],
        ["search", "summarise a contract", "--text", "-d", str(path), "-k", "5"],
    ):
        cmd = [sys.executable, "-m", "alchemy_kit", *args]
        subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=True)


def _rows(conn: sqlite3.Connection, sql: str, *params: Any) -> list[dict[str, Any]]:
    conn.row_factory = sqlite3.Row
    return [dict(row) for row in conn.execute(sql, params)]


def grow(path: Path, prompts: int, seed: int = 1) -> None:
    """Clone the store's requests (with their phase runs, prompts, metrics, tags and embeddings)
    under new ids until it holds `prompts` prompts."""
    rng, nrng = random.Random(seed), np.random.default_rng(seed)
    with closing(sqlite3.connect(path)) as conn:
        requests = _rows(conn, "SELECT * FROM prompt_requests WHERE status = 'completed'")
        runs = _rows(conn, "SELECT * FROM request_phases")
        variants = _rows(conn, "SELECT * FROM prompts WHERE request_id IS NOT NULL")
        metrics = _rows(conn, "SELECT * FROM metrics")
        vectors = _rows(conn, "SELECT * FROM embeddings")
        have = conn.execute("SELECT count(*) FROM prompts").fetchone()[0]
    by_request: dict[str, list[dict[str, Any]]] = {}
    for p in variants:
        by_request.setdefault(p["request_id"], []).append(p)
    metrics_of: dict[str, list[dict[str, Any]]] = {}
    for m in metrics:
        metrics_of.setdefault(m["prompt_id"], []).append(m)
    vector_of = {v["prompt_id"]: v for v in vectors}
    unit = decode_many([v["embedding"] for v in vectors])
    unit /= np.linalg.norm(unit, axis=1, keepdims=True)
    row_of = {v["prompt_id"]: i for i, v in enumerate(vectors)}
    store = open_store(path)
    made, n = 0, 0
    while have + made < prompts:
        groups: dict[str, list[Any]] = {k: [] for k in ("req", "run", "p", "m", "t", "e")}
        for _ in range(BATCH):
            if have + made >= prompts:
                break
            src = rng.choice(requests)
            n += 1
            idea = f"{src['input']} (variant {n})"
            req = replace(r.Request.from_row(src), id=r.new_id(), input=idea)
            groups["req"].append(req)
            run_ids = {}
            for run in (x for x in runs if x["request_id"] == src["id"]):
                clone = replace(r.PhaseRun.from_row(run), id=r.new_id(), request_id=req.id)
                run_ids[run["id"]] = clone.id
                groups["run"].append(clone)
            tags = rng.sample(TAGS, rng.choice((0, 0, 1, 2)))
            noise = rng.uniform(0.1, 0.6)
            for p in by_request.get(src["id"], []):
                meta = json.loads(p["metadata"] or "{}")
                meta["phase_run_id"] = run_ids.get(meta.get("phase_run_id"))
                content = p["content"].replace(src["input"], idea, 1) + f"\n\nVariant {n}."
                clone_p = replace(
                    r.Prompt.from_row(p),
                    id=r.new_id(),
                    request_id=req.id,
                    content=content,
                    metadata={k: v for k, v in meta.items() if v is not None},
                )
                groups["p"].append(clone_p)
                made += 1
                for m in metrics_of.get(p["id"], []):
                    clone_m = replace(r.Metric.from_row(m), id=r.new_id(), prompt_id=clone_p.id)
                    groups["m"].append(clone_m)
                groups["t"] += [r.Tag(prompt_id=clone_p.id, tag=t) for t in tags]
                if p["id"] in vector_of:
                    v = unit[row_of[p["id"]]] + nrng.normal(0, noise / 384**0.5, unit.shape[1])
                    groups["e"].append((clone_p.id, vector_of[p["id"]], v / np.linalg.norm(v)))
        blobs = encode_many(np.array([v for _, _, v in groups["e"]])) if groups["e"] else []
        embeddings = [
            r.EmbeddingRecord(pid, src_e["model"], src_e["dimensions"], blob)
            for (pid, src_e, _), blob in zip(groups["e"], blobs, strict=True)
        ]
        store.add(groups["req"], groups["run"], groups["p"], groups["m"], groups["t"], embeddings)
    store.checkpoint()
    store.close()


@dataclass
class Page:
    """One page to time: our path, and the plain Datasette paths returning the same rows."""

    name: str
    ours: str
    plain: list[str]


def _by_id(plain: str, ids: list[str]) -> str:
    """A plain Datasette query selecting these prompts."""
    sql = "SELECT * FROM prompts WHERE id IN ({})".format(", ".join(f"'{i}'" for i in ids) or "''")
    return f"/{plain}?" + urlencode({"sql": sql})


def _one(conn: sqlite3.Connection, sql: str) -> Any:
    return conn.execute(sql).fetchone()[0]


def pages(path: Path, ours: str, plain: str, same_rows: Callable[[str], list[str]]) -> list[Page]:
    """Every table page, two row pages, the lineage page, search and every canned query.

    `same_rows(our path)` names the prompts a page shows beyond what a plain page can select
    (similar prompts, near-duplicate pairs, the lineage page's neighbours).
    """
    from alchemy_kit.datasette.metadata import database_block

    with closing(sqlite3.connect(path)) as conn:
        prompt = _one(conn, "SELECT id FROM prompts ORDER BY score DESC LIMIT 1")
        request = _one(conn, f"SELECT request_id FROM prompts WHERE id = '{prompt}'")
        tag = _one(conn, "SELECT tag FROM tags GROUP BY tag ORDER BY count(*) DESC LIMIT 1")
    out = [Page(t, f"/{ours}/{t}", [f"/{plain}/{t}"]) for t in TABLES]
    lineage = f"/{ours}/-/lineage/{request}"
    out += [
        Page("prompts row", f"/{ours}/prompts/{prompt}", [f"/{plain}/prompts/{prompt}"]),
        Page(
            "request row",
            f"/{ours}/prompt_requests/{request}",
            [f"/{plain}/prompt_requests/{request}"],
        ),
        # The request's variants with their phase runs, and the neighbours the page lists.
        Page(
            "lineage page",
            lineage,
            [
                f"/{plain}/request_lineage?request_id={request}",
                _by_id(plain, same_rows(lineage + ".json")),
            ],
        ),
        Page(
            "prompts ?_search=", f"/{ours}/prompts?_search=csv", [f"/{plain}/prompts?_search=csv"]
        ),
        Page("prompts.json", f"/{ours}/prompts.json", [f"/{plain}/prompts.json"]),
    ]
    args = {"prompts_tagged": f"?tag={tag}", "search_prompts": "?q=csv+file"}
    for name in database_block()["queries"]:
        url = f"/{ours}/{name}{args.get(name, '')}"
        if name in ("similar_prompts", "near_duplicates"):
            out.append(Page(name, url, [_by_id(plain, same_rows(f"/{ours}/{name}"))]))
        else:
            out.append(Page(name, url, [f"/{plain}/{name}{args.get(name, '')}"]))
    return out


@contextmanager
def plugins_off() -> Iterator[None]:
    """Unregister every plugin that is not part of Datasette itself, for plain Datasette."""
    from datasette.plugins import DEFAULT_PLUGINS, pm

    extra = [(n, p) for n, p in pm.list_name_plugin() if n not in DEFAULT_PLUGINS]
    for name, _ in extra:
        pm.unregister(name=name)
    try:
        yield
    finally:
        for name, plugin in extra:
            pm.register(plugin, name)


async def timed(ds: Any, *paths: str) -> tuple[float, float, int, int]:
    """(wall seconds, CPU seconds of this process, worst status, bytes) of GETs, following our
    redirect. CPU time counts every thread of the process (Datasette's SQL threads, our vector
    worker) and hardly moves with other processes' load, so the ratios use it."""
    t0, c0 = time.perf_counter(), time.process_time()
    status, size = 200, 0
    for path in paths:
        resp = await ds.client.get(path, follow_redirects=True)
        status, size = max(status, resp.status_code), size + len(resp.content)
    return time.perf_counter() - t0, time.process_time() - c0, status, size


async def compare(path: Path, rounds: int) -> list[dict[str, Any]]:
    """Time every page for ours and plain, alternating; return one row per page."""
    from datasette.app import Datasette

    plain_path = path.with_name(path.stem + "_plain.db")
    shutil.copy(path, plain_path)
    settings = ServeSettings()
    ours = build_datasette(path, settings)
    with plugins_off():
        plain = Datasette(
            files=[str(plain_path)],
            metadata=for_database(plain_path.stem),
            settings=settings.as_datasette(),
        )
        await plain.invoke_startup()
    await ours.invoke_startup()

    async def same_rows_async(url: str) -> list[str]:
        data = await ours.client.get(url if url.endswith(".json") else _json_url(url))
        body = data.json() if data.status_code == 200 else []
        if isinstance(body, dict):  # the lineage page's data: the neighbours it lists
            return sorted({n["id"] for v in body["variants"] for n in v["neighbours"]})
        return sorted({row[k] for row in body for k in row if k.endswith("prompt_id") and row[k]})

    # The first near-duplicates request after a change compares every pair (then it is cached):
    # time that once, and wait for it, so the pages below see the answer.
    t0 = time.perf_counter()
    while not await same_rows_async(f"/{path.stem}/near_duplicates?min_similarity=-1"):
        if time.perf_counter() - t0 > 120:
            raise SystemExit("near_duplicates gave no pairs within 120 s")
        await asyncio.sleep(0.2)
    first_pairs = time.perf_counter() - t0
    with closing(sqlite3.connect(path)) as conn:
        top = _one(conn, "SELECT id FROM prompts ORDER BY score DESC LIMIT 1")
        request = _one(conn, f"SELECT request_id FROM prompts WHERE id = '{top}'")
    ids_for: dict[str, list[str]] = {}
    for url in (
        f"/{path.stem}/similar_prompts",
        f"/{path.stem}/near_duplicates",
        f"/{path.stem}/-/lineage/{request}.json",
    ):
        ids_for[url] = await same_rows_async(url)
    todo = pages(path, path.stem, plain_path.stem, lambda url: ids_for[url])
    samples: dict[str, dict[str, list[tuple[float, float, int, int]]]] = {
        p.name: {"cold": [], "ours": [], "plain": []} for p in todo
    }
    for round_no in range(rounds + 1):  # round 0 warms caches and is not counted
        for page in todo:
            markdown.clear_cache()  # a first view: no rendered snippet is cached
            got_cold = await timed(ours, page.ours)
            got_ours = await timed(ours, page.ours)
            with plugins_off():
                got_plain = await timed(plain, *page.plain)
            if round_no:
                samples[page.name]["cold"].append(got_cold)
                samples[page.name]["ours"].append(got_ours)
                samples[page.name]["plain"].append(got_plain)
    table = [{"page": "(first near-duplicate pairs)", "first": first_pairs}]
    for page in todo:
        row: dict[str, Any] = {"page": page.name}
        for side in ("cold", "ours", "plain"):
            runs = samples[page.name][side]
            row[side] = statistics.median(wall for wall, _, _, _ in runs)
            row[f"{side}_cpu"] = statistics.median(cpu for _, cpu, _, _ in runs)
            row[f"{side}_status"] = runs[-1][2]
            row[f"{side}_kb"] = runs[-1][3] / 1024
        table.append(row)
    plain_path.unlink()
    return table


def _json_url(url: str) -> str:
    base, _, query = url.partition("?")
    return f"{base}.json?_shape=array" + (f"&{query}" if query else "")


def over_target(row: dict[str, Any]) -> bool:
    """Over 1 s (wall), over 2x plain Datasette in CPU time (first view or again), or not a 200."""
    worst = max(row["cold_cpu"], row["ours_cpu"])
    slow = max(row["cold"], row["ours"]) > 1.0
    return slow or worst > 2 * max(row["plain_cpu"], 1e-3) or row["ours_status"] != 200


def print_table(title: str, rows: list[dict[str, Any]]) -> None:
    """One table: page; CPU ms of ours (first view, again) and plain, the ratios; wall ms; sizes."""
    print(f"\n{title}")
    head = (
        f"{'page':<24} {'cpu first':>9} {'again':>6} {'plain':>6} {'ratio':>6} {'again':>6}"
        f" | {'wall first':>10} {'again':>6} {'plain':>6} | {'ours':>10} {'plain':>10}"
    )
    print(head)
    print("-" * len(head))
    for row in rows:
        if "first" in row:
            print(
                f"{row['page']:<24} {row['first'] * 1000:>9.0f} ms wall, once per change of embeddings"
            )
            continue
        plain = max(row["plain_cpu"], 1e-3)
        print(
            f"{row['page']:<24} {row['cold_cpu'] * 1000:>9.0f} {row['ours_cpu'] * 1000:>6.0f}"
            f" {row['plain_cpu'] * 1000:>6.0f} {row['cold_cpu'] / plain:>6.2f}"
            f" {row['ours_cpu'] / plain:>6.2f}"
            f" | {row['cold'] * 1000:>10.0f} {row['ours'] * 1000:>6.0f} {row['plain'] * 1000:>6.0f}"
            f" | {row['ours_status']:>3} {row['ours_kb']:>5.0f}KB {row['plain_status']:>3}"
            f" {row['plain_kb']:>5.0f}KB{'  <--' if over_target(row) else ''}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", type=int, default=10_000, help="prompts in the large store")
    parser.add_argument("--rounds", type=int, default=7, help="timed rounds (medians shown)")
    parser.add_argument("--keep", type=Path, help="build the stores in this folder and keep them")
    args = parser.parse_args()
    load = os.getloadavg()
    print(
        f"load average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} ({os.cpu_count()} CPUs)"
    )
    tmp = None if args.keep else tempfile.TemporaryDirectory(prefix="alchemy-bench-ds-")
    folder = args.keep or Path(tmp.name)  # type: ignore[union-attr]
    folder.mkdir(parents=True, exist_ok=True)
    try:
        demo, large = folder / "demo.db", folder / f"large{args.prompts}.db"
        if not demo.exists():
            build_demo(demo)
        if not large.exists():
            t0 = time.perf_counter()
            shutil.copy(demo, large)
            grow(large, args.prompts)
            print(f"grew {large.name} in {time.perf_counter() - t0:.1f} s")
        for db in (demo, large):
            with closing(sqlite3.connect(db)) as conn:
                n = _one(conn, "SELECT count(*) FROM prompts")
            rows = asyncio.run(compare(db, args.rounds))
            print_table(f"{db.name}: {n:,} prompts, median of {args.rounds} rounds", rows)
            bad = [row["page"] for row in rows if "first" not in row and over_target(row)]
            print(f"over target (> 1 s, > 2x plain or not 200): {', '.join(bad) or 'none'}")
        load = os.getloadavg()
        print(f"\nload average at end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    finally:
        if tmp is not None:
            tmp.cleanup()


if __name__ == "__main__":
    main()
