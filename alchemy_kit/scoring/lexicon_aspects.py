"""Opposite ends of the aspects a prompt constrains, for the conflict rules (English).

Each pair names two ends of one aspect of the answer — its order, register, stance, pace, reader,
whether it may change its input, what it may depend on, what a chart can show. A prompt that asks
for both ends in two different instructions contradicts itself. The words describe the aspects in
general; they are not taken from our labelled pairs.
"""

from __future__ import annotations

import re


def _re(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.I)


ASPECT_PAIRS: list[tuple[str, re.Pattern[str], re.Pattern[str]]] = [
    (
        "order",
        _re(
            r"\b(?:ascending|(?:oldest|earliest|lowest|smallest|worst|cheapest)\s+(?:\w+\s+)?first|"
            r"from\s+(?:the\s+)?(?:lowest|smallest|oldest|earliest|worst)\b|alphabetical(?:ly)?)"
        ),
        _re(
            r"\b(?:descending|(?:newest|latest|most\s+recent|highest|largest|biggest|best|top)\s+"
            r"(?:\w+\s+)?(?:first|at\s+the\s+top)|(?:best|top)\s+\w+\s+listed\s+first|"
            r"from\s+(?:the\s+)?(?:highest|largest|newest|latest|best)\b)"
        ),
    ),
    (
        "register",
        _re(r"\b(?:formal(?:ly)?|courteous|professional\s+(?:tone|register|letter)|respectful)\b"),
        _re(
            r"\b(?:casual(?:ly)?|informal(?:ly)?|slang\w*|chatty|banter|breezy|jokey|laid-back|"
            r"colloquial|mate|dude|bummer)\b"
        ),
    ),
    (
        "stance",
        _re(
            r"\b(?:neutral(?:ity)?|impartial(?:ly)?|unbiased|even-handed|leave\s+the\s+(?:choice|"
            r"decision)\s+to)\b"
        ),
        _re(
            r"\b(?:recommend\w*\s+(?:one|a\s+single|the\s+best|which)|urg(?:e|ing)\s+(?:\w+\s+)?"
            r"to|persuad\w+|argue\s+(?:for|that)|take\s+a\s+(?:clear\s+|firm\s+)?(?:side|position|"
            r"stand)|firm\s+recommendation|pick\s+a\s+winner)"
        ),
    ),
    (
        "pace",
        _re(
            r"\b(?:relax(?:ed|ing)|leisurely|unhurried|gentle|slow[- ]paced|low[- ]impact|"
            r"easy\s+pace|plenty\s+of\s+rest)\b"
        ),
        _re(
            r"\b(?:as\s+many\s+\w+\s+as\s+(?:possible|you\s+can)|pack(?:ed)?\s+in|jam-packed|"
            r"non-stop|high[- ]intensity|sprints?|sprint\s+intervals|maximum\s+effort|"
            r"box\s+jumps?|jump\s+squats?)\b"
        ),
    ),
    (
        "reader",
        _re(
            r"\b(?:beginners?|novices?|non-?technical|no\s+prior\s+knowledge|laypeople|children|"
            r"kids|aged\s+\d|ages\s+\d|year-olds?|newcomers|new\s+to\s+\w+|"
            r"plain\s+(?:language|english|words)|"
            r"(?:no|without)\s+(?:\w+\s+)?background|lay\s+(?:readers?|audience|people)|"
            r"(?:members\s+of\s+the|general)\s+public|non-experts?|avoid\s+(?:all\s+)?jargon|"
            r"no\s+jargon|jargon-free)\b"
        ),
        _re(
            r"\b(?:(?:precise|technical|specialist|scientific|academic|advanced)\s+(?:\w+\s+)?"
            r"(?:terms|terminology|vocabulary|jargon)|in\s+precise\s+\w+\s+terms|assume\s+"
            r"(?:deep|expert|advanced)|experts?\s+only|for\s+specialists|highly\s+technical|"
            r"(?:reader|audience|readers)\s+(?:is|are)\s+(?:an?\s+)?(?:\w+\s+)?experts?|"
            r"skip\s+the\s+basics)\b"
        ),
    ),
    (
        "spelling",
        _re(r"\b(?:british|uk|australian)\s+(?:english\s+)?spellings?\b"),
        _re(r"\b(?:american|us)\s+(?:english\s+)?spellings?\b"),
    ),
    (
        "units",
        _re(r"\b(?:metric\s+(?:units\s+)?only|only\s+metric|metric\s+units\s+throughout)\b"),
        _re(r"\b(?:miles|mph|pounds|lbs?|fahrenheit|°F|feet|foot|inches|ounces|oz|gallons)\b"),
    ),
    (
        "units",
        _re(r"\b(?:imperial\s+(?:units\s+)?only|only\s+imperial|imperial\s+units\s+throughout)\b"),
        _re(r"\b(?:kilomet\w+|km|kilograms?|kg|celsius|°C|metres|meters|litres|liters)\b"),
    ),
    (
        "storage",
        _re(
            r"\b(?:in[- ]memory\s+only|only\s+in\s+memory|no\s+persistence|nothing\s+(?:is\s+)?"
            r"(?:written|saved|stored)\s+(?:to|on)\s+disk)\b"
        ),
        _re(
            r"\b(?:persist\w*|survives?\s+(?:a\s+|any\s+)?(?:restarts?|reboots?)|(?:write|save|store)\s+"
            r"(?:\w+\s+){0,3}(?:to|on)\s+disk)\b"
        ),
    ),
    (
        "network",
        _re(
            r"\b(?:works?\s+(?:fully\s+|entirely\s+|completely\s+)?offline|offline[- ]only|"
            r"air-gapped|(?:with\s+)?no\s+(?:internet|network)\s+(?:access|connection)|without\s+"
            r"(?:an?\s+|any\s+)?(?:internet|network)\s+(?:access|connection))\b"
        ),
        _re(
            r"\b(?:(?:send|upload|post|submit)\w*\s+(?:[\w-]+\s+){0,4}to\s+(?:the\s+|a\s+)?"
            r"(?:[\w.-]+\s+){0,2}(?:API|server|cloud|web\s+service)|(?:cloud|web|remote|online)\s+"
            r"(?:API|service)s?|(?:fetch|download)\w*\s+(?:[\w-]+\s+){0,3}from\s+(?:the\s+)?"
            r"(?:internet|web))\b"
        ),
    ),
]
# Whether the answer may change what it is given.
MUTATES = _re(r"\b(?:in[- ]place|mutat\w+\s+(?:the\s+)?(?:input|argument|list|array))\b")
PRESERVES = _re(
    r"\b(?:unchanged|unmodified|untouched|exactly\s+as\s+it\s+was|as\s+it\s+was\s+passed|"
    r"without\s+(?:modifying|changing|mutating)|(?:do|must)\s+not\s+(?:modify|change|mutate))\b"
)
# Only the standard library, and a third-party package used anyway.
STDLIB_ONLY = _re(
    r"\b(?:(?:only|stick\s+to|just)\s+(?:the\s+)?standard\s+library|standard\s+library\s+"
    r"(?:only|alone)|stdlib\s+only|no\s+(?:third-party|external)\s+(?:packages|libraries|"
    r"dependencies)|zero\s+dependencies|stick\s+to\s+the\s+standard\s+library)\b"
)
THIRD_PARTY = _re(
    r"\b(?:pandas|numpy|requests|beautifulsoup\d?|bs4|scipy|scikit-learn|sklearn|flask|django|"
    r"fastapi|httpx|pydantic|lxml|pillow|matplotlib|seaborn|polars|sqlalchemy|boto3|tensorflow|"
    r"torch|lodash|axios|moment\.js|jquery|express|dayjs)\b"
)
# A pie or donut chart has no axes and no lines.
PIE = _re(r"\b(?:pie|donut|doughnut)\s+charts?\b")
AXES = _re(r"\b(?:[xy]-axis|axes|axis|one\s+line\s+per|line\s+per|trend\s+lines?)\b")
# Blocks of text that cannot fit under a cap of a few dozen words.
BLOCKS = _re(
    r"\b(?:paragraphs?|tables?|(?:bulleted\s+|numbered\s+)?list\s+of|sections?|headings?|"
    r"worked\s+examples?|detailed\s+(?:explanation|comparison|breakdown))\b"
)
# Very young readers, and what is not written for them (conflicts_scope.too_dark_for_the_young).
YOUNG = _re(
    r"\b(?:ages?\s+[2-7]\s*(?:–|-|to)\s*[3-8]|[2-7]-year-olds?|toddlers?|preschool\w*|"
    r"picture\s+books?|bedtime\s+stor(?:y|ies)|young\s+children)\b"
)
DARK = _re(
    r"\b(?:bleak|grim|gory|gruesome|graphic\s+violence|horrif\w+|terrifying|disturbing|"
    r"traumati\w+|(?:dies?|dying|freez\w+|starv\w+)\s+alone|never\s+found|unresolved\s+"
    r"(?:ending|finale))\b"
)
