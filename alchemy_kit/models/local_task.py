"""Reading the request's grammar: its task as one imperative sentence, and what it asks for.

Ideas arrive in every shape: commands ("Build a CLI tool ..."), noun phrases ("Dockerfile for our
FastAPI app"), questions, first-person wishes ("I want to learn Rust"). The strategy renderers need one
clean task sentence, the name of the deliverable and the audience with its article, whatever the shape.
"""

from __future__ import annotations

import re

from ..phases import PersonaProfile
from . import local_text as lt
from .local_text import Analysis

_FALLBACK_DELIVERABLE = {
    "code": "code",
    "writing": "piece",
    "analysis": "analysis",
    "generic": "answer",
}
# Deliverable nouns, most specific first; the first one the idea names is "the thing to hand back".
_DELIVERABLE_RE = re.compile(
    r"\b(release notes|job description|lesson plan|meta description|press release|personal "
    r"statement|blog post|wiki page|readme section|handbook section|style guide|executive summary|"
    r"policy brief|research brief|literature review|risk assessment|swot analysis|retention table|"
    r"thematic analysis|market sizing|interview questions|packing list|grocery list|chore chart|"
    r"study guide|speaker bio|menu|itinerary|checklist|workflow|Dockerfile|CronJob|migration|schema|"
    r"script|function|query|regex|component|config|module|class|utility|cli tool|tool|app|tests|"
    r"post|email|letter|toast|speech|eulogy|story|poem|statement|description|listing|page|thread|"
    r"faq|bio|abstract|summary|report|memo|brief|plan|list|recipe|routine|guide|quiz|flashcards|"
    r"table|comparison|forecast|assessment|outline|reply|chart|workout|budget|intro|newsletter|"
    r"article|essay|captions?|review|appeal|proposal|analysis)\b",
    re.I,
)
_LEADS = re.compile(
    r"^(?:i|we)\s+(?:need|want|would like|'d like)\s+(?:you\s+)?(?:to\s+)?"
    r"|^(?:help|let)\s+(?:me|us)\s+|^(?:can|could|would)\s+you\s+(?:please\s+)?|^please\s+",
    re.I,
)


def as_written(idea: str, term: str) -> str:
    """The term with the casing the idea uses ('CSV', 'p95'), else as given."""
    m = re.search(rf"(?<!\w){re.escape(term)}", idea, re.I)
    return m.group(0) if m else term


# Imperatives the task lexicon does not list (it maps verbs to task types; these carry no type).
_IMPERATIVES = frozenset(
    lt._w(
        "set add turn adapt tell give figure speed show get prepare put send check look update "
        "remove clean install configure ship compute calculate count rename help answer appraise "
        "critique fill draw"
    )
)
_DETERMINERS = frozenset(lt._w("a an the my our your this these some me us it"))
_CLAUSE = frozenset(lt._w("next how what why whether which where when if"))
_BREAKS = frozenset(lt._w("for on about to with in of that who which from by at into using"))


def is_imperative(words: list[str]) -> bool:
    """Does the phrase open with a command ('Plan a trip') rather than a noun ('Plan for me')?"""
    if not words:
        return False
    lead, nxt = words[0].lower(), (words[1].lower() if len(words) > 1 else "")
    if lead in _IMPERATIVES:
        return True
    if lead.endswith("ly") and len(words) > 1:  # "Critically appraise ..."
        return is_imperative(words[1:])
    if lead not in lt.TASK_VERBS:
        return False
    return lead not in lt._AMBIGUOUS or nxt in _DETERMINERS or nxt in _CLAUSE or nxt.endswith("ing")


def task_sentence(a: Analysis, p: PersonaProfile) -> str:
    """One imperative sentence for the idea's main ask, whatever its grammar."""
    first = (lt._sentences(a.idea) or [a.idea])[0].strip()
    body = _LEADS.sub("", first).strip().rstrip(".?")
    words = re.findall(r"[A-Za-z][\w'-]*", body)
    if first.endswith("?") and body == first.rstrip("?"):
        if is_imperative(words):  # "Analyse X: which areas are over-priced?"
            return first
        return f"Answer this question: “{first}”"
    # after "help me" / "can you" / "I want to" comes a verb, whatever the lexicon says
    asked = body != first.rstrip(".?") and not re.match(r"(?:an?|the)\b", body, re.I)
    if asked and re.match(r"(?:help|let|please)\b", first, re.I):
        return lt._cap(first.rstrip(".?")) + "."  # already a request, in the user's own voice
    if asked and re.match(r"(?:i|we)\s+\S+(?:\s+like)?\s+to\b", first, re.I):
        who = "me" if first[:1].lower() == "i" else "us"
        return f"Help {who} {lt._lower_first(body)}."  # "I want to learn X" → "Help me learn X"
    if asked or is_imperative(words):
        return lt._cap(body) + "."
    head, _, tail = body.partition(":")
    if tail and len(head.split()) <= 2 and is_imperative(tail.split()):
        return f"{lt._cap(tail.strip())} ({head.strip()})."
    if words and words[0].lower() in ("i", "we", "my", "our", "it", "this", "there"):
        return f"Act on this request: “{first}”"
    head = " ".join(_head(body.split())).lower()
    verb = next((v for rx, v in _VERBS if re.search(rx, head)), None)
    verb = verb or {"code": "Write", "writing": "Write", "analysis": "Prepare"}.get(
        p.name, "Create"
    )
    return f"{verb} {_article(body)}{_lower_noun(body)}."


