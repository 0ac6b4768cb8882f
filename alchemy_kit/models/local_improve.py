"""The offline model's improve mode: apply a critique's edits to a prompt, literally.

The optimise loop sends `<prompt>…</prompt>` and `<critique>…</critique>`; each critique line
`- remove: <sentence>` deletes that sentence (and a bullet left empty), and each `- add: <line>`
appends the line. Nothing else changes, so the offline model never invents content; real models
get the same critique and rewrite freely.
"""

from __future__ import annotations

import re

_PROMPT = re.compile(r"<prompt>\n?(.*?)\n?</prompt>", re.S)
_CRITIQUE = re.compile(r"<critique>\n?(.*?)\n?</critique>", re.S)
_EDIT = re.compile(r"^\s*-\s*(remove|add):\s*(.+?)\s*$", re.M)
_EMPTY_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s*[.;,]?\s*$")


def parse(text: str) -> tuple[str, list[tuple[str, str]]]:
    """The prompt to improve and its (action, text) edits, from the optimise loop's message."""
    prompt = _PROMPT.search(text)
    found = _CRITIQUE.search(text)
    edits = [(m.group(1), m.group(2)) for m in _EDIT.finditer(found.group(1))] if found else []
    return (prompt.group(1).strip() if prompt else text.strip()), edits


def improve(text: str) -> str:
    """Apply the critique's edits in `text` to the prompt in `text`."""
    prompt, edits = parse(text)
    out = prompt
    for action, value in edits:
        if action == "remove" and value in out:
            out = out.replace(value, "", 1)
    lines = [ln.rstrip() for ln in out.splitlines()]
    lines = [ln for ln in lines if not _EMPTY_BULLET.match(ln)]
    out = re.sub(r"[ \t]{2,}", " ", "\n".join(lines))
    out = re.sub(r"\n{3,}", "\n\n", out).strip()
    additions = [value for action, value in edits if action == "add" and value not in out]
    if additions:
        bullet = "- " if re.search(r"^\s*[-*]\s", out, re.M) else ""
        out += "\n\n" + "\n".join(f"{bullet}{a}" for a in additions)
    return out + "\n"
