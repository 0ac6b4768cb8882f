"""`alchemy publish OUT/`: a self-contained, read-only Datasette bundle of a store.

OUT/ holds the database (WAL checkpointed, copied through SQLite's backup API and switched to a
rollback journal, so `datasette -i` sees every row), metadata.json keyed to its name, our plugin
under plugins/ (with a copy of the alchemy_kit modules it imports, for a machine where alchemy_kit
is not installed), and the exact command lines: serve.sh (`datasette serve -i …`) and publish.sh
(`datasette publish PUBLISHER …`, which copies plugins/ into the image).
"""

from __future__ import annotations

import json
import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path

from ..errors import NotFoundError
from ..store import browse, open_store, outdir
from .metadata import for_database
from .serve import ServeSettings, database_name

PACKAGE_ROOT = Path(__file__).resolve().parents[1]
# Third-party packages the pages rely on: datasette-vega pinned to the version verified on
# Datasette 0.65.5, mistune for our Markdown rendering, numpy for our embedding codec.
INSTALLS = (
    "datasette-vega==0.6.2",
    "mistune~=3.0",  # no < or >: datasette publish writes these unquoted into a shell line
    "numpy",
)
PLUGIN_FILE = "alchemy_kit_datasette.py"
# Written last into every bundle; `publish --overwrite` replaces only a folder that holds it.
MARKER = ".alchemy-publish.json"
VENDOR_DIR = "alchemy_kit_vendor"

# Loaded by `datasette --plugins-dir plugins`. Where alchemy_kit is installed its entry point has
# registered the same hooks already, so registering them twice is avoided.
_LOADER = '''"""alchemy_kit's Datasette plugin for this bundle (written by `alchemy publish`)."""

import importlib.util
import os
import sys

if importlib.util.find_spec("alchemy_kit") is None:
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "{vendor}"))
    from alchemy_kit.datasette import plugin as _plugin

    # pluggy registers this module: give it every hook implementation of ours.
    globals().update(
        {{name: fn for name, fn in vars(_plugin).items() if hasattr(fn, "datasette_impl")}}
    )
'''


@dataclass(frozen=True)
class Bundle:
    """What `publish` wrote."""

    out: Path
    database: Path
    serve_command: list[str]
    publish_command: list[str]


def _settings_args(settings: ServeSettings) -> list[str]:
    args: list[str] = []
    for key, value in settings.as_datasette().items():
        text = ("on" if value else "off") if isinstance(value, bool) else str(value)
        args += ["--setting", key, text]
    return args


def commands(db_file: str, settings: ServeSettings) -> tuple[list[str], list[str]]:
    """The `datasette serve -i` and `datasette publish` command lines for a bundle."""
    common = ["-m", "metadata.json", "--plugins-dir", "plugins"]
    serve = ["datasette", "serve", "-i", db_file, *common, *_settings_args(settings)]
    installs = [arg for pkg in INSTALLS for arg in ("--install", pkg)]
    extra = shlex.join(_settings_args(settings))
    publish = ["datasette", "publish", "PUBLISHER", db_file, *common, *installs]
    publish += ["--extra-options", extra]
    return serve, publish


def _vendor(dest: Path) -> None:
    """Copy the alchemy_kit modules (and the plugin's assets) a plugins-dir install imports."""

    def skip(folder: str, names: list[str]) -> set[str]:
        # The MiniLM tokenizer and caches are not needed to browse: only code and our assets.
        return {n for n in names if n in ("__pycache__", "vendor") or n.endswith(".pyc")}

    shutil.copytree(PACKAGE_ROOT, dest / "alchemy_kit", ignore=skip, symlinks=False)


def _script(command: list[str], comment: str) -> str:
    head, line = "", shlex.join(command)
    if "PUBLISHER" in command:
        # The first argument names the publisher (cloudrun, heroku); the rest pass through.
        head = 'publisher="$1"; shift\n'
        line = line.replace("PUBLISHER", '"$publisher"')
    return f'#!/bin/sh\n# {comment}\nset -e\ncd "$(dirname "$0")"\n{head}exec {line} "$@"\n'


def publish(
    source: Path, out: Path, *, settings: ServeSettings | None = None, overwrite: bool = False
) -> Bundle:
    """Write the bundle for the store at `source` into the folder `out`, atomically.

    `out` must be a folder of its own: a new or empty one, or (with overwrite) a bundle that an
    earlier publish wrote and nothing else was added to. The bundle is built in a hidden sibling
    and renamed into place, so a failed run leaves the old bundle as it was.
    """
    settings = settings or ServeSettings(public=True)
    if not source.is_file():
        raise NotFoundError(f"no database at {source}")
    what = "a Datasette bundle"
    outdir.check_target(out, what, [source])
    outdir.check_replaceable(out, what, MARKER, _published_names, overwrite)
    with open_store(source) as store:  # migrates if needed, then folds the WAL into the file
        store.checkpoint()
    tmp = outdir.start(out)
    try:
        _write(source, tmp, settings)
        outdir.check_replaceable(out, what, MARKER, _published_names, overwrite)
        outdir.install(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    serve_cmd, publish_cmd = commands(source.name, settings)
    return Bundle(out, out / source.name, serve_cmd, publish_cmd)


def _write(source: Path, out: Path, settings: ServeSettings) -> None:
    """Write every file of the bundle into `out`, the marker last."""
    db_path = out / source.name
    browse.snapshot_to(source, db_path)
    name = database_name(db_path)
    (out / "metadata.json").write_text(
        json.dumps(for_database(name), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    plugins = out / "plugins"
    plugins.mkdir()
    (plugins / PLUGIN_FILE).write_text(_LOADER.format(vendor=VENDOR_DIR), encoding="utf-8")
    _vendor(plugins / VENDOR_DIR)
    serve_cmd, publish_cmd = commands(db_path.name, settings)
    for file, cmd, comment in (
        ("serve.sh", serve_cmd, "Serve this bundle read-only (immutable) with Datasette."),
        ("publish.sh", publish_cmd, "Deploy: ./publish.sh cloudrun --service NAME (or heroku)."),
    ):
        script = out / file
        script.write_text(_script(cmd, comment), encoding="utf-8")
        script.chmod(0o755)
    (out / "requirements.txt").write_text(
        "datasette>=0.65.5,<1.0\n" + "\n".join(INSTALLS) + "\n", encoding="utf-8"
    )
    # The marker says this folder is ours and what is in it: --overwrite replaces only that.
    names = sorted(p.name for p in out.iterdir())
    marker = {"written_by": "alchemy publish", "source": str(source), "files": names}
    (out / MARKER).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")


def _published_names(out: Path) -> set[str] | None:
    marker = outdir.read_marker(out / MARKER)
    files = marker.get("files") if marker else None
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        return None
    return outdir.top_level(files)


__all__ = ["INSTALLS", "MARKER", "Bundle", "commands", "publish"]
