"""`alchemy serve` and `alchemy publish`: safe defaults, any file name, live rows, read-only bundles."""

from __future__ import annotations

import json
import os
import shlex
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import alchemy_kit as ak
from alchemy_kit.cli.main import cli
from alchemy_kit.datasette import publish as bundle_mod
from alchemy_kit.datasette.serve import ServeSettings, build_datasette, check_host, is_loopback

ROOT = Path(__file__).resolve().parents[1]
DATASETTE = str(Path(sys.executable).with_name("datasette"))


def _fill(path: Path, idea: str = "write a haiku about rain on a tin roof", **kw: Any) -> Any:
    store = ak.open_store(path)
    try:
        return ak.generate(idea, count=2, seed=3, store=store, progress=False, **kw)
    finally:
        store.close()


@pytest.fixture
def notes(tmp_path: Path) -> Iterator[Path]:
    """A store called notes.db (not alchemy.db) with one refined idea and its embeddings."""
    from alchemy_kit.datasette import vectors

    path = tmp_path / "notes.db"
    _fill(path, tags=["poetry"])
    yield path
    vectors.forget()  # the plugin's read-only connections to this file


def _serve(path: Path, *args: str) -> Any:
    return CliRunner().invoke(cli, ["serve", "-d", str(path), *args])


def _count(path: Path, table: str, uri: str = "") -> int:
    target = f"file:{path}?{uri}" if uri else str(path)
    with closing(sqlite3.connect(target, uri=bool(uri))) as conn:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def test_public_refuses_arbitrary_sql(notes: Path) -> None:
    sql = "/notes.json?sql=select+count(*)+from+prompts&_shape=array"
    local = _serve(notes, "--get", sql)
    assert local.exit_code == 0, local.output
    assert json.loads(local.stdout) == [{"count(*)": 6}]
    public = _serve(notes, "--public", "--host", "127.0.0.1", "--get", sql)
    assert public.exit_code == 1 and "count(*)" not in public.stdout
    where = _serve(notes, "--public", "--host", "127.0.0.1", "--get", "/notes/prompts?_where=1")
    assert where.exit_code == 1
    # Table pages, search and canned queries keep working in public mode.
    for path in ("/notes/prompts.json?_shape=array", "/notes/tag_counts.json?_shape=array"):
        ok = _serve(notes, "--public", "--host", "127.0.0.1", "--get", path)
        assert ok.exit_code == 0 and json.loads(ok.stdout), path


def test_public_needs_an_explicit_host(notes: Path) -> None:
    result = _serve(notes, "--public", "--get", "/notes")
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1].startswith("Error: --public needs an explicit")
    assert check_host(None, False) == "127.0.0.1"
    assert is_loopback("127.0.0.5") and is_loopback("::1") and not is_loopback("0.0.0.0")


def test_any_file_name_has_canned_queries_and_fts(notes: Path) -> None:
    _fill(notes, "summarise a legal contract for a busy founder")
    tags = _serve(notes, "--get", "/notes/tag_counts.json?_shape=array")
    assert tags.exit_code == 0, tags.output
    assert json.loads(tags.stdout)[0]["tag"] == "poetry"
    found = _serve(notes, "--get", "/notes/prompts.json?_search=haiku&_shape=array")
    rows = json.loads(found.stdout)
    assert rows and len(rows) < _count(notes, "prompts")
    assert all("haiku" in r["content"].lower() for r in rows)
    ranked = _serve(notes, "--get", "/notes/search_prompts.json?q=roof&_shape=array")
    scores = [r["relevance"] for r in json.loads(ranked.stdout)]
    assert scores and scores == sorted(scores, reverse=True)


async def test_rows_written_while_serving_appear(notes: Path) -> None:
    ds = build_datasette(notes)
    await ds.invoke_startup()
    before = (await ds.client.get("/notes/prompts.json?_shape=array&_size=max")).json()
    # A notebook (another connection) keeps writing while the server runs.
    added = _fill(notes, "summarise a legal contract for a busy founder")
    after = (await ds.client.get("/notes/prompts.json?_shape=array&_size=max")).json()
    assert {r["id"] for r in after} == {r["id"] for r in before} | {p.id for p in added.prompts}
    lineage = await ds.client.get(f"/notes/-/lineage/{added.request.id}.json")
    assert lineage.status_code == 200
    assert len(lineage.json()["variants"]) == len(added.prompts)


