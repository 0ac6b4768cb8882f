"""Numbers written as words, in English and the European languages lexicon_langs.py covers.

A stated number is a concrete value whether it is written "3", "three", "trois" or "drei", and a
quarter is the same value written "Q3", "third quarter", "troisième trimestre" or "drittes
Quartal". Counting digits only made a faithful translation that spells its numbers out (as
translators do: "treinta líneas" for "30 lines", "terzo trimestre" for "Q3") state fewer values
than its original. `spoken_numbers` reads cardinals (joined as a language joins them: "forty-five",
"quarante-cinq", "fünfundzwanzig", "trecento") and ordinals from two upward, and returns their
values as digit strings, comparable with the digits a text writes.

Left out on purpose, in every language alike: "one" and "first" (indefinite articles and "first,
…" are far more common than the number), and words that are mostly something else in prompts:
Italian "sei" (you are), German "achte" (pay attention), Italian/Portuguese "secondo/segundo"
before a determiner (according to), Portuguese weekday names ("segunda-feira").
"""

from __future__ import annotations

import re
from functools import lru_cache

from .lexicon import word_list

_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")

# Cardinals 2–19 in order, then the tens 20–90, then 100 and 1000 (and their plural forms).
_CARDINALS: dict[str, str] = {
    "en": "two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen|twenty thirty forty fifty sixty seventy eighty ninety|"
    "hundred thousand",
    "fr": "deux trois quatre cinq six sept huit neuf dix onze douze treize quatorze quinze seize "
    "dix-sept dix-huit dix-neuf|vingt trente quarante cinquante soixante soixante-dix "
    "quatre-vingt quatre-vingt-dix|cent mille",
    "de": "zwei drei vier fünf sechs sieben acht neun zehn elf zwölf dreizehn vierzehn fünfzehn "
    "sechzehn siebzehn achtzehn neunzehn|zwanzig dreißig vierzig fünfzig sechzig siebzig "
    "achtzig neunzig|hundert tausend",
    "es": "dos tres cuatro cinco seis siete ocho nueve diez once doce trece catorce quince "
    "dieciséis diecisiete dieciocho diecinueve|veinte treinta cuarenta cincuenta sesenta setenta "
    "ochenta noventa|cien mil",
    "it": "due tre quattro cinque - sette otto nove dieci undici dodici tredici quattordici "
    "quindici sedici diciassette diciotto diciannove|venti trenta quaranta cinquanta sessanta "
    "settanta ottanta novanta|cento mille",
    "pt": "dois três quatro cinco seis sete oito nove dez onze doze treze catorze quinze dezasseis "
    "dezassete dezoito dezanove|vinte trinta quarenta cinquenta sessenta setenta oitenta noventa|"
    "cem mil",
    "nl": "twee drie vier vijf zes zeven acht negen tien elf twaalf dertien veertien vijftien "
    "zestien zeventien achttien negentien|twintig dertig veertig vijftig zestig zeventig tachtig "
    "negentig|honderd duizend",
}
# Other spellings and forms: (language, word, value).
_EXTRA: list[tuple[str, str, int]] = [
    ("en", "thousands", 1000),
    ("fr", "cents", 100),
    ("fr", "vingts", 20),
    ("fr", "quatre-vingts", 80),
    ("de", "zwo", 2),
    ("de", "dreissig", 30),
    ("es", "ciento", 100),
    ("es", "doscientos", 200),
    ("es", "trescientos", 300),
    ("es", "cuatrocientos", 400),
    ("es", "quinientos", 500),
    ("es", "seiscientos", 600),
    ("es", "setecientos", 700),
    ("es", "ochocientos", 800),
    ("es", "novecientos", 900),
    ("es", "dos", 2),
    ("pt", "duas", 2),
    ("pt", "quatorze", 14),
    ("pt", "dezesseis", 16),
    ("pt", "dezessete", 17),
    ("pt", "dezenove", 19),
    ("pt", "cento", 100),
    ("pt", "duzentos", 200),
    ("pt", "trezentos", 300),
    ("pt", "quatrocentos", 400),
    ("pt", "quinhentos", 500),
    ("pt", "seiscentos", 600),
    ("pt", "setecentos", 700),
    ("pt", "oitocentos", 800),
    ("pt", "novecentos", 900),
]
# Ordinals 2–12, in order (a slash separates forms of one ordinal).
_ORDINALS: dict[str, str] = {
    "en": "second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth",
    "fr": "deuxième/second/seconde troisième quatrième cinquième sixième septième huitième "
    "neuvième dixième onzième douzième",
    "de": "zweite dritte vierte fünfte sechste siebte/siebente - neunte zehnte elfte zwölfte",
    "es": "segundo/segunda tercero/tercer/tercera cuarto/cuarta quinto/quinta sexto/sexta "
    "séptimo/séptima octavo/octava noveno/novena décimo/décima undécimo/undécima "
    "duodécimo/duodécima",
    "it": "secondo/seconda terzo/terza quarto/quarta quinto/quinta sesto/sesta settimo/settima "
    "ottavo/ottava nono/nona decimo/decima undicesimo/undicesima dodicesimo/dodicesima",
    "pt": "segundo/segunda terceiro/terceira quarto/quarta quinto/quinta sexto/sexta "
    "sétimo/sétima oitavo/oitava nono/nona décimo/décima",
    "nl": "tweede derde vierde vijfde zesde zevende achtste negende tiende elfde twaalfde",
}
_GERMAN_ENDINGS = ("", "n", "r", "s", "m")  # zweite, zweiten, zweiter, zweites, zweitem
# Joiners inside a number ("forty and five" is rare; "quarenta e cinco", "vijfentwintig" are not).
_AND = {"en": "and", "fr": "et", "de": "und", "es": "y", "it": "e", "pt": "e", "nl": "en"}
# Adjective endings on a number in one word ("vijftigjarig", "dreitägig", "zehnfach").
_SUFFIXES = {
    "de": ("jährige", "jährig", "tägige", "tägig", "fache", "fach", "mal"),
    "nl": ("jarige", "jarig", "daagse", "daags", "voudig"),
    "it": ("esimo", "esima"),
}
# Italian tens lose their vowel before uno/otto: "ventotto", "trentuno".
_ITALIAN_ELIDED = {"vent": 20, "trent": 30, "quarant": 40, "cinquant": 50, "sessant": 60}
_ITALIAN_ELIDED |= {"settant": 70, "ottant": 80, "novant": 90, "tré": 3}
# Determiners and pronouns after Italian "secondo" / Portuguese "segundo" = "according to".
_NOT_AFTER_SECONDO = word_list(
    """il lo la i gli le l un una uno me te lui lei noi voi loro quanto cui questo questa
    o a os as um uma ele ela nós eles elas este esta que"""
)


