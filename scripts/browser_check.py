"""Check the notebooks and the workbench in a real browser: JupyterLab in headless Debian Chromium.

Starts JupyterLab on a loopback port with a token, over temporary copies of `00_quickstart.ipynb`,
`01_generate_and_compare.ipynb` and `06_evaluate.ipynb` with its data (so nothing in notebooks/ is
rewritten), with temporary HOME, IPYTHONDIR, LLM_USER_PATH, Jupyter runtime/config/workspace
folders. In Chromium (driven by playwright) it opens each notebook and runs all cells; in the
workbench it clicks Generate and waits for the new request's cards, switches to the Dashboard tab
and waits for rendered charts (svg/canvas), clicks a point of the embedding map and waits for that
prompt's lineage; in notebook 06 (a replayed SmolLM2 eval) it clicks a cell of the Evaluate tab's
matrix and waits for that output to open beside its case and prompt; in a generated notebook
with $ALCHEMY_CLUSTER=local:1 it clicks the Evaluate tab's Run eval and waits for the run to go to
the Dask workers: the progress bar full and the dashboard link shown beside it. It asserts
that no browser-console error mentions a failed script load and that no request left the machine
(the charts' Vega comes from vl-convert, not a CDN). Prints what it measured; saves screenshots
(--docs also refreshes the three in docs/).

Needs /usr/bin/chromium (`apt-get install -y chromium`) and pip's playwright; never run
`playwright install` (it downloads a browser). Exit code 0 when every check passes.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

# Debian's Chromium, its launch flags and the PASS/FAIL collector are shared with the Datasette check.
from browser_check_datasette import CHROMIUM, CHROMIUM_ARGS, Checks, free_port, wait_until_up

ROOT = Path(__file__).resolve().parents[1]
VIEWPORT = {"width": 1400, "height": 1100}
NOTEBOOKS = ("00_quickstart.ipynb", "01_generate_and_compare.ipynb", "06_evaluate.ipynb")
WORKBENCH = "01_generate_and_compare.ipynb"
EVALUATE = "06_evaluate.ipynb"
DOC_SHOTS = {
    "workbench-generate": "notebook-workbench.png",
    "workbench-dashboard": "notebook-dashboard.png",
    "workbench-evaluate": "notebook-evaluate.png",
}
BROWSER_TZ = "America/New_York"
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
SCRIPT_LOAD_ERRORS = ("error loading script", "failed to load", "err_name_not_resolved", "cdn.")


def start_lab(workdir: Path, port: int, token: str) -> subprocess.Popen[str]:
    """JupyterLab on 127.0.0.1 with a token, every folder it writes under `workdir`."""
    env = dict(os.environ)
    for var, sub in (
        ("HOME", "home"),
        ("IPYTHONDIR", "ipython"),
        ("LLM_USER_PATH", "llm"),
        ("JUPYTER_RUNTIME_DIR", "runtime"),
        ("JUPYTER_CONFIG_DIR", "config"),
        ("TMPDIR", "tmp"),  # the notebooks' throwaway databases land here and go with it
    ):
        env[var] = str(workdir / sub)
        (workdir / sub).mkdir(parents=True, exist_ok=True)
    env.pop("ALCHEMY_DB", None)  # each notebook makes its own fresh store
    cmd = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={workdir / 'nb'}",
        f"--LabApp.workspaces_dir={workdir / 'workspaces'}",
        f"--LabApp.user_settings_dir={workdir / 'settings'}",
    ]
    # No "would you like news?" toast over the screenshots, no update check.
    settings = workdir / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True, exist_ok=True)
    (settings / "notification.jupyterlab-settings").write_text(
        '{"fetchNews": "false", "checkForUpdates": false}', "utf-8"
    )
    # Start the notebook's kernel without asking: on a loaded machine JupyterLab otherwise put up
    # a "Select Kernel" dialog over the notebook, again after each answer (make test on two
    # workers at load 3-6 failed twice so).
    tracker = workdir / "settings" / "@jupyterlab" / "notebook-extension"
    tracker.mkdir(parents=True, exist_ok=True)
    (tracker / "tracker.jupyterlab-settings").write_text(
        '{"autoStartDefaultKernel": true}', "utf-8"
    )
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # JupyterLab refuses to start as root without it
    log = open(workdir / "lab.log", "w")  # noqa: SIM115 (closed with the process)
    return subprocess.Popen(cmd, cwd=workdir / "nb", env=env, stdout=log, stderr=log, text=True)


def log_tail(path: Path, lines: int = 40) -> str:
    """The last lines of a log file (JupyterLab writes its own there, not to a pipe)."""
    try:
        text = path.read_text("utf-8", errors="replace")
    except OSError as exc:
        return f"(no log: {exc})"
    return "\n".join(text.splitlines()[-lines:]) or "(the log is empty)"


def wait_for_lab(url: str, proc: subprocess.Popen[str], log: Path, timeout: float = 90.0) -> None:
    """Wait for JupyterLab to answer; if it exits or never answers, fail with its log's tail."""
    try:
        wait_until_up(url, proc, timeout, "JupyterLab")
    except SystemExit as exc:
        raise SystemExit(f"{exc}\n--- last lines of {log.name} ---\n{log_tail(log)}") from None


