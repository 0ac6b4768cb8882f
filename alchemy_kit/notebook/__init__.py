"""The notebook surface: the workbench widgets (`workbench`) and the Altair charts (`charts`).

Importing this package loads neither ipywidgets nor Altair; `alchemy_kit.workbench` and the
modules below load them when first used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .workbench import Workbench, workbench


def __getattr__(name: str) -> Any:
    if name in ("workbench", "Workbench"):
        from . import workbench as module

        return getattr(module, name)
    raise AttributeError(f"module 'alchemy_kit.notebook' has no attribute {name!r}")


__all__ = ["Workbench", "workbench"]
