"""``oppkobling schema``: write the JSON Schemas generated from the models to schemas/."""

from __future__ import annotations

import argparse
import json

from pipeline.cli import common
from pipeline.models import MODELS, json_schema

NAME = "schema"
HELP = "write schemas/<name>.schema.json from the pydantic models (--check: compare only)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--check", action="store_true", help="exit 1 if a committed schema is stale")
    common.add_root(parser)


def render(name: str) -> str:
    return json.dumps(json_schema(MODELS[name]), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def run(args: argparse.Namespace) -> int:
    root = common.root(args)
    stale = []
    for name in sorted(MODELS):
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
