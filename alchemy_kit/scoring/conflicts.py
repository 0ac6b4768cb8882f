"""Finding instructions that contradict each other, without a model call.

Rules (`find_conflicts`), general rather than domain lists, each returning the two clauses that
conflict so that an explanation can quote them:
- limits no answer can meet together (two caps on one output unit; a small length cap with many
  items to cover in full);
- something forbidden and asked for, by the same action on the same thing (or a synonym);
- an output-only format with a discursive ask;
- two target languages;
- opposed styles (formal and slangy, neutral and persuasive, anonymous and named, …).
Each rule was narrowed until it stayed quiet on good prompts (their false alarms are measured in
benchmarks/scoring.py): a description ("files with no EXIF date") is not a prohibition, a scoped
prohibition ("do not cancel the others when one fails") does not forbid the thing itself, and a
restriction that names what it excludes ("a peanut allergy") does not ask for it.
Conflicts found by counting (parts against a whole, a count against its list) are conflicts_counts.py.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from . import lexicon as lx
from . import lexicon_aspects as la
from .conflicts_counts import counting_conflicts
from .features_text import WORD, Quantity, Text, head, quantities, stem

# Words that name the same thing for the forbid-then-ask check (heads are stems).
SYNONYMS: list[set[str]] = [
    {"heading", "header", "headline", "title", "section"},
    {"jargon", "terminology", "technical", "term"},
    {"remove", "drop", "delete", "discard", "exclude", "omit", "cut"},
    {"recommend", "recommendation", "suggest", "suggestion", "advice", "advise"},
    {"prose", "paragraph", "narrative", "essay", "text", "explanation", "commentary"},
    {"quote", "quotation", "cite", "citation", "verbatim"},
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
        "keyword",
        "anecdote",
        "story",
        "fact",
        "benefit",
        "feature",
        "quote",
        "chart",
        "table",
    ]
)


# The first group (in SYNONYMS order) of each head, as _group used to find it by scanning.
_GROUP_OF_HEAD: dict[str, int] = {}
for _word, _i in _SYNONYM_OF.items():
    _GROUP_OF_HEAD.setdefault(head(_word), _i)


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
    r"|(?:^|[;:.!(]\s*)(?:no|without(?:\s+any)?)\s+((?:\w[\w'-]*\s+){0,2}\w[\w'-]*)",
    re.I,
)
_IMPERATIVE_POS = re.compile(
    r"(?:^|[;:.!(]\s*|\b(?:and\s+then|then|also|always|must|should|please)\s+)(\w+)\s+"
    r"((?:\w[\w'-]*\s+){0,5}\w[\w'-]*)",
    re.I,
)


_ANY_PROHIBITION = re.compile(
    r"\b(?:not|don't|never|mustn't|cannot|can't|avoid|refrain|no|without)\b", re.I
)
_COMMA_IMPERATIVE = re.compile(
    r",\s+(" + "|".join(_VERB_GROUPS) + r")\s+((?:\w[\w'-]*\s+){0,5}\w[\w'-]*)", re.I
)


def _action(verb: str) -> str | None:
    v = verb.lower()
    for form in (v, stem(v), v.rstrip("s")):
        if form in _VERB_GROUPS:
            return _VERB_GROUPS[form]
        if form in lx.TASK_VERBS or form == "keep":
            return "include"  # "implement it recursively" asks for recursion
    return None


_OBJECT_END = frozenset(
    [
        "to",
        "for",
        "with",
        "by",
        "from",
        "in",
        "on",
        "at",
        "as",
        "when",
        "if",
        "unless",
        "while",
        "so",
        "that",
        "of",
        "about",
        "under",
        "over",
        "into",
        "than",
        "per",
        "the",
        "a",
        "an",
        "this",
        "these",
        "those",
        "your",
        "their",
        "its",
        "our",
        "my",
    ]
)
# A prohibition narrowed to some cases ("when one fails", "questions about age", "a branch that
# others use", "by more than 10%") does not forbid the thing itself.
_SCOPED = re.compile(
    r"\b(?:when|if|unless|except|until|beyond|other\s+than|more\s+than|less\s+than|about|"
    r"regarding|concerning|that|which|who|whose|where|outside|unrelated)\b",
    re.I,
)


def _objects(words: str) -> set[str]:
    """Heads of the first content words of an object phrase, up to its first preposition."""
    out: list[str] = []
    for w in WORD.findall(words):
        low = w.lower()
        if out and low in _OBJECT_END:
            break
        if low in lx.STOPWORDS or low in ("any", "every", "each", "single", "ever") or len(w) < 3:
            continue
        out.append(head(w))
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
            if not words:
                continue
            # An unknown verb is its own action: "do not capitalise words" forbids capitalising.
            verb = _action(words[0]) or head(words[0])
            rest = " ".join(words[1:])
            tail = sentence[m.end() : m.end() + 60]
            if _SCOPED.search(rest) or _SCOPED.match(tail.strip()):
                continue  # "do not cancel the others when one fails" forbids only a case
            objects = _objects(rest)
            bare = not objects or re.match(r"\s*(?:or|and|,|;|\.|$)", rest)
            if bare and verb not in ("include", "mention"):
                objects.add("*")  # "never apologise or say sorry": the act itself is forbidden
            forbidden |= {(verb, o) for o in objects}
        else:  # "no jargon", "without a redirect"
            tail = sentence[m.end() : m.end() + 60]
            if _SCOPED.search(m.group(2)) or _SCOPED.search(tail):
                continue
            forbidden |= {("include", o) for o in _objects(m.group(2))}
    if forbidden:
        return forbidden, asked
    for m in _IMPERATIVE_POS.finditer(sentence):
        # An unknown verb is its own action here too: it can only meet the same verb forbidden.
        action = _action(m.group(1)) or head(m.group(1))
        asked |= {(action, o) for o in _objects(m.group(2)) | {"*"}}
    for m in _COMMA_IMPERATIVE.finditer(sentence):  # "Before fitting, remove every row …"
        action = _VERB_GROUPS[m.group(1).lower()]
        asked |= {(action, o) for o in _objects(m.group(2)) | {"*"}}
    first = (WORD.findall(sentence) or [""])[0].lower()
    if not asked and (first.isdigit() or first in lx.NUMBER_WORDS):
        # A bullet that names a deliverable ("Five sections, each with its own header") asks
        # for it as surely as an imperative does.
        asked |= {("include", o) for o in _objects(sentence)}
    return forbidden, asked


def _group(head: str) -> int | None:
    return _GROUP_OF_HEAD.get(head)


_CLAUSE = re.compile(r";\s+|,?\s+but\s+|,?\s+though,?\s+|\s+—\s+", re.I)
_CLAUSE_AND = re.compile(r";\s+|,?\s+but\s+|,\s+(?:and|while|yet|with)\s+|\s+—\s+", re.I)


def forbidden_and_asked(t: Text) -> list[tuple[str, str]]:
    """(forbidding sentence, asking sentence) pairs: something forbidden and also asked for."""
    if not _ANY_PROHIBITION.search(t.raw):
        return []  # nothing is forbidden: skip reading every clause
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
                    if obj == "*" or aobj == "*":
                        # A forbidden act meets the very same act asked for, nothing broader.
                        if obj == aobj == "*" and verb == averb:
                            found.append((forbidding, asking))
                        continue
                    # The same action on the same thing: "no emojis" meets "add emojis" and
                    # "never mention X" meets "list X" (both put X in the answer), but "do not
                    # modify the input" does not meet "return the input".
                    putting = {"include", "mention"}
                    if same and (verb == averb or {verb, averb} <= putting):
                        found.append((forbidding, asking))
    return list(dict.fromkeys(found))


@dataclass(frozen=True)
class Conflict:
    """Two instructions of one prompt that no answer can follow together."""

    kind: str
    first: str
    second: str


# A clause that restricts or excludes what it names: "a peanut allergy", "nut-free", "no meat".
_RESTRICTS = re.compile(
    r"\b(?:allerg\w*|intoleran\w*|free|avoid\w*|without|no|not|never|exclud\w*|except|"
    r"instead\s+of|substitut\w*|alternative)\b",
    re.I,
)


def opposed_sentences(t: Text) -> list[tuple[str, str]]:
    """(first, second) sentence pairs that ask for opposed styles or break a restriction."""
    found = [pair for a, b in lx.OPPOSED if (pair := _first_pair(t, a, b, restricted_b=False))]
    found += [pair for a, b in lx.RESTRICTIONS if (pair := _first_pair(t, a, b, restricted_b=True))]
    return found


# Units of the answer itself: limits on these bind the output (durations and data sizes do not).
_OUTPUT_UNITS = frozenset(
    lx.word_list(
        """word sentence paragraph bullet point line character page item slide section question
        example tip step idea suggestion option answer entry"""
    )
)


def _sentence_quantities(t: Text) -> list[tuple[Quantity, str]]:
    return [(q, s) for s in t.sentences for q in quantities(s)]


_PART = re.compile(
    r"\b(?:title|headline|subheadline|subject\s+line|name|heading|meta\s+description|label|"
    r"button|tagline|field|column|caption|alt\s+text|slug|description|each|every|per)\b",
    re.I,
)
_PER_ITEM = re.compile(r"\b(?:each|every|per)\b", re.I)
_WHOLE = re.compile(
    r"\b(?:tweet|sms|text\s+message|message|reply|answer|response|post|email|note|summary|"
    r"keep\s+it|in\s+total|overall|altogether)\b|^\s*(?:under|at\s+most|max(?:imum)?|within|"
    r"no\s+more\s+than)\b",
    re.I,
)


def _whole_answer(sentence: str) -> bool:
    """Whether a length cap binds the whole answer, not a title or each item."""
    return bool(_WHOLE.search(sentence)) and not _PART.search(sentence)


def _limits_disagree(qs: Sequence[tuple[Quantity, str]]) -> tuple[str, str] | None:
    """Two limits on one output unit that no answer meets together (at least 60 and at most 50)."""
    by_unit: dict[str, list[tuple[Quantity, str]]] = {}
    for q, s in qs:
        if q.kind == "plain" and q.low < q.high and not (_PER_ITEM.search(s) or _PART.search(s)):
            # A range ("8 to 10 characters") bounds the whole thing from both sides.
            q = Quantity(q.unit, q.low, q.high, "exact")
        if q.kind != "plain" and q.unit in _OUTPUT_UNITS:
            by_unit.setdefault(q.unit, []).append((q, s))
    for group in by_unit.values():
        caps = [(q, s) for q, s in group if q.kind in ("max", "exact")]
        floors = [(q, s) for q, s in group if q.kind in ("min", "exact")]
        for fq, fs in floors:
            for cq, cs in caps:
                if fs != cs and fq.low > cq.high * 1.05:
                    return cs, fs
        exact = [(q, s) for q, s in group if q.kind == "exact"]
        for i, (q1, s1) in enumerate(exact):
            for q2, s2 in exact[i + 1 :]:
                if s1 != s2 and (q1.low, q1.high) != (q2.low, q2.high):
                    return s1, s2
    return None


# A size stated as the answer's shape, with no limit word: "in one sentence", "in 3 lines".
# Grammatically this fixes the length of what is written, so it caps it like "at most"; a cap on
# each item is not one. ("a two-sentence intro" was tried too: it names a part far more often
# than the whole answer, and fired on 4 of 176 good prompts.)
_SIZE_CAP = re.compile(
    r"\bin\s+(?:just\s+|only\s+)?(?:a\s+single|an?|one|two|three|four|five|six|\d+)\s+"
    r"(?:short\s+|single\s+)?(word|sentence|paragraph|line|character)s?\b(?!:)",  # not a label
    re.I,
)


# A size kept to one case ("if anything is missing, say so in one line") or to a quoted example
# ("“…” — a hook that gets to the point in one sentence") does not bound the whole answer.
_CASE_OR_QUOTE = re.compile(r"\b(?:if|when|unless|whenever)\b|[“\"][^”\"\n]{20,}[”\"]", re.I)


def _size_caps(t: Text) -> list[tuple[float, str]]:
    """Length caps written as the answer's size ("in one sentence", "a 260-word speech")."""
    caps = []
    for s in t.sentences:
        if _PER_ITEM.search(s) or not _SIZE_CAP.search(s) or _CASE_OR_QUOTE.search(s):
            continue
        for m in _SIZE_CAP.finditer(s):
            spoken = m.group(0).split()[-2].lower()
            unit = m.group(1).lower()
            n = (
                1.0
                if spoken in ("a", "an", "single")
                else float(lx.NUMBER_WORDS.get(spoken, 0) or (spoken.isdigit() and int(spoken)))
            )
            if n > 0:
                caps.append((n * _CAP_WORDS[unit], s))
    return caps


