"""A change to a tree of files: one type for every comparison oppkobling makes.

``generated/`` on disk against what the declarations generate (L4, check, build, deploy), the
render of a pull request's base against its head (the plan), and what a deploy target serves
against what it should (deploy, drift) are all the same question: which paths are added,
changed or removed between an old and a new tree. Trees are compared by content digests.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass


class Kind(enum.StrEnum):
    ADDED = "added"  # in the new tree only
    CHANGED = "changed"  # in both, with other content
    REMOVED = "removed"  # in the old tree only


@dataclass(frozen=True, order=True, slots=True)  # slots: a cold national build has 200k of them
class Change:
    path: str
    kind: Kind


def diff(old: Mapping[str, str], new: Mapping[str, str]) -> tuple[list[Change], int]:
    """How ``new`` differs from ``old`` (path -> digest), sorted by path, and how many are equal."""
    changes: list[Change] = []
    same = 0
    for path in sorted(old.keys() | new.keys()):
        if path not in old:
            changes.append(Change(path, Kind.ADDED))
        elif path not in new:
            changes.append(Change(path, Kind.REMOVED))
        elif old[path] != new[path]:
            changes.append(Change(path, Kind.CHANGED))
        else:
            same += 1
    return changes, same


def of(changes: list[Change], kind: Kind) -> list[Change]:
    return [c for c in changes if c.kind is kind]
