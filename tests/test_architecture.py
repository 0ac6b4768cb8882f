"""The package's shape, checked with `ast`: imports run one way, SQL only in store/, llm where it belongs.

docs/architecture.md states the rules; this test is what keeps them true. It parses every module of
alchemy_kit/ (imports inside functions included: a lazy upward import is still an upward import).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "alchemy_kit"

# Layer of each folder; a module may import its own folder and any folder of a lower layer.
# Folders on the same layer (store/models, notebook/datasette) must not import each other.
LAYERS: dict[str, int] = {
    "base": 0,  # errors, records, vocab, phases, runner
    "store": 1,
    "models": 1,
    "search": 2,
    "scoring": 3,
    "engine": 4,
    "notebook": 5,
    "datasette": 5,
    "cli": 6,
}
# The package root re-exports the public API lazily and `python -m alchemy_kit` runs the CLI.
# display.py is a deprecated alias of modules that moved to notebook/ (removed in the next release).
EXEMPT = {"__init__", "__main__", "display"}
SQL = re.compile(
    r"\b(SELECT\b[\s\S]+?\bFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM"
    r"|CREATE\s+(TEMP\s+|VIRTUAL\s+)?(TABLE|INDEX|TRIGGER)|DROP\s+TABLE|PRAGMA\s+\w+)\b"
)
MODEL_LIBS = {"llm", "onnxruntime"}
MODEL_LIB_FOLDERS = {"models", "search"}


@dataclass(frozen=True)
class Module:
    name: str  # dotted, e.g. alchemy_kit.store.store
    folder: str  # a key of LAYERS
    path: Path


def _modules() -> list[Module]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE)
        parts = rel.with_suffix("").parts
        folder = parts[0] if len(parts) > 1 else "base"
        name = ".".join(("alchemy_kit", *parts)).removesuffix(".__init__")
        found.append(Module(name, folder, path))
    return found


MODULES = _modules()


def _imports(mod: Module) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in the module, relative ones resolved."""
    tree = ast.parse(mod.path.read_text("utf-8"))
    package = mod.name if mod.path.name == "__init__.py" else mod.name.rsplit(".", 1)[0]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            # `from . import x` may name a submodule: count it as importing that submodule.
            if node.level and not node.module:
                out += [(node.lineno, f"{target}.{alias.name}") for alias in node.names]
            else:
                out.append((node.lineno, target))
    return out


def _folder_of(module_name: str) -> str | None:
    parts = module_name.split(".")
    if parts[0] != "alchemy_kit" or len(parts) == 1:
        return None
    return parts[1] if parts[1] in LAYERS else "base"


def test_every_folder_has_a_layer() -> None:
    folders = {m.folder for m in MODULES}
    assert folders <= set(LAYERS), folders - set(LAYERS)


@pytest.mark.parametrize("mod", MODULES, ids=lambda m: m.name)
def test_imports_run_one_way(mod: Module) -> None:
    if mod.path.stem in EXEMPT and mod.folder == "base":
        return
    mine = LAYERS[mod.folder]
    bad = []
    for line, target in _imports(mod):
        folder = _folder_of(target)
        if folder is None or folder == mod.folder:
            continue
        theirs = LAYERS[folder]
        if theirs >= mine:
            bad.append(f"line {line}: {mod.folder} imports {folder} ({target})")
    assert not bad, f"{mod.name}: upward or sideways import: {bad}"


@pytest.mark.parametrize("mod", MODULES, ids=lambda m: m.name)
def test_only_store_holds_sql(mod: Module) -> None:
    if mod.folder == "store":
        return
    tree = ast.parse(mod.path.read_text("utf-8"))
    docstrings = {
        id(n.body[0].value)
        for n in ast.walk(tree)
        if isinstance(n, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and n.body
        and isinstance(n.body[0], ast.Expr)
        and isinstance(n.body[0].value, ast.Constant)
    }
    found = [
        f"line {node.lineno}: {node.value[:60]!r}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
        and SQL.search(node.value)
    ]
    assert not found, f"SQL text outside store/ in {mod.name}: {found}"


@pytest.mark.parametrize("mod", MODULES, ids=lambda m: m.name)
def test_only_models_and_search_import_llm_and_onnxruntime(mod: Module) -> None:
    if mod.folder in MODEL_LIB_FOLDERS:
        return
    used = {t.split(".")[0] for _, t in _imports(mod)} & MODEL_LIBS
    assert not used, f"{mod.name} imports {used}: only models/ and search/ may"


def test_the_checker_sees_an_upward_import(tmp_path: Path) -> None:
    """A store module importing engine/ must be reported (the rule has teeth)."""
    path = tmp_path / "alchemy_kit" / "store" / "bad.py"
    path.parent.mkdir(parents=True)
    path.write_text("def f():\n    from ..engine.pipeline import generate\n    return generate\n")
    mod = Module("alchemy_kit.store.bad", "store", path)
    assert (2, "alchemy_kit.engine.pipeline") in _imports(mod)
    with pytest.raises(AssertionError, match="store imports engine"):
        test_imports_run_one_way(mod)


def test_modules_stay_under_600_lines() -> None:
    long = {
        str(m.path.relative_to(PACKAGE)): n
        for m in MODULES
        if (n := len(m.path.read_text("utf-8").splitlines())) > 600
    }
    assert not long, long
