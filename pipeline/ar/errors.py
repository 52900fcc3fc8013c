"""The error of the AR edge: AR could not be read, or the snapshot could not be written.

A subclass of the project's one hierarchy (``pipeline.errors``), where it moves when issue 14 is
wired into the CLI. Its message is one line and never carries the token.
"""

from __future__ import annotations

from pipeline.errors import OppkoblingError


class ArError(OppkoblingError):
    """AR refused, failed or did not answer; or the answer cannot become the snapshot (exit 1)."""