def _part_cap(sentence: str, n: float) -> bool:
    """Whether a cap is on a named part: "a headline under 10 words" bounds the headline only."""
    return bool(re.search(_PART.pattern + rf"[^.;:\d]{{0,25}}\b{n:g}\b", sentence, re.I))


def _too_much(qs: Sequence[tuple[Quantity, str]], t: Text) -> tuple[str, str] | None:
    """A length cap too small for the number of things it must hold."""
    caps = [
        (q.high * _CAP_WORDS[q.unit], s)
        for q, s in qs
        if q.kind in ("max", "exact") and q.unit in _CAP_WORDS and not _part_cap(s, q.high)
    ] + _size_caps(t)
    if not caps:
        return None
    cap_words, cap_sentence = min(caps)
    per_item = 40 if _RICH.search(t.raw) else 12
    for q, s in qs:
        demanded = q.unit in _ITEMS and q.kind in ("plain", "exact", "min") and 2 <= q.low <= 100
        if demanded and q.low * per_item > cap_words * 1.1 and s != cap_sentence:
            return cap_sentence, s
    if cap_words <= 150:
        for s in t.sentences:
            if s != cap_sentence and re.search(
                r"\b(?:every|all|each)\b[^.\n]{0,60}\b(?:in\s+(?:full|detail)|with\s+"
                r"(?:a|an|its\s+own)\s+(?:paragraph|example|worked))",
                s,
                re.I,
            ):
                return cap_sentence, s
    if cap_words <= 60 and _whole_answer(cap_sentence):
        # A tweet, an SMS, a line: no room for a paragraph, a table or a list.
        for s in t.sentences:
            if s != cap_sentence and la.BLOCKS.search(s) and not lx.NEGATION.search(s):
                return cap_sentence, s
    brief = [s for s in t.sentences if lx.BREVITY.search(s)]
    exhaustive = [s for s in t.sentences if len(lx.EXHAUSTIVE.findall(s)) >= 1 and s not in brief]
    if brief and len(exhaustive) >= 2:
        return brief[0], exhaustive[0]
    return None


