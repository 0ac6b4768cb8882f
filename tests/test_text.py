"""Tests for alchemy_kit.search.text: the full-text query builder and text search on a store."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from alchemy_kit import records as r
from alchemy_kit.errors import ValidationError
from alchemy_kit.search import query as S
from alchemy_kit.store import Store, open_store


@pytest.fixture
def store(tmp_path: Any) -> Iterator[Store]:
    s = open_store(tmp_path / "text.db")
    yield s
    s.close()


def add_texts(store: Store, contents: Sequence[str]) -> list[r.Prompt]:
    """Store one prompt per text (full-text search needs no embeddings)."""
    prompts = [
        r.Prompt(content=c, phase="solutio", provider="local", model="alchemy-local")
        for c in contents
    ]
    store.add_prompts(prompts)
    return prompts


HOSTILE = [
    '"',
    '""',
    "*",
    "apple*",
    "NEAR(",
    "NEAR(apple pear, 2)",
    "a:b",
    "content:apple",
    "'); DROP TABLE prompts; --",
    "((apple",
    "apple)",
    "apple OR",
    "AND",
    "NOT apple",
    "^apple",
    "ünïcode 猫 🍎",
    "\x00",
    "-",
    "{content}: apple",
]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_text_queries_never_raise(store: Store, query: str) -> None:
    add_texts(store, ["apple pie", "pear tart", "猫 cat"])
    res = S.search(store, query, mode="text")
    assert isinstance(res, S.SearchResult)
    assert store.counts()["prompts"] == 3
    assert S.history(store, 1)[0].query == query.strip()


def test_text_query_words_are_literal(store: Store) -> None:
    add_texts(store, ["use NEAR( carefully", "apple OR pear", "x"])
    assert len(S.search(store, "NEAR(", mode="text")) == 1
    assert len(S.search(store, "apple OR", mode="text")) == 1  # OR is a word, not an operator
    assert len(S.search(store, "apple pear", mode="text", match_all=True)) == 1
    q = S.text_query('say "hi there" NOT')
    assert q is not None and q.match == '"hi there" OR "say"'
    assert S.text_query('"a ""b"" c"') is not None
    assert S.text_query("* ( )") is None


def test_text_query_leaves_stop_words_out_of_matching() -> None:
    q = S.text_query("How do I summarise the quarterly report?")
    assert q is not None
    assert q.words == ("summarise", "quarterly", "report")
    assert q.stop_words == ("how", "do", "i", "the")
    assert q.match == '"summarise" OR "quarterly" OR "report"'
    # bm25 still ranks by every word, the stop words with bm25's low weight for common words
    assert q.rank == q.match + ' OR "how" OR "do" OR "i" OR "the"'
    strict = S.text_query("How do I summarise the quarterly report?", match_all=True)
    assert strict is not None and strict.match == '"summarise" AND "quarterly" AND "report"'
    only = S.text_query("the of and")  # nothing but stop words: search for those
    assert only is not None and only.words == ("the", "of", "and") and only.stop_words == ()


SENTENCES = [
    "Summarise the quarterly sales report for the board in five bullet points",
    "Write a friendly email inviting the team to the summer party",
    "Draft a report on quarterly churn with one chart per region",
    "A haiku about the sea",
]


def test_text_search_with_a_real_sentence_matches_any_word(store: Store) -> None:
    prompts = add_texts(store, SENTENCES)
    query = "Could you please summarise the quarterly report for me?"
    res = S.search(store, query, mode="text")
    # Partial matches count; more of the (rarer) words rank higher; stop words match nothing:
    # the haiku and the email share only "the"/"for"/"a" with the query and are not hits.
    assert res.ids == [prompts[0].id, prompts[2].id]
    assert res.words == ["please", "summarise", "quarterly", "report"] and res.note is None
    # The strict mode needs every searched word: nothing has "please" as well.
    strict = S.search(store, query, mode="text", match_all=True)
    assert strict.ids == [] and strict.note is not None
    assert "all of the searched words: please, summarise, quarterly, report" in strict.note
    both = S.search(store, "the quarterly report", mode="text", match_all=True)
    assert both.ids == [prompts[0].id, prompts[2].id]


def test_a_search_that_finds_nothing_names_the_words(store: Store) -> None:
    add_texts(store, SENTENCES)
    res = S.search(store, "What about the zeppelin?", mode="text")
    assert res.ids == []
    assert res.note == (
        "no prompt contains any of the searched words: zeppelin"
        " (stop words not searched: what, about, the)"
    )
    # the haiku contains "the" and "about", but stop words alone never make a match
    assert "about" in SENTENCES[3] and "the" in SENTENCES[3]


@pytest.mark.parametrize("query", ["", "   ", "\n\t"])
def test_empty_query_is_a_validation_error(store: Store, query: str) -> None:
    with pytest.raises(ValidationError, match="empty"):
        S.search(store, query, mode="text")


def test_bm25_order_and_snippets(store: Store) -> None:
    contents = [
        "a long prompt about many unrelated things that mentions a cat only once in passing",
        "cat cat cat",
        "dogs only",
        "the cat sat with another cat",
    ]
    prompts = add_texts(store, contents)
    res = S.search(store, "cat", mode="text")
    assert res.ids == [prompts[1].id, prompts[3].id, prompts[0].id]
    assert all("**cat**" in (h.snippet or "") for h in res)
    assert res[0].score > res[1].score > res[2].score
    assert res[0].similarity is None


def test_fts_follows_content_updates_and_deletes(store: Store) -> None:
    prompts = add_texts(store, ["old wording", "keep me"])
    store.update_prompt(prompts[0].id, content="fresh wording")
    assert S.search(store, "old", mode="text").ids == []
    assert S.search(store, "fresh", mode="text").ids == [prompts[0].id]
    store.delete_prompt(prompts[0].id)
    assert S.search(store, "wording", mode="text").ids == []
    assert S.search(store, "keep", mode="text").ids == [prompts[1].id]
