"""Cells that are long, hostile or both, on every page that shows them (render.py, fulltext.py,
lineage.py), and what the server answers besides GET (guard.py): read-only, and no remote loads.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

import alchemy_kit as ak
from alchemy_kit import records as r
from alchemy_kit.datasette import render, vectors
from alchemy_kit.datasette.guard import CSP
from alchemy_kit.store import browse

DB = "cells"
# Long enough to be cut even on a row page, with multi-byte characters on both sides of the cut.
LONG = "# Long prompt\n\nSTART-MARK " + "ünïcode words " * 4000 + " END-MARK"
HOSTILE = (
    "# Hostile\n\n![pixel](http://tracker.invalid/p.png) <img src=x onerror=alert(1)>\n\n"
    "<script>alert(1)</script> [x](javascript:alert(1))"
)


@pytest.fixture(scope="module")
def cells(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A store with one refined idea, plus a long prompt, a hostile one and a long idea."""
    path = tmp_path_factory.mktemp("cells") / f"{DB}.db"
    with ak.open_store(path) as store:
        done = ak.generate(
            "summarise a contract", count=1, store=store, embed=False, progress=False
        )
        long_idea = r.Request(input="idea " + "x" * (render.CELL_CHARS * 2), phases=["solutio"])
        store.add([long_idea])
        kw = {"phase": "solutio", "provider": "local", "model": "m", "request_id": done.request.id}
        long = r.Prompt(content=LONG, metadata={"blob": "y" * render.JSON_CHARS}, **kw)
        hostile = r.Prompt(content=HOSTILE, **kw)
        store.add_prompts([long, hostile])
    yield {"path": path, "done": done, "long": long, "hostile": hostile, "idea": long_idea}
    vectors.forget()


@pytest.fixture
async def ds(cells: dict[str, Any]) -> Any:
    from alchemy_kit.datasette.serve import build_datasette

    datasette = build_datasette(cells["path"])
    await datasette.invoke_startup()
    return datasette


async def _page(ds: Any, path: str) -> str:
    resp = await ds.client.get(path)
    assert resp.status_code == 200, (path, resp.text[:300])
    return str(resp.text)


class _Elements(HTMLParser):
    """Images, event handlers, javascript: links and scripts that run the prompt's code."""

    def __init__(self) -> None:
        super().__init__()
        self.bad: list[str] = []
        self._script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._script = tag == "script"
        for name, value in attrs:
            if name.startswith("on") or (value or "").lower().startswith("javascript:"):
                self.bad.append(f"<{tag} {name}={value!r}>")
        if tag == "img":
            self.bad.append(f"<img {attrs}>")

    def handle_data(self, data: str) -> None:
        if self._script and "alert(1)" in data:
            self.bad.append(f"<script>{data[:60]}")

    def handle_endtag(self, tag: str) -> None:
        self._script = False


def _full_links(html: str) -> list[tuple[str, str]]:
    return re.findall(r'class="alchemy-more" href="([^"]+)">full text \(([\d,]+) (\w+)\)', html)


async def test_long_prompt_is_cut_everywhere_and_linked(ds: Any, cells: dict[str, Any]) -> None:
    long = cells["long"]
    table = await _page(ds, f"/{DB}/prompts")
    assert "END-MARK" not in table and len(table) < 200_000
    row = await _page(ds, f"/{DB}/prompts/{long.id}")
    assert "START-MARK" in row and "END-MARK" not in row
    links = _full_links(row)
    assert (f"/{DB}/-/text/prompts/content?pk={long.id}", f"{len(LONG):,}", "characters") in links
    assert len(row) < 4 * render.CELL_CHARS + 60_000  # the cut, not the 56,000-character text
    # The metadata JSON is longer than JSON_CHARS: shown as cut text, not parsed and indented.
    assert f"/{DB}/-/text/prompts/metadata?pk={long.id}" in row

    board = await _page(ds, f"/{DB}/request_lineage?request_id={cells['done'].request.id}")
    assert "END-MARK" not in board
    assert f"/{DB}/-/text/prompts/content?pk={long.id}" in board  # canned query cells link too


async def test_full_text_streams_the_exact_cell(ds: Any, cells: dict[str, Any]) -> None:
    long = cells["long"]
    resp = await ds.client.get(f"/{DB}/-/text/prompts/content?pk={long.id}")
    assert resp.status_code == 200
    assert resp.headers["content-type"] == "text/plain; charset=utf-8"
    assert int(resp.headers["content-length"]) == len(LONG.encode())
    assert resp.content == LONG.encode()
    idea = await ds.client.get(f"/{DB}/-/text/prompt_requests/input?pk={cells['idea'].id}")
    assert idea.text == cells["idea"].input
    for bad in (
        f"/{DB}/-/text/prompts/content?pk=00000000-0000-4000-8000-000000000000",
        f"/{DB}/-/text/prompts/content",
        f"/{DB}/-/text/prompts/no_such_column?pk={long.id}",
        f"/{DB}/-/text/no_such_table/content?pk={long.id}",
        f"/{DB}/-/text/prompts/score?pk={long.id}",  # not text
        f"/{DB}/-/text/prompts/rank?pk={long.id}",  # NULL
        f"/nowhere/-/text/prompts/content?pk={long.id}",
    ):
        assert (await ds.client.get(bad)).status_code == 404, bad


