"""The official XSDs, read from a configurable directory (never copied into the project).

The directory is laid out like Sarepta's ``skjema/`` tree (``felleskomponenter/``,
``epikrise/``, ``ebxml-cppa/``, ...), as in ``../shared/standards/xsd``. It is found from
``--xsd-dir``, then ``$OPPKOBLING_XSD_DIR``, then the user cache that
``oppkobling schemas fetch`` fills, then ``../shared/standards/xsd`` beside the repository (where
the regional shared data is checked out). Each schema (or schema combination) is compiled once.

Every parser here has network access and entity resolution off: schemas are data, and nothing
they reference may reach beyond the directory (an import or include that points elsewhere -- a
URL, or a path out of the directory -- is not loaded, and the schema is refused).
"""

from __future__ import annotations

import os
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

from pipeline import environment, layout
from pipeline.errors import SchemaDirError, XmlValidationError
from pipeline.i18n import _
from pipeline.render.xml import safe_parser

ENV = environment.XSD_DIR
XS = "http://www.w3.org/2001/XMLSchema"
# A file that must be present for the directory to count as the official set.
MARKERS = ("ebxml-cppa/cpp-cpa-2_0.xsd", "felleskomponenter/MsgHead-v1_2.xsd")


class _Contained(etree.Resolver):
    """Loads for schema imports and includes: only files inside ``root``; anything else is
    answered with an empty document and remembered, so the caller refuses the schema."""

    def __init__(self, root: Path) -> None:
        super().__init__()
        self.root = root.resolve()
        self.refused: list[str] = []

    def resolve(self, system_url: str, public_id: str, context: Any = None) -> Any:
        parts = urllib.parse.urlsplit(system_url)
        if parts.scheme in ("", "file") or len(parts.scheme) == 1:  # a path (a drive letter on Windows)
            local = urllib.request.url2pathname(parts.path) if parts.scheme == "file" else system_url
            if Path(local).resolve().is_relative_to(self.root):
                return None  # libxml2 loads it, with the parser's options
        self.refused.append(system_url)
        return self.resolve_string("", context, base_url=None)


def user_cache() -> Path:
    return layout.user_cache(os.environ.get(environment.XDG_CACHE_HOME)) / layout.XSD_CACHE


def beside(root: Path) -> Path:
    """``../shared/standards/xsd`` beside the repository at ``root``."""
    return root / layout.SHARED_XSD


def is_schema_dir(path: Path) -> bool:
    return all((path / m).is_file() for m in MARKERS)


def locate(explicit: Path | None = None, root: Path | None = None) -> SchemaSet | None:
    """The schema set to use, or None when none is configured (callers must say so plainly, and
    where they looked: ``looked_in``)."""
    configured = explicit or (Path(os.environ[ENV]) if os.environ.get(ENV) else None)
    if configured is not None:
        return SchemaSet.open(configured)
    for candidate in (user_cache(), *((beside(root),) if root is not None else ())):
        if is_schema_dir(candidate):
            return SchemaSet.open(candidate)
    return None


def looked_in(root: Path | None) -> list[str]:
    """Where ``locate`` looked when it found nothing, in its order, each with what was there."""
    places = [
        _("--xsd-dir (not given), ${env} (not set)").format(env=ENV),
        _("{cache} (the user cache 'oppkobling schemas fetch' fills: no schemas there)").format(cache=user_cache()),
    ]
    if root is not None:
        place = beside(root)
        there = _("no official schemas there") if place.is_dir() else _("not there")
        places.append(
            _("{shared} beside the repository ({place}: {there})").format(
                shared=layout.SHARED_XSD, place=place.resolve(), there=there
            )
        )
    return places


@dataclass
class SchemaSet:
    root: Path
    _compiled: dict[tuple[str, ...], etree.XMLSchema] = field(default_factory=dict, repr=False)

    @classmethod
    def open(cls, root: Path) -> SchemaSet:
        missing = [m for m in MARKERS if not (root / m).is_file()]
        if missing:
            raise SchemaDirError(
                _(
                    "{root} is not an official schema directory (missing {join}); point --xsd-dir or "
                    "${ENV} at a copy laid out like Sarepta's skjema/, or run 'oppkobling schemas "
                    "fetch'"
                ).format(root=root, join=", ".join(missing), ENV=ENV)
            )
        return cls(root.resolve())

    def path(self, relpath: str) -> Path:
        p = (self.root / relpath).resolve()
        if not p.is_relative_to(self.root) or not p.is_file():
            raise SchemaDirError(_("schema {relpath} not found in {root}").format(relpath=relpath, root=self.root))
        return p

    def schema(self, *relpaths: str) -> etree.XMLSchema:
        """One compiled schema for the given files. Several files (e.g. MsgHead and a payload,
        whose Content element is processContents="strict") are combined by a driver schema
        that imports each of them."""
        key = tuple(sorted(set(relpaths)))
        cached = self._compiled.get(key)
        if cached is not None:
            return cached
        contained = _Contained(self.root)
        parser = safe_parser()
        parser.resolvers.add(contained)
        try:
            if len(key) == 1:
                tree = etree.parse(str(self.path(key[0])), parser)
            else:
                # Parsed (not built) so that its imports go through the same contained parser.
                tree = etree.ElementTree(etree.fromstring(f'<xs:schema xmlns:xs="{XS}"/>', parser))
                driver = tree.getroot()
                for rel in key:
                    p = self.path(rel)
                    ns = etree.parse(str(p), safe_parser()).getroot().get("targetNamespace")
                    imp = etree.SubElement(driver, f"{{{XS}}}import", schemaLocation=p.as_uri())
                    if ns:
                        imp.set("namespace", ns)
            compiled = etree.XMLSchema(tree)
        except (etree.XMLSchemaParseError, etree.XMLSyntaxError) as exc:
            if contained.refused:
                raise self._outside(key, contained.refused) from None
            raise SchemaDirError(
                _("cannot compile {join} from {root}: {exc}").format(join=", ".join(key), root=self.root, exc=exc)
            ) from None
        if contained.refused:
            raise self._outside(key, contained.refused)
        self._compiled[key] = compiled
        return compiled

    def _outside(self, key: tuple[str, ...], refused: list[str]) -> SchemaDirError:
        return SchemaDirError(
            _(
                "{key} in {root} imports {refused}, outside the schema directory; refusing to load it (point "
                "imports at files in the directory, as 'oppkobling schemas fetch' does)"
            ).format(key=", ".join(key), root=self.root, refused=", ".join(sorted(set(refused))))
        )

    def validate(self, document: etree._Element | etree._ElementTree, *relpaths: str, what: str) -> None:
        """Raise XmlValidationError (never write the document) when it is not valid."""
        schema = self.schema(*relpaths)
        if not schema.validate(document):
            entries = [(e.line, e.message) for e in schema.error_log]  # type: ignore[attr-defined]
            errors = "; ".join(
                _("line {line}: {message}").format(line=line, message=message) for line, message in entries[:5]
            )
            raise XmlValidationError(
                _("{what} is not valid against {join}: {errors}").format(
                    what=what, join=", ".join(relpaths), errors=errors
                )
            )
