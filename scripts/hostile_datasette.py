"""Hostile cases against `alchemy serve` (issue 18, points 6, 7, 10 and 12), for scripts/hostile_cases.py.

Each case starts the checkout's `alchemy serve` on a loopback port over a store filled offline, then
acts as a hostile client: crafted SQL against our functions (memory must come back, the time limit
must hold), one huge prompt (bounded pages, peak memory under 1 GB), Markdown and HTML that would
load remote resources or run code, methods other than GET, and `serve --get` through our redirect.
Memory is read from /proc/<pid>/status (VmRSS now, VmHWM the peak), so the cases need Linux.
"""

from __future__ import annotations

import contextlib
import socket
import sqlite3
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from pathlib import Path

from hostile_lab import Lab

MB = 1 << 20
# What a 10-million-dimension float32 BLOB header says (b"AKV", version 1, dtype 1), as SQL hex.
HUGE_HEADER = (b"AKV\x01\x01" + struct.pack("<I", 10_000_000)).hex()


def _say(reason: str) -> bool:
    print(f"      why: {reason}", file=sys.stderr)
    return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """A running `alchemy serve` of the checkout, and its memory."""

    def __init__(self, proc: subprocess.Popen[bytes], base: str, db: str, log: Path) -> None:
        self.proc, self.base, self.db, self.log = proc, base, db, log

    def memory(self, field: str = "VmRSS") -> int:
        """Bytes of VmRSS (resident now) or VmHWM (peak so far) of the server process."""
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
        raise RuntimeError(f"no {field} in /proc/{self.proc.pid}/status")

    def request(
        self, path: str, method: str = "GET", data: bytes | None = None, timeout: float = 600
    ) -> tuple[int, dict[str, str], bytes, float]:
        """(status, headers, body, seconds) of one request; errors are answers too."""
        req = urllib.request.Request(self.base + path, data=data, method=method)
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:  # loopback only
                body = resp.read()
                return resp.status, dict(resp.headers), body, time.perf_counter() - started
        except urllib.error.HTTPError as err:
            return err.code, dict(err.headers), err.read(), time.perf_counter() - started

    def sql(self, query: str) -> tuple[int, bytes, float]:
        status, _, body, took = self.request(
            f"/{self.db}.json?" + urllib.parse.urlencode({"sql": query, "_shape": "array"})
        )
        return status, body, took


@contextlib.contextmanager
def serving(lab: Lab, db: Path, *args: str) -> Iterator[Server]:
    """`alchemy serve` of the checkout over `db`, until the block ends."""
    port = _free_port()
    cmd = [sys.executable, "-m", "alchemy_kit", "serve", "-d", str(db), "--port", str(port), *args]
    log = open(lab.path("serve.log"), "wb")  # noqa: SIM115  (closed below)
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=lab.env, cwd=lab.root)
    server = Server(proc, f"http://127.0.0.1:{port}", db.stem, Path(log.name))
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"alchemy serve exited: {Path(log.name).read_text()[-500:]}")
            with contextlib.suppress(OSError):
                if server.request("/-/versions.json", timeout=2)[0] == 200:
                    break
            time.sleep(0.3)
        yield server
    finally:
        proc.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=20)
        if proc.poll() is None:
            proc.kill()
        log.close()


_filled: dict[str, Path] = {}


def demo_store(lab: Lab) -> Path:
    """A store refined offline from the sample ideas (made once per run, copied per case)."""
    if "demo" not in _filled:
        db = lab.path("demo.db")
        ideas = Path(__file__).resolve().parents[1] / "data" / "sample_ideas.jsonl"
        lab.cli("demo", "--ideas", str(ideas), "-n", "2", "-d", str(db), timeout=600)
        _filled["demo"] = db
    copy = lab.path("served.db")
    with sqlite3.connect(_filled["demo"]) as src, sqlite3.connect(copy) as dest:
        src.backup(dest)
    return copy


def _add_prompt(db: Path, content: str, **columns: str) -> str:
    """Insert one prompt with plain SQL (as an import or another tool could), in the newest request."""
    conn = sqlite3.connect(db)
    try:
        (request,) = conn.execute(
            "SELECT id FROM prompt_requests ORDER BY created_at DESC LIMIT 1"
        ).fetchone()
        pid = str(uuid.uuid4())
        values = {
            "id": pid,
            "content": content,
            "phase": "solutio",
            "provider": "local",
            "model": "alchemy-local",
            "request_id": request,
            "created_at": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
            **columns,
        }
        conn.execute(
            f"INSERT INTO prompts ({', '.join(values)}) VALUES ({', '.join('?' * len(values))})",
            list(values.values()),
        )
        conn.commit()
        return pid
    finally:
        conn.close()


