"""Where the database is: one rule for the CLI, the Python API and the notebooks (after llm's own).

1. A path given explicitly: `-d PATH`, `open_store(PATH)`.
2. `$ALCHEMY_DB`.
3. `data/alchemy.db` under the working directory, when that file exists (a project folder: `make demo`
   leaves one in the repository).
4. Otherwise `alchemy.db` in the per-user data folder (platformdirs: `~/.local/share/alchemy_kit` on
   Linux or `$XDG_DATA_HOME/alchemy_kit`, `~/Library/Application Support/alchemy_kit` on macOS,
   `%LOCALAPPDATA%\\alchemy_kit` on Windows).

So every command, reading or writing, finds the same file from the same folder, and a stray folder
never gains a `data/alchemy.db`. alchemy_kit creates the database file, never folders on a path you
chose: a missing folder in `-d a/b/c.db` or `$ALCHEMY_DB` is an error (a typo would otherwise leave a
tree behind). Only the per-user folder, which is ours, is created when needed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ENV_VAR = "ALCHEMY_DB"
PROJECT_DB = Path("data") / "alchemy.db"
APP_NAME = "alchemy_kit"

# Why a path was chosen, as `alchemy db path` explains it.
SOURCES = {
    "given": "given with -d / open_store(path)",
    "env": f"from ${ENV_VAR}",
    "project": f"{PROJECT_DB} exists in this folder",
    "user": f"the per-user default: no {PROJECT_DB} in this folder and ${ENV_VAR} is not set",
}


@dataclass(frozen=True)
class Location:
    """A database path and the rule that chose it (a key of SOURCES)."""

    path: Path
    source: str

    @property
    def why(self) -> str:
        """The rule, in words."""
        return SOURCES[self.source]

    @property
    def name(self) -> str:
        """How errors name the path: `$ALCHEMY_DB (x.db)` when it came from the environment."""
        return f"${ENV_VAR} ({self.path})" if self.source == "env" else str(self.path)


def user_db() -> Path:
    """The per-user default database file."""
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "alchemy.db"


def resolve(path: str | os.PathLike[str] | None = None) -> Location:
    """Which database a command or `open_store` uses, and why (the rule in the module docstring)."""
    if path is not None and str(path) != "":
        return Location(Path(path), "given")
    env = os.environ.get(ENV_VAR)
    if env:
        return Location(Path(env), "env")
    project = Path.cwd() / PROJECT_DB
    if project.is_file():
        return Location(project, "project")
    return Location(user_db(), "user")


def default_path() -> Path:
    """The database used when no path is given ($ALCHEMY_DB, ./data/alchemy.db, per-user)."""
    return resolve().path


__all__ = ["ENV_VAR", "PROJECT_DB", "SOURCES", "Location", "default_path", "resolve", "user_db"]
