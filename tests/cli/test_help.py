"""Help for every option says what it takes and in what format, and the options several commands
share are there wherever they make sense, named alike (issue 17)."""

from __future__ import annotations

import argparse
from collections.abc import Iterator

from pipeline.cli.main import build_parser

# Commands that evaluate the rules (so "today" matters) and read a repository.
DATED = {
    "validate",
    "check",
    "build",
    "generate",
    "plan",
    "timeline",
    "status",
    "order",
    "receipts import",
    "deploy",
    "rollback",
    "drift",
}


def commands(parser: argparse.ArgumentParser, name: str = "") -> Iterator[tuple[str, argparse.ArgumentParser]]:
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        yield name.strip(), parser
    for action in subs:
        for sub, child in action.choices.items():
            yield from commands(child, f"{name} {sub}")


def options(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    skip = (argparse._HelpAction, argparse._VersionAction, argparse._SubParsersAction)
    return [a for a in parser._actions if not isinstance(a, skip)]


def test_every_option_says_what_it_takes() -> None:
    missing = []
    for name, parser in commands(build_parser()):
        for action in options(parser):
            label = f"{name} {'/'.join(action.option_strings) or action.dest}"
            if not action.help or len(action.help) < 8:
                missing.append(f"{label}: no help")
            if action.nargs != 0 and action.metavar is None and action.choices is None:
                missing.append(f"{label}: no format (metavar)")
            if action.choices is not None and action.metavar is not None:
                listed = all(str(c) in action.help for c in action.choices) if action.help else False
                if not listed:
                    missing.append(f"{label}: its choices are not in its help")
    assert missing == []


def test_shared_options_are_named_alike_where_they_make_sense() -> None:
    found = dict(commands(build_parser()))
    for name in DATED | {n for n in found if n.startswith("record ")}:
        flags = {flag: a for a in options(found[name]) for flag in a.option_strings}
        assert "--today" in flags, name
        assert flags["--today"].metavar == "YYYY-MM-DD", name
        assert "--root" in flags, name
    for name, parser in found.items():
        for action in options(parser):
            if "--format" in action.option_strings:
                assert action.metavar == "FORMAT" and "output format" in (action.help or ""), name
