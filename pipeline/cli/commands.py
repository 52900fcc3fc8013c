"""The table of commands, in the order ``--help`` lists them. Only the command named first on the
command line is imported, so a quick command does not pay for the imports of every other (SSH,
JSON Schema, lxml...)."""

from __future__ import annotations

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
    "deploy",
    "rollback",
    "drift",
)


def command(name: str) -> ModuleType:
    match name:
        case "validate":
            from pipeline.cli import validate

            return validate
        case "check":
            from pipeline.cli import check

            return check
        case "build":
            from pipeline.cli import build

            return build
        case "generate":
            from pipeline.cli import generate

            return generate
        case "plan":
            from pipeline.cli import plan

            return plan
        case "schema":
            from pipeline.cli import schema

            return schema
        case "schemas":
            from pipeline.cli import schemas

            return schemas
        case "timeline":
            from pipeline.cli import timeline

            return timeline
        case "status":
            from pipeline.cli import status

            return status
        case "order":
            from pipeline.cli import order

            return order
        case "new":
            from pipeline.cli import new

            return new
        case "record":
            from pipeline.cli import record

            return record
        case "deploy":
            from pipeline.cli import deploy

            return deploy
        case "rollback":
            from pipeline.cli import rollback

            return rollback
        case "drift":
            from pipeline.cli import drift

            return drift
    raise KeyError(name)