_LANGUAGE_TARGET = re.compile(
    r"\b(?:in|using|use|into|written\s+in|port(?:ed)?\s+(?:it\s+)?to|translat\w*\s+(?:it\s+)?"
    r"(?:in)?to|rewrit\w*\s+(?:it\s+)?in)\s+(?:(?:simple|plain|formal|informal|strict|modern|"
    r"vanilla|idiomatic|pure|fluent|everyday|british|american|european|brazilian)\s+)?(\S+)"
    r"|\b(\S+)\s+only\b|\bas\s+(?:plain|vanilla|pure|idiomatic|modern)\s+(\S+)",
    re.I,
)


def languages(text: str) -> set[str]:
    """Target languages a text names (programming languages and human ones)."""
    found = set()
    for m in _LANGUAGE_TARGET.finditer(text):
        raw = (m.group(1) or m.group(2) or m.group(3) or "").strip(".,;:()`'\"")
        word = raw.lower()
        if word in lx.PROGRAMMING_LANGUAGES and (word != "r" or raw == "R"):
            found.add(lx.PROGRAMMING_LANGUAGES[word])
        if word in lx.HUMAN_LANGUAGES:
            found.add(word)
    if re.search(r"\bin\s+Go\b|\bGo\s+(?:\d|code|service|program|module|function)", text):
        found.add("go")
    return found


