"""The ``oppkobling`` command line: one module per command (``NAME``, ``HELP``,
``add_arguments(parser)``, ``run(args) -> int``), dispatched by ``pipeline.cli.main``.

A command module parses its arguments, calls one use case (``pipeline.app``), hands the result to
a reporter (``pipeline.reporters``) and returns the exit code. Command modules import no other
command module; what they share is the vocabulary in ``pipeline.cli.vocabulary`` (options, value
types, stdout and stderr), named here so that a command says ``cli.add_today(parser)``.
"""

from __future__ import annotations

from pipeline.cli.vocabulary.console import emit, warn
from pipeline.cli.vocabulary.options import (
    KOMMUNE_HELP,
    add_base,
    add_day,
    add_format,
    add_kommune,
    add_root,
    add_today,
    add_xsd_dir,
)
from pipeline.cli.vocabulary.records import (
    add_dialog_times,
    add_party,
    add_party_fields,
    add_pretest_results,
    by_hand,
)
from pipeline.cli.vocabulary.targets import add_break_lock, add_target_options
from pipeline.cli.vocabulary.values import day, her_id, message_version, moment

__all__ = [
    "KOMMUNE_HELP",
    "add_base",
    "add_break_lock",
    "add_day",
    "add_dialog_times",
    "add_format",
    "add_kommune",
    "add_party",
    "add_party_fields",
    "add_pretest_results",
    "add_root",
    "add_target_options",
    "add_today",
    "add_xsd_dir",
    "by_hand",
    "day",
    "emit",
    "her_id",
    "message_version",
    "moment",
    "warn",
]
