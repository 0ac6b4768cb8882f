"""Check `alchemy serve` in a real browser: headless Debian Chromium driven by playwright.

Fills a store offline (`alchemy demo` into a file NOT named alchemy.db, plus two searches, plus one
hostile prompt carrying remote images and raw HTML), starts `alchemy serve` on a loopback port,
loads the prompts table, a prompt row, the lineage page and the leaderboard, and asserts from the
rendered DOM that Markdown is rendered, the table page is less than 3x the viewport height per 10
rows, score and rank are visible without scrolling at 1,280 px (short ids, full id on hover), facets
show counts, ids are links, the lineage page shows all three phases (and an evaluated request's
outputs, beside the eval canned queries), and that no page creates an
<img> from prompt text or requests anything but the server itself (Content-Security-Policy sent).
Prints what it measured and saves screenshots (--docs also refreshes the two in docs/).

Needs /usr/bin/chromium (`apt-get install -y chromium`) and pip's playwright; never run
`playwright install` (it downloads a browser). Exit code 0 when every check passes.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import closing
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 900}
# Screenshots show the top of a page, a little over one and a half viewports tall.
SHOT_CLIP = {"x": 0, "y": 0, "width": 1280, "height": 1500}
MAX_VIEWPORTS_PER_10_ROWS = 3.0
PHASES = ("prima-materia", "solutio", "coagulatio")
DOC_SHOTS = {"prompts-table": "datasette-prompts.png", "lineage": "datasette-lineage.png"}


def alchemy(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the project's CLI (the one installed next to this Python)."""
    cmd = [sys.executable, "-m", "alchemy_kit", *args]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=True)


# Markdown and HTML that would load a remote resource or run code if rendered as markup.
HOSTILE = (
    "# Tracking test\n\n"
    "![pixel](http://tracker.invalid/pixel.png) and ![ref][p]\n\n"
    '<img src="http://tracker.invalid/raw.png"> <img src=x onerror="document.title=\'pwned\'">\n\n'
    "<script>document.title='pwned'</script> [click](javascript:alert(1))\n\n"
    "[p]: http://tracker.invalid/ref.png\n"
)


def fill_store(path: Path) -> None:
    """Refine the sample ideas offline, record two searches, add one hostile prompt, and run an
    offline eval of one request's final variants on three suggested cases."""
    alchemy("demo", "-d", str(path))
    alchemy("search", "deduplicate a csv file", "-d", str(path), "-k", "5")
    alchemy("search", "summarise a contract", "--text", "-d", str(path), "-k", "5")
    add_hostile(path)
    with closing(sqlite3.connect(path)) as conn:
        (request_id,) = conn.execute(
            "SELECT request_id FROM prompts WHERE request_id IS NOT NULL LIMIT 1"
        ).fetchone()
    alchemy("cases", "suggest", "--request", request_id, "-n", "3", "--seed", "1", "-d", str(path))
    alchemy("eval", "--request", request_id, "--phase", "coagulatio", "-d", str(path))


def add_hostile(path: Path) -> str:
    """A prompt with remote images and raw HTML in the newest request; returns its id."""
    sys.path.insert(0, str(ROOT))
    from alchemy_kit import open_store
    from alchemy_kit import records as r

    with open_store(path) as store:
        (request,) = store.query("SELECT id FROM prompt_requests ORDER BY created_at DESC LIMIT 1")
        prompt = r.Prompt(
            content=HOSTILE,
            phase="solutio",
            provider="local",
            model="alchemy-local",
            request_id=request["id"],
        )
        store.add_prompts([prompt])
        store.checkpoint()
        return prompt.id


def free_port() -> int:
    """A loopback port free right now, so two checks running at once never meet on one port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_up(
    url: str, proc: subprocess.Popen[str], timeout: float = 60.0, name: str = "alchemy serve"
) -> None:
    """Poll `url` until it answers 200; stop early if the server process exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read() if proc.stderr else "see its log"
            raise SystemExit(f"{name} exited early:\n{err}")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:  # loopback only
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"{name} did not answer {url} within {timeout:.0f}s")


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as resp:  # loopback only
        return json.load(resp)


class Checks:
    """Collects named pass/fail results and the numbers measured."""

    def __init__(self) -> None:
        self.results: list[tuple[str, bool, str]] = []

    def check(self, name: str, ok: bool, detail: str = "") -> None:
        self.results.append((name, bool(ok), detail))

    def report(self) -> bool:
        width = max(len(n) for n, _, _ in self.results)
        for name, ok, detail in self.results:
            print(f"{'PASS' if ok else 'FAIL'}  {name:<{width}}  {detail}")
        return all(ok for _, ok, _ in self.results)


