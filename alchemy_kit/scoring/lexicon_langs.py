"""Output-format cues in the widely written European languages besides English.

"No output format stated" is a defect a translation keeps: computed in English only, it made a
faithful French or Spanish translation of a prompt without a format score higher than its original
(the English-only feature is neutral elsewhere). These lists let it be computed in the languages
they cover; in any other language the feature stays neutral and is reported as not computed.
Each list names output shapes, length units and "answer with/in" (format words that are the same
in English, such as JSON or CSV, are matched for every language by FORMAT_ANY).
"""

from __future__ import annotations

import re

# Names of formats and shapes that read the same in every language.
FORMAT_ANY = re.compile(
    r"\b(?:json|yaml|csv|xml|markdown|html|srt|tl;?dr|h[1-3]|docstrings?|doctests?|snippets?|"
    r"checklist)\b|```|^\s*\|.*\|\s*$",
    re.I | re.M,
)

_FORMAT_WORDS: dict[str, str] = {
    "fr": r"format(?:e|é|ée)?|tableau[x]?|liste|puces?|numérot\w*|titres?|intertitres?|"
    r"sections?|paragraphes?|phrases?|mots|caractères|lignes?|étapes|diapositives?|colonnes?|rangées|"
    r"champs?|modèle|schéma|gabarit|répon(?:ds|dez)\s+(?:en|avec|par)|sous\s+forme\s+d[e']|"
    r"renvoie|retourne|bloc\s+de\s+code|strophes?",
    "de": r"format\w*|tabellen?|listen?|aufzählung\w*|stichpunkt\w*|nummeriert\w*|"
    r"überschrift\w*|abschnitt\w*|absatz|absätze\w*|sätzen?|satz|wörter\w*|worten|zeichen|"
    r"zeilen?|schritte\w*|folien?|spalten?|felder\w*|vorlage|schema|codeblock|"
    r"antworte\w*\s+(?:in|mit|als)|gib\b[^.\n]{0,40}\bzurück|strophen?|verse[n]?",
    "es": r"formato|tablas?|listas?|viñetas?|numerad[ao]s?|encabezados?|títulos?|"
    r"secci(?:ón|ones)|párrafos?|frases?|oraci(?:ón|ones)|palabras|caracteres|líneas?|pasos|"
    r"diapositivas?|columnas?|filas?|campos?|plantilla|esquema|responde\w*\s+(?:en|con)|devuelve|"
    r"bloque\s+de\s+código|estrofas?|versos?",
    "it": r"formato|tabell[ae]|elenco|elenchi|lista|puntat\w*|numerat\w*|titol[oi]|"
    r"sezion[ei]|paragraf[oi]|fras[ei]|parole|caratteri|righe|passaggi|diapositive|colonne|"
    r"campi|modello|schema|rispondi\s+(?:in|con)|restituisci|blocco\s+di\s+codice|strof[ae]|"
    r"vers[oi]",
    "pt": r"formato|tabelas?|listas?|tópicos|marcadores|numerad[ao]s?|títulos?|"
    r"se(?:ç|cç)(?:ão|ões)|parágrafos?|frases?|palavras|caracteres|linhas?|passos|slides?|"
    r"colunas?|campos?|modelo|esquema|responda\s+(?:em|com)|devolva|retorne|"
    r"bloco\s+de\s+código|estrofes?|versos?",
    "nl": r"formaat|opmaak|tabel(?:len)?|lijst(?:en)?|opsomming\w*|genummerd\w*|"
    r"kop(?:pen|jes)?|secties?|alinea'?s?|zin(?:nen)?|woord(?:en)?|regels?|tekens?|stappen|dia'?s|"
    r"kolommen|rijen|velden|sjabloon|schema|antwoord\s+(?:in|met)|geef\b[^.\n]{0,40}\bterug|"
    r"codeblok|strofen?",
}
FORMAT_BY_LANGUAGE: dict[str, re.Pattern[str]] = {
    lang: re.compile(rf"(?<!\w)(?:{words})(?!\w)", re.I) for lang, words in _FORMAT_WORDS.items()
}


def states_format(text: str, lang: str) -> bool | None:
    """Whether `text` (in language `lang`) states an output format; None if it cannot tell."""
    if FORMAT_ANY.search(text):
        return True
    pattern = FORMAT_BY_LANGUAGE.get(lang)
    return None if pattern is None else bool(pattern.search(text))


__all__ = ["FORMAT_ANY", "FORMAT_BY_LANGUAGE", "states_format"]
