"""What the offline model reads in an idea: its task, subject, key phrases, audience, language and limits.

Heuristics over plain strings (RAKE-style key phrases, a verb lexicon, people-nouns, a limit
pattern) and the seeded `Style` every layout draws its choices from. No llm import: cheap to test.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from ..vocab import STOP_WORDS


def _w(text: str) -> list[str]:
    """Whitespace-separated word list (keeps the lexicons below compact)."""
    return text.split()


def _pairs(text: str) -> dict[str, str]:
    """'key=value; key=value' → dict (keeps the tables below compact)."""
    return dict(item.strip().split("=", 1) for item in text.split(";") if item.strip())


def _rows(text: str, fields: int = 1) -> dict[str, list[list[str]]]:
    """'key: a | b | c' lines → {key: [[a, b, c], ...]}; `fields` > 1 keeps 'a' and 'b | c' apart."""
    out: dict[str, list[list[str]]] = {}
    for line in text.strip().splitlines():
        key, row = line.split(": ", 1)
        out.setdefault(key, []).append(
            row.split(" | ", fields - 1) if fields > 1 else row.split(" | ")
        )
    return out


# The lexicons, one per line ("name: entries"; "_" stands for a space; entries are regex fragments).
WORDS = {
    name: [w.replace("_", " ") for w in rows[0][0].split()]
    for name, rows in _rows(r"""
verbs_implementation: build implement code develop program refactor fix debug automate script parse migrate deploy optimise optimize dedupe deduplicate convert port integrate validate test scrape
verbs_writing: write draft compose blog rewrite edit proofread translate pitch announce
verbs_analysis: analyse analyze compare evaluate assess measure forecast predict investigate explore estimate benchmark quantify audit study segment
verbs_summary: summarise summarize condense digest recap
verbs_explanation: explain teach describe clarify introduce
verbs_planning: plan design outline organise organize schedule propose prioritise prioritize roadmap
verbs_extraction: classify categorise categorize tag label extract detect identify
verbs_general: create generate produce make find list suggest recommend review
stop: allow allows become becomes better bigger decide decides deciding etc faster feel feels get gets give gives handle handles help i'd i'm keep keeps know knows larger like look looks make makes matter matters mean means need needed needs new please run runs say says seem seems show shows slower smaller something support supports take takes thing things think tries try use used using want wants way ways within without work works worse
people: ers ists ians ents ees ors people staff kids children audience teams? beginners newcomers novices executives readers students users customers clients leads founders parents adults founder manager ceo cto cfo client customer reader student teacher developer dev engineer beginner investor board dad mum mom father mother grandmother grandfather child toddler
not_people: dinners numbers containers orders papers letters answers layers servers parameters filters headers computers folders printers markers stickers flowers documents comments payments components elements segments moments events errors colors colours sensors vectors monitors factors floors doors medians means others matters
tones: formal casual friendly playful persuasive technical academic humorous warm neutral authoritative conversational inspiring professional concise witty empathetic
ambiguous: code test review plan design outline draft script program tag label list study segment port blog pitch schedule audit estimate forecast digest recap roadmap fix edit measure model
units: words pages paragraphs sentences minutes seconds hours days weeks months years ms rows users
formats: post article essay email report newsletter tool script app function program prompt summary memo thread guide tutorial presentation deck dashboard notebook
code_objects: function class method script program module library query regex unit_tests? api endpoint cli command-line_tool sql algorithm
proper: Python JavaScript TypeScript Rust Go Java Kotlin Ruby PHP Swift Bash Linux macOS Windows English Markdown Excel SQLite PostgreSQL Jupyter GitHub Slack
deliverables: release_notes job_description lesson_plan meta_description press_release personal_statement blog_post wiki_page readme_section handbook_section style_guide executive_summary policy_brief research_brief literature_review risk_assessment swot_analysis retention_table thematic_analysis market_sizing interview_questions packing_list grocery_list chore_chart study_guide speaker_bio menu itinerary checklist workflow Dockerfile CronJob migration schema script function query regex component config module class utility cli_tool tool app tests post email letter toast speech eulogy story poem statement description listing page thread faq bio abstract summary report memo brief plan list recipe routine guide quiz flashcards table comparison forecast assessment outline reply chart workout budget intro newsletter article essay captions? review appeal proposal analysis
imperatives: set add turn adapt tell give figure speed show get prepare put send check look update remove clean install configure ship compute calculate count rename help answer appraise critique fill draw
short_forms: note caption bio meta_description out-of-office tweet reply email letter toast intro abstract listing description message card poem
code_only: complexity unit_tests? typed_parameters pure_functions explicit_types O\(n\) test_for_every
constrains: must should need_to needs_to has_to have_to only never no not without under at_most max maximum keep avoid don't do_not cannot can't no_more_than at_least each every per
letters: email letter reply note toast speech eulogy statement bio description caption listing summary release intro abstract post
data: file data csv json log table sheet document url image survey notes transcript record email feedback review dataset database string interval array list text ticket comment
""").items()
}


# The phrase tables ("name: key=value; key=value", a table may take several lines).
PAIRS = {
    name: _pairs("; ".join(row[0] for row in rows))
    for name, rows in _rows(r"""
