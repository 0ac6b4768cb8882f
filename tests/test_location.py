"""Where the database is (store/location.py): one rule for the CLI, the API and the notebooks."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from alchemy_kit.cli.main import cli
from alchemy_kit.errors import StoreError
from alchemy_kit.store import open_store, resolve


@pytest.fixture
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder that is not a project, and the per-user folder for this test."""
    folder = tmp_path / "somewhere"
    folder.mkdir()
    monkeypatch.chdir(folder)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    return folder


def test_the_rule_in_order(
    elsewhere: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = tmp_path / "xdg" / "alchemy_kit" / "alchemy.db"
    assert resolve() == resolve(None) and resolve().source == "user"
    assert resolve().path == user
    # A project folder's data/alchemy.db wins once it exists (not merely because data/ does).
    (elsewhere / "data").mkdir()
    assert resolve().path == user
    open_store(elsewhere / "data" / "alchemy.db").close()
    assert (resolve().source, resolve().path) == ("project", elsewhere / "data" / "alchemy.db")
    monkeypatch.setenv("ALCHEMY_DB", str(tmp_path / "env.db"))
    assert (resolve().source, resolve().path) == ("env", tmp_path / "env.db")
    assert resolve(tmp_path / "arg.db").source == "given"
    assert open_store().path == tmp_path / "env.db"


def test_the_per_user_folder_is_created_a_typed_folder_is_not(
    elsewhere: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = open_store()
    assert store.created and store.path == tmp_path / "xdg" / "alchemy_kit" / "alchemy.db"
    store.close()
    assert not open_store().created  # the second open finds it
    assert not (elsewhere / "data").exists()  # no stray data/alchemy.db in the working folder
    with pytest.raises(StoreError, match=r"the folder a/b does not exist"):
        open_store("a/b/c.db")
    assert not (elsewhere / "a").exists()
    monkeypatch.setenv("ALCHEMY_DB", "x/y.db")
    with pytest.raises(StoreError, match=r"cannot create \$ALCHEMY_DB \(x/y.db\)"):
        open_store()


def test_cli_reads_and_writes_agree_and_a_new_database_is_announced(
    elsewhere: Path, tmp_path: Path
) -> None:
    runner = CliRunner()
    user = tmp_path / "xdg" / "alchemy_kit" / "alchemy.db"
    path = runner.invoke(cli, ["db", "path"])
    assert path.exit_code == 0 and path.stdout.strip() == str(user)
    assert "per-user default" in path.stderr and "not created yet" in path.stderr
    # A read before any write names the same file and how to create it.
    read = runner.invoke(cli, ["requests", "list"])
    assert read.exit_code == 1 and str(user) in read.stderr and "alchemy db init" in read.stderr
    made = runner.invoke(cli, ["generate", "a haiku about rain", "-n", "1", "--no-embed"])
    assert made.exit_code == 0, made.output
    assert made.stderr.count("Created a new database") == 1 and str(user) in made.stderr
    again = runner.invoke(cli, ["generate", "a haiku about snow", "-n", "1", "--no-embed"])
    assert "Created a new database" not in again.stderr
    listed = runner.invoke(cli, ["requests", "list", "--json"])
    assert listed.exit_code == 0 and "a haiku about snow" in listed.stdout
    assert not (elsewhere / "data").exists()


def test_cli_errors_name_where_the_path_came_from(elsewhere: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    folder = tmp_path / "a-folder"
    folder.mkdir()
    by_env = runner.invoke(cli, ["db", "status"], env={"ALCHEMY_DB": str(folder)})
    assert by_env.exit_code == 1
    assert (
        f"$ALCHEMY_DB ({folder}) is a directory" in by_env.stderr
        and "--database" not in by_env.stderr
    )
    by_option = runner.invoke(cli, ["db", "status", "-d", str(folder)])
    assert by_option.exit_code == 1 and by_option.stderr.startswith(
        f"Error: {folder} is a directory"
    )
    tree = runner.invoke(cli, ["generate", "x", "-d", "a/b/c.db"])
    assert tree.exit_code == 1 and "the folder a/b does not exist" in tree.stderr
    assert not (elsewhere / "a").exists()
