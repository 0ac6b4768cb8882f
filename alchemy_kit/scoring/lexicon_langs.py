"""Output-format cues in the widely written European languages besides English.

"No output format stated" is a defect a translation keeps: computed in English only, it made a
faithful French or Spanish translation of a prompt without a format score higher than its original
(the English-only feature is neutral elsewhere). These lists let it be computed in the languages
they cover; in any other language the feature stays neutral and is reported as not computed.
Each list translates the English FORMAT pattern (lexicon.py) concept by concept, no more and no
fewer (format words that are the same in English, such as JSON or CSV, are matched for every
language by FORMAT_ANY).
"""

from __future__ import annotations

import re

# Names of formats and shapes that read the same in every language.
FORMAT_ANY = re.compile(
    r"\b(?:json|yaml|csv|xml|markdown|html|srt|tl;?dr|h[1-3]|docstrings?|doctests?|snippets?|"
    r"checklist)\b|```|^\s*\|.*\|\s*$",
    re.I | re.M,
)

# One entry per concept of the English FORMAT pattern, in its order: format(ted), output, return,
# respond with/in, structure(d), table/tabular, bullets, numbered, a list, headings, sections,
# paragraphs, sentences, words, characters, pages, template, schema, fields, columns, code block,
# diagram, chart, subject line, lines, stanzas, verses, rhyme, rows, slides, steps. A word that
# also means something else ("étapes" are steps and the stages of a journey, "Seite" a page and a
# side, Dutch "regels" lines and rules, "vers" verses and "towards") counts only in a form that
# means the format ("étape par étape", "3 étapes", "zwei Seiten", "4 regels").
_NUMBER = r"(?:\d+|un|une|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|douze|eine[rn]?|zwei|drei|"
_NUMBER += r"vier|fünf|sechs|sieben|acht|neun|zehn|halbe[rn]?|één|twee|vijf|zes|zeven|negen|tien)"
_FORMAT_WORDS: dict[str, str] = {
    "fr": r"format(?:e|é|ée|és|ées|age)?|mise\s+en\s+forme|sortie|renvoie|renvoyez|retourne|"
    r"retournez|répon(?:ds|dez|dre)\s+(?:en|avec|par|sous)|structur\w*|tableaux?|tabulaire|puces?|"
    r"numérot\w*|listes?\s+d(?:e|es|')|(?:une|la|les|des|ta|votre)\s+(?:[\w-]+\s+){0,2}?listes?|"
    r"intertitres?|titres|en-têtes?|sections?|paragraphes?|phrases?|mots?|caractères?|pages?|"
    r"gabarit|modèle\s+(?:à\s+remplir|de\s+(?:document|réponse|texte|message|courriel|e-mail|"
    r"lettre|page))|schéma|champs?|colonnes?|bloc\s+de\s+code|diagrammes?|graphiques?|"
    r"ligne\s+d'objet|objet\s+du\s+(?:mail|e-mail|courriel|message)|lignes?|strophes?|"
    rf"{_NUMBER}\s+vers|rim(?:e|es|é|ée|és|ées|er|ant)|rangées?|diapositives?|diapos?|slides?|"
    rf"étape\s+par\s+étape|{_NUMBER}\s+étapes|étapes\s+numérotées",
    "de": r"format\w*|ausgabe|gib\b[^.\n]{0,40}\bzurück|zurückgeben|antworte\w*\s+(?:in|mit|als)|"
    r"struktur\w*|gegliedert\w*|tabelle\w*|tabellarisch\w*|aufzählung\w*|stichpunkt\w*|"
    r"spiegelstrich\w*|nummeriert\w*|liste\s+(?:von|der|mit|aller)|"
    r"(?:eine|die|einer|der)\s+(?:[\w-]+\s+){0,2}?liste|überschrift\w*|abschnitt\w*|absatz|"
    rf"absätze\w*|sätzen?|satz|wörter\w*|worten?|zeichen|{_NUMBER}\s+seiten?|vorlage\w*|schema|"
    r"felder\w*|feld|spalten?|codeblock|diagramm\w*|grafik\w*|betreff\w*|zeilen?|strophen?|"
    r"verse[n]?|reim\w*|folien?|slides?|schritte\w*|schritt\s+für\s+schritt",
    "es": r"formato|formatead\w*|salida|devuelve|devuelva|respond\w*\s+(?:en|con)|estructur\w*|"
    r"tablas?|tabular|viñetas?|numerad[ao]s?|lista\s+de|(?:una|la|las)\s+(?:[\w-]+\s+){0,2}?listas?|"
    r"encabezados?|títulos|secci(?:ón|ones)|párrafos?|frases?|oraci(?:ón|ones)|palabras?|"
    r"caracteres|carácter|páginas?|plantillas?|esquema|campos?|columnas?|bloque\s+de\s+código|"
    r"diagramas?|gráfic[oa]s?|línea\s+de\s+asunto|asunto\s+del\s+(?:correo|mensaje|e-?mail)|"
    r"líneas?|estrofas?|versos?|rima\w*|filas?|diapositivas?|slides?|pasos",
    "it": r"formato|formattat\w*|output|restituisci|restituisca|rispond\w*\s+(?:in|con)|"
    r"struttur\w*|tabell[ae]|tabellare|elenco|elenchi|lista|liste|puntat\w*|punti\s+elenco|"
    r"numerat\w*|titoli|sottotitoli|intestazion[ei]|sezion[ei]|paragraf[oi]|fras[ei]|parol[ae]|"
    r"caratteri|pagin[ae]|template|modello\s+(?:di|da)\s+\w+|schema|campi|colonn[ae]|"
    r"blocco\s+di\s+codice|diagramm[ai]|grafic[oi]|riga\s+dell?'oggetto|oggetto\s+dell?'e-?mail|"
    r"righe|riga|strof[ae]|versi|rima\w*|rime|diapositiv[ae]|slides?|passaggi|passi",
    "pt": r"formato|formatad\w*|saída|devolva|devolve|retorne|retorna|respond\w*\s+(?:em|com)|"
    r"estrutur\w*|tabelas?|tabular|marcadores|tópicos|numerad[ao]s?|lista\s+de|"
    r"(?:uma|a|as)\s+(?:[\w-]+\s+){0,2}?listas?|títulos|cabeçalhos|subtítulos|"
    r"se(?:ç|cç)(?:ão|ões)|parágrafos?|frases?|palavras?|caracteres|caractere|páginas?|template|"
    r"modelo\s+de\s+(?:documento|resposta|texto|mensagem|e-?mail|carta|página)|esquema|campos?|"
    r"colunas?|bloco\s+de\s+código|diagramas?|gráficos?|linha\s+de\s+assunto|"
    r"assunto\s+do\s+(?:e-?mail|mensagem)|linhas?|estrofes?|versos?|rima\w*|slides?|"
    r"diapositivos?|passos",
    "nl": r"formaat|opmaak|opgemaakt\w*|uitvoer|output|geef\b[^.\n]{0,40}\bterug|retourneer|"
    r"antwoord\s+(?:in|met)|structu\w*|gestructureerd\w*|tabel(?:len)?|tabelvorm|opsomming\w*|"
    r"bullets?|genummerd\w*|lijst(?:en|je)?|kopjes|koppen|tussenkop\w*|secties?|alinea'?s?|"
    rf"zin(?:nen)?|woord(?:en)?|tekens?|karakters?|pagina'?s?|sjabloon\w*|template|schema|velden|"
    rf"veld|kolom(?:men)?|codeblok|diagram(?:men)?|grafiek(?:en)?|onderwerpregel|"
    rf"{_NUMBER}\s+regels?|strofen?|coupletten?|verzen|versregels?|rijm\w*|rijen|rij|dia'?s|"
    r"slides?|stappen",
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
