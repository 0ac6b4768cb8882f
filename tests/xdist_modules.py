"""How `make test` and `make check` share the tests between two pytest-xdist workers.

`--dist loadscope` hands out whole modules, so the tests of one module run in one process in file
order, as in a serial run: a module-scoped fixture (a filled store, a Dask LocalCluster, a
Datasette instance) is built once, and on one worker only. Two changes to xdist's own loadscope,
made by the scheduler below (tests/conftest.py registers it):

- the tests of SPLIT_MODULES go one by one to whichever worker is free: each re-runs a notebook in
  its own kernel and database, and together they are the longest module by far;
- the longest modules are handed out first (FIRST, then the other slow ones), so that the run does
  not end with one worker busy on a long module while the other waits. xdist would order modules
  by their number of tests instead.

(`--dist loadgroup` with an xdist_group mark per module would do the same, but pytest 9.2 ignores
the node-id suffix through which xdist 3.8 passes the groups: pytest-xdist issue 1386.)
"""

from __future__ import annotations

from typing import Any

import pytest

# Modules whose tests share nothing: each test runs wherever a worker is free.
SPLIT_MODULES = {"test_notebooks"}
# Handed out first, longest first (seconds on a quiet machine, from `--durations`).
FIRST = (
    "test_browser_check",  # 60 s: JupyterLab and Chromium
    "test_notebooks",  # 7 notebooks, 7-22 s each
    "test_datasette_browser",  # 25 s
    "test_readme",  # 20 s
    "test_smollm",  # 20 s: the real SmolLM2 model
)


def _module(nodeid: str) -> str:
    """`test_x` for the node id `tests/test_x.py::test_y[param]`."""
    return nodeid.split("::", 1)[0].rsplit("/", 1)[-1].removesuffix(".py")


def order(items: list[pytest.Item], slow_modules: set[str]) -> None:
    """Sort the items in place: FIRST's modules, then the other slow ones, then the rest (each
    module keeps its tests' order). xdist hands out modules in this order."""
    rank = {name: i for i, name in enumerate(FIRST)}

    def key(item: pytest.Item) -> int:
        module = item.path.stem
        return rank.get(module, len(FIRST) + (module not in slow_modules))

    items.sort(key=key)


class Plugin:
    """Supplies the scheduler for `--dist loadscope` (the controller process asks for it)."""

    @pytest.hookimpl(tryfirst=True)
    def pytest_xdist_make_scheduler(self, config: pytest.Config, log: Any) -> Any:
        """Our loadscope scheduler; other `--dist` modes keep xdist's own."""
        if config.getvalue("dist") != "loadscope":
            return None
        from xdist.scheduler import LoadScopeScheduling

        class ModuleScheduling(LoadScopeScheduling):
            """xdist's loadscope, with SPLIT_MODULES per test and the collection's order kept."""

            def __init__(self, config: pytest.Config, log: Any = None) -> None:
                super().__init__(config, log)
                # Keep the order `order()` gave the collection, instead of by number of tests.
                config.option.loadscopereorder = False

            def _split_scope(self, nodeid: str) -> str:
                if _module(nodeid) in SPLIT_MODULES:
                    return nodeid
                return nodeid.split("::", 1)[0]

        return ModuleScheduling(config, log)
