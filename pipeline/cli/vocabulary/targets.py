"""The options that name a deploy target: the HF, the target and how to log in to an SFTP one."""

from __future__ import annotations

import argparse
from pathlib import Path

from pipeline import environment
from pipeline.cli.vocabulary.options import add_root


def add_target_options(parser: argparse.ArgumentParser, *, hf_required: bool = True) -> None:
    """Which HF, which of its deploy targets, and how to log in to an SFTP one."""
    parser.add_argument("--hf", required=hf_required, metavar="KEY", help="the helseforetak's key, e.g. st-olavs")
    parser.add_argument(
        "--target",
        metavar="TARGET",
        help="dir:PATH or sftp://USER@HOST:PORT/PATH (default: deploy.target in the HF's declaration)",
    )
    parser.add_argument(
        "--known-hosts",
        type=Path,
        metavar="FILE",
        help=f"known_hosts file holding the SFTP server's host key (default: ${environment.KNOWN_HOSTS}, "
        "then ~/.ssh/known_hosts); unknown hosts are refused",
    )
    parser.add_argument(
        "--identity",
        type=Path,
        metavar="FILE",
        help=f"private key for SFTP login (default: ${environment.SSH_KEY}); never a file inside the repository",
    )
    add_root(parser)


def add_break_lock(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--break-lock",
        action="store_true",
        help="remove the target's lock first (only when you know no deploy is running there)",
    )
