"""A declaration as ruamel.yaml's round-trip representation: loaded and dumped so that nothing but
an edit changes (comments, key order, quoting, indentation, line ends and a BOM are kept)."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

from pipeline.errors import EditError
from pipeline.i18n import _
from pipeline.model.loader import decode


@dataclass(frozen=True)
class Layout:
    """How a file indents, so re-emitting it changes nothing but the edit."""

    mapping: int = 2
    offset: int = 2
    newline: str = "\n"
    bom: bool = False

    @property
    def sequence(self) -> int:
        return self.offset + 2


_KEY_LINE = re.compile(r"^(?P<indent> *)[^\s#-][^#]*:\s*(#.*)?$")
_DASH_LINE = re.compile(r"^(?P<indent> *)- ")
_CONTENT = re.compile(r"^(?P<indent> *)[^\s#]")


def layout_of(raw: bytes) -> Layout:
    text = raw.decode("utf-8-sig", errors="replace").replace("\r\n", "\n")
    mapping, offset = 2, 2
    previous: re.Match[str] | None = None
    found_mapping = found_offset = False
    for line in text.split("\n"):
        content = _CONTENT.match(line)
        if not content:
            continue
        if previous is not None:
            parent = len(previous["indent"])
            dash = _DASH_LINE.match(line)
            if dash and not found_offset:
                offset, found_offset = len(dash["indent"]) - parent, True
            elif not dash and not found_mapping and len(content["indent"]) > parent:
                mapping, found_mapping = len(content["indent"]) - parent, True
        previous = _KEY_LINE.match(line)
    return Layout(
        mapping=max(mapping, 1),
        offset=max(offset, 0),
        newline="\r\n" if b"\r\n" in raw else "\n",
        bom=raw.startswith(b"\xef\xbb\xbf"),
    )


def _yaml(layout: Layout) -> YAML:
    yaml = YAML(typ="rt", pure=True)
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap a long line
    yaml.indent(mapping=layout.mapping, sequence=layout.sequence, offset=layout.offset)
    return yaml


def load_rt(raw: bytes) -> tuple[CommentedMap, Layout]:
    layout = layout_of(raw)
    doc = _yaml(layout).load(decode(raw))
    if not isinstance(doc, CommentedMap):
        raise EditError(_("the declaration is not a YAML mapping"))
    return doc, layout


def dump_rt(doc: CommentedMap, layout: Layout) -> bytes:
    out = io.StringIO()
    _yaml(layout).dump(doc, out)
    text = out.getvalue().replace("\n", layout.newline)
    return (b"\xef\xbb\xbf" if layout.bom else b"") + text.encode("utf-8")