task_nouns: implementation=an implementation task; writing=a writing task; analysis=an analysis task; planning=a planning task; general=a general task; summary=a summarisation task; explanation=an explanatory task; extraction=an extraction and classification task
languages: python=Python 3.11; javascript=JavaScript (ES2022); typescript=TypeScript 5; rust=Rust (stable); golang=Go 1.22; java=Java 21; kotlin=Kotlin; c++=C++20; c#=C# 12; ruby=Ruby 3; php=PHP 8; sql=SQL; bash=Bash; swift=Swift 5; powershell=PowerShell 7
implied: django=Python 3.11; flask=Python 3.11; fastapi=Python 3.11; pytest=Python 3.11; pandas=Python 3.11; jupyter=Python 3.11; react=JavaScript (ES2022); express=JavaScript (ES2022); node=JavaScript (ES2022); swiftui=Swift 5; bigquery=BigQuery Standard SQL; postgres=PostgreSQL SQL; dockerfile=Dockerfile syntax; terraform=Terraform (HCL); kubernetes=Kubernetes YAML manifests; github actions=GitHub Actions YAML; nginx=nginx configuration
glossary: api=application programming interface: the functions or endpoints other code calls; cli=command-line interface: a program run from a terminal with arguments and flags; csv=comma-separated values: a plain-text table with one record per line
glossary: json=JavaScript Object Notation: a text format for nested key–value data; sql=Structured Query Language, used to query relational databases; llm=large language model: a text-generating AI model
glossary: etl=extract, transform, load: moving data from sources into a clean store; kpi=key performance indicator: a number that tracks progress towards a goal; ui=user interface
glossary: ux=user experience: how using the product feels; seo=search engine optimisation: making content easy for search engines to rank; roi=return on investment: gain relative to cost
glossary: mvp=minimum viable product; saas=software as a service: software rented and used over the web; churn=the share of customers who stop using a product in a period
glossary: regex=regular expression: a pattern language for matching text; latency=the delay between a request and its response; embedding=a vector of numbers that represents the meaning of a text
glossary: a/b test=an experiment comparing two variants on randomly split users; p95=95th percentile: the value below which 95% of observations fall; cohort=a group of users who share a starting period or trait
glossary: dedupe=remove duplicate records, keeping one of each; rag=retrieval-augmented generation: an LLM answering from retrieved documents
crafts: implementation=who builds things that work the first time; writing=who writes clearly for a specific reader; analysis=who reasons from evidence and says how certain it is; summary=who distils long material into what matters
crafts: explanation=who explains difficult things simply, without talking down; planning=who turns loose goals into concrete, realistic plans; extraction=who sorts and labels information precisely; general=who gives specific, practical help
answered: scale=memory|large|huge|million|billion|\d+\s*[gmt]b\b|stream; run=\b(?:linux|windows|mac|browser|server|cloud|lambda|docker|cli|terminal|phone|android|ios|http|api|endpoint|web|website|app|service|ci)\b; dependencies=standard library|dependenc|pandas|numpy|framework
answered: data is=\b(?:data|csv|sql|dataset|table|logs?|survey|spreadsheet)\b; time range=\b(?:19|20)\d\d\b|month|year|quarter|week|daily; decision=decide|decision|whether|should (?:we|our|i)\b
answered: precision=accura|precision|confidence|error margin; published=blog|newsletter|linkedin|journal|magazine|website|email|talk
""").items()
}


def alternation(name: str) -> str:
    """A lexicon as a regex alternation."""
    return "|".join(WORDS[name])


# The shared function words plus words that carry no content in an idea ("want", "make", "new").
STOPWORDS = STOP_WORDS | frozenset(WORDS["stop"])

# Main verbs → task type (the "verbs_<type>" lexicons). The first one found in the idea sets the task.
TASK_VERBS = {v: k[6:] for k, verbs in WORDS.items() if k.startswith("verbs_") for v in verbs}
TASK_NOUNS, LANGUAGES = PAIRS["task_nouns"], PAIRS["languages"]
# Frameworks and file formats that imply the language when the idea does not name one.
IMPLIED_LANGUAGES, GLOSSARY = PAIRS["implied"], PAIRS["glossary"]
_PEOPLE = re.compile(rf"(?:{alternation('people')})$", re.I)
# Words that end like a people-noun but name things ("dinners", "medians", "containers").
_NOT_PEOPLE = frozenset(WORDS["not_people"])
_TONES = WORDS["tones"]
# Limits on the deliverable itself (length, speed, size); time spans such as "within 90 days" are part of
# the task, not of the output, so they are left in the text rather than turned into constraints.
_LIMIT_RE = re.compile(
    r"\b(?:(?:under|below|within|at most|less than|no more than|max(?:imum)?|up to|at least|in)\s+)?"
    r"(?:about\s+)?\d+(?:[.,]\d+)?\s*(?:(?:-|–|to)\s*\d+\s*)?(?:ms|milliseconds|seconds|words|pages|"
    r"paragraphs|sentences|slides|lines|tokens|characters|bullets|minutes|mins?|MB|GB|KB)\b",
    re.I,
)
_WORD_RE = re.compile(r"[A-Za-z][A-Za-z0-9+#'/-]*[A-Za-z0-9+#]|[A-Za-z]")


@dataclass
class Analysis:
    """What the heuristics found in an idea."""

    idea: str
    task_type: str
    key_phrases: list[str]
    entities: list[str]
    audience: str | None
    language: str | None
    tone: str | None
    limits: list[str]
    extra_sentences: list[str]
    terms: list[tuple[str, str]] = field(default_factory=list)
    topic: str = ""


# Abbreviations that end with a full stop but not a sentence ("e.g. [(1,3)] -> ...").
_ABBREV = re.compile(r"(?:\b(?:e\.g|i\.e|etc|vs|approx|incl|no|cf)\.)$", re.I)


def _sentences(text: str) -> list[str]:
    """Split prose into sentences (good enough for one-paragraph ideas)."""
    parts: list[str] = []
    for piece in re.split(r"(?<=[.!?])\s+|\n+", text.strip()):
        if parts and _ABBREV.search(parts[-1]) and "\n" not in piece:
            parts[-1] += " " + piece
        else:
            parts.append(piece)
    return [p.strip(" -*•\t") for p in parts if len(p.strip(" -*•\t")) > 1]


# Task verbs that are just as often nouns ("code review", "blog post"): they only break a key phrase
# when they stand where an imperative verb stands (start of a chunk, or after "to"/"and"/"please").
_AMBIGUOUS = frozenset(WORDS["ambiguous"])
_UNITS = frozenset(WORDS["units"])


_SUFFIXES = [tuple(x.split(">")) for x in _w("ies>y es> s> ed> ed>e ing> ing>e")]


def _verb_stem(word: str) -> str | None:
    """The TASK_VERBS entry a word inflects ('deduplicates' → 'deduplicate'), else None."""
    candidates = [word]
    for suffix, repl in _SUFFIXES:
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            candidates.append(word[: -len(suffix)] + repl)
    return next((c for c in candidates if c in TASK_VERBS), None)


def key_phrases(text: str, limit: int = 6) -> list[str]:
    """RAKE-style key phrases: runs of content words, scored by word degree / frequency."""
    phrases: list[list[str]] = []
    for chunk in re.split(r"[.,;:!?()\[\]\"“”\n]|\s[-–—]\s", text):
        run: list[str] = []
        prev: str | None = None
        for word in _WORD_RE.findall(chunk):
            low = word.lower()
            verb = _verb_stem(low)
            if verb in _AMBIGUOUS and prev not in (None, "to", "and", "please", "then"):
                verb = None
            if low in STOPWORDS or verb or (len(low) < 2 and not word.isupper()):
                if run:
                    phrases.append(run)
                run = []
            else:
                run.append(word)
            prev = low
        if run:
            phrases.append(run)
    phrases = [p[:4] for p in phrases if not all(w.lower() in _UNITS for w in p)]
    freq: Counter[str] = Counter(w.lower() for p in phrases for w in p)
    degree: Counter[str] = Counter()
    for p in phrases:
        for w in p:
            degree[w.lower()] += len(p)
    score = [sum(degree[w.lower()] / freq[w.lower()] for w in p) for p in phrases]
    out: dict[str, str] = {}
    for i in sorted(range(len(phrases)), key=lambda i: -score[i]):  # stable: ties keep idea order
        out.setdefault(" ".join(phrases[i]).lower(), " ".join(phrases[i]))
    return list(out.values())[:limit]


_FORMAT_NOUNS = re.compile(rf"\b(?:{alternation('formats')})s?\b", re.I)


def _topic(idea: str, phrases: list[str]) -> str:
    """What the idea is about: the first key phrase after about/why/how/on…, else one naming no format."""
    m = re.search(r"\b(?:about|why|how|on|regarding|covering|explaining)\b", idea, re.I)
    after = [p for p in phrases if m and idea.find(p, m.end()) >= 0]
    if m and after:
        return min(after, key=lambda p: idea.find(p, m.end()))
    return ([p for p in phrases if not _FORMAT_NOUNS.search(p)] or phrases or [idea.strip()])[0]


def _with_context(idea: str, m: re.Match[str]) -> str:
    """A limit with up to two words of its clause before it: "p95 overhead below 50 ms"."""
    before = re.split(r"[,.;:()]", idea[: m.start()])[-1].split()[-2:]
    words = [w for w in before if w.lower() not in STOPWORDS or w.lower() in ("under", "below")]
    return (
        " ".join([*words, m.group(0).strip()]) if len(words) == len(before) else m.group(0).strip()
    )


_CODE_OBJECT = re.compile(rf"\b({alternation('code_objects')})\b", re.I)


def _action(first: str) -> tuple[str, str]:
    """(task type, subject) of the idea's first sentence, from its main verb."""
    for m in list(_WORD_RE.finditer(first))[:12]:
        word = m.group(0).lower()
        # a verb glued to digits or dots ("1.0.0+build.7") is part of a token, not the action
        glued = (
            first[m.start() - 1 : m.start()] in (".", "+") or first[m.end() : m.end() + 1] == "."
        )
        if word in TASK_VERBS and not (glued and m.end() < len(first)):
            return TASK_VERBS[word], first[m.end() :].strip(" ,:") or first
    return "general", first[0].lower() + first[1:] if first[:2].istitle() else first


