"""Output folders (store/outdir.py): export and publish never replace what they did not make."""

from __future__ import annotations

from pathlib import Path

import pytest

from alchemy_kit.errors import ImportExportError
from alchemy_kit.store import open_store
from alchemy_kit.store.outdir import refuse_reason
from alchemy_kit.store.transfer import export


def test_refused_targets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home, work = tmp_path / "home", tmp_path / "w" / "work"
    work.mkdir(parents=True)
    (home / "proj" / ".git").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(work)
    (tmp_path / "link").symlink_to(tmp_path / "elsewhere")
    assert refuse_reason(Path("/")) == "is the filesystem root"
    assert "current folder" in (refuse_reason(Path(".")) or "")
    assert "current folder" in (refuse_reason(work / "..") or "")
    assert "home folder" in (refuse_reason(home) or "")
    assert refuse_reason(tmp_path) is not None  # above home (and above the current folder)
    assert "project root" in (refuse_reason(home / "proj") or "")
    assert "symbolic link" in (refuse_reason(tmp_path / "link") or "")
    db = work / "data" / "a.db"
    assert "holds the source database" in (refuse_reason(work / "data", [db]) or "")
    assert refuse_reason(work / "out", [db]) is None
    assert refuse_reason(tmp_path / "elsewhere" / "out", [db]) is None


def test_export_never_replaces_the_source_or_a_folder_above_it(tmp_path, monkeypatch):
    """The rule of store/outdir.py holds for exports as for bundles: not `.`, not the store's folder."""
    data = tmp_path / "work" / "data"
    data.mkdir(parents=True)
    store = open_store(data / "a.db")
    monkeypatch.chdir(tmp_path / "work")
    for dest, why in [
        (Path("."), "current folder"),
        (Path(".."), "current folder or one above"),
        (data, "holds the source database"),
    ]:
        with pytest.raises(ImportExportError, match=why):
            export(store, dest, overwrite=True)
    # An export the user has since added files to is not replaced either.
    export(store, tmp_path / "out", tables=["tags"])
    (tmp_path / "out" / "notes.txt").write_text("mine")
    with pytest.raises(ImportExportError, match=r"did not write \(notes.txt\)"):
        export(store, tmp_path / "out", tables=["tags"], overwrite=True)
    assert (tmp_path / "out" / "notes.txt").read_text() == "mine"
    assert (data / "a.db").exists()
    store.close()
