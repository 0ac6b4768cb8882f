"""The `alchemy` command line: one module per command group, attached in main.py."""

from .main import cli, main

__all__ = ["cli", "main"]