def _language(idea: str) -> str | None:
    """The programming language the idea names, or implies by a framework near its start."""
    low = idea.lower()
    for name, label in LANGUAGES.items():
        if re.search(rf"(?<![\w+#]){re.escape(name)}(?![\w+#])", low) or (
            name == "golang" and " Go " in idea
        ):
            version = re.search(rf"{re.escape(name)}\s*(\d+(?:\.\d+)?)", low)
            return f"{label.split()[0]} {version[1]}" if version else label
    if re.search(r"(?<![\w+#-])C(?![\w+#-])", idea):
        return "C (C17)"
    # a framework near the start names the stack ("Django: add ..."); later it is only context
    head = " ".join(low.split()[:7])
    hits = [(head.find(k), v) for k, v in IMPLIED_LANGUAGES.items() if re.search(rf"\b{k}\b", head)]
    return min(hits)[1] if hits else None


def _audience(idea: str) -> str | None:
    """Who the result is for: the shortest run of words after "for …" that ends in a people-noun."""
    for m in re.finditer(
        r"\b(?:for|aimed at|targeting|audience:?)\s+((?:[\w'-]+\s*){1,5})", idea, re.I
    ):
        words = re.sub(r"^(?:a|an|the|our|my|their)\s+", "", m[1].strip(), flags=re.I).split()
        runs = (" ".join(words[:n]) for n in range(1, 5))
        cand = next((run for run in runs if _PEOPLE.search(run)), None)
        # "for 6 people" counts servings, "users per country" is data: neither is an audience
        servings_or_data = re.match(r"\d+\s", cand or "") or " per " in m[0]
        if cand and cand.split()[-1].lower() not in _NOT_PEOPLE and not servings_or_data:
            return cand
    return None


