"""Prompt Markdown as HTML that cannot load anything or run anything: mistune, escaped and allow-listed.

Prompts come from models and imports, so their text is untrusted. The renderer:
- escapes raw HTML (`<img src=x onerror=…>`, `<script>`, `<svg onload=…>`) so it shows as text;
- turns every image (`![alt](url)`, reference images too) into a link, so opening a page never
  fetches a remote resource (no tracking pixel);
- keeps a link only when its URL is relative or http(s)/mailto, after stripping what browsers strip
  (whitespace and control characters inside the scheme), so `javascript:`, `data:` and `vbscript:`
  links become plain text; links get rel="nofollow noopener noreferrer".

mistune (pure Python, regular expressions) renders a 320-character snippet in a fraction of a
millisecond, about 10x faster than Python-Markdown plus bleach did; its cost grows linearly with
the text, so callers pass bounded cuts (datasette/render.py, notebook/prompt_view.py). Both surfaces
use this one renderer, so a prompt reads the same in Datasette and in the workbench. One renderer
is built lazily and reused, and the HTML of short texts (the snippets that tables, the leaderboard
and tag queries all show) is kept in a small LRU, so browsing back and forth does not parse the
same snippets again.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from markupsafe import escape

# Schemes a rendered link may use; anything else (javascript:, data:, vbscript:, file:) is dropped.
SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
# Browsers ignore ASCII whitespace and control characters inside a URL's scheme ("java\tscript:").
_IGNORED = re.compile(r"[\x00-\x20\x7f]+")
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")
REL = "nofollow noopener noreferrer"
# Texts up to CACHED_CHARS are cached, CACHE_ENTRIES of them: at most a few MB of HTML.
CACHED_CHARS = 1000
CACHE_ENTRIES = 2048

_renderer: Any = None


def safe_href(url: str) -> str | None:
    """The URL if a link to it is harmless to show (relative, http, https, mailto), else None."""
    compact = _IGNORED.sub("", url)
    if compact.startswith(("/", "\\")):
        return url  # a path on this site, or protocol-relative (//host: http or https anyway)
    found = _SCHEME.match(compact)
    if found is None:
        # No scheme before the first /, ? or #: a relative link (or a "colon" inside a path).
        head = re.split(r"[/?#]", compact, maxsplit=1)[0]
        return None if ":" in head else url
    return url if found.group(1).lower() in SAFE_SCHEMES else None


def _build() -> Any:
    import mistune

    class SafeRenderer(mistune.HTMLRenderer):
        """HTML with raw HTML escaped, images as links and unsafe links as text."""

        def link(self, text: str, url: str, title: str | None = None) -> str:
            href = safe_href(url)
            if href is None:
                return f'<span class="alchemy-unsafe-link" title="{escape(url)}">{text}</span>'
            extra = f' title="{escape(title)}"' if title else ""
            return f'<a href="{escape(href)}" rel="{REL}"{extra}>{text}</a>'

        def image(self, text: str, url: str, title: str | None = None) -> str:
            # Never an <img>: a remote image would be fetched the moment the page opens.
            label = text or str(escape(url))
            href = safe_href(url)
            if href is None:
                return f'<span class="alchemy-image-link">[image: {label}]</span>'
            return (
                f'<a class="alchemy-image-link" href="{escape(href)}" rel="{REL}"'
                f' title="image: {escape(title or url)}">[image: {label}]</a>'
            )

    return mistune.create_markdown(
        renderer=SafeRenderer(escape=True), plugins=["strikethrough", "table"]
    )


def _render(text: str) -> str:
    global _renderer
    if _renderer is None:
        _renderer = _build()
    html: str = _renderer(text)
    return html


_cached = lru_cache(maxsize=CACHE_ENTRIES)(_render)


def to_html(text: str) -> str:
    """Render Markdown `text` to safe HTML (callers bound its length)."""
    return _cached(text) if len(text) <= CACHED_CHARS else _render(text)


def clear_cache() -> None:
    """Forget cached HTML (benchmarks measure a first view with it)."""
    _cached.cache_clear()


__all__ = ["REL", "SAFE_SCHEMES", "clear_cache", "safe_href", "to_html"]
