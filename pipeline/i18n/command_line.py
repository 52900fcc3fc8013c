"""The command line in the person's language: ``--lang`` on every parser, every help text
translated, and the list of help texts the catalog must hold (``pipeline.i18n.catalog``)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from pipeline.i18n import LANGUAGES, LanguageError, _, choose

LANG_HELP = (
    "language of what is printed: nb (Norwegian bokmål) or en (default: $OPPKOBLING_LANG, then the locale, then nb)"
)


def language(arguments: Sequence[str]) -> str | None:
    """The language of this run (--lang, $OPPKOBLING_LANG, the locale, nb); None, having said
    so, when the one asked for is unknown."""
    try:
        return choose(lang_flag(arguments))
    except LanguageError as exc:
        sys.stderr.write(_("oppkobling: error: {message}").format(message=exc) + "\n")
        return None


def finish(parser: argparse.ArgumentParser) -> None:
    argparse._ = _  # type: ignore[attr-defined]  # argparse's own words ("usage:", ...) through the catalog
    for each in parsers(parser):
        each.add_argument("--lang", choices=list(LANGUAGES), metavar="LANG", help=LANG_HELP)
    translate(parser)


def parsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    """The parser and every parser below it."""
    found = [parser]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in dict.fromkeys(action.choices.values()):
                found += parsers(child)
    return found


def help_texts(parser: argparse.ArgumentParser) -> list[str]:
    """Every text the help of the command line shows, as written (English): what the catalog
    must translate (``pipeline.i18n.catalog`` collects them from here)."""
    texts: list[str] = []
    for each in parsers(parser):
        texts += [each.description] if each.description else []
        for action in each._actions:
            texts += [action.help] if action.help and action.help != argparse.SUPPRESS else []
            if isinstance(action, argparse._SubParsersAction):
                texts += [a.help for a in action._choices_actions if a.help]
    return list(dict.fromkeys(texts))


def translate(parser: argparse.ArgumentParser) -> None:
    for each in parsers(parser):
        if each.description:
            each.description = _(each.description)
        for group in each._action_groups:  # "options", "positional arguments": named before finish()
            group.title = _(group.title) if group.title else group.title
        for action in each._actions:
            if action.help and action.help != argparse.SUPPRESS:
                action.help = _(action.help)
            if isinstance(action, argparse._SubParsersAction):
                for choice in action._choices_actions:
                    choice.help = _(choice.help) if choice.help else choice.help


def lang_flag(arguments: Sequence[str]) -> str | None:
    for i, a in enumerate(arguments):
        if a == "--lang" and i + 1 < len(arguments):
            return arguments[i + 1]
        if a.startswith("--lang="):
            return a.split("=", 1)[1]
    return None