def analyse(idea: str) -> Analysis:
    """Extract the main verb, subject, key phrases, entities, audience, language, tone and limits."""
    sentences = _sentences(idea) or [idea.strip()]
    task_type, subject = _action(sentences[0].rstrip(".!?"))
    low, language = idea.lower(), _language(idea)
    entities = re.findall(r"\b[A-Z][A-Z0-9]{1,}s?\b|\b\w+\.(?:csv|json|py|md|xlsx)\b", idea)
    entities += [
        w
        for w in re.findall(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]{2,}\b", idea)
        if w.lower() not in STOPWORDS
    ]
    phrases = key_phrases(idea)
    # "Write a function / a SQL query / a script" is code, not prose: the object decides.
    if task_type == "writing" and (language or _CODE_OBJECT.search(subject)):
        task_type = "implementation"
    return Analysis(
        topic=_topic(idea, phrases),
        idea=idea.strip(),
        task_type=task_type,
        key_phrases=phrases,
        entities=list(dict.fromkeys(entities))[:6],
        audience=_audience(idea),
        language=language,
        tone=next((t for t in _TONES if re.search(rf"\b{t}\b", low)), None),
        limits=[_with_context(idea, m) for m in _LIMIT_RE.finditer(idea)][:4],
        extra_sentences=[
            s if s.endswith(("?", "!")) else s.rstrip(".") + "." for s in sentences[1:6]
        ],
        terms=[
            (k, v) for k, v in GLOSSARY.items() if re.search(rf"(?<!\w){re.escape(k)}s?(?!\w)", low)
        ],
    )


