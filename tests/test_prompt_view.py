"""How prompts read in the workbench (notebook/prompt_view.py): Markdown rendered, diffs by line."""

from __future__ import annotations

import re

import alchemy_kit as ak
from alchemy_kit.notebook import prompt_view as pv
from alchemy_kit.notebook.workbench import Workbench
from alchemy_kit.store import Store

pytest_plugins = ["notebook_fixtures"]  # the `filled` and `store` fixtures

PROMPT = """## Role
You are a **senior editor**.

## Constraints
- Keep it under 200 words.
- Use `plain` words.
"""


def test_markdown_is_rendered_safely() -> None:
    out = pv.prompt_html(
        PROMPT + '\n<img src=x onerror="alert(1)"> ![pixel](https://t.example/p.gif)'
    )
    assert "<h2>Role</h2>" in out and "<strong>senior editor</strong>" in out
    assert "<li>Keep it under 200 words.</li>" in out and "<code>plain</code>" in out
    assert "##" not in out and "**" not in out
    assert "<img" not in out and "&lt;img" in out  # raw HTML shows as text, images as links


def test_long_prompts_keep_their_line_breaks() -> None:
    long = "\n\n".join(f"## Section {i}\n" + "A sentence that goes on. " * 8 for i in range(20))
    assert len(long) > 900
    out = pv.prompt_html(long)
    assert out.count("<h2>") >= 15 and out.count("<p>") >= 15  # not one flattened paragraph
    cut = pv.prompt_html(long, limit=1000)
    assert cut.rstrip().endswith("<p>…</p>\n</div>") and "Section 19" not in cut


def test_variants_of_different_strategies_are_shown_whole() -> None:
    other = "Write the summary as a checklist.\n1. Read the contract.\n2. List the duties."
    assert pv.shared(PROMPT, other) < pv.DIFF_MIN_SHARED
    assert pv.diff_title(PROMPT, other).startswith("little in common with the best")
    whole = pv.diff_html(PROMPT, other)
    assert "<del" not in whole and "<ins" not in whole and "<li>Read the contract.</li>" in whole


def test_close_variants_are_diffed_by_line() -> None:
    close = PROMPT.replace("- Keep it under 200 words.", "- Keep it under 150 words.")
    assert pv.diff_title(PROMPT, close) == "+1 / -1 lines against the best"
    out = pv.diff_html(PROMPT, close)
    assert re.search(r"<del [^>]*>- Keep it under 200 words\.</del>", out)
    assert re.search(r"<ins [^>]*>- Keep it under 150 words\.</ins>", out)
    assert "You are a **senior editor**.\n" in out  # unchanged lines stay as they were


def test_cards_hits_and_compare_in_the_workbench(store: Store) -> None:
    wb = Workbench(store)
    # Generate cards: the local model writes Markdown headings; the card shows them rendered.
    wb.generate.idea.value = "Write a product description for a handmade ceramic coffee mug"
    wb.generate.count.value = 2
    wb.generate.button.click()
    cards = [c.value for c in _html(wb.generate.cards) if "alchemy-markdown" in c.value]
    assert len(cards) == 6  # two variants of three phases, each rendered
    assert not any(re.search(r"(^|\n)#{1,3} ", _text(c)) for c in cards)
    # Compare: every non-best card is either a line diff or the whole text, never a word salad.
    for card in wb.compare.cards[1:]:
        value = card.html.value
        assert "lines against the best" in value or "little in common" in value
    # Hybrid hits: the list labels carry no literal ** markers.
    ak.search_prompts(store, "coffee mug", mode="hybrid", k=5)
    wb.search.query.value, wb.search.mode.value = "coffee mug", "hybrid"
    wb.search.button.click()
    labels = [label for label, _ in wb.search.hits.options]
    assert labels and not any("**" in label for label in labels)


def _html(widget: object) -> list:
    import ipywidgets as widgets

    if isinstance(widget, widgets.HTML):
        return [widget]
    return [w for child in getattr(widget, "children", ()) for w in _html(child)]


def _text(html_text: str) -> str:
    """The visible text of HTML, one line per block."""
    return re.sub(r"<[^>]+>", "", html_text)
