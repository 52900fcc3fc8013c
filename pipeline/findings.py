"""Findings: what a rule says about a declaration. Plain values, sortable and serialisable
(``as_dict`` and ``from_dict`` are the one serialisation: the JSON report and the cache use it)."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass


class Severity(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Location:
    """A place in a declaration file: path relative to the repository root, 1-based line/column."""

    file: str
    line: int = 1
    column: int = 1

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: Severity
    location: Location
    message: str

    @property
    def file(self) -> str:
        return self.location.file

    @property
    def line(self) -> int:
        return self.location.line

    @property
    def column(self) -> int:
        return self.location.column

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.file, self.line, self.column, self.rule, self.message)

    def as_dict(self) -> dict[str, str | int]:
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "message": self.message,
        }

    @classmethod
    def from_dict(cls, doc: Mapping[str, object]) -> Finding:
        location = Location(str(doc["file"]), int(str(doc["line"])), int(str(doc["column"])))
        return cls(str(doc["rule"]), Severity(str(doc["severity"])), location, str(doc["message"]))


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(set(findings), key=Finding.sort_key)


def count(findings: Iterable[Finding]) -> dict[str, int]:
    result = {"error": 0, "warning": 0}
    for f in findings:
        result[f.severity.value] += 1
    return result


def has_errors(findings: Iterable[Finding], *, strict: bool = False) -> bool:
    return any(f.severity is Severity.ERROR or strict for f in findings)