# ---- the seeded choices and small text helpers every layout uses ----


T = TypeVar("T")


class Style:
    """Seeded choices: temperature scales how often a choice departs from the canonical first option."""

    def __init__(self, rng: random.Random, temperature: float):
        self.rng = rng
        self.t = max(0.0, min(2.0, temperature))

    def pick(self, options: Sequence[T]) -> T:
        """The canonical option, or (with probability ~temperature) a random one."""
        return self.rng.choice(options) if self.rng.random() < self.t else options[0]

    def order(self, items: list[T]) -> list[T]:
        """Items, sometimes reordered (first item kept: it is usually the most important)."""
        if len(items) > 2 and self.rng.random() < self.t / 2:
            rest = items[1:]
            self.rng.shuffle(rest)
            return [items[0], *rest]
        return list(items)

    def detail(self, items: list[str] | tuple[str, ...], base: int) -> list[str]:
        """The first base±k items, k growing with temperature."""
        spread = round(self.t)
        n = base + (self.rng.randint(-spread, spread) if spread else 0)
        return list(items)[: max(2, n)]


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


# Words that keep their capital letter when a phrase moves into the middle of a sentence.
_PROPER = frozenset(WORDS["proper"])


def _lower_first(text: str) -> str:
    """Lower-case the first letter unless the first word is an acronym or a proper noun."""
    first = text.split(" ", 1)[0].rstrip(".,;:")
    if (
        first in _PROPER
        or (len(first) > 1 and first[:2].isupper())
        or any(c.isdigit() for c in first)
    ):
        return text
    return text[:1].lower() + text[1:]


def _join(items: list[str]) -> str:
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


__all__ = ["GLOSSARY", "STOPWORDS", "TASK_VERBS", "Analysis", "Style", "analyse", "key_phrases"]
