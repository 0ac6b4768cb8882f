"""Import decisions on awkward values: NaN, infinity, 64-bit overflow, CR line ends, deep JSON.

Each is refused in one line naming the file and line, and the database is left as it was; or, for a
\\r that is the stored text's own, kept so the round trip is exact.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import alchemy_kit as ak
from alchemy_kit.errors import ImportExportError
from alchemy_kit.store import Store, open_store
from alchemy_kit.store.transfer import export, import_


@pytest.fixture
def exported(tmp_path: Path) -> tuple[Store, Path]:
    store = open_store(tmp_path / "src.db")
    ak.generate(
        "Plan a team offsite\r\nfor twelve people",
        store=store,
        count=2,
        progress=False,
        embed=False,
    )
    return store, tmp_path


def _edit_jsonl(path: Path, n: int, raw: str, value: str) -> None:
    """Replace one field of line n with raw JSON text (NaN and 2**70 are not what json.dumps writes)."""
    lines = path.read_text().splitlines()
    row = json.loads(lines[n])
    row[raw] = "@@"
    lines[n] = json.dumps(row).replace('"@@"', value)
    path.write_text("\n".join(lines) + "\n")


def _refused(store: Store, dest: Path, *words: str) -> None:
    before = store.counts()
    with pytest.raises(ImportExportError) as info:
        import_(store, dest)
    message = str(info.value)
    assert "\n" not in message and all(w in message for w in words), message
    assert store.counts() == before


@pytest.mark.parametrize(
    ("column", "value", "word"),
    [
        ("score", "NaN", "not a finite number"),
        ("score", "Infinity", "not a finite number"),
        ("score", "-1e999", "not a finite number"),
        ("temperature", "1e400", "not a finite number"),
        ("actual_tokens", "1180591620717411303424", "does not fit a 64-bit integer"),
        ("max_tokens", "-9223372036854775809", "does not fit a 64-bit integer"),
        ("score", "1" + "0" * 400, "too large"),
    ],
)
def test_non_finite_and_huge_numbers_are_refused_in_jsonl(
    exported: tuple[Store, Path], column: str, value: str, word: str
) -> None:
    store, tmp = exported
    dest = tmp / "out"
    export(store, dest)
    _edit_jsonl(dest / "prompts.jsonl", 1, column, value)
    target = open_store(tmp / "target.db")
    _refused(target, dest, "prompts.jsonl:2", column, word)
    # The same into the source: refused, and the stored row is untouched (no NULL, no conflict).
    _refused(store, dest, "prompts.jsonl:2")


@pytest.mark.parametrize("value", ["nan", "inf", "-Infinity", "9223372036854775808"])
def test_non_finite_and_huge_numbers_are_refused_in_csv(
    exported: tuple[Store, Path], value: str
) -> None:
    store, tmp = exported
    dest = tmp / "out"
    export(store, dest, fmt="csv", tables=["metrics"])
    path = dest / "metrics.csv"
    lines = path.read_text().split("\n")
    header = lines[0].split(",")
    column = "value" if not value.isdigit() else "total_tokens"
    cells = lines[1].split(",")
    cells[header.index(column)] = value
    lines[1] = ",".join(cells)
    path.write_text("\n".join(lines))
    _refused(open_store(tmp / "target.db"), dest, "metrics.csv row 1", column)


def test_deep_json_in_a_row_or_a_json_column_is_one_line(exported: tuple[Store, Path]) -> None:
    store, tmp = exported
    for case, value in [
        ("nested row value", "[" * 50_000 + "]" * 50_000),
        ("JSON text in metadata", json.dumps("[" * 50_000 + "]" * 50_000)),
        ("JSON text 201 levels deep", json.dumps('{"b": ' + "[" * 200 + "]" * 200 + "}")),
    ]:
        dest = tmp / f"out-{len(value)}"
        export(store, dest, tables=["prompts", "prompt_requests"])
        _edit_jsonl(dest / "prompts.jsonl", 0, "metadata", value)
        try:
            _refused(open_store(tmp / "target.db"), dest, "prompts.jsonl:1")
        except AssertionError as exc:
            raise AssertionError(case) from exc


def test_deep_json_in_the_manifest_is_one_line(exported: tuple[Store, Path]) -> None:
    store, tmp = exported
    dest = tmp / "out"
    export(store, dest)
    (dest / "manifest.json").write_text("[" * 100_000 + "]" * 100_000)
    _refused(open_store(tmp / "target.db"), dest, "manifest.json", "nested")


def test_a_cr_of_the_text_round_trips_but_converted_line_ends_are_refused(
    exported: tuple[Store, Path],
) -> None:
    """Our CSV ends lines with \\n; \\r\\n line ends mean the file was converted after export."""
    store, tmp = exported
    dest = tmp / "out"
    export(store, dest, fmt="csv")
    fresh = open_store(tmp / "fresh.db")
    import_(fresh, dest)  # the idea's own \r\n survives the round trip
    assert [q.input for q in fresh.list_requests()] == [q.input for q in store.list_requests()]
    assert "\r\n" in fresh.list_requests()[0].input
    # unix2dos / git autocrlf: every \n becomes \r\n, inside quoted values too.
    for path in dest.glob("*.csv"):
        path.write_bytes(path.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
    target = open_store(tmp / "target.db")
    _refused(target, dest, "converted after export", "dos2unix")
    assert not any("\r" in p.content for p in target.list_prompts(limit=None))


def test_a_crlf_csv_without_line_breaks_in_values_is_read_as_is(
    exported: tuple[Store, Path],
) -> None:
    """A CSV from another tool (Excel writes \\r\\n) is fine while no value holds a \\r."""
    store, tmp = exported
    dest = tmp / "out"
    export(store, dest, fmt="csv", tables=["tags", "configurations"])
    for path in dest.glob("*.csv"):
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    target = open_store(tmp / "target.db")
    import_(target, dest)
    assert target.counts()["configurations"] == store.counts()["configurations"]


@pytest.mark.parametrize("how", ["file", "partition folder", "table folder", "to a FIFO"])
@pytest.mark.parametrize("manifest", [True, False], ids=["manifest", "no-manifest"])
def test_a_symlink_out_of_the_folder_is_refused_with_or_without_a_manifest(
    exported: tuple[Store, Path], how: str, manifest: bool
) -> None:
    """One containment rule: nothing outside the export folder is read, whatever leads there."""
    import os

    store, tmp = exported
    dest, outside = tmp / "out", tmp / "outside"
    export(store, dest, partition_by_date=how != "file")
    outside.mkdir()
    if how == "file":
        (outside / "secret.jsonl").write_text((dest / "tags.jsonl").read_text())
        (dest / "tags.jsonl").unlink()
        (dest / "tags.jsonl").symlink_to(outside / "secret.jsonl")
    elif how == "to a FIFO":
        os.mkfifo(outside / "pipe")
        part = next((dest / "tags").rglob("*.jsonl"))
        part.unlink()
        part.symlink_to(outside / "pipe")  # reading it would block forever
    else:
        folder = next((dest / "tags").iterdir()) if how == "partition folder" else dest / "tags"
        target = outside / folder.name
        folder.rename(target)
        folder.symlink_to(target, target_is_directory=True)
    if not manifest:
        (dest / "manifest.json").unlink()
    _refused(open_store(tmp / "target.db"), dest, "outside the export folder")


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_csv_and_parquet_refuse_a_value_over_their_bound_jsonl_carries_it(
    exported: tuple[Store, Path], fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Their readers hold a value several times over: beyond MAX_CELL_CHARS, one line (18.7)."""
    from alchemy_kit.store import transfer_files

    store, tmp = exported
    longest = max(len(p.content) for p in store.list_prompts(limit=None))
    with pytest.raises(ImportExportError, match=f"over the .* a {fmt.upper()} value may hold"):
        monkeypatch.setattr(transfer_files, "MAX_CELL_CHARS", longest - 1)
        export(store, tmp / "refused", fmt=fmt)
    assert not (tmp / "refused").exists()
    monkeypatch.undo()
    export(store, tmp / "out", fmt=fmt)
    monkeypatch.setattr(transfer_files, "MAX_CELL_CHARS", longest - 1)  # a file from elsewhere
    word = "CSV value may hold" if fmt == "csv" else "PARQUET value may hold"
    _refused(open_store(tmp / "target.db"), tmp / "out", word)
    export(store, tmp / "jsonl")  # JSONL has no such bound
    import_(open_store(tmp / "jsonl.db"), tmp / "jsonl")


@pytest.mark.parametrize("text", ["a\rb", "a\r\rb", "a\n\rb", 'a\r"q",b', "\\N\r"])
def test_a_lone_cr_in_any_text_round_trips_through_csv(tmp_path: Path, text: str) -> None:
    """Python 3.11's csv writer leaves a lone \\r unquoted with "\\n" line ends; ours quotes it."""
    store = open_store(tmp_path / "src.db")
    ak.generate(
        f"Plan a team offsite {text} for twelve people",
        store=store,
        count=1,
        progress=False,
        embed=False,
    )
    dest = tmp_path / "out"
    export(store, dest, fmt="csv")
    fresh = open_store(tmp_path / "fresh.db")
    import_(fresh, dest)
    assert [q.input for q in fresh.list_requests()] == [q.input for q in store.list_requests()]
    assert sorted(p.content for p in fresh.list_prompts(limit=None)) == sorted(
        p.content for p in store.list_prompts(limit=None)
    )