def check_pages(base: str, db: str, shots: Path, checks: Checks) -> None:
    from playwright.sync_api import sync_playwright

    # The row page check needs a prompt with Markdown headings: the best-scored one that has some
    # (which prompt scores highest moves with the scorer's weights, and not every layout has them).
    top = get_json(f"{base}/{db}/prompts.json?_shape=array&_size=50&_sort_desc=score")
    prompt = next((p for p in top if re.search(r"(?m)^#{1,3} ", p["content"])), top[0])
    request_id = prompt["request_id"]
    hostile = get_json(f"{base}/{db}/prompts.json?_shape=array&content__startswith=%23+Tracking")[0]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport=VIEWPORT)
        # Every request the pages make that does not go to the server itself.
        elsewhere: list[str] = []
        page.on(
            "request", lambda req: None if req.url.startswith(base) else elsewhere.append(req.url)
        )

        # 1. The prompts table.
        page.goto(f"{base}/{db}/prompts", wait_until="networkidle")
        rows = page.locator("table.rows-and-columns tbody tr").count()
        height = page.evaluate("document.documentElement.scrollHeight")
        row_height = page.evaluate(
            "Math.max(...[...document.querySelectorAll('table.rows-and-columns tbody tr')]"
            ".map(r => r.getBoundingClientRect().height))"
        )
        per10 = height / max(rows, 1) * 10 / VIEWPORT["height"]
        checks.check(
            "table page < 3 viewports per 10 rows",
            rows > 0 and per10 < MAX_VIEWPORTS_PER_10_ROWS,
            f"{rows} rows, page {height} px, {height / max(rows, 1) * 10:.0f} px per 10 rows "
            f"= {per10:.2f} viewports of {VIEWPORT['height']} px; tallest row {row_height:.0f} px",
        )
        md = page.locator("td.col-content .alchemy-md")
        rendered = page.locator("td.col-content .alchemy-md :is(h1, h2, strong, li)").count()
        raw = page.evaluate(
            "[...document.querySelectorAll('td.col-content')]"
            ".filter(td => /^\\s*(#|\\*\\*)/.test(td.innerText)).length"
        )
        checks.check(
            "table: Markdown rendered",
            md.count() == rows and rendered > 0 and raw == 0,
            f"{md.count()} Markdown cells, {rendered} headings/bold/list items, {raw} raw",
        )
        place = page.evaluate(
            "(() => { const at = n => document.querySelector(`th[data-column=${n}]`)"
            ".getBoundingClientRect(); const pk = document.querySelector('td.type-pk a');"
            " return {score: at('score').left, scoreRight: at('score').right,"
            " rank: at('rank').left, rankRight: at('rank').right,"
            " pkHeight: pk.getBoundingClientRect().height,"
            " line: parseFloat(getComputedStyle(pk).lineHeight) || 20,"
            " pkTitle: pk.title, pkText: pk.textContent,"
            " scroll: document.documentElement.scrollWidth}; })()"
        )
        width = VIEWPORT["width"]
        checks.check(
            "table: score and rank visible at 1280 px",
            place["scoreRight"] <= width and place["rankRight"] <= width,
            f"score at x={place['score']:.0f}-{place['scoreRight']:.0f} px, rank at "
            f"x={place['rank']:.0f}-{place['rankRight']:.0f} px (was ≈1,750); page "
            f"{place['scroll']} px wide",
        )
        checks.check(
            "table: short ids, full id on hover",
            place["pkHeight"] <= 1.6 * place["line"] and len(place["pkTitle"]) == 36,
            f"id cell {place['pkHeight']:.0f} px tall (line {place['line']:.0f} px), "
            f"tooltip {place['pkTitle']!r}",
        )
        facets = page.evaluate(
            "[...document.querySelectorAll('.facet-info li')]"
            ".filter(li => /\\d/.test(li.innerText)).length"
        )
        checks.check("table: facets show counts", facets >= 4, f"{facets} facet values with counts")
        fk_links = page.locator("td.col-request_id a[href*='/prompt_requests/']").count()
        pk_links = page.locator("td.type-pk a[href*='/prompts/']").count()
        checks.check(
            "table: ids are links",
            fk_links == rows and pk_links == rows,
            f"{pk_links} prompt id links, {fk_links} request links",
        )
        collapsed = page.locator("details.alchemy-column-descriptions:not([open])").count()
        dl_visible = page.locator("dl.column-descriptions").is_visible()
        titled = page.locator("th[title]").count()
        checks.check(
            "table: column descriptions collapsed",
            collapsed == 1 and not dl_visible and titled > 5,
            f"collapsed block {collapsed}, visible wall {dl_visible}, {titled} header tooltips",
        )
        page.screenshot(path=str(shots / "prompts-table.png"), full_page=True, clip=SHOT_CLIP)

        # 2. One prompt's row page: full Markdown, linked request, lineage link.
        page.goto(f"{base}/{db}/prompts/{prompt['id']}", wait_until="networkidle")
        full = page.locator("td.col-content .alchemy-md:not(.alchemy-snippet)").count()
        headings = page.locator("td.col-content .alchemy-md :is(h1, h2, h3)").count()
        cut = page.evaluate(
            "document.querySelector('td.col-content').innerText.trim().endsWith('…')"
        )
        row_links = page.locator(f"td.col-request_id a[href$='/prompt_requests/{request_id}']")
        lineage_links = page.locator("a.alchemy-lineage").count()
        checks.check(
            "row: full Markdown, ids linked",
            full == 1
            and headings > 0
            and not cut
            and row_links.count() == 1
            and lineage_links >= 1,
            f"{full} full Markdown cell ({headings} headings), request link {row_links.count()}, "
            f"{lineage_links} lineage links, page {page.evaluate('document.body.scrollHeight')} px",
        )
        page.screenshot(path=str(shots / "prompt-row.png"), full_page=True)

        # 3. The lineage page, reached by clicking the row page's lineage link.
        page.locator("a.alchemy-lineage").first.click()
        page.wait_for_load_state("networkidle")
        phases = page.locator("h2.alchemy-phase").all_inner_texts()
        runs = page.locator("table.alchemy-phase-runs tbody tr").count()
        variants = page.locator("table.alchemy-variants tbody tr").count()
        neighbours = page.locator(".alchemy-neighbour a.alchemy-id").count()
        shown = [p for p in PHASES if any(h.startswith(p) for h in phases)]
        checks.check(
            "lineage: all three phases",
            shown == list(PHASES) and runs == 3 and variants > 0 and neighbours > 0,
            f"phases {shown}, {runs} phase runs, {variants} variants, {neighbours} neighbour links",
        )
        page.screenshot(path=str(shots / "lineage.png"), full_page=True, clip=SHOT_CLIP)

        # 3b. The eval canned queries, and the lineage page's eval outputs of the evaluated request.
        runs = get_json(f"{base}/{db}/eval_cost_per_run.json?_shape=array")
        evaluated = runs[0]["request_id"] if runs else None
        page.goto(f"{base}/{db}/eval_pass_rates", wait_until="networkidle")
        rate_rows = page.locator("table.rows-and-columns tbody tr").count()
        intervals = page.locator("td.col-ci_low, td.col-ci_high").count()
        page.goto(f"{base}/{db}/-/lineage/{evaluated}", wait_until="networkidle")
        per_prompt = page.locator("table.alchemy-eval-prompts tbody tr").count()
        outputs = page.locator("table.alchemy-eval-outputs tbody tr").count()
        output_links = page.locator("table.alchemy-eval-outputs a.alchemy-id").count()
        checks.check(
            "eval: pass rates with intervals; lineage lists each variant's outputs",
            bool(runs)
            and rate_rows > 0
            and intervals == 2 * rate_rows
            and per_prompt > 0
            and outputs > 0
            and output_links >= 4 * outputs,
            f"{len(runs)} run(s), {rate_rows} pass-rate rows, {per_prompt} evaluated variants,"
            f" {outputs} outputs listed with {output_links} links",
        )
        page.locator("#eval").scroll_into_view_if_needed()
        page.screenshot(path=str(shots / "lineage-eval.png"))

        # 4. The leaderboard canned query.
        page.goto(f"{base}/{db}/leaderboard", wait_until="networkidle")
        board_rows = page.locator("table.rows-and-columns tbody tr").count()
        board_ids = page.locator("td.col-prompt_id a.alchemy-id").count()
        board_md = page.locator("td.col-content .alchemy-snippet").count()
        board_height = page.evaluate("document.documentElement.scrollHeight")
        checks.check(
            "leaderboard: ids are links, Markdown snippets",
            board_rows > 0 and board_ids == board_rows and board_md == board_rows,
            f"{board_rows} rows, {board_ids} prompt links, {board_md} snippets, "
            f"page {board_height} px ({board_height / board_rows * 10:.0f} px per 10 rows)",
        )
        page.screenshot(path=str(shots / "leaderboard.png"))
        page.goto(f"{base}/{db}/leaderboard?page=2", wait_until="networkidle")
        back = page.locator("a.alchemy-page-link", has_text="previous")
        page_rows = page.locator("table.rows-and-columns tbody tr").count()
        checks.check(
            "leaderboard: paged, 100 rows a page",
            board_rows <= 100 and back.count() == 1 and page_rows == max(board_rows - 100, 0),
            f"page 1: {board_rows} rows; page 2: {page_rows} rows, previous link {back.count()}",
        )

        # 5. A metric query's chart view (datasette-vega, drawn offline from the page's own JSON).
        page.goto(f"{base}/{db}/phase_summary", wait_until="networkidle")
        page.locator("a", has_text="average score per phase").click()
        page.wait_for_timeout(1500)
        bars = page.locator(".vega-embed svg .mark-rect path, .vega-embed canvas").count()
        checks.check("chart view draws", bars > 0, f"{bars} chart marks on phase_summary")

        # 6. A prompt with remote images and raw HTML: text and links on every page, no <img>.
        for name, url in (
            ("table", f"{base}/{db}/prompts"),
            ("row", f"{base}/{db}/prompts/{hostile['id']}"),
            ("lineage", f"{base}/{db}/-/lineage/{hostile['id']}"),
            ("search", f"{base}/{db}/prompts?_search=tracking"),
        ):
            response = page.goto(url, wait_until="networkidle")
            csp = response.headers.get("content-security-policy", "") if response else ""
            images = page.locator(".alchemy-md img, td img").count()
            links = page.locator(".alchemy-md a.alchemy-image-link").count()
            shown = page.locator("text=onerror").count()
            checks.check(
                f"hostile prompt on the {name} page: no <img>, nothing remote",
                images == 0
                and links >= 1
                and shown >= 1
                and not elsewhere
                and page.title() != "pwned"
                and "default-src 'self'" in csp,
                f"{images} img, {links} image links, raw HTML shown as text {shown}x, "
                f"{len(elsewhere)} requests elsewhere, CSP {'sent' if csp else 'missing'}",
            )

        # 7. Embeddings show what they are, not a download link.
        page.goto(f"{base}/{db}/embeddings", wait_until="networkidle")
        vectors = page.locator("td.col-embedding .alchemy-vector").all_inner_texts()
        downloads = page.locator("td.col-embedding a.blob-download").count()
        checks.check(
            "embeddings: summarised, no download links",
            bool(vectors) and downloads == 0 and "384-d" in vectors[0],
            vectors[0] if vectors else "none",
        )
        browser.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="loopback port (default: a free one)")
    parser.add_argument("--db", type=Path, help="serve this store instead of a fresh demo one")
    parser.add_argument("--screenshots", type=Path, help="folder for screenshots (default: temp)")
    parser.add_argument("--docs", action="store_true", help="also copy two screenshots to docs/")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        print(f"SKIP: {CHROMIUM} not found (apt-get install -y chromium)")
        return 0
    with tempfile.TemporaryDirectory(prefix="alchemy-browser-") as tmp:
        db_path = args.db or Path(tmp) / "browse-check.db"
        if args.db is None:
            fill_store(db_path)
        shots = args.screenshots or Path(tmp) / "shots"
        shots.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        cmd = [sys.executable, "-m", "alchemy_kit", "serve", "-d", str(db_path)]
        port = args.port or free_port()
        cmd += ["--port", str(port)]
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
        base = f"http://127.0.0.1:{port}"
        checks = Checks()
        try:
            wait_until_up(f"{base}/-/versions.json", proc)
            check_pages(base, db_path.stem, shots, checks)
        finally:
            proc.terminate()
            proc.wait(timeout=20)
        ok = checks.report()
        if args.docs:
            for shot, name in DOC_SHOTS.items():
                (ROOT / "docs" / name).write_bytes((shots / f"{shot}.png").read_bytes())
        print(f"screenshots: {shots}" + (" (kept)" if args.screenshots else " (deleted)"))
        return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
