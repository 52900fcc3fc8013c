"""``oppkobling schema``: write the JSON Schemas generated from the models to schemas/."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable

from pipeline.cli import common
from pipeline.fixtures.schedule import schema_text as schedule_schema
from pipeline.model.models import MODELS, json_schema

NAME = "schema"
HELP = "write schemas/<name>.schema.json from the pydantic models (--check: compare only)"


def _model_schema(name: str) -> Callable[[], str]:
    return lambda: json.dumps(json_schema(MODELS[name]), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


# Every JSON Schema the project publishes, each rendered from its pydantic model.
SCHEMAS: dict[str, Callable[[], str]] = {
    **{name: _model_schema(name) for name in MODELS},
    "schedule": schedule_schema,
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--check", action="store_true", help="exit 1 if a committed schema is stale")
    common.add_root(parser)


def render(name: str) -> str:
    return SCHEMAS[name]()


def run(args: argparse.Namespace) -> int:
    root = common.root(args)
    stale = []
    for name in sorted(SCHEMAS):
        path = root / "schemas" / f"{name}.schema.json"
        text = render(name)
        current = path.read_text("utf-8") if path.exists() else None
        if current == text:
            continue
        stale.append(path.relative_to(root).as_posix())
        if not args.check:
            path.parent.mkdir(exist_ok=True)
            path.write_text(text, "utf-8")
    verb = "stale" if args.check else "written"
    for p in stale:
        common.emit(f"{p}: {verb}\n")
    if not stale:
        common.emit("schemas are up to date\n")
    return 1 if stale and args.check else 0
