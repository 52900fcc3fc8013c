"""``schema``: the JSON Schemas the project publishes, written from the pydantic models to schemas/
(or only compared with the committed ones)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from pipeline import layout


def _model_schema(name: str) -> Callable[[], str]:
    from pipeline.model.models import MODELS, json_schema

    return lambda: json.dumps(json_schema(MODELS[name]), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def published() -> dict[str, Callable[[], str]]:
    """Every JSON Schema the project publishes, each rendered from its pydantic model."""
    from pipeline.fixtures.schedule import schema_text
    from pipeline.model.models import MODELS

    return {**{name: _model_schema(name) for name in MODELS}, "schedule": schema_text}


def render(name: str) -> str:
    return published()[name]()


def schema(root: Path, *, check: bool) -> list[str]:
    """The schema files that were stale (and, unless ``check``, are now written)."""
    stale = []
    for name, text_of in sorted(published().items()):
        rel = layout.json_schema_file(name)
        path = root / rel
        text = text_of()
        current = path.read_text("utf-8") if path.exists() else None
        if current == text:
            continue
        stale.append(rel)
        if not check:
            path.parent.mkdir(exist_ok=True)
            path.write_text(text, "utf-8")
    return stale
