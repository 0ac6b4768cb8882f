"""Finding instructions that contradict each other, without a model call.

Rules (`rule_conflicts`), general rather than domain lists:
limits that no answer can meet together (two caps on one unit, a small
  length cap with many items to cover in full), something forbidden and asked for (by stem or by
  a synonym group), two different "X only" demands, an output-only format with a discursive ask,
  two target languages, opposed styles;
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from . import lexicon as lx
from .features_text import WORD, Quantity, Text, quantities, stem

# Words that name the same thing for the forbid-then-ask check (heads are stems).
SYNONYMS: list[set[str]] = [
    {"heading", "header", "headline", "title", "section"},
    {"jargon", "terminology", "technical", "term"},
    {"remove", "drop", "delete", "discard", "exclude", "omit", "cut"},
    {"recommend", "recommendation", "suggest", "suggestion", "advice", "advise"},
    {"prose", "paragraph", "narrative", "essay", "text", "explanation", "commentary"},
    {"quote", "quotation", "cite", "citation", "verbatim"},
    {"number", "figure", "digit", "score", "count", "statistic", "percentage"},
    {"emoji", "emoticon"},
    {"bullet", "list", "point"},
    {"table", "tabular", "grid"},
    {"dependency", "library", "package", "import"},
    {"recursion", "recursive"},
    {"apology", "apologise", "apologize", "sorry"},
    {"criticism", "criticise", "critique", "weakness", "weak", "flaw"},
    {"code", "snippet"},
    {"name", "named", "identify", "identifiable"},
    {"spoiler", "ending", "twist", "reveal"},
    {"link", "url"},
    {"example", "sample", "instance"},
]
_SYNONYM_OF = {w: i for i, group in enumerate(SYNONYMS) for w in group}
# Per-item minimum words when a cap has to hold items covered "in full"/"each with …".
_RICH = re.compile(
    r"\b(?:each|every|all)\b[^.\n]{0,80}\b(?:with|in|and)\b[^.\n]{0,30}\b(?:paragraph|example|"
    r"anecdote|sentence|story|explanation|commentary|description|detail)",
    re.I,
)
_ONLY = re.compile(
    r"\b(?:only|exclusively|solely)\s+(?:the\s+|in\s+|on\s+|as\s+|use\s+)?([a-z][\w-]+(?:\s+[a-z][\w-]+)?)"
    r"|\b([a-z][\w-]+)\s+only\b",
    re.I,
)
_CAP_WORDS = {"word": 1.0, "character": 1 / 6, "sentence": 15.0, "line": 10.0, "paragraph": 60.0}
# Countable deliverables a length cap has to hold (not data sizes or durations).
_ITEMS = frozenset(
    [
        "question",
        "example",
        "idea",
        "tip",
        "step",
        "slide",
        "section",
        "item",
        "point",
        "bullet",
        "option",
        "name",
        "title",
        "headline",
        "answer",
        "suggestion",
        "reason",
        "entry",
    ]
)


def _head(word: str) -> str:
    """A stem, then a prefix long enough to match apology/apologising, rhyme/rhyming."""
    s = stem(word)
    return s[:6] if len(s) > 6 else s


# Verbs that mean the same action, so "do not drop rows" meets "remove every row".
_VERB_GROUPS = {
    **dict.fromkeys(
        ["remove", "drop", "delete", "discard", "exclude", "omit", "cut", "strip", "filter"],
        "remove",
    ),
    **dict.fromkeys(
        ["mention", "say", "state", "reveal", "name", "tell", "disclose", "note"], "mention"
    ),
    **dict.fromkeys(
        [
            "use",
            "include",
            "add",
            "give",
            "show",
            "write",
            "list",
            "provide",
            "report",
            "put",
            "insert",
            "cite",
            "quote",
            "format",
            "return",
            "output",
            "present",
            "attach",
            "embed",
            "append",
            "prepend",
            "end",
            "start",
            "begin",
            "finish",
            "make",
        ],
        "include",
    ),
    **dict.fromkeys(["recommend", "suggest", "advise", "propose"], "recommend"),
    **dict.fromkeys(["apologise", "apologize", "admit"], "apologise"),
    **dict.fromkeys(
        ["change", "modify", "edit", "alter", "rewrite", "refactor", "touch"], "change"
    ),
}
_IMPERATIVE_NEG = re.compile(
    r"(?:^|[;:,.!(]\s*|\b(?:and|but|then|also|so)\s+|\b(?:must|should|may|can|will)\s+)"
    r"(?:please\s+)?(?:do\s+not|don't|never|must\s+not|mustn't|should\s+not|cannot|can't|"
    r"avoid|refrain\s+from|no\s+longer)\s+((?:\w[\w'-]*\s+){0,5}\w[\w'-]*)"
    r"|(?:^|[;:,.!(]\s*|\b(?:and|with|but)\s+)(?:no|without(?:\s+any)?)\s+((?:\w[\w'-]*\s+){0,2}"
    r"\w[\w'-]*)",
    re.I,
)
_IMPERATIVE_POS = re.compile(
    r"(?:^|[;:,.!(]\s*|\b(?:and|then|also|always|must|should|please)\s+)(\w+)\s+"
    r"((?:\w[\w'-]*\s+){0,5}\w[\w'-]*)",
    re.I,
)


def _action(verb: str) -> str | None:
    v = verb.lower()
    for form in (v, stem(v), v.rstrip("s")):
        if form in _VERB_GROUPS:
            return _VERB_GROUPS[form]
        if form in lx.TASK_VERBS or form == "keep":
            return "include"  # "implement it recursively" asks for recursion
    return None


def _objects(words: str) -> set[str]:
    """Heads of the first content words of an object phrase (determiners and 'any' skipped)."""
    out = []
    for w in WORD.findall(words):
        low = w.lower()
        if low in lx.STOPWORDS or low in ("any", "every", "each", "single", "ever") or len(w) < 3:
            continue
        out.append(_head(w))
        if len(out) == 3:
            break
    return set(out)


def directives(sentence: str) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """(forbidden, asked) (action, object head) pairs of one sentence's imperatives."""
    forbidden: set[tuple[str, str]] = set()
    asked: set[tuple[str, str]] = set()
    for m in _IMPERATIVE_NEG.finditer(sentence):
        if m.group(1):
            words = [w.strip(".,;:()`'\"") for w in m.group(1).split()]
            if words and words[0].lower().endswith("ed") and not _action(words[0]):
                continue  # "never installed": a description, not an instruction
            verb = _action(words[0]) if words else None
            rest = " ".join(words[1:]) if verb else m.group(1)
            forbidden |= {(verb or "include", o) for o in _objects(rest)}
        else:  # "no jargon", "without a redirect"
            forbidden |= {("include", o) for o in _objects(m.group(2))}
    if forbidden:
        return forbidden, asked
    for m in _IMPERATIVE_POS.finditer(sentence):
        verb = _action(m.group(1))
        if verb:
            asked |= {(verb, o) for o in _objects(m.group(2))}
    if not asked and not sentence.rstrip().endswith("?"):
        # A bullet that names a deliverable ("Five sections, each with its own header") asks
        # for it as surely as an imperative does.
        asked |= {("include", o) for o in _objects(sentence)}
    return forbidden, asked


