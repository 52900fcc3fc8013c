"""``oppkobling plan``: what this change does, per HF, for the pull request's reviewers."""

from __future__ import annotations

import argparse
import json

from pipeline.cli import common
from pipeline.generate import RenderContext, render_all
from pipeline.io.partners import read_revision
from pipeline.model.declarations import parse
from pipeline.plan import COMMENT_LIMIT, make_plan, render_markdown

NAME = "plan"
HELP = "show what this change does at each HF: agreements added/changed/removed, state changes, timelines"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--base", metavar="REF", default="HEAD", help="git revision to compare with (default: HEAD)")
    parser.add_argument("--format", choices=["markdown", "json"], default="markdown")
    parser.add_argument(
        "--max-chars",
        type=int,
        default=COMMENT_LIMIT,
        help=f"truncate markdown to this many characters, saying so (default {COMMENT_LIMIT}: a GitHub comment; "
        "a job summary allows 1 MiB)",
    )
    common.add_today(parser)
    common.add_ar_snapshot(parser)
    common.add_root(parser)


def run(args: argparse.Namespace) -> int:
    loaded = common.load(args, base_ref=args.base)
    base = loaded.base if loaded.base is not None else parse(read_revision(loaded.root, args.base))
    # In-memory renders for comparison only: schema validation is check's and build's job.
    plan = make_plan(
        base_ref=args.base,
        today=common.today(args),
        base=base,
        head=loaded.declarations,
        base_files=render_all(base, RenderContext(schemas=None)),
        head_files=render_all(loaded.declarations, RenderContext(schemas=None)),
        findings=loaded.findings,
    )
    if args.format == "json":
        common.emit(json.dumps(plan.as_dict(), indent=2, ensure_ascii=False) + "\n")
    else:
        common.emit(render_markdown(plan, limit=max(args.max_chars, 1000)))
    return 0
