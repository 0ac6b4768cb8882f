"""alchemy_kit/markdown.py: prompt Markdown as HTML that can neither load nor run anything.

Checked with an allow-list over the parsed HTML, not by looking for known bad strings: every tag
and attribute the renderer emits must be one a Markdown page needs, and every link must point
somewhere harmless. Inputs: the vectors issue 18 names, more of their kinds, and combinations.
"""

from __future__ import annotations

import itertools
from html.parser import HTMLParser

import pytest

from alchemy_kit import markdown

ALLOWED_TAGS = {
    *(f"h{i}" for i in range(1, 7)),
    *("p", "ul", "ol", "li", "strong", "em", "code", "pre", "blockquote", "a", "span", "br"),
    *("hr", "table", "thead", "tbody", "tr", "th", "td", "del"),
}
ALLOWED_ATTRS = {"href", "title", "class", "rel", "start", "style", "align"}

VECTORS = [
    "![x](http://tracker.invalid/p.png)",
    '![x](http://tracker.invalid/p.png "title")',
    "![x][r]\n\n[r]: http://tracker.invalid/r.png",
    "![x](//tracker.invalid/p.png)",
    "![x](data:image/png;base64,iVBORw0KGgo=)",
    "![x](javascript:alert(1))",
    '<img src="http://tracker.invalid/raw.png">',
    "<img src=x onerror=alert(1)>",
    "<IMG SRC=x ONERROR=alert(1)>",
    "<svg onload=alert(1)><circle r=9 /></svg>",
    '<iframe src="http://tracker.invalid/frame"></iframe>',
    "<script src=http://tracker.invalid/s.js></script>",
    "<script>alert(1)</script>",
    "<style>@import url(http://tracker.invalid/s.css);</style>",
    '<link rel="stylesheet" href="http://tracker.invalid/s.css">',
    '<object data="http://tracker.invalid/o.swf"></object>',
    '<video src="http://tracker.invalid/v.mp4" autoplay></video>',
    '<a href="javascript:alert(1)">x</a>',
    '<div style="background:url(http://tracker.invalid/bg.png)">x</div>',
    "<div>\n<img src=http://tracker.invalid/b.png>\n</div>",
    "[click](javascript:alert(1))",
    "[tab](java\tscript:alert(1))",
    "[entity](java&#x09;script:alert(1))",
    "[upper](JAVASCRIPT:alert(1))",
    "[pct](jav%61script:alert(1))",
    "[vb](vbscript:msgbox(1))",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[file](file:///etc/passwd)",
    "<http://tracker.invalid/auto.png>",
    '[x](http://ok.example/ "a" onmouseover="alert(1)")',
    "[x](<http://ok.example/a b>)",
    "&lt;img src=x onerror=alert(1)&gt;",
    "`<img src=x>` and\n\n    <img src=x>\n",
    "| a | b |\n|---|---|\n| <img src=x> | ![y](http://tracker.invalid/t.png) |",
]


class _Audit(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.bad: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.bad.append(f"<{tag}>")
        for name, value in attrs:
            if name not in ALLOWED_ATTRS or (name == "style" and "url(" in (value or "")):
                self.bad.append(f"<{tag} {name}={value!r}>")
            if name == "href":
                self.links.append(value or "")


def audit(source: str) -> _Audit:
    found = _Audit()
    found.feed(markdown.to_html(source))
    for href in found.links:
        if markdown.safe_href(href) is None:
            found.bad.append(f"href={href!r}")
    return found


@pytest.mark.parametrize("source", VECTORS)
def test_nothing_loads_or_runs(source: str) -> None:
    assert audit(source).bad == []


def test_combinations_and_nesting() -> None:
    for a, b in itertools.product(VECTORS[:12], VECTORS[12:24]):
        for source in (f"{a}\n\n{b}", f"> {a} {b}", f"- {a}\n  - {b}", f"**{a}** _{b}_"):
            assert audit(source).bad == [], source


def test_images_become_links_and_raw_html_text() -> None:
    html = markdown.to_html("![chart](http://tracker.invalid/p.png) <img src=x onerror=alert(1)>")
    assert "<img" not in html
    assert 'class="alchemy-image-link" href="http://tracker.invalid/p.png"' in html
    assert "[image: chart]" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html  # shown, not an element
    assert "[image: x]" in markdown.to_html("![x](javascript:alert(1))")  # no link at all
    assert "javascript" not in markdown.to_html("![x](javascript:alert(1))").split("title=")[0]


def test_markdown_still_renders() -> None:
    html = markdown.to_html(
        "# Title\n\n**bold** _it_ `code` ~~gone~~\n\n- one\n- two\n\n1. first\n\n"
        "[site](https://example.org/a?b=1) [rel](/db/prompts) [mail](mailto:a@b.c)\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n"
    )
    for piece in (
        "<h1>Title</h1>",
        "<strong>bold</strong>",
        "<em>it</em>",
        "<code>code</code>",
        "<del>gone</del>",
        "<li>one</li>",
        "<ol>",
        'href="https://example.org/a?b=1"',
        'href="/db/prompts"',
        'href="mailto:a@b.c"',
        "<table>",
    ):
        assert piece in html, piece
    assert html.count(f'rel="{markdown.REL}"') == 3


@pytest.mark.parametrize(
    ("url", "safe"),
    [
        ("https://example.org", True),
        ("HTTP://example.org", True),
        ("mailto:a@b.c", True),
        ("/db/prompts?x=1", True),
        ("//cdn.example.org/x", True),
        ("#section", True),
        ("relative/path", True),
        ("javascript:alert(1)", False),
        (" java\nscript:alert(1)", False),
        ("\x01javascript:alert(1)", False),
        ("data:text/html,x", False),
        ("vbscript:x", False),
        ("file:///etc/passwd", False),
        ("jav%61script:x", False),
        ("weird:thing", False),
    ],
)
def test_safe_href(url: str, safe: bool) -> None:
    assert (markdown.safe_href(url) is not None) is safe


def test_cache_is_bounded() -> None:
    markdown.clear_cache()
    for i in range(markdown.CACHE_ENTRIES + 50):
        markdown.to_html(f"snippet {i}")
    markdown.to_html("long " * markdown.CACHED_CHARS)  # too long to be kept
    info = markdown._cached.cache_info()
    assert info.currsize == markdown.CACHE_ENTRIES
    assert markdown.to_html("snippet 7") == "<p>snippet 7</p>\n"
