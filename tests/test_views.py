"""How records, lists of records, summaries and results look in IPython (alchemy_kit.notebook.views),
and the HTML pieces they are made of (alchemy_kit.notebook.markup)."""

from __future__ import annotations

import html
import re
import subprocess
import sys
from types import SimpleNamespace
from typing import Any

import pytest
from IPython.core.formatters import DisplayFormatter

import alchemy_kit as ak
from alchemy_kit import records as r
from alchemy_kit.notebook import markup, views
from alchemy_kit.store import Store

pytest_plugins = ["notebook_fixtures"]  # the `filled` and `store` fixtures

ALIGN = "text-align:left"


_FORMATTER = DisplayFormatter()
assert views.register(SimpleNamespace(display_formatter=_FORMATTER))


def show(obj: Any) -> dict[str, str]:
    """What IPython would display for `obj`: mime type → text, through our registered views."""
    return _FORMATTER.format(obj)[0]


def pretty(obj: Any) -> str:
    """IPython's text/plain view of `obj`."""
    return show(obj)["text/plain"]


def cells(page: str, column: str) -> list[str]:
    """The text of one column of a rendered table."""
    heads = re.findall(r"<th(?: [^>]*)?>(.*?)</th>", page)
    i = heads.index(column)
    rows = re.findall(r"<tr>(.*?)</tr>", page.split("<tbody>")[1])
    found = [re.findall(r"<td[^>]*>(.*?)</td>", row)[i] for row in rows]
    return [html.unescape(re.sub(r"<[^>]+>", "", cell)) for cell in found]


def test_cut_keeps_whole_words() -> None:
    text = "Summarise a legal contract for a busy founder in plain words"
    assert markup.cut(text, 30) == "Summarise a legal contract…"
    assert markup.cut("a  b\n c", 30) == "a b c"
    assert markup.cut("x" * 50, 10) == "x" * 9 + "…"  # one long token: cut mid-word


def test_preview_keeps_line_breaks() -> None:
    text = "\n".join(f"line {i}" for i in range(20))
    shown = markup.preview(text, lines=3)
    assert shown == "line 0\nline 1\nline 2\n…"
    assert markup.preview("short\ntext") == "short\ntext"


def test_store_lists_render_as_tables(store: Store) -> None:
    for found in (
        store.list_requests(),
        store.list_prompts(limit=None),
        store.phase_runs(store.list_requests()[0].id),
        store.search_history(),
        store.metrics_for([store.list_prompts(limit=1)[0].id]),
    ):
        assert type(found) is list  # the store returns records; the view is IPython's
        html = show(found)["text/html"]
        assert html.count("<tr>") == len(found) + 1 and ALIGN in html and "<th" in html


def test_requests_show_status_and_cost(store: Store) -> None:
    html = show(store.list_requests())["text/html"]
    assert html.startswith("<p><strong>2 requests</strong></p>")
    assert cells(html, "status") == ["completed", "completed"]
    assert cells(html, "cost USD") == ["0", "0"]
    assert cells(html, "prompts") == ["9", "9"]
    ids = re.findall(r'<code title="([0-9a-f-]{36})">([0-9a-f]{8})</code>', html)
    assert len(ids) == 2 and all(full.startswith(short) for full, short in ids)


def test_prompts_are_sorted_by_rank_within_request_and_phase(store: Store) -> None:
    newest_first = store.list_prompts(limit=None)  # created_at desc: coagulatio first
    html = show(newest_first)["text/html"]
    phases, ranks = cells(html, "phase"), cells(html, "rank")
    assert phases[:9] == [p for p in ak.PHASES for _ in range(3)]
    assert ranks[:9] == ["1", "2", "3"] * 3
    # Previews are cut at a word boundary, with the full id in each row's tooltip.
    ids = re.findall(r'<code title="([0-9a-f-]{36})">', html)
    for pid, shown in zip(ids, cells(html, "preview"), strict=True):
        flat = " ".join(store.get_prompt(pid).content.split())
        assert shown.endswith("…") and len(shown) <= 100
        head = shown[:-1]
        assert flat.startswith(head) and flat[len(head)] in " ,;:."
    text = pretty(newest_first)
    assert text.splitlines()[0] == "18 prompts" and len(text.splitlines()) == 19


def test_search_history_table(store: Store) -> None:
    ak.search_prompts(store, "csv <script>", mode="text", k=2, phase="coagulatio")
    html = show(store.search_history())["text/html"]
    assert cells(html, "mode") == ["text", "semantic"]
    assert cells(html, "filters")[0] == "phase=coagulatio"
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "min sim" not in html  # no search used a threshold: the column is left out


