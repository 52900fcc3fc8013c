"""The repository's own settings: ``[tool.oppkobling]`` in its ``pyproject.toml``.

- ``language``: the language of ``generated/`` (``nb``, the default, or ``en``). It is the
  repository's, never the person's, so the same declarations give the same bytes everywhere.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from pipeline import i18n, layout
from pipeline.errors import RepositoryError
from pipeline.i18n import _


def generated_language(root: Path) -> str:
    path = root / layout.PYPROJECT
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return i18n.DEFAULT
    except OSError as exc:
        raise RepositoryError(
            _("{path}: cannot read it: {value}").format(path=path, value=exc.strerror or exc)
        ) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise RepositoryError(f"{layout.PYPROJECT}: {exc}") from None
    tool = data.get("tool", {})
    value = tool.get("oppkobling", {}).get("language", i18n.DEFAULT) if isinstance(tool, dict) else i18n.DEFAULT
    if value not in i18n.LANGUAGES:
        raise RepositoryError(
            _(
                '{PYPROJECT}: [tool.oppkobling] language = {value!r}: write "nb" or "en" (the language of {GENERATED}/)'
            ).format(PYPROJECT=layout.PYPROJECT, value=value, GENERATED=layout.GENERATED)
        )
    return str(value)