# -- 18.6: our SQL functions through Datasette ------------------------------------------------------
CRAFTED = {
    "a 10M-dimension BLOB": f"SELECT alchemy_vector(CAST(X'{HUGE_HEADER}' || zeroblob(40000000) AS BLOB))",
    "a 100 MB random BLOB": "SELECT alchemy_cosine(randomblob(100000000), randomblob(16))",
    "a header claiming 4e9 dimensions": "SELECT alchemy_dims(CAST(X'414B560101FFFFFFFF' || zeroblob(64) AS BLOB))",
    # 300 distinct 16,384-dimension int8 vectors (scale 1.0): valid, each decoded and cacheable.
    "distinct maximum-size vectors": (
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n LIMIT 300)"
        " SELECT sum(alchemy_cosine("
        "CAST(X'414B56010300400000' || X'0000803F' || randomblob(16384) AS BLOB),"
        " CAST(X'414B56010300400000' || X'0000803F' || randomblob(16384) AS BLOB))) FROM n"
    ),
}


def crafted_sql_memory(lab: Lab, name: str) -> bool:
    """Ten such GETs: each answered within the time limit, memory back within 50 MB."""
    with serving(lab, demo_store(lab)) as server:
        server.sql("SELECT alchemy_vector(embedding) FROM embeddings LIMIT 5")  # warm
        time.sleep(1)
        baseline = server.memory()
        slowest = 0.0
        for _ in range(10):
            status, body, took = server.sql(CRAFTED[name])
            slowest = max(slowest, took)
            if status not in (200, 400):
                return _say(f"status {status}: {body[:200]!r}")
        time.sleep(1)
        grown = (server.memory() - baseline) / MB
        if slowest > 3.0 or grown > 50:
            return _say(f"slowest {slowest:.1f} s, memory +{grown:.0f} MB after 10 requests")
        print(f"      {name}: slowest {slowest:.2f} s, memory {grown:+.0f} MB", file=sys.stderr)
        return True


def time_limit_in_loops(lab: Lab) -> bool:
    """Millions of calls to our functions stop at the 1 s SQL limit, not seconds later."""
    query = (
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n LIMIT 50000000)"
        " SELECT count(*) FROM n, embeddings e WHERE alchemy_dims(e.embedding) > 0"
    )
    with serving(lab, demo_store(lab)) as server:
        status, body, took = server.sql(query)
        if status != 400 or took > 3.0:
            return _say(f"status {status} after {took:.1f} s: {body[:200]!r}")
        return True


