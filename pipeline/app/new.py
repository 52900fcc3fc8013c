"""``new KOMMUNENR``: scaffold a declaration for a kommune from the kommune register."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pipeline import i18n, layout
from pipeline.app.record import existing_declaration
from pipeline.errors import RepositoryError, UsageError
from pipeline.i18n import _
from pipeline.io import atomic, settings
from pipeline.io.partners import read_tree
from pipeline.model.kommuner import KommuneEntry, register
from pipeline.model.scaffold import scaffold


@dataclass(frozen=True)
class Scaffolded:
    path: str
    entry: KommuneEntry


def new(root: Path, number: str) -> Scaffolded:
    wanted = number.strip()
    if not re.fullmatch(r"[0-9]{4}", wanted):
        raise UsageError(_("a kommunenummer is 4 digits, not {number!r}").format(number=number))
    entry = register().get(wanted)
    if entry is None:
        raise UsageError(
            _("{wanted} is not in the kommune register (pipeline/{KOMMUNE_REGISTER})").format(
                wanted=wanted, KOMMUNE_REGISTER=layout.KOMMUNE_REGISTER
            )
        )
    files = read_tree(root).files
    existing = existing_declaration(files, wanted)
    if existing is not None:
        raise RepositoryError(
            _("{existing} already declares kommune {wanted}: edit it (oppkobling record) instead").format(
                existing=existing, wanted=wanted
            )
        )
    with i18n.use(settings.generated_language(root)):  # a file of the repository: in its language
        path, text = scaffold(entry)
    target = root / path
    if target.exists():
        raise RepositoryError(_("{path} already exists").format(path=path))
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic.replace_file(target, text.encode("utf-8"))
    return Scaffolded(path, entry)