def test_preferences_table(store: Store) -> None:
    a, b = store.list_prompts(limit=2)
    ak.prefer(store, a.id, b.id, who="ada")
    ak.thumb(store, b.id, False, who="ada")
    ak.rate(store, a.id, 4, who="bo")
    picks = store.preferences()
    html = show(picks)["text/html"]
    assert cells(html, "who") == ["ada", "ada", "bo"]
    assert cells(html, "pick") == [f"preferred over {b.id[:8]}", "thumb down", "rated 4/5"]
    assert pretty(picks).splitlines()[0] == "3 picks"


def test_single_record_renders_as_a_field_table(store: Store) -> None:
    request = store.list_requests()[0]
    shown = show(request)
    assert shown["text/html"].startswith("<p><strong>Request</strong></p>")
    assert cells(shown["text/html"], "field")[0] == "input"
    assert cells(shown["text/html"], "value")[0] == request.input
    assert shown["text/markdown"].startswith("**Request**\n\n| field | value |")


def test_other_lists_look_as_they_did() -> None:
    class Own(list[int]):
        def _repr_html_(self) -> str:
            return "<b>mine</b>"

    assert show([1, 2]) == {"text/plain": "[1, 2]"}
    assert show([r.Tag(prompt_id="x", tag="a"), 1]).keys() == {"text/plain"}  # mixed: not ours
    assert show(Own([1]))["text/html"] == "<b>mine</b>"
    assert pretty([[1], {"a": 2}]) == "[[1], {'a': 2}]"


def test_registering_twice_changes_nothing() -> None:
    tags = [r.Tag(prompt_id="p" * 8, tag="a")]
    before = pretty(tags)
    assert views.register(SimpleNamespace(display_formatter=_FORMATTER))
    assert pretty(tags) == before and before.startswith("1 tags\n")


def test_importing_alchemy_kit_inside_ipython_registers_the_views() -> None:
    code = (
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "ip = InteractiveShell.instance()\n"
        "import alchemy_kit\n"
        "from alchemy_kit import records as r\n"
        "data = ip.display_formatter.format([r.Tag(prompt_id='p', tag='t')])[0]\n"
        "print(sorted(data), 'sklearn' in __import__('sys').modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['text/html', 'text/plain'] False"


def test_display_is_a_deprecated_alias() -> None:
    sys.modules.pop("alchemy_kit.display", None)
    with pytest.warns(DeprecationWarning, match="alchemy_kit.display is deprecated"):
        from alchemy_kit import display
    assert display.cut is markup.cut and display.Rows is r.Rows and display.RecordList is list


def test_rows_render_and_convert() -> None:
    rows = r.Rows([{"a": 1, "b": 0.123456}, {"a": 2, "b": None}], title="two rows")
    html = show(rows)["text/html"]
    assert "two rows" in html and cells(html, "b") == ["0.1235", ""]
    assert rows.to_dataframe().shape == (2, 2)
    assert pretty(rows).splitlines() == ["two rows", "a=1  b=0.1235", "a=2  b=None"]
    assert "no rows" in show(r.Rows([]))["text/html"]


def test_word_diff_marks_added_and_dropped_words() -> None:
    html = markup.word_diff("keep the <b> old words", "keep the <b> new words here")
    assert '<del style="' in html and ">old</del>" in html
    assert ">new</ins>" in html and "here</ins>" in html
    assert "<b>" not in html and "&lt;b&gt;" in html  # escaped
    assert markup.word_diff("same text", "same text") == "same text"
    assert markup.diff_counts("a b c", "a x c d") == (2, 1)


def test_card_escapes_and_lists_facts() -> None:
    html = markup.card(
        "#1 <x>",
        {"rank": 1, "score": 0.91234, "strategy": "role-first", "ms": None},
        "<script>alert(1)</script>",
        ident="0f0e8b5e-7d1c-4c55-9b0e-6b1d8f1a2b3c",
    )
    assert "&lt;x&gt;" in html and "<script>" not in html
    assert "score <strong>0.9123</strong>" in html and "ms" not in html
    assert 'title="0f0e8b5e-7d1c-4c55-9b0e-6b1d8f1a2b3c"' in html


def test_error_line_is_one_escaped_red_line() -> None:
    html = markup.error_line("bad <input>\nsecond line")
    assert html.count("<p") == 1 and "color:#b00" in html and "&lt;input&gt;" in html


def test_a_lineage_is_read_by_the_store_and_shown_by_the_view(store: Store) -> None:
    best = store.list_prompts(phase="coagulatio", limit=None)[0]
    found = store.lineage(best.id[:8])  # a prefix works too
    assert found.prompt == best and found.request is not None
    assert {p.id for p in found.prompts} >= {best.id} and len(found.runs) == 3
    page = show(found)["text/html"]
    assert page.startswith(f"<p><strong>Lineage of prompt {best.id[:8]}")
    assert page.count("▶") == 1 and "Prompts of the request" in page