def test_text_head_reads_only_the_head(cells: dict[str, Any]) -> None:
    with closing(sqlite3.connect(cells["path"])) as conn:
        (rowid,) = conn.execute(
            "SELECT rowid FROM prompts WHERE id = ?", [cells["long"].id]
        ).fetchone()
        heads = browse.text_head(conn, "prompts", "content", [rowid, 10**9], chars=100)
    assert heads == {rowid: (LONG[:100], len(LONG.encode()))}


async def test_long_idea_on_row_and_lineage_pages(ds: Any, cells: dict[str, Any]) -> None:
    idea = cells["idea"]
    row = await _page(ds, f"/{DB}/prompt_requests/{idea.id}")
    url = f"/{DB}/-/text/prompt_requests/input?pk={idea.id}"
    assert (url, f"{len(idea.input):,}", "characters") in _full_links(row)
    lineage = await _page(ds, f"/{DB}/-/lineage/{idea.id}")
    assert (url, f"{len(idea.input):,}", "bytes") in _full_links(lineage)
    data = (await ds.client.get(f"/{DB}/-/lineage/{cells['long'].id}.json")).json()
    (variant,) = [v for v in data["variants"] if v["id"] == cells["long"].id]
    assert variant["content"] == LONG[: browse.CONTENT_CHARS]
    assert variant["content_bytes"] == len(LONG.encode())


async def test_hostile_prompt_is_text_on_every_page(ds: Any, cells: dict[str, Any]) -> None:
    hostile = cells["hostile"]
    for path in (
        f"/{DB}/prompts",
        f"/{DB}/prompts/{hostile.id}",
        f"/{DB}/-/lineage/{hostile.id}",
        f"/{DB}/search_prompts?q=hostile",
        f"/{DB}/request_lineage?request_id={cells['done'].request.id}",
    ):
        html = await _page(ds, path)
        assert "tracker.invalid/p.png" in html, path  # as a link
        elements = _Elements()
        elements.feed(html)
        assert elements.bad == [], path
        assert "&lt;img src=x onerror=alert(1)&gt;" in html, path


async def test_security_headers_on_store_pages_only(
    ds: Any, cells: dict[str, Any], tmp_path: Path
) -> None:
    for path in ("/", f"/{DB}", f"/{DB}/prompts", f"/{DB}/leaderboard", f"/{DB}/prompts.json"):
        resp = await ds.client.get(path)
        assert resp.headers["content-security-policy"] == CSP, path
        assert resp.headers["x-content-type-options"] == "nosniff", path
    assert "default-src 'self'" in CSP and "img-src 'self' data:" in CSP
    other = tmp_path / "other.db"
    with closing(sqlite3.connect(other)) as conn:
        conn.execute("CREATE TABLE t (x)")
    from datasette.app import Datasette

    mixed = Datasette(files=[str(cells["path"]), str(other)])
    await mixed.invoke_startup()
    assert "content-security-policy" in (await mixed.client.get(f"/{DB}/prompts")).headers
    assert "content-security-policy" not in (await mixed.client.get("/other/t")).headers


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
async def test_only_get_under_a_store(
    ds: Any, cells: dict[str, Any], method: str, capsys: pytest.CaptureFixture[str]
) -> None:
    pid = cells["long"].id
    with closing(sqlite3.connect(cells["path"])) as conn:
        before = conn.execute("SELECT count(*) FROM prompts").fetchone()
    for path in (
        f"/{DB}/prompts",
        f"/{DB}/prompts.json",
        f"/{DB}/prompts/{pid}",
        f"/{DB}",
        f"/{DB}.json",
        f"/{DB}/leaderboard",
        f"/{DB}/-/lineage/{pid}",
        f"/{DB}/-/text/prompts/content?pk={pid}",
    ):
        resp = await ds.client.request(method, path, data={"sql": "delete from prompts"})
        assert resp.status_code == 405, (method, path, resp.text[:200])
        assert resp.headers["allow"] == "GET, HEAD"
        assert json.loads(resp.text)["status"] == 405
    with closing(sqlite3.connect(cells["path"])) as conn:
        assert conn.execute("SELECT count(*) FROM prompts").fetchone() == before
    assert "Traceback" not in capsys.readouterr().err
