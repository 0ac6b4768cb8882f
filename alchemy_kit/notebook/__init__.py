"""The notebook surface: the workbench widgets (`workbench`), the Altair charts (`charts`) and how
records and results look (`views`).

Importing this package loads neither ipywidgets nor Altair; `alchemy_kit.workbench` and the
modules below load them when first used. `%load_ext alchemy_kit.notebook` registers the views
with IPython (`import alchemy_kit` already does when IPython is running).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .workbench import Workbench, workbench


def load_ipython_extension(ip: Any) -> None:
    """`%load_ext alchemy_kit.notebook`: render records, summaries and results as tables."""
    from .views import register

    register(ip)


def __getattr__(name: str) -> Any:
    if name in ("workbench", "Workbench"):
        from . import workbench as module

        return getattr(module, name)
    raise AttributeError(f"module 'alchemy_kit.notebook' has no attribute {name!r}")


__all__ = ["Workbench", "load_ipython_extension", "workbench"]