def _two_languages(t: Text, idea: str) -> tuple[str, str] | None:
    named = [(s, languages(s)) for s in t.sentences]
    wanted = languages(idea)
    for i, (s1, l1) in enumerate(named):
        for s2, l2 in named[i + 1 :]:
            if l1 and l2 and not (l1 & l2) and (l1 | l2) - wanted:
                return s1, s2
    return None


def find_conflicts(t: Text, idea: str = "") -> list[Conflict]:
    """Every rule-found conflict, with the two clauses it is between."""
    return list(_conflicts_of(t.raw, idea))


@lru_cache(maxsize=1024)
def _conflicts_of(raw: str, idea: str) -> tuple[Conflict, ...]:
    """Computed once per (prompt, idea): the features and the explanation both ask."""
    return tuple(_find(Text.of(raw), idea))


def _find(t: Text, idea: str) -> list[Conflict]:
    found: list[Conflict] = []
    qs = _sentence_quantities(t)
    pair = _limits_disagree(qs)
    if pair:
        found.append(Conflict("conflicting limits", *pair))
    pair = _too_much(qs, t)
    if pair:
        found.append(Conflict("too much for the length allowed", *pair))
    found += [Conflict("forbids what it asks for", a, b) for a, b in forbidden_and_asked(t)[:2]]
    exclusive = [s for s in t.sentences if lx.EXCLUSIVE.search(s)]
    discursive = [
        s
        for s in t.sentences
        if lx.DISCURSIVE.search(s) and not lx.NEGATION.search(s) and s not in exclusive
    ]
    if exclusive and discursive:
        found.append(Conflict("output-only yet discursive", exclusive[0], discursive[0]))
    pair = _two_languages(t, idea)
    if pair:
        found.append(Conflict("two target languages", *pair))
    found += [Conflict("opposed styles", a, b) for a, b in opposed_sentences(t)]
    found += _aspect_conflicts(t)
    return found + [Conflict(*c) for c in counting_conflicts(t)]


