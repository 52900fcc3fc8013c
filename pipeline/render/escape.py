"""Escaping, one helper per output language, so no declared name can inject markup:

- HTML (``status.html``, ``plan.md``): jinja2's autoescape (markupsafe), switched on per template
  in ``pipeline.render.templates``;
- Markdown: ``markdown_text`` for plain text anywhere in a Markdown document (``STATUS.md``,
  ``oppkobling status --format markdown``), and ``markdown_cell`` for text a template has
  already HTML-escaped, placed in a table cell (``plan.md``, which GitHub renders with entities);
- XML (agreements, test messages) through lxml, iCalendar through icalendar, e-mail through the
  standard library's ``email`` package, JSON through ``json``/``orjson``: their libraries escape.
"""

from __future__ import annotations

import re
from typing import Any

from pipeline.layout import printable

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def markdown_text(value: Any) -> str:
    """Text safe anywhere in Markdown, a table cell included: no markup, no HTML, no cell breaks."""
    text = printable("" if value is None else str(value))
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return " ".join(text.split())


def markdown_cell(value: object) -> str:
    """Already HTML-escaped text in a Markdown table cell: a pipe would end the cell, a newline the row."""
    return printable(str(value)).replace("|", "\\|")
