"""The table of commands, in the order ``--help`` lists them. Only the command named first on the
command line is imported, so a quick command does not pay for the imports of every other (SSH,
JSON Schema, lxml...)."""

from __future__ import annotations

import importlib
from types import ModuleType

COMMANDS: tuple[str, ...] = (
    "validate",
    "check",
    "build",
    "generate",
    "plan",
    "schema",
    "schemas",
    "timeline",
    "status",
    "order",
    "new",
    "record",
    "receipts",
    "deploy",
    "rollback",
    "drift",
    "agreements",
    "ar",
)


def command(name: str) -> ModuleType:
    """The command's module (``pipeline/cli/<name>.py``), imported now."""
    if name not in COMMANDS:
        raise KeyError(name)
    return importlib.import_module(f"{__package__}.{name}")
