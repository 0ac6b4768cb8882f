"""The offline model's respond mode: answer an eval call by following the prompt's checkable instructions.

`alchemy-local` cannot carry out a task (it writes prompts). For an eval call (`task=respond`) it
writes a deterministic answer assembled from the input's key phrases, and obeys what a prompt states
in checkable terms, and only what it states:
- a word limit ("at most 50 words", "under 50 words", "50 words or fewer", "in 50 words");
- a sentence limit ("in one sentence", "in 3 sentences");
- a format: a bulleted or numbered list, or JSON (an object with the backticked or quoted field
  names the prompt lists, else {"answer": ...});
- an opening ("start with "Dear team"") and words to use ("mention "refund"") or avoid
  ("never use "guarantee"").
Without a length instruction the answer runs to about 90 words. So offline evals separate prompts by
what they ask for (the graders see different outputs), which is what the optimise loop and the
tests need; the answer's content says nothing about quality. It is documented as such in the CLI.
"""

from __future__ import annotations

import json
import random
import re
import zlib
from dataclasses import dataclass, field

from .local_text import key_phrases

_QUOTED = r"[\"“'`]([^\"”'`\n]{1,60})[\"”'`]"
_WORD_LIMIT = re.compile(
    r"\b(?:at most|no more than|not more than|under|fewer than|less than|maximum of|max(?:imum)?|"
    r"up to|within|limit(?:ed)? to|to|in)\s+(\d{1,4})\s+words\b|\b(\d{1,4})\s+words\s+(?:or fewer|or less|"
    r"max(?:imum)?|at most)\b",
    re.I,
)
_NUMBERS = {"one": 1, "a single": 1, "two": 2, "three": 3, "four": 4, "five": 5}
_SENTENCE_LIMIT = re.compile(
    r"\bin\s+(one|a single|two|three|four|five|\d)\s+sentences?\b|\b(one|\d)-sentence\b",
    re.I,
)
_BULLETS = re.compile(r"\bbullet(?:s|ed)?\b|\bas a list\b", re.I)
_NUMBERED = re.compile(r"\bnumbered\s+(?:list|steps)\b", re.I)
_JSON = re.compile(r"\bJSON\b")
_FIELD = re.compile(r"[`\"]([A-Za-z_][A-Za-z0-9_]{0,30})[`\"]")
_START = re.compile(
    r"\b(?:start|begin|open)\s+(?:(?:your|the)\s+(?:answer|reply|response|text)\s+)?with\s+"
    + _QUOTED,
    re.I,
)
_INCLUDE = re.compile(
    r"\b(?:mention|include|use|say)\s+(?:the\s+(?:word|phrase|term)s?\s+)?" + _QUOTED, re.I
)
_AVOID = re.compile(
    r"\b(?:never|do not|don't|avoid)\s+(?:use|mention|say|write|include|using|mentioning)?\s*"
    r"(?:the\s+(?:word|phrase|term)s?\s+)?" + _QUOTED,
    re.I,
)
_OPENERS = (
    "Here is a response about {t}.",
    "This answer covers {t}.",
    "The short version on {t} follows.",
)
_BODY = (
    "It starts from {a} and works through what matters most.",
    "A first point concerns {a}, which shapes the rest.",
    "Next comes {b}, taken together with {a}.",
    "In practice {b} depends on the details given.",
    "It also weighs {c} against the obvious alternatives.",
    "Where {c} is unclear, the safest reading is stated plainly.",
    "Finally, it notes what to check before acting on {b}.",
    "The main risk is overlooking {c}, so it is named here.",
    "Each part stays close to the request and avoids extra scope.",
)


@dataclass
class Rules:
    """What a prompt asks in checkable terms."""

    max_words: int | None = None
    max_sentences: int | None = None
    json_fields: list[str] | None = None  # None: no JSON asked; [] : JSON with no named fields
    list_style: str | None = None  # "bullets" or "numbered"
    start: str | None = None
    include: list[str] = field(default_factory=list)
    avoid: list[str] = field(default_factory=list)


def instructions(text: str) -> Rules:
    """Read the checkable instructions of a prompt."""
    rules = Rules()
    if m := _WORD_LIMIT.search(text):
        rules.max_words = int(m.group(1) or m.group(2))
    if m := _SENTENCE_LIMIT.search(text):
        raw = (m.group(1) or m.group(2)).lower()
        rules.max_sentences = _NUMBERS.get(raw) or int(raw)
    if _JSON.search(text):
        rules.json_fields = list(dict.fromkeys(_FIELD.findall(text)))
    elif _NUMBERED.search(text):
        rules.list_style = "numbered"
    elif _BULLETS.search(text):
        rules.list_style = "bullets"
    if m := _START.search(text):
        rules.start = m.group(1)
    avoid = list(_AVOID.finditer(text))
    rules.avoid = [m.group(1) for m in avoid]
    rules.include = [
        m.group(1)
        for m in _INCLUDE.finditer(text)
        if not any(a.start() <= m.start() < a.end() for a in avoid)
        and m.group(1) not in rules.avoid
    ]
    return rules


def _body(topic_text: str, rng: random.Random) -> list[str]:
    phrases = key_phrases(topic_text, 6) or [" ".join(topic_text.split()[:4]) or "the request"]
    a, b, c = (phrases * 3)[:3]
    words = topic_text.split()
    subject = " ".join(words[:12]).rstrip(".,;:!?") + (" …" if len(words) > 12 else "")
    opener = rng.choice(_OPENERS).format(t=subject or phrases[0])
    body = [s.format(a=a, b=b, c=c) for s in rng.sample(_BODY, 6)]
    return [opener, *body]


def _limit_words(sentences: list[str], limit: int) -> list[str]:
    out, used = [], 0
    for s in sentences:
        words = s.split()
        if used + len(words) <= limit:
            out.append(s)
            used += len(words)
        else:
            room = limit - used
            if room > 0:
                out.append(" ".join(words[:room]).rstrip(",;:") + ".")
            break
    return out


def respond(system: str | None, prompt: str, *, seed: int | None = None) -> str:
    """Answer an eval call: the instructions come from the system message (else the prompt)."""
    rules = instructions(system if system is not None else prompt)
    topic = prompt if system is not None else re.sub(r"\{\{.*?\}\}", "", prompt)
    rng = random.Random(zlib.crc32(f"{seed}|{topic}".encode("utf-8", "surrogatepass")))
    sentences = _body(topic, rng)
    for word in rules.avoid:
        pattern = re.compile(re.escape(word), re.I)
        sentences = [" ".join(pattern.sub("", s).split()) for s in sentences]
    text = " ".join(sentences).lower()
    include = [w for w in rules.include if w.lower() not in text]
    if include:
        sentences.insert(1, "Key terms: " + ", ".join(include) + ".")
    if rules.start:
        sentences[0] = f"{rules.start} {sentences[0][0].lower()}{sentences[0][1:]}"
    if rules.max_sentences:
        sentences = sentences[: rules.max_sentences]
    if rules.max_words:
        sentences = _limit_words(sentences, rules.max_words)
    if rules.json_fields is not None:
        names = rules.json_fields or ["answer"]
        body = " ".join(sentences)
        return json.dumps(
            {n: body if i == 0 else "" for i, n in enumerate(names)}, ensure_ascii=False
        )
    if rules.list_style == "numbered":
        return "\n".join(f"{i}. {s}" for i, s in enumerate(sentences, 1))
    if rules.list_style == "bullets":
        return "\n".join(f"- {s}" for s in sentences)
    return " ".join(sentences)


__all__ = ["Rules", "instructions", "respond"]
