"""How a prompt is applied to a test case's vars: the one rule every eval call follows.

- A prompt with `{{var}}` placeholders (promptfoo's and Jinja's form; spaces inside the braces are
  allowed) has each one filled with the case's value, and the filled text is sent as the user message,
  with no system message. Every placeholder needs a value: a case without one is refused before any
  call. Vars that no placeholder names are allowed (assertions may use them).
- A prompt without placeholders is sent as the system message, and the vars follow as the user
  message: a single var as its bare value, several as `name: value` lines in the case's order.
- A case with no vars and a prompt without placeholders: the prompt is the user message.

Values that are not strings are written as JSON. Only names of letters, digits, `_`, `-` and `.`
count as placeholders; anything else between double braces (a Jinja filter, say) is left as text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import ValidationError

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_.\-]*)\s*\}\}")


@dataclass(frozen=True)
class Applied:
    """The messages one prompt applied to one case becomes."""

    system: str | None
    user: str

    def messages(self) -> list[dict[str, str]]:
        """The messages as role/content pairs (what a recording stores)."""
        head = [{"role": "system", "content": self.system}] if self.system is not None else []
        return [*head, {"role": "user", "content": self.user}]


def placeholders(text: str) -> list[str]:
    """The placeholder names in `text`, each once, in order of first use."""
    return list(dict.fromkeys(m.group(1) for m in PLACEHOLDER.finditer(text or "")))


def as_text(value: Any) -> str:
    """A var's value as prompt text: strings as they are, anything else as compact JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def missing_vars(text: str, values: Mapping[str, Any]) -> list[str]:
    """The placeholders of `text` that `values` gives no value for."""
    return [name for name in placeholders(text) if name not in values]


def fill(text: str, values: Mapping[str, Any], *, strict: bool = True) -> str:
    """Fill `{{name}}` placeholders; a missing value raises ValidationError (or stays, not strict)."""
    if strict and (gone := missing_vars(text, values)):
        raise ValidationError(f"no value for placeholder(s) {', '.join(gone)}")

    def one(m: re.Match[str]) -> str:
        name = m.group(1)
        return as_text(values[name]) if name in values else m.group(0)

    return PLACEHOLDER.sub(one, text)


def apply(prompt: str, values: Mapping[str, Any]) -> Applied:
    """Apply a prompt to a case's vars by the rule in this module's docstring."""
    if placeholders(prompt):
        return Applied(None, fill(prompt, values))
    if not values:
        return Applied(None, prompt)
    if len(values) == 1:
        return Applied(prompt, as_text(next(iter(values.values()))))
    return Applied(prompt, "\n".join(f"{k}: {as_text(v)}" for k, v in values.items()))


__all__ = ["PLACEHOLDER", "Applied", "apply", "as_text", "fill", "missing_vars", "placeholders"]
