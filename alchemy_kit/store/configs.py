"""The store's configuration rows, checked against the typed schema in `alchemy_kit.settings`.

A mixin of `Store`. Writes are validated before they reach SQL (a known key must fit its shape, an
unknown key is refused unless it is under `user.`); reads of known keys are validated again, so a
row that was written by hand or by an older version fails with one line naming the key.
"""

from __future__ import annotations

from typing import Any

from .. import records as r
from .. import settings
from ..errors import NotFoundError, ValidationError
from .mixin import StoreMixin
from .reads import like_prefix
from .sqlite_errors import check_text


class Configs(StoreMixin):
    """Typed configuration rows of the Store."""

    def set_config(
        self, key: str, value: Any, *, type: str | None = None, updated_by: str | None = None
    ) -> r.Configuration:
        """Set a configuration value after checking it against its key's schema."""
        if not isinstance(key, str) or not key.strip():
            raise ValidationError("configuration key must be a non-empty string")
        key = check_text(key.strip(), "configuration key")
        value = settings.validate(key, value)
        ctype = r.check_enum(type or r.config_type_of(value), r.CONFIG_TYPES, "configuration type")
        if ctype != r.config_type_of(value):
            raise ValidationError(f"configuration {key!r}: value {value!r} is not of type {ctype}")
        rec = r.Configuration(key=key, value=value, type=ctype, updated_by=updated_by or r.whoami())
        with self.transaction():
            self._insert([rec], upsert=True)
        return rec

    def get_config(self, key: str, default: Any = ..., *, check: bool = True) -> Any:
        """Return a configuration value, or `default` (NotFoundError when no default is given).

        A stored value of a known key that does not fit its schema raises ValidationError naming
        the key (pass check=False to read it anyway, e.g. to show it).
        """
        row = self.conn.execute("SELECT value FROM configurations WHERE key = ?", [key]).fetchone()
        if row is None:
            if default is ...:
                raise NotFoundError(f"no configuration named {key!r}")
            return default
        value = r.from_json(row[0])
        if check and is_known(key):
            return settings.check_stored(key, value)
        return value

    def list_configs(self, prefix: str | None = None) -> list[r.Configuration]:
        """Return configuration rows, optionally those whose key starts with `prefix`."""
        where, params = ("key LIKE ? ESCAPE '\\'", [like_prefix(prefix)]) if prefix else (None, [])
        rows = self.select("configurations", where, params, order_by="key")
        return [r.Configuration.from_row(row) for row in rows]

    def delete_config(self, key: str) -> None:
        """Delete a configuration key."""
        self._exec_one(
            "DELETE FROM configurations WHERE key = ?", [key], f"no configuration named {key!r}"
        )


def is_known(key: str) -> bool:
    """True when `key` has a schema (any key under `user.` counts: its schema is "anything")."""
    try:
        settings.lookup(key)
    except ValidationError:
        return False
    return True


__all__ = ["Configs", "is_known"]