_NEGATED = re.compile(r"\b(?:no|not|never|without|avoid\w*)\b(?:\s+[\w-]+){0,3}\s*$", re.I)


def _first_pair(
    t: Text, a: re.Pattern[str], b: re.Pattern[str], *, restricted_b: bool = False
) -> tuple[str, str] | None:
    """The first sentence matching `a` and a different one matching `b` (not a restriction)."""
    if not (a.search(t.raw) and b.search(t.raw)):
        return None  # one whole-text search each saves a search per sentence
    # Clauses, not sentences: "keep it in memory only, and it must survive restarts" asks both.
    parts = [c for s in t.sentences for c in _CLAUSE_AND.split(s) if c.strip()]
    first = [s for s in parts if a.search(s)]
    second = [s for s in parts if b.search(s) and s not in first]
    second = [s for s in second if not (restricted_b and _RESTRICTS.search(s))]
    # "no sprints until week 4" rules the other end out; it does not ask for it.
    second = [s for s in second if not all(_NEGATED.search(s[: m.start()]) for m in b.finditer(s))]
    return (first[0], second[0]) if first and second else None


def _aspect_conflicts(t: Text) -> list[Conflict]:
    """Two ends of one aspect (order, register, stance, pace, reader, mutation, dependencies)."""
    found = []
    for aspect, a, b in la.ASPECT_PAIRS:
        pair = _first_pair(t, a, b)
        if pair:
            found.append(Conflict(f"opposed {aspect}", *pair))
    for kind, a, b, restricted in (
        ("changes what it must keep", la.MUTATES, la.PRESERVES, False),
        ("standard library only, yet a third-party package", la.STDLIB_ONLY, la.THIRD_PARTY, True),
        ("a chart type that cannot show what is asked", la.PIE, la.AXES, True),
    ):
        pair = _first_pair(t, a, b, restricted_b=restricted)
        if pair:
            found.append(Conflict(kind, *pair))
    return found


def rule_conflicts(t: Text, idea: str = "") -> list[str]:
    """Names of the kinds of conflicting instructions found by rules."""
    return list(dict.fromkeys(c.kind for c in find_conflicts(t, idea)))