def dismiss_popups(page: Any) -> None:
    """JupyterLab's first-run news question, and any modal dialog that would swallow a click.

    A dialog (a kernel chooser after a slow kernel start on a loaded machine, a file-changed
    question) covers the menu bar; its text is printed so a run shows what it was, and its default
    button (the kernel it proposes) is taken.
    """
    for label in ("No", "Dismiss"):
        button = page.locator(".jp-Notification-Toast button", has_text=label)
        if button.count():
            button.first.click()
    for _ in range(3):
        dialog = page.locator(".jp-Dialog")
        if not dialog.count():
            return
        text = " ".join(dialog.first.inner_text().split())
        print(f"note: a JupyterLab dialog was open and is answered with its default: {text[:160]}")
        accept = dialog.first.locator("button.jp-mod-accept")
        if accept.count():
            accept.first.click()
        else:
            page.keyboard.press("Escape")
        page.wait_for_timeout(500)


def run_all(
    page: Any, base: str, name: str, token: str, shots: Path, timeout_s: float = 420.0
) -> dict[str, int]:
    """Open a notebook, run all cells, wait until every cell ran; return cell counts (and keep a
    screenshot of a notebook whose cells did not all run, to see why)."""
    page.goto(f"{base}/lab/tree/{name}?token={token}", wait_until="domcontentloaded")
    # The notebooks opened before stay in the DOM, hidden: wait for a cell of the visible one.
    page.wait_for_selector(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell", timeout=60_000)
    # The notebook opened first keeps its (hidden) indicator earlier in the DOM: wait for this one's.
    page.wait_for_selector(
        ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator[data-status='idle']",
        timeout=90_000,
    )
    page.wait_for_timeout(1000)
    dismiss_popups(page)
    if page.locator("#jp-left-stack:not(.lm-mod-hidden)").count():
        page.keyboard.press("Control+b")  # fold the file browser away: more room for the notebook
    for _ in range(3):
        dismiss_popups(page)
        # Run All runs the current notebook. A dialog answered just now (a kernel chooser for a
        # notebook the workspace reopened, seen on a loaded machine) can leave that hidden one
        # current: a click in this notebook's prompt gutter makes it current again.
        page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell .jp-InputPrompt").first.click()
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
        # On a busy machine the click can land before the notebook is ready and run nothing:
        # wait for a first cell to be queued or run, and ask again if none is.
        if _started(page, 30_000):
            break
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        state = page.evaluate(
            """() => {
              const prompts = [...document.querySelectorAll(
                '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputPrompt')];
              return {cells: prompts.length,
                      pending: prompts.filter(p => /\\[(\\*| )\\]/.test(p.innerText)).length};
            }"""
        )
        if state["cells"] and state["pending"] == 0:
            break
        page.wait_for_timeout(1000)
    errors = page.locator(
        ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output[data-mime-type*='stderr'],"
        " .jp-NotebookPanel:not(.lm-mod-hidden) .jp-RenderedText[data-mime-type*='error']"
    ).count()
    outputs = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output").count()
    if state["pending"]:
        page.screenshot(path=str(shots / f"stuck-{Path(name).stem}.png"))
    return {
        "cells": state["cells"],
        "pending": state["pending"],
        "errors": errors,
        "outputs": outputs,
    }


def copy_unrun(src: Path, dst: Path) -> None:
    """Copy a notebook without its saved outputs and execution counts.

    The saved notebooks are executed, so every prompt already reads [n]: "a cell has run" and
    "no cell pending" would hold before Run All had started anything, and the checks then looked
    for widgets that were not drawn yet (seen on a loaded machine). Unrun copies show [ ] until
    the kernel really runs each cell.
    """
    nb = json.loads(src.read_text("utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
    dst.write_text(json.dumps(nb, indent=1), "utf-8")


def _started(page: Any, timeout_ms: int) -> bool:
    """True once a code cell of the visible notebook is queued ([*]) or has run ([1])."""
    try:
        page.wait_for_function(
            """() => [...document.querySelectorAll(
                '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputPrompt')]
                .some(p => /\\[(\\*|\\d+)\\]/.test(p.innerText))""",
            timeout=timeout_ms,
        )
    except Exception:  # playwright's TimeoutError: nothing started
        return False
    return True


def shoot(page: Any, element: Any, path: Path) -> None:
    """A viewport screenshot with `element`'s top at the top of the notebook's scroll area."""
    element.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(500)
    page.screenshot(path=str(path))


def check_quickstart(page: Any, base: str, token: str, shots: Path, checks: Checks) -> None:
    state = run_all(page, base, NOTEBOOKS[0], token, shots)
    tables = page.locator(
        ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output table"
    ).count()
    checks.check(
        "quickstart: all cells ran, no error output",
        state["cells"] > 5 and state["pending"] == 0 and state["errors"] == 0,
        f"{state['cells']} code cells ({state['pending']} not run), {state['outputs']} outputs, "
        f"{tables} tables, "
        f"{state['errors']} error outputs",
    )
    page.screenshot(path=str(shots / "quickstart.png"))


def run_checked(
    page: Any, base: str, name: str, token: str, shots: Path, checks: Checks, label: str
) -> None:
    """Run all cells of a notebook and check that each ran with no error output."""
    state = run_all(page, base, name, token, shots)
    checks.check(
        f"{label}: all cells ran, no error output",
        state["cells"] > 5 and state["pending"] == 0 and state["errors"] == 0,
        f"{state['cells']} code cells ({state['pending']} not run), {state['outputs']} outputs,"
        f" {state['errors']} error outputs",
    )


def shows_text(page: Any, selector: str, text: str, timeout_ms: int = 30_000) -> bool:
    """Wait until an element matching `selector` shows `text`; False when it never does."""
    try:
        page.wait_for_function(
            """([selector, text]) => [...document.querySelectorAll(selector)]
                  .some(e => e.innerText.includes(text))""",
            arg=[selector, text],
            timeout=timeout_ms,
        )
    except Exception:
        return False
    return True


def check_workbench(page: Any, base: str, token: str, shots: Path, checks: Checks) -> None:
    run_checked(page, base, WORKBENCH, token, shots, checks, "workbench notebook")
    panel = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
    tabs = panel.locator(".jupyter-widgets.widget-tab, .widget-tab").first
    tabs.wait_for(timeout=30_000)
    tabs.scroll_into_view_if_needed()
    titles = [t.text_content() or "" for t in tabs.locator(".lm-TabBar-tab").all()]
    checks.check(
        "workbench: six tabs rendered",
        [t.strip() for t in titles]
        == ["Generate", "Compare & pick", "Evaluate", "Search", "History", "Dashboard"],
        ", ".join(t.strip() for t in titles),
    )
    # Generate: click the button in the widget, wait for the new request's status and cards.
    status = tabs.locator(".alchemy-generate-status").first
    before = status.inner_text()
    cards_before = tabs.locator(".alchemy-card").count()
    t0 = time.monotonic()
    tabs.locator(".widget-button", has_text="Generate").first.click()
    page.wait_for_function(
        """([before]) => [...document.querySelectorAll('.alchemy-generate-status')]
              .some(h => /completed: \\d+ prompts/.test(h.innerText) && h.innerText !== before)""",
        arg=[before],
        timeout=180_000,
    )
    page.wait_for_timeout(1500)
    took = time.monotonic() - t0
    cards = tabs.locator(".alchemy-card").count()
    bars = tabs.locator(".progress-bar-success").count()
    now = status.inner_text()
    checks.check(
        "generate: click -> progress bars and new cards",
        cards == cards_before and cards >= 9 and bars == 3 and now != before,
        f"{took:.1f}s after the click: '{now.strip()}', {cards} cards redrawn, "
        f"{bars} finished progress bars",
    )
    # Cards show the prompt's Markdown rendered (headings, lists), never raw "##" or "**".
    texts = tabs.locator(".alchemy-card").all_inner_texts()
    rendered = tabs.locator(
        ".alchemy-card .alchemy-markdown h1, .alchemy-card .alchemy-markdown h2,"
        " .alchemy-card .alchemy-markdown li"
    ).count()
    raw = [t for t in texts if "## " in t or "**" in t]
    checks.check(
        "generate: cards render Markdown",
        rendered > 0 and not raw,
        f"{rendered} rendered headings and list items, {len(raw)} cards with raw ## or **",
    )
    shoot(page, tabs, shots / "workbench-generate.png")
    # Dashboard: switch tabs, wait for charts drawn by Vega in the page (svg or canvas).
    tabs.locator(".lm-TabBar-tab", has_text="Dashboard").first.click()
    t0 = time.monotonic()
    page.wait_for_function(
        """() => document.querySelectorAll(
             '.widget-tab .vega-embed svg, .widget-tab .vega-embed canvas').length >= 2""",
        timeout=120_000,
    )
    page.wait_for_timeout(2000)
    charts = tabs.locator(".vega-embed").count()
    marks = tabs.locator(".vega-embed .mark-symbol path, .vega-embed .mark-rect path").count()
    checks.check(
        "dashboard: charts rendered in the page",
        charts >= 2 and marks > 0,
        f"{charts} Vega views, {marks} drawn marks, {time.monotonic() - t0:.1f}s after the switch",
    )
    # The grid fits the notebook panel (legends under the charts, none cut off at the right) and
    # the tokens axis reads UTC on a 24-hour clock ("17:33:16", not "05:33" or ".500").
    fit = page.evaluate(
        """() => {
          const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook');
          const views = [...document.querySelectorAll('.widget-tab .vega-embed')];
          const right = Math.max(...views.map(v => v.getBoundingClientRect().right));
          return {panel: Math.round(panel.getBoundingClientRect().right), right: Math.round(right)};
        }"""
    )
    checks.check(
        "dashboard: charts fit the notebook panel",
        fit["right"] <= fit["panel"],
        f"charts end at x={fit['right']}, the panel at x={fit['panel']}",
    )
    ticks = page.evaluate(
        """() => [...document.querySelectorAll('.widget-tab .vega-embed svg text')]
              .map(t => t.textContent).filter(t => /^\\d\\d:\\d\\d/.test(t) || /^\\.\\d+$/.test(t)
                 || /[AP]M$/.test(t))"""
    )
    clock = [t for t in ticks if len(t) == 8 and t[2] == t[5] == ":"]
    now = datetime.now(UTC)  # the requests were made minutes ago, in this hour or the last
    hours = {f"{now.hour:02d}", f"{(now - timedelta(hours=1)).hour:02d}"}
    checks.check(
        "dashboard: time axis in UTC, 24-hour",
        bool(clock) and len(clock) == len(ticks) and all(t[:2] in hours for t in clock),
        f"time labels {ticks[:4]} in a browser set to {BROWSER_TZ}; UTC hour now {now.hour:02d}",
    )
    shoot(page, tabs, shots / "workbench-dashboard.png")
    # Click a point of the embedding map: the dashboard shows that prompt's lineage.
    point = tabs.locator(".vega-embed").first.locator(".mark-symbol path").first
    point.click(force=True)
    opened = shows_text(page, ".widget-tab .widget-html", "Lineage of prompt")
    checks.check("dashboard: clicking a map point opens its lineage", opened)
    shoot(page, tabs, shots / "workbench-picked.png")


def check_evaluate(page: Any, base: str, token: str, shots: Path, checks: Checks) -> None:
    run_checked(page, base, EVALUATE, token, shots, checks, "evaluate notebook (replaying SmolLM2)")
    panel = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
    # The EvalReport's matrix cuts long case names in its header; each header's title keeps the
    # whole name (what a hover shows).
    heads = panel.evaluate(
        """p => [...p.querySelectorAll('.jp-OutputArea-output table th[title]')]
              .map(th => [th.textContent.trim(), th.getAttribute('title')])"""
    )
    whole = [t == n or (t.endswith("…") and n.startswith(t[:-1].rstrip())) for t, n in heads]
    checks.check(
        "evaluate: the report's matrix headers keep each case's whole name as a tooltip",
        len(heads) >= 2 and all(whole),
        f"{len(heads)} titled headers, first {heads[:2]}",
    )
    tab = panel.locator(".widget-tab .alchemy-evaluate").first
    cells = tab.locator(".alchemy-eval-cell")
    try:
        cells.first.wait_for(timeout=90_000)  # the widget renders once the kernel sends its state
    except Exception as exc:
        checks.check("evaluate: the Evaluate tab's matrix rendered", False, type(exc).__name__)
        shoot(page, panel, shots / "workbench-evaluate.png")
        return
    detail = tab.locator(".alchemy-eval-detail")
    shown = detail.first.inner_text() if detail.count() else ""
    # Click a cell whose case is not the one on show: its case name must then appear in the detail.
    target, case = None, ""
    for cell in cells.all():
        case = (cell.get_attribute("title") or "").split(":", 1)[0]
        if case and case not in shown:
            target = cell
            break
    opened, took = False, 0.0
    if target is not None:
        target.scroll_into_view_if_needed()
        t0 = time.monotonic()
        target.click()
        opened = shows_text(page, ".alchemy-evaluate .alchemy-eval-detail", case)
        took = time.monotonic() - t0
    parts = ("Case:", "as sent", "Output", "Graders")
    checks.check(
        "evaluate: clicking a matrix cell opens its output beside the case and prompt",
        opened and all(word in detail.first.inner_text() for word in parts),
        f"{cells.count()} cells, opened {case!r} {took:.1f}s after the click",
    )
    shoot(page, tab.locator(".alchemy-eval-results").first, shots / "workbench-evaluate.png")


CLUSTER = "07_cluster_check.ipynb"
CLUSTER_CELLS = (
    """import os, tempfile
from pathlib import Path
import alchemy_kit as ak

os.environ["ALCHEMY_CLUSTER"] = "local:1"  # the workbench's runs go to one Dask worker process
store = ak.open_store(Path(tempfile.mkdtemp(prefix="alchemy-")) / "alchemy.db")
gen = ak.generate("Summarise a customer review in one short sentence.", store=store, count=2, progress=False)
gen.request.status""",
    """for text in ("Fast delivery and a great product.", "Arrived broken; support never replied."):
    ak.add_case(store, gen.request.id, {"input": text}, assertions=[{"type": "max-words", "value": 60}])
len(store.cases_for(gen.request.id))""",
    """wb = ak.workbench(store)
wb.select(wb.evaluate)
wb""",
)


def write_cluster_notebook(dst: Path) -> None:
    """A small notebook, written for this check only: a store, two cases, the workbench."""
    cells = [
        {"cell_type": "code", "metadata": {}, "source": src, "outputs": [], "execution_count": None}
        for src in CLUSTER_CELLS
    ]
    meta = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    nb = {"cells": cells, "metadata": meta, "nbformat": 4, "nbformat_minor": 5}
    dst.write_text(json.dumps(nb, indent=1), "utf-8")


def check_cluster(page: Any, base: str, token: str, shots: Path, checks: Checks) -> None:
    state = run_all(page, base, CLUSTER, token, shots)
    checks.check(
        "cluster notebook: all cells ran, no error output",
        state["cells"] == len(CLUSTER_CELLS) and state["pending"] == 0 and state["errors"] == 0,
        f"{state['cells']} code cells ({state['pending']} not run), {state['errors']} error outputs",
    )
    tab = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .widget-tab .alchemy-evaluate").first
    button = tab.locator("button", has_text="Run eval").first
    try:
        button.wait_for(timeout=90_000)
    except Exception as exc:
        checks.check("cluster: the Evaluate tab rendered", False, type(exc).__name__)
        return
    button.scroll_into_view_if_needed()
    t0 = time.monotonic()
    button.click()
    # The local:1 cluster starts in the kernel (a worker process), then 2 prompts x 2 cases run.
    done = shows_text(page, ".alchemy-evaluate", "4/4 outputs", timeout_ms=240_000)
    took = time.monotonic() - t0
    # The bar fills as outputs land; the finished run's matrix is drawn after: wait for its cells.
    try:
        tab.locator(".alchemy-eval-cell").nth(3).wait_for(timeout=60_000)
        drawn = tab.locator(".alchemy-eval-cell").count()
    except Exception:
        drawn = 0
    links = tab.locator("a", has_text="Dask dashboard")
    href = links.first.get_attribute("href") if links.count() else None
    bar = tab.locator(".progress-bar-success, .widget-progress .progress-bar").first
    styled = bar.get_attribute("class") if bar.count() else None
    checks.check(
        "cluster: Run eval on $ALCHEMY_CLUSTER fills the bar and shows the Dask dashboard link",
        done and drawn == 4 and bool(href) and str(href).startswith("http"),
        f"4/4 outputs {'shown' if done else 'never shown'} {took:.1f}s after the click;"
        f" {drawn} matrix cells drawn; link {href!r}; bar {styled!r}",
    )
    shoot(page, tab, shots / "workbench-cluster.png")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="loopback port (default: a free one)")
    parser.add_argument("--screenshots", type=Path, help="folder for screenshots (default: temp)")
    parser.add_argument("--docs", action="store_true", help="also copy two screenshots to docs/")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        print(f"SKIP: {CHROMIUM} not found (apt-get install -y chromium)")
        return 0
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="alchemy-lab-") as tmp:
        work = Path(tmp)
        (work / "nb").mkdir()
        for name in NOTEBOOKS:
            copy_unrun(ROOT / "notebooks" / name, work / "nb" / name)
        shutil.copytree(ROOT / "notebooks" / "data", work / "nb" / "data")  # notebook 06's data
        write_cluster_notebook(work / "nb" / CLUSTER)
        shots = args.screenshots or work / "shots"
        shots.mkdir(parents=True, exist_ok=True)
        token = secrets.token_hex(16)
        port = args.port or free_port()
        base = f"http://127.0.0.1:{port}"
        proc = start_lab(work, port, token)
        checks = Checks()
        console: list[str] = []
        external: list[str] = []
        try:
            wait_for_lab(f"{base}/api/status?token={token}", proc, work / "lab.log")
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                # A browser far from UTC: a chart drawn in local time would be five hours off.
                page = browser.new_page(viewport=VIEWPORT, timezone_id=BROWSER_TZ)
                page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
                page.on("pageerror", lambda e: console.append(str(e)))
                page.on(
                    "request",
                    lambda r: (
                        external.append(r.url)
                        if urlparse(r.url).hostname not in LOOPBACK and r.url.startswith("http")
                        else None
                    ),
                )
                check_quickstart(page, base, token, shots, checks)
                check_workbench(page, base, token, shots, checks)
                check_evaluate(page, base, token, shots, checks)
                check_cluster(page, base, token, shots, checks)
                browser.close()
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        failed_loads = [m for m in console if any(s in m.lower() for s in SCRIPT_LOAD_ERRORS)]
        checks.check(
            "console: no failed script load",
            not failed_loads,
            f"{len(console)} console errors, {len(failed_loads)} about script loads"
            + (f": {failed_loads[:3]}" if failed_loads else ""),
        )
        checks.check(
            "network: nothing requested beyond 127.0.0.1",
            not external,
            f"{len(external)} external requests" + (f": {external[:3]}" if external else ""),
        )
        print("summary:")
        ok = checks.report()
        if not ok:  # what JupyterLab and its kernels said, to see why
            print(
                "lab.log (last 40 lines):",
                *(work / "lab.log").read_text().splitlines()[-40:],
                sep="\n  ",
            )
        if console:
            print("console errors (first 5):", *console[:5], sep="\n  ")
        if args.docs:
            for shot, name in DOC_SHOTS.items():
                (ROOT / "docs" / name).write_bytes((shots / f"{shot}.png").read_bytes())
        print(f"screenshots: {shots}" + (" (kept)" if args.screenshots else " (deleted)"))
        return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