def _group(head: str) -> int | None:
    for word, i in _SYNONYM_OF.items():
        if head == _head(word):
            return i
    return None


_CLAUSE = re.compile(r";\s+|,?\s+but\s+|,?\s+though,?\s+|\s+—\s+", re.I)


def forbidden_and_asked(t: Text) -> list[tuple[str, str]]:
    """(forbidding sentence, asking sentence) pairs: something forbidden and also asked for."""
    said: list[tuple[int, str, set[tuple[str, str]], set[tuple[str, str]]]] = []
    for sentence in t.sentences:
        for clause in _CLAUSE.split(sentence):
            if clause.strip():
                f, a = directives(clause)
                said.append((len(said), sentence, f, a))
    found = []
    for i, forbidding, forbidden, _ in said:
        for verb, obj in forbidden:
            group = _group(obj)
            for j, asking, _, asked in said:
                if i == j:
                    continue
                for averb, aobj in asked:
                    same = aobj == obj or (group is not None and _group(aobj) == group)
                    # An inclusion verb on either side is enough ("no emojis" vs "add emojis").
                    if same and (verb == averb or "include" in (verb, averb)):
                        found.append((forbidding, asking))
    return list(dict.fromkeys(found))


def _forbids_what_it_asks(t: Text) -> bool:
    return bool(forbidden_and_asked(t))


def opposed_sentences(t: Text) -> list[tuple[str, str]]:
    """(first, second) sentence pairs that ask for opposed styles (formal and slangy, …)."""
    found = []
    for a, b in lx.OPPOSED:
        first = [s for s in t.sentences if a.search(s)]
        second = [s for s in t.sentences if b.search(s) and s not in first]
        if first and second:
            found.append((first[0], second[0]))
    return found


