"""Safe prompt Markdown for our Datasette pages: alchemy_kit/markdown.py, shared with the workbench."""

from ..markdown import REL, SAFE_SCHEMES, clear_cache, safe_href, to_html

__all__ = ["REL", "SAFE_SCHEMES", "clear_cache", "safe_href", "to_html"]
