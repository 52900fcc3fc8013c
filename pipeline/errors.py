"""The one small error hierarchy. Findings about declarations are values, not exceptions;
these are for conditions that stop a command (usage, environment, I/O)."""

from __future__ import annotations


class OppkoblingError(Exception):
    """Base for every error the CLI turns into a message and an exit code."""

    exit_code = 1


class UsageError(OppkoblingError):
    """The command line itself is wrong (exit 2)."""

    exit_code = 2


class RepositoryError(OppkoblingError):
    """The repository layout is not what oppkobling expects (no partners/, unreadable file...)."""


class SchemaDirError(OppkoblingError):
    """The official XSD directory is missing or incomplete."""


class EditError(OppkoblingError):
    """An edit of a declaration cannot be made as asked (no such party, no such deviation...)."""


class XmlValidationError(OppkoblingError):
    """A document the pipeline built does not validate against its schema: a bug, never written."""


class LockError(OppkoblingError):
    """Another run holds the lock, or a stale lock was found."""


class DeployError(OppkoblingError):
    """A deploy target refused or failed an operation."""


class ArError(OppkoblingError):
    """NHN's address register (AR) refused, failed or did not answer, or its answer cannot become the
    snapshot under partners/ar/. One line, naming the URL or file, never the token (exit 1)."""


class DocumentError(OppkoblingError):
    """A document read from a file (a CPA or CPP, a data file) cannot be used; names file, line and rule."""

    def __init__(self, message: str, *, file: str, line: int | None, rule: str) -> None:
        self.message, self.file, self.line, self.rule = message, file, line, rule
        where = f"{file}:{line}" if line else file
        super().__init__(f"{where}: {message} [{rule}]")
