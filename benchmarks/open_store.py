"""What crash recovery costs on every open: open_store with and without the m006 partial indexes.

Every CLI command opens the store, and opening now looks for requests a crash left `running`.
Reference: the same open with that lookup done by a table scan (the m006 indexes dropped), and the
floor: opening without migrating or reclaiming at all (`migrate=False`, what a bare connect costs).

    python benchmarks/open_store.py [--requests 100000]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from alchemy_kit.store import open_store


def build(path: Path, n: int) -> None:
    store = open_store(path)
    meta = json.dumps({"chain": "per-variant", "seed": 7, "duration_ms": 1234, "prompt_count": 9})
    rows = [
        (
            str(uuid.uuid4()),
            "Summarise the quarterly report for the board " * 6,
            '["solutio"]',
            meta,
        )
        for _ in range(n)
    ]
    with store.transaction():
        # Raw rows keep the build fast; the store's own writes validate one record at a time.
        store.conn.executemany(
            "INSERT INTO prompt_requests (id, input, phases, count, status, completed_at, metadata)"
            " VALUES (?, ?, ?, 1, 'completed', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), ?)",
            rows,
        )
    store.close()


def timed(path: Path, repeat: int, **kwargs: bool) -> float:
    open_store(path, **kwargs).close()  # warm the page cache; not timed
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        open_store(path, **kwargs).close()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        build(path, args.requests)
        size = path.stat().st_size / 1e6
        floor = timed(path, args.repeat, migrate=False)
        indexed = timed(path, args.repeat)
        store = open_store(path)
        store.conn.execute("DROP INDEX idx_prompt_requests_unfinished")
        store.conn.execute("DROP INDEX idx_request_phases_unfinished")
        store.close()
        scan = timed(path, args.repeat)
    print(f"open_store on {args.requests:,} requests ({size:.0f} MB), median of {args.repeat}")
    print(f"{'path':<52} {'ms':>8}")
    print(f"{'floor: connect, no migration check, no reclaim':<52} {floor:>8.2f}")
    print(f"{'ours: reclaim lookup through the m006 indexes':<52} {indexed:>8.2f}")
    print(f"{'reference: the same lookup as a table scan':<52} {scan:>8.2f}")


if __name__ == "__main__":
    main()