# -- 18.7: one huge prompt --------------------------------------------------------------------------
def huge_prompt(lab: Lab, page: str) -> bool:
    """A 200 MB prompt: the page is bounded, quick and the server's peak stays under 1 GB."""
    db = demo_store(lab)
    pid = _add_prompt(db, "# Huge\n\n" + "lorem ipsum dolor sit amet " * (200 * MB // 27))
    with serving(lab, db) as server:
        path = {
            "prompts table": f"/{db.stem}/prompts",
            "row page": f"/{db.stem}/prompts/{pid}",
            "lineage page": f"/{db.stem}/-/lineage/{pid}",
            "leaderboard": f"/{db.stem}/leaderboard",
            "full text": f"/{db.stem}/-/text/prompts/content?pk={pid}",
        }[page]
        status, _, body, took = server.request(path)
        peak = server.memory("VmHWM") / MB
        limit = 200 * MB + 1 if page == "full text" else 2 * MB
        if status != 200 or len(body) > limit or peak > 1024:
            return _say(f"status {status}, {len(body) / MB:.1f} MB page, peak {peak:.0f} MB")
        print(
            f"      {page}: {took:.1f} s, {len(body) / 1024:.0f} KB, peak {peak:.0f} MB",
            file=sys.stderr,
        )
        return True


# -- 18.10: remote resources and raw HTML -------------------------------------------------------------
HOSTILE_MARKDOWN = {
    "markdown image": "![x](http://tracker.invalid/p.png)",
    "reference image": "![x][r]\n\n[r]: http://tracker.invalid/r.png",
    "protocol-relative image": "![x](//tracker.invalid/p.png)",
    "raw <img>": '<img src="http://tracker.invalid/raw.png">',
    "<img onerror>": "<img src=x onerror=alert(1)>",
    "<svg onload>": "<svg onload=alert(1)><circle r=9 /></svg>",
    "<iframe>": '<iframe src="http://tracker.invalid/frame"></iframe>',
    "<script>": "<script src=http://tracker.invalid/s.js></script>",
    "<style> @import": "<style>@import url(http://tracker.invalid/s.css);</style>",
    "<link> stylesheet": '<link rel="stylesheet" href="http://tracker.invalid/s.css">',
    "javascript: link": "[click](javascript:alert(1)) [tab](java\tscript:alert(1))",
    "data: link": "[d](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "html block": "<div>\n<img src=http://tracker.invalid/b.png>\n</div>",
    "autolink image url": "<http://tracker.invalid/auto.png>",
}


# Elements that fetch something or draw outside our control, whatever their attributes.
LOADERS = frozenset(
    {"img", "iframe", "object", "embed", "video", "audio", "source", "svg", "frame"}
)


class _Elements(HTMLParser):
    """Every element that loads something or runs code, as (tag, attribute, value)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            text = value or ""
            remote = text.startswith(("http:", "https:", "//")) and "127.0.0.1" not in text
            if name.startswith("on") or (name in ("src", "data") and remote):
                self.found.append((tag, name, text))
            if tag == "link" and name == "href" and remote:
                self.found.append((tag, name, text))
        if tag in LOADERS:
            self.found.append((tag, "", ""))


def hostile_markdown(lab: Lab, name: str) -> bool:
    """Text and links on every page the prompt reaches; no element that loads or runs; CSP sent."""
    db = demo_store(lab)
    pid = _add_prompt(db, f"# Hostile {name}\n\n{HOSTILE_MARKDOWN[name]}\n\nThe end.")
    with serving(lab, db) as server:
        pages = [
            f"/{db.stem}/prompts",
            f"/{db.stem}/prompts/{pid}",
            f"/{db.stem}/-/lineage/{pid}",
            f"/{db.stem}/search_prompts?q=hostile",
            f"/{db.stem}/leaderboard",
        ]
        for path in pages:
            status, headers, body, _ = server.request(path)
            parser = _Elements()
            parser.feed(body.decode(errors="replace"))
            csp = {k.lower(): v for k, v in headers.items()}.get("content-security-policy", "")
            if status != 200 or parser.found or "default-src 'self'" not in csp:
                return _say(f"{path}: status {status}, {parser.found[:3]}, CSP {csp!r}")
        return True


def not_get(lab: Lab, method: str, target: str) -> bool:
    """Anything but GET under a store: 405, no traceback in the server log, nothing written."""
    db = demo_store(lab)
    before = sqlite3.connect(db).execute("SELECT count(*) FROM prompts").fetchone()[0]
    with serving(lab, db) as server:
        pid = sqlite3.connect(db).execute("SELECT id FROM prompts LIMIT 1").fetchone()[0]
        path = {
            "table": f"/{db.stem}/prompts",
            "table.json": f"/{db.stem}/prompts.json",
            "row": f"/{db.stem}/prompts/{pid}",
            "database": f"/{db.stem}",
            "canned query": f"/{db.stem}/leaderboard",
            "lineage": f"/{db.stem}/-/lineage/{pid}",
        }[target]
        status, _, body, _ = server.request(path, method=method, data=b"sql=delete")
        log = server.log.read_text(errors="replace")
    after = sqlite3.connect(db).execute("SELECT count(*) FROM prompts").fetchone()[0]
    if status != 405 or "Traceback" in log or after != before:
        return _say(f"{method} {target}: {status} {body[:120]!r}, traceback {'Traceback' in log}")
    return True


# -- 18.12: serve --get follows our redirect -----------------------------------------------------------
def serve_get_search(lab: Lab) -> bool:
    db = demo_store(lab)
    run = lab.cli("serve", "-d", str(db), "--get", f"/{db.stem}/prompts?_search=csv")
    if run.code != 0 or "relevance" not in run.out:
        return _say(f"exit {run.code}, {len(run.out)} characters out, stderr {run.err[-200:]!r}")
    missing = lab.cli("serve", "-d", str(db), "--get", f"/{db.stem}/no_such_table")
    return missing.code == 1 and "404" in missing.err and "Traceback" not in missing.err


def datasette_cases(lab: Lab) -> list[tuple[str, Callable[[], bool | None]]]:
    """The Datasette cases, grouped as scripts/hostile_cases.py prints them."""
    c: list[tuple[str, Callable[[], bool | None]]] = []
    for name in CRAFTED:
        c.append(
            (
                "serve: crafted SQL on our functions, memory back (10 GETs)",
                lambda n=name: crafted_sql_memory(lab, n),
            )
        )
    c.append(
        ("serve: crafted SQL on our functions, time limit holds", lambda: time_limit_in_loops(lab))
    )
    for page in ("prompts table", "row page", "lineage page", "leaderboard", "full text"):
        c.append(
            (
                "serve: a 200 MB prompt, bounded page, peak < 1 GB",
                lambda p=page: huge_prompt(lab, p),
            )
        )
    for name in HOSTILE_MARKDOWN:
        c.append(
            ("serve: remote images / raw HTML in a prompt", lambda n=name: hostile_markdown(lab, n))
        )
    for method, target in (
        ("POST", "table"),
        ("POST", "table.json"),
        ("POST", "row"),
        ("POST", "database"),
        ("POST", "canned query"),
        ("POST", "lineage"),
        ("PUT", "table"),
        ("DELETE", "row"),
        ("PATCH", "table"),
    ):
        c.append(
            (
                "serve: methods other than GET answer 405",
                lambda m=method, t=target: not_get(lab, m, t),
            )
        )
    c.append(("serve --get follows our own redirect", lambda: serve_get_search(lab)))
    return c


__all__ = ["datasette_cases"]


if __name__ == "__main__":  # the Datasette cases alone: python scripts/hostile_datasette.py
    import hostile_cases

    sys.argv[1:1] = ["--only", "serve"]
    hostile_cases.main()
