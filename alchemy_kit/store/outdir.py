"""Output folders that `export` and `publish` fill and replace: never anything they did not make.

A command that writes a folder of its own (an export, a Datasette bundle) builds it in a hidden
sibling and renames it into place, so readers see the old folder or the new one, never half of
each. Replacing a folder is allowed only when it is one of ours: it holds our marker (an export's
manifest.json, a bundle's .alchemy-publish.json) and nothing besides the entries the marker lists.
Some folders are refused whatever they hold: the filesystem root, the home folder and the folders
above it, the current folder and the folders above it, a project root (a folder holding .git or
pyproject.toml), and any folder that holds the source database.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path

from ..errors import ImportExportError, NotEmptyError
from .recovery import process_alive

PROJECT_MARKERS = (".git", "pyproject.toml")
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")
_LEFTOVER = re.compile(r"\.(?P<name>.+)\.(?:partial|old)-(?:(?P<pid>\d+)-)?[^/]*")

# What a marker file says a folder holds: the top-level names we wrote (None: unreadable).
Owned = Callable[[Path], set[str] | None]


def _resolve(path: Path) -> Path:
    return Path(os.path.realpath(path))


def refuse_reason(dest: Path, sources: Sequence[Path] = ()) -> str | None:
    """Why `dest` may not be used as an output folder (None when it may)."""
    if dest.is_symlink():
        return "is a symbolic link; give the real folder"
    real = _resolve(dest)
    if real.parent == real:
        return "is the filesystem root"
    cwd = _resolve(Path.cwd())
    if real == cwd or cwd.is_relative_to(real):
        return "is the current folder or one above it"
    try:
        home = _resolve(Path.home())
    except (RuntimeError, KeyError):  # no HOME and no passwd entry
        home = None
    if home is not None and (real == home or home.is_relative_to(real)):
        return "is the home folder or one above it"
    found = [m for m in PROJECT_MARKERS if (real / m).exists()]
    if found:
        return f"looks like a project root (it holds {found[0]})"
    for source in sources:
        if _resolve(source).is_relative_to(real):
            return f"holds the source database {source}"
    return None


def check_target(dest: Path, what: str, sources: Sequence[Path] = ()) -> None:
    """Raise ImportExportError when `dest` must not be the output folder of `what`."""
    why = refuse_reason(dest, sources)
    if why is not None:
        raise ImportExportError(
            f"{dest} {why}: refusing to write {what} there; give a new folder of its own"
        )
    if dest.exists() and not dest.is_dir():
        raise ImportExportError(f"{dest} exists and is not a folder")


def check_replaceable(dest: Path, what: str, marker: str, owned: Owned, overwrite: bool) -> None:
    """Refuse to replace `dest` unless overwrite is set and `dest` holds only what we made."""
    if not dest.exists() or not any(dest.iterdir()):
        return
    if not overwrite:
        raise NotEmptyError(dest, what)  # the CLI words it as --overwrite
    if not (dest / marker).is_file():
        raise ImportExportError(
            f"{dest} is not empty and holds no {marker}, so it is not {what}; refusing to"
            " replace it"
        )
    names = owned(dest)
    if names is None:
        raise ImportExportError(f"{dest / marker} is unreadable; refusing to replace {dest}")
    # A listed database opened since (served, queried) may have grown SQLite's side files.
    ours = names | {marker} | {f"{n}{side}" for n in names for side in SQLITE_SIDE_FILES}
    extra = sorted(p.name for p in dest.iterdir() if p.name not in ours)
    if extra:
        shown = ", ".join(extra[:5]) + (", …" if len(extra) > 5 else "")
        raise ImportExportError(
            f"{dest} holds files that {what} did not write ({shown}); refusing to replace it:"
            " move them out first"
        )


def top_level(paths: Sequence[str]) -> set[str]:
    """The first component of each relative path."""
    return {Path(p).parts[0] for p in paths if Path(p).parts}


def read_marker(path: Path) -> dict[str, object] | None:
    """A marker's JSON object, or None when it is unreadable or not an object."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def start(dest: Path) -> Path:
    """Make the hidden sibling a new `dest` is built in (and clear killed runs' leftovers)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    remove_leftovers(dest)
    # Same filesystem, so installing is one rename. The pid in the name lets the next run tell an
    # abandoned folder (its process is gone) from one still being written.
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.partial-{os.getpid()}-", dir=dest.parent))
    tmp.chmod(0o777 & ~umask())  # mkdtemp makes it 0700; an output folder follows the umask
    return tmp


def install(tmp: Path, dest: Path) -> None:
    """Put the finished `tmp` in the place of `dest` (checked replaceable by the caller)."""
    if not dest.exists():
        tmp.rename(dest)
    elif not any(dest.iterdir()):
        dest.rmdir()
        tmp.rename(dest)
    else:
        old = dest.with_name(f".{dest.name}.old-{uuid.uuid4().hex[:8]}")
        dest.rename(old)
        tmp.rename(dest)
        shutil.rmtree(old, ignore_errors=True)


def umask() -> int:
    """The process umask, read without changing it where the OS allows."""
    try:  # Linux reports it without changing it (os.umask would, briefly, for every thread)
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def remove_leftovers(dest: Path) -> None:
    """Delete hidden partial/old folders of `dest` left by a run that was killed."""
    if not dest.parent.is_dir():
        return
    for path in dest.parent.glob(f".{dest.name}.*-*"):
        m = _LEFTOVER.fullmatch(path.name)
        if not m or m["name"] != dest.name or not path.is_dir() or path.is_symlink():
            continue
        pid = int(m["pid"]) if m["pid"] else None
        if pid is None or not process_alive(pid):
            shutil.rmtree(path, ignore_errors=True)


__all__ = [
    "check_replaceable",
    "check_target",
    "install",
    "read_marker",
    "refuse_reason",
    "remove_leftovers",
    "start",
    "top_level",
    "umask",
]