def _table(lang: str) -> dict[str, int]:
    small, tens, big = _CARDINALS[lang].split("|")
    words: dict[str, int] = {}
    for i, w in enumerate(small.split(), 2):
        if w != "-":
            words[w] = i
    for i, w in enumerate(tens.split()):
        words[w] = 20 + 10 * i if lang != "fr" else (20, 30, 40, 50, 60, 70, 80, 90)[i]
    hundred, thousand = big.split()
    words[hundred], words[thousand] = 100, 1000
    words |= {w: v for lg, w, v in _EXTRA if lg == lang}
    if lang == "es":  # veintidós, veintitrés, …: one word
        words |= {f"veinti{w}": 20 + v for w, v in words.items() if 2 <= v <= 9}
        words |= {"veintitrés": 23, "veintidós": 22, "veintiséis": 26}
    return words


def _ordinals(lang: str) -> dict[str, int]:
    out = {}
    for i, forms in enumerate(_ORDINALS[lang].split(), 2):
        for form in forms.split("/"):
            if form == "-":
                continue
            endings = _GERMAN_ENDINGS if lang == "de" else ("",)
            if lang in ("es", "it", "pt") and form[-1] in "oa":
                out[form + "s"] = i  # plural forms
            for e in endings:
                out[form + e] = i
    if lang == "es":
        out.pop("segundos", None)  # seconds of time
    return out