def test_serve_settings() -> None:
    assert ServeSettings().as_datasette()["default_allow_sql"] is True
    public = ServeSettings(public=True, sql_time_limit_ms=250).as_datasette()
    assert public["default_allow_sql"] is False and public["sql_time_limit_ms"] == 250
    with pytest.raises(ak.ValidationError):
        ServeSettings(sql_time_limit_ms=0).as_datasette()


def test_publish_bundle_works_with_datasette_immutable(notes: Path, tmp_path: Path) -> None:
    # Leave rows in the WAL: a notebook that is still open and has not checkpointed.
    writer = ak.open_store(notes)
    ak.generate("summarise a legal contract", count=2, store=writer, progress=False)
    assert Path(f"{notes}-wal").stat().st_size > 0
    out = tmp_path / "bundle"
    result = CliRunner().invoke(cli, ["publish", str(out), "-d", str(notes)])
    writer.close()
    assert result.exit_code == 0, result.output
    db = out / "notes.db"
    assert sorted(p.name for p in out.iterdir()) == [
        ".alchemy-publish.json",
        "metadata.json",
        "notes.db",
        "plugins",
        "publish.sh",
        "requirements.txt",
        "serve.sh",
    ]
    # Immutable readers never look at a WAL: every row must be in the file itself.
    for table in ("prompts", "embeddings", "metrics"):
        assert _count(db, table, "immutable=1") == _count(notes, table)
    assert list(json.loads((out / "metadata.json").read_text())["databases"]) == ["notes"]

    serve_line = (out / "serve.sh").read_text().splitlines()[-1]
    command = shlex.split(serve_line.removeprefix("exec ").removesuffix(' "$@"'))
    assert command[:4] == ["datasette", "serve", "-i", "notes.db"]
    assert "default_allow_sql" in command and command[command.index("default_allow_sql") + 1] == (
        "off"
    )
    # The exact command line, with --get instead of a server.
    run = [DATASETTE, *command[1:]]
    board = subprocess.run(
        [*run, "--get", "/notes/leaderboard.json?_shape=array&phase=coagulatio"],
        cwd=out,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert board.returncode == 0, board.stderr
    assert len(json.loads(board.stdout)) == 2
    refused = subprocess.run(
        [*run, "--get", "/notes.json?sql=select+1"], cwd=out, capture_output=True, timeout=120
    )
    assert refused.returncode == 1


def test_publish_bundle_runs_without_alchemy_kit_installed(
    notes: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What `datasette publish` builds: the Docker context's plugins/ alone must carry our hooks."""
    from datasette.utils import temporary_docker_directory

    out = tmp_path / "bundle"
    bundle = bundle_mod.publish(notes, out)
    flags = bundle.publish_command
    assert flags[:3] == ["datasette", "publish", "PUBLISHER"]
    installs = [flags[i + 1] for i, f in enumerate(flags) if f == "--install"]
    assert installs == list(bundle_mod.INSTALLS)
    extra = flags[flags.index("--extra-options") + 1]
    monkeypatch.chdir(out)  # datasette publish works from the folder holding the files
    if True:
        with (
            open("metadata.json") as metadata,
            temporary_docker_directory(
                files=["notes.db"], name="notes", metadata=metadata, extra_options=extra,
                branch=None, template_dir=None, plugins_dir="plugins", static=[],
                install=installs, spatialite=False, version_note=None, secret="s",
            ) as context,
        ):  # fmt: skip
            dockerfile = (Path(context) / "Dockerfile").read_text()
            assert "--plugins-dir plugins/" in dockerfile and "default_allow_sql off" in dockerfile
            assert "datasette-vega==0.6.2" in dockerfile and "mistune" in dockerfile
            script = textwrap.dedent(
                f"""
                import asyncio, json, sys
                from pathlib import Path
                root = Path({str(ROOT)!r}).resolve()
                # Hide the editable install (a path entry or a meta-path finder) of alchemy_kit.
                sys.path = [p for p in sys.path if Path(p or ".").resolve() != root]
                sys.meta_path = [f for f in sys.meta_path
                                 if "alchemy_kit" not in getattr(f, "__module__", "")]
                import importlib.util
                assert importlib.util.find_spec("alchemy_kit") is None, "alchemy_kit visible"
                sys._called_from_test = True  # no entry points: only plugins/ registers hooks
                from datasette.app import Datasette
                ds = Datasette(immutables=["notes.db"], plugins_dir="plugins",
                               metadata=json.load(open("metadata.json")))
                async def main():
                    await ds.invoke_startup()
                    sim = await ds.client.get("/notes/similar_prompts.json?_shape=array")
                    emb = await ds.client.get("/notes/embeddings")
                    post = await ds.client.post("/notes/leaderboard", data={{}})
                    print(json.dumps([sim.status_code, len(sim.json()), "384-d" in emb.text,
                                      post.status_code]))
                asyncio.run(main())
                """
            )
            env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
            done = subprocess.run(
                [sys.executable, "-c", script],
                cwd=context,
                capture_output=True,
                text=True,
                timeout=120,
                env=env,
            )
    assert done.returncode == 0, done.stderr[-2000:]
    status, similar, summarised, post = json.loads(done.stdout.strip().splitlines()[-1])
    assert (status, summarised, post) == (200, True, 405) and similar == 5


def test_publish_refuses_to_overwrite(notes: Path, tmp_path: Path) -> None:
    out = tmp_path / "bundle"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    result = CliRunner().invoke(cli, ["publish", str(out), "-d", str(notes)])
    assert result.exit_code == 1 and "add --overwrite to replace" in result.output
    # --overwrite replaces only a folder that publish made: this one holds no marker.
    again = CliRunner().invoke(cli, ["publish", str(out), "-d", str(notes), "--overwrite"])
    assert again.exit_code == 1 and "holds no .alchemy-publish.json" in again.output
    assert (out / "keep.txt").read_text() == "mine"
    missing = CliRunner().invoke(cli, ["publish", str(out), "-d", str(tmp_path / "nope.db")])
    assert missing.exit_code == 1 and "no database at" in missing.output


def test_publish_overwrites_only_its_own_bundle(notes: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    first = CliRunner().invoke(cli, ["publish", str(out), "-d", str(notes)])
    assert first.exit_code == 0, first.output
    ak.open_store(out / "notes.db").close()  # served since: SQLite side files are still ours
    again = CliRunner().invoke(cli, ["publish", str(out), "-d", str(notes), "--overwrite"])
    assert again.exit_code == 0, again.output
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".site.")]  # no leftovers
    (out / "notes-by-hand.md").write_text("mine")
    added = CliRunner().invoke(cli, ["publish", str(out), "-d", str(notes), "--overwrite"])
    assert added.exit_code == 1 and "did not write (notes-by-hand.md)" in added.output
    assert (out / "notes-by-hand.md").read_text() == "mine"


@pytest.mark.parametrize("where", ["inside", "beside", "cwd", "parent", "home", "project"])
def test_publish_never_replaces_the_source_or_a_folder_above_it(
    where: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The store inside OUT, OUT = the store's folder, `.`, `..`, home, a project root: refused."""
    root = tmp_path / "proj"
    work = root / "work"
    work.mkdir(parents=True)
    (root / "pyproject.toml").write_text("[project]\n")
    monkeypatch.chdir(work)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    site = tmp_path / "site"
    db = work / "data" / "a.db" if where == "beside" else work / "a.db"
    db.parent.mkdir(parents=True, exist_ok=True)
    ak.open_store(db).close()
    if where == "inside":  # the bundle's own copy became someone's working store
        made = CliRunner().invoke(cli, ["publish", str(site), "-d", str(db)])
        assert made.exit_code == 0, made.output
        db = site / "a.db"
        ak.generate("keep me", count=1, store=(s := ak.open_store(db)), progress=False)
        s.close()
    out = {
        "inside": site,
        "beside": db.parent,
        "cwd": Path("."),
        "parent": Path(".."),
        "home": tmp_path / "home",
        "project": root,
    }[where]
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    res = CliRunner().invoke(cli, ["publish", str(out), "-d", str(db), "--overwrite"])
    assert res.exit_code == 1 and res.output.startswith("Error:"), res.output
    assert res.output.count("\n") == 1 and "refusing" in res.output, res.output
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


def test_get_follows_our_own_redirect(notes: Path) -> None:
    """Issue 18.12: a plain table search redirects to the ranked query; --get follows it."""
    found = _serve(notes, "--get", "/notes/prompts?_search=rain")
    assert found.exit_code == 0, found.output
    assert "relevance" in found.stdout and "search_prompts" in found.stdout
    missing = _serve(notes, "--get", "/notes/no_such_table")
    assert missing.exit_code == 1 and "GET /notes/no_such_table: HTTP 404" in missing.stderr