# The verb a noun-phrase request takes, by its head noun ("Tips for ..." → "Suggest tips for ...").
_VERBS = (
    (
        r"\b(?:weekend|trip|itinerary|routine|schedule|menu|party|offsite|holiday|day|week)s?$",
        "Plan",
    ),
    (r"\b(?:tips|advice|ideas|suggestions)$", "Suggest"),
    (
        r"\b(?:questions|flashcards|quiz|email|letter|reply|post|story|poem|note|recipe|toast)$",
        "Write",
    ),
)


def _lower_noun(phrase: str) -> str:
    """Lower-case a sentence-initial common noun ('Blog post'), not a name ('Etsy', 'LinkedIn')."""
    words = phrase.split(" ", 2)
    first = words[0]
    named = (
        any(c.isupper() for c in first[1:])
        or first.lower() in _NAMES
        or (len(words) > 1 and words[1][:1].isupper() and words[1].lower() not in _NAMES)
    )
    return phrase if named else lt._lower_first(phrase)


# Capitalised first words that are names, not sentence-initial nouns.
_NAMES = frozenset(
    [
        *lt.IMPLIED_LANGUAGES,
        *lt.LANGUAGES,
        *lt._w("etsy instagram terraform kubernetes dockerfile docker react tiktok youtube excel"),
    ]
)


def _head(words: list[str]) -> list[str]:
    """The noun phrase a phrase opens with: words up to a preposition or a clause break."""
    out: list[str] = []
    for w in words:
        if w.lower() in _BREAKS or len(out) == 4 or (out and w.lower() in _DETERMINERS):
            break
        if len(out) > 1 and w.endswith("ing") and len(w) > 5:  # "SwiftUI view showing ..."
            break
        out.append(w.strip(",:;"))
        if w.endswith((",", ":", ";")):
            break
    return out


def _article(phrase: str) -> str:
    """'a ' or 'an ' before a singular noun phrase; '' before plurals, numbers and determiners."""
    words = phrase.split()
    if not words:
        return ""
    first = words[0].lower()
    if first in _DETERMINERS or (first[0].isdigit() and "-" not in first):
        return ""
    if first.startswith("one"):
        return "a "
    if re.match(r"(?:8|11|18)\b", first):
        return "an "
    head = (_head(words) or words)[-1].lower()
    if head.endswith("s") and not head.endswith(("ss", "us", "is")):
        return ""
    vowel = first[0] in "aeiou" or (words[0].isupper() and first[0] in "fhlmnrsx")
    return "an " if vowel else "a "


_PLAN_NOUNS = re.compile(r"plan|itinerary|schedule|menu|list|roadmap|outline|agenda", re.I)


def deliverable(a: Analysis, p: PersonaProfile) -> str:
    """The thing to hand back, as the idea names it ('blog post'), else a persona default."""
    typed = {"analysis": "analysis", "summary": "summary", "explanation": "explanation"}
    if a.task_type in typed:
        return typed[a.task_type]
    task = task_sentence(a, p)
    words = task.rstrip(".").split()
    if re.match(r"Help (?:me|us) ", task):  # "Help me plan a trip": what the verb makes, if any
        words = words[2:] if len(words) > 2 and words[2].lower() in lt.TASK_VERBS else []
    if words and not task.startswith(("Answer", "Act")):
        rest = [w for w in words[1:] if w.lower() not in ("up", "out", "me", "us")]
        while rest and rest[0].lower() in _DETERMINERS:
            rest = rest[1:]
        head = _head(rest)
        if (
            0 < len(head) <= 3
            and re.match(r"[A-Za-z]", head[-1])
            and head[0].lower() not in _CLAUSE
            and not head[0].endswith("ing")
        ):
            named = " ".join(head)
            if a.task_type == "planning" and not _PLAN_NOUNS.search(named):
                return f"plan for the {named}"  # "Plan a team offsite" hands back a plan
            return named
    m = _DELIVERABLE_RE.search((lt._sentences(a.idea) or [a.idea])[0])
    if not m:
        return "plan" if a.task_type == "planning" else _FALLBACK_DELIVERABLE[p.name]
    word = m.group(1)
    return word if word.isupper() or any(c.isupper() for c in word[1:]) else word.lower()


def audience_with_article(idea: str, audience: str) -> str:
    """'startup leadership team' → 'a startup leadership team', as the idea says it; plurals stay."""
    m = re.search(rf"\b(a|an|the|our|my)\s+{re.escape(audience)}", idea, re.I)
    if m:
        det = m[1].lower()
        return f"{'the' if det in ('our', 'my') else det} {audience}"
    last = audience.split()[-1].lower()
    plural = last.endswith("s") or last in ("people", "staff", "children", "team")
    return audience if plural or audience.startswith(("the ", "a ", "an ")) else f"the {audience}"


__all__ = [
    "as_written",
    "audience_with_article",
    "deliverable",
    "is_imperative",
    "task_sentence",
]