def _caps_and_demands(qs: Sequence[Quantity], t: Text) -> bool:
    """A length cap too small for the number of things it must hold."""
    cap_words = min(
        (
            q.high * _CAP_WORDS[q.unit]
            for q in qs
            if q.kind in ("max", "exact") and q.unit in _CAP_WORDS
        ),
        default=math.inf,
    )
    cap_items = min(
        (
            q.high
            for q in qs
            if q.kind in ("max", "exact") and q.unit in ("bullet", "point", "item", "line")
        ),
        default=math.inf,
    )
    demanded = [
        q for q in qs if q.unit in _ITEMS and q.kind in ("plain", "exact", "min") and q.low <= 100
    ]
    per_item = 40 if _RICH.search(t.raw) else 12
    for q in demanded:
        if q.low >= 2 and q.low * per_item > cap_words * 1.1:
            return True
        if q.unit not in ("bullet", "point", "item", "line") and q.low > cap_items:
            return True
    return bool(
        cap_words <= 150
        and re.search(
            r"\b(?:every|all|each)\b[^.\n]{0,60}\b(?:in\s+(?:full|detail)|with\s+"
            r"(?:a|an|its\s+own)\s+(?:paragraph|example|worked))",
            t.raw,
            re.I,
        )
    )


def _limits_disagree(qs: Sequence[Quantity]) -> bool:
    by_unit: dict[str, list[Quantity]] = {}
    for q in qs:
        if q.kind != "plain":
            by_unit.setdefault(q.unit, []).append(q)
    for group in by_unit.values():
        most = min((q.high for q in group if q.kind in ("max", "exact")), default=math.inf)
        least = max((q.low for q in group if q.kind in ("min", "exact")), default=-math.inf)
        exact = {(q.low, q.high) for q in group if q.kind == "exact"}
        if least > most * 1.05 or len(exact) > 1:
            return True
    plain: dict[str, set[float]] = {}
    for q in qs:
        if q.kind in ("plain", "exact") and q.low == q.high:
            plain.setdefault(q.unit, set()).add(q.low)
    # "20 flashcards … exactly 12 flashcards": one count stated twice with different numbers.
    return any(
        len(v) > 1 and q.kind == "exact" for q in qs for u, v in plain.items() if u == q.unit
    )


def _onlys(text: str) -> set[str]:
    found = set()
    for m in _ONLY.finditer(text):
        phrase = (m.group(1) or m.group(2) or "").lower()
        words = [w for w in phrase.split() if w not in lx.STOPWORDS]
        if words and words[0] not in ("one", "once", "if", "when", "what", "those", "then"):
            found.add(_head(words[0]))
    return found


def languages(text: str) -> set[str]:
    """Target languages a text names (programming languages and human ones)."""
    found = set()
    for m in re.finditer(
        r"\b(?:in|using|with|use|into|to|only)\s+(\S+)|\b(\S+)\s+only\b", text, re.I
    ):
        raw = (m.group(1) or m.group(2) or "").strip(".,;:()`'\"")
        word = raw.lower()
        if word in lx.PROGRAMMING_LANGUAGES and (word != "r" or raw == "R"):
            found.add(lx.PROGRAMMING_LANGUAGES[word])
        if word in lx.HUMAN_LANGUAGES:
            found.add(word)
    if re.search(r"\bGo\s+(?:\d|code|service|program|module|microservice|function)", text):
        found.add("go")
    return found


def rule_conflicts(t: Text, idea: str = "") -> list[str]:
    """Names of the kinds of conflicting instructions found by rules."""
    found = []
    qs = quantities(t.raw)
    if _limits_disagree(qs):
        found.append("conflicting limits")
    if _caps_and_demands(qs, t) or (
        lx.BREVITY.search(t.raw) and len(lx.EXHAUSTIVE.findall(t.raw)) >= 2
    ):
        found.append("too much for the length allowed")
    if _forbids_what_it_asks(t):
        found.append("forbids what it asks for")
    if len(_onlys(t.raw)) >= 2 and len(re.findall(r"\bonly\b", t.lower)) >= 2:
        found.append("two different 'only' demands")
    if lx.EXCLUSIVE.search(t.raw) and any(
        lx.DISCURSIVE.search(s) and not lx.NEGATION.search(s) for s in t.sentences
    ):
        found.append("output-only yet discursive")
    langs = languages(t.raw)
    if len(langs) >= 2 and langs - languages(idea):
        found.append("two target languages")
    if any(a.search(t.raw) and b.search(t.raw) for a, b in lx.OPPOSED):
        found.append("opposed styles")
    return found


def _polarity(sentence: str) -> bool:
    return bool(lx.NEGATION.search(sentence))