_TABLES = {lang: _table(lang) for lang in _CARDINALS}
_ORDINAL_TABLES = {lang: _ordinals(lang) for lang in _ORDINALS}
_PARTS = {
    lang: sorted(
        {**table, **(_ITALIAN_ELIDED if lang == "it" else {})}.items(), key=lambda kv: -len(kv[0])
    )
    for lang, table in _TABLES.items()
}


def _combine(values: list[int]) -> int:
    """One number from its spoken parts: tens and units add, hundreds and thousands multiply."""
    total, current = 0, 0
    for v in values:
        if v == 1000:
            total += max(current, 1) * 1000
            current = 0
        elif v == 100:
            current = max(current, 1) * 100
        else:
            current += v
    return total + current


def _compound(word: str, lang: str) -> int | None:
    """The value of a number written as one word of number parts ("fünfundzwanzig", "trecento")."""
    for suffix in _SUFFIXES.get(lang, ()):
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            word = word[: -len(suffix)]
            break
    values: list[int] = []
    rest = word
    joiner = _AND[lang]
    while rest:
        for part, value in _PARTS[lang]:
            if rest.startswith(part):
                values.append(value)
                rest = rest[len(part) :]
                break
        else:
            if values and rest.startswith(joiner):
                rest = rest[len(joiner) :]
                continue
            return None
    return _combine(values) if len(values) > 1 or word in _TABLES[lang] else None


def _value(word: str, lang: str) -> int | None:
    table = _TABLES[lang]
    if word in table:
        return table[word]
    if "-" in word:
        parts = [table.get(p) for p in word.split("-")]
        if parts[-1] is None and len(parts) > 1:
            parts = parts[:-1]  # "three-day", "forty-five-minute" state a number as "3-day" does
        if all(p is not None for p in parts):
            return _combine([p for p in parts if p is not None])
        return None
    if lang in ("de", "nl", "it") and len(word) > 5:
        return _compound(word, lang)
    return None


@lru_cache(maxsize=4096)
def spoken_numbers(text: str, lang: str) -> frozenset[str]:
    """The numbers `text` (in language `lang`) writes as words, as digit strings ("3", "45")."""
    if lang not in _TABLES:
        return frozenset()
    lower = text.lower()
    matches = list(_WORD.finditer(lower))
    words = [m.group(0) for m in matches]
    found: set[str] = set()
    run: list[int] = []
    joiner = _AND[lang]
    ordinals = _ORDINAL_TABLES[lang]

    def close() -> None:
        if run:
            found.add(str(_combine(run)))
            run.clear()

    for i, word in enumerate(words):
        if i and lower[matches[i - 1].end() : matches[i].start()].strip():
            close()  # punctuation between two words ends a number: "trescientos, cuatro"
        nxt = words[i + 1] if i + 1 < len(words) else ""
        value = _value(word, lang)
        if value == 100 and i and words[i - 1] in ("pour", "por", "per"):
            value = None  # "dix pour cent": a percent sign, not a hundred
        if value is not None:
            # "forty five", "quarenta e cinco": a smaller part after a ten joins it.
            if run and not (value in (100, 1000) or (run[-1] >= 20 and run[-1] > value)):
                close()
            run.append(value)
            continue
        if word == joiner and run and run[-1] >= 20 and _value(nxt, lang) is not None:
            continue
        close()
        if word in ordinals:
            according_to = lang in ("it", "pt") and word.startswith(("second", "segund"))
            if according_to and nxt in _NOT_AFTER_SECONDO:
                continue
            if lang == "pt" and nxt == "feira":
                continue  # segunda-feira … sexta-feira are weekdays
            found.add(str(ordinals[word]))
    close()
    return frozenset(found)


__all__ = ["spoken_numbers"]
