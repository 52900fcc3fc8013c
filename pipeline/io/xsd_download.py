"""Download the official XSDs into a local directory laid out like Sarepta's ``skjema/`` tree.

Sources: Direktoratet for e-helse's Sarepta archive (the KITH/HIS message schemas and the W3C
signature schema MsgHead imports), OASIS (ebXML CPPA 2.0 and the XLink schema it imports) and
W3C (``xml.xsd``, the signature schema). ``--base-url`` replaces them all with one mirror laid
out like the result (``<base-url>/<path>``), e.g. an internal copy.

The originals import each other through remote URLs (``http://www.kith.no/xmlstds/kith.xsd``,
the W3C signature schema) or through relative names that do not resolve in the archive's
layout. Validation must never reach the network, so every ``schemaLocation`` that does not
resolve inside the downloaded set is pointed at the downloaded file of the same name: in the
importing file's own directory if it has one, else in ``felleskomponenter/`` or ``w3c/``. Only
those attribute values change; every other byte is as downloaded. An import that still cannot be
resolved stops the fetch.

Safety: only http(s) URLs (redirects too); a timeout and a size limit per file; each download is
parsed with the safe parser (no network, no entities, no DTD) and must be an ``xs:schema``; the
whole set must compile before it replaces the destination, atomically (``pipeline.io.atomic``).
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from lxml import etree

from pipeline import layout
from pipeline.errors import SchemaDirError, UsageError
from pipeline.i18n import _
from pipeline.io import atomic
from pipeline.render.xml import safe_parser
from pipeline.render.xsd import XS, SchemaSet

SAREPTA = "https://git.sarepta.ehelse.no/publisert/standarder/raw/master/skjema/"
TIMEOUT = 30.0
MAX_BYTES = 4 * 1024 * 1024
RECORD = layout.FETCHED
# Where a schemaLocation that does not resolve is looked for, after the importer's own directory.
SHARED_DIRS = ("felleskomponenter", "w3c")
IMPORTS = tuple(f"{{{XS}}}{name}" for name in ("import", "include", "redefine", "override"))


@dataclass(frozen=True)
class Source:
    path: str  # where it lands, relative to the destination
    url: str


SAREPTA_FILES = (
    "felleskomponenter/MsgHead-v1_2.xsd",
    "felleskomponenter/kith.xsd",
    "felleskomponenter/felleskomponent1.xsd",
    "felleskomponenter/kith-base64.xsd",
    "felleskomponenter/EPJ-cave-mv.xsd",
    "felleskomponenter/EPJ-journalnotat-mv.xsd",
    "felleskomponenter/EPJ-legemiddel-mv.xsd",
    "felleskomponenter/EPJ-meta.xsd",
    "w3c/xmldsig-core-schema.xsd",
    "applikasjonskvittering/AppRec-v1-2004-11-21.xsd",
    "applikasjonskvittering/AppRec-v1.1.xsd",
    "dialogmelding/2006-10-11/dialogmelding.xsd",
    "dialogmelding/2013-01-23/dialogmelding-v1.1.xsd",
    "epikrise/Epikrise-v1.1.xsd",
    "epikrise/Epikrise-v1.2.xsd",
    "svarrapport/svar-v13.xsd",
    "svarrapport/svar-v1.4.xsd",
    "plo/v1.6/poKomponent-v1.6.xsd",
    "plo/v1.6/Helseopplysninger-v1.6.xsd",
    "plo/v1.6/HelseopplysningerTilLege-v1.6.xsd",
    "plo/v1.6/Innleggelsesrapport-v1.6.xsd",
    "plo/v1.6/MedisinskeOpplysninger-v1.6.xsd",
    "plo/v1.6/OrienteringOmTjenestetilbud-v1.6.xsd",
    "plo/v1.6/Pasientlogistikk-v1.6.xsd",
    "plo/v1.6/TverrfagligEpikrise-v1.6.xsd",
)

# The CPPA schema and, at the locations its own imports name, what it imports.
OTHER = (
    Source("ebxml-cppa/cpp-cpa-2_0.xsd", "https://docs.oasis-open.org/ebxml-cppa/schema/cpp-cpa-2_0.xsd"),
    Source("ebxml-cppa/xlink.xsd", "https://www.oasis-open.org/committees/ebxml-msg/schema/xlink.xsd"),
    Source("ebxml-cppa/xmldsig-core-schema.xsd", "https://www.w3.org/TR/xmldsig-core/xmldsig-core-schema.xsd"),
    Source("ebxml-cppa/xml.xsd", "https://www.w3.org/2001/03/xml.xsd"),
)

SOURCES: tuple[Source, ...] = (*(Source(p, SAREPTA + p) for p in SAREPTA_FILES), *OTHER)


@dataclass(frozen=True)
class Rewrite:
    file: str
    old: str
    new: str


@dataclass(frozen=True)
class Fetched:
    dest: Path
    files: tuple[str, ...]
    rewrites: tuple[Rewrite, ...]


def _check_url(url: str) -> None:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(_("only http(s) URLs are fetched, not {url!r}").format(url=url))


def mirrored(base_url: str, sources: Iterable[Source] = SOURCES) -> tuple[Source, ...]:
    """The same files from one mirror laid out like the destination."""
    _check_url(base_url)
    base = base_url if base_url.endswith("/") else base_url + "/"
    return tuple(Source(s.path, urllib.parse.urljoin(base, s.path)) for s in sources)


class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: Any,
        newurl: str,
    ) -> urllib.request.Request | None:
        _check_url(newurl)
        if req.full_url.startswith("https:") and not newurl.startswith("https:"):
            raise UsageError(_("refusing a redirect from https to {newurl!r}").format(newurl=newurl))
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def download(url: str, *, timeout: float = TIMEOUT, limit: int = MAX_BYTES) -> bytes:
    _check_url(url)
    opener = urllib.request.build_opener(_HttpOnlyRedirects)
    request = urllib.request.Request(url, headers={"User-Agent": "oppkobling"})  # noqa: S310 (scheme checked above)
    try:
        with opener.open(request, timeout=timeout) as resp:
            data: bytes = resp.read(limit + 1)
    except urllib.error.HTTPError as exc:
        raise SchemaDirError(
            _("cannot fetch {url}: HTTP {code} {reason}").format(url=url, code=exc.code, reason=exc.reason)
        ) from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise SchemaDirError(_("cannot fetch {url}: {reason}").format(url=url, reason=reason)) from None
    if len(data) > limit:
        raise SchemaDirError(_("{url} is larger than {limit} bytes; refusing it").format(url=url, limit=limit))
    return data


def _parse(path: str, url: str, data: bytes) -> etree._Element:
    try:
        root = etree.fromstring(data, safe_parser())
    except etree.XMLSyntaxError as exc:
        raise SchemaDirError(_("{url} is not well-formed XML: {exc}").format(url=url, exc=exc)) from None
    if root.tag != f"{{{XS}}}schema":
        raise SchemaDirError(
            _("{url} is not an XML Schema (root element {tag!r}), expected for {path}").format(
                url=url, tag=root.tag, path=path
            )
        )
    return root


def _local_target(importer: str, location: str, present: set[str]) -> str:
    """The fetched file a schemaLocation of ``importer`` should point at (a relative path)."""
    parts = urllib.parse.urlsplit(location)
    here = posixpath.dirname(importer)
    if parts.scheme in ("http", "https"):
        name = posixpath.basename(parts.path)
    elif parts.scheme or location.startswith("/"):
        raise SchemaDirError(
            _("{importer} imports {location!r}: neither relative nor http(s); refusing it").format(
                importer=importer, location=location
            )
        )
    else:
        resolved = posixpath.normpath(posixpath.join(here, location))
        if resolved in present:
            return location
        name = posixpath.basename(location)
    for directory in (here, *SHARED_DIRS):
        candidate = posixpath.join(directory, name)
        if candidate in present:
            return posixpath.relpath(candidate, here or ".")
    raise SchemaDirError(
        _("{importer} imports {location!r}, which is not among the fetched schemas").format(
            importer=importer, location=location
        )
    )


def localise(path: str, data: bytes, root: etree._Element, present: set[str]) -> tuple[bytes, list[Rewrite]]:
    """Point every import of ``path`` at a fetched file, changing only schemaLocation values."""
    rewrites: list[Rewrite] = []
    for element in root.iter(*IMPORTS):
        location = element.get("schemaLocation")
        if not location:
            continue
        target = _local_target(path, location, present)
        if target == location or any(r.old == location for r in rewrites):
            continue
        pattern = re.compile(rb"(schemaLocation\s*=\s*)([\"'])" + re.escape(location.encode()) + rb"\2")
        replacement = rb"\g<1>\g<2>" + target.encode().replace(b"\\", b"\\\\") + rb"\g<2>"
        data, replaced = pattern.subn(replacement, data)
        if not replaced:
            raise SchemaDirError(
                _("cannot rewrite schemaLocation {location!r} in {path}").format(location=location, path=path)
            )
        rewrites.append(Rewrite(path, location, target))
    return data, rewrites


def _record(sources: Iterable[Source], downloaded: Mapping[str, bytes]) -> bytes:
    doc = {
        s.path: {"url": s.url, "sha256_as_downloaded": hashlib.sha256(downloaded[s.path]).hexdigest()}
        for s in sorted(sources, key=lambda s: s.path)
    }
    return (json.dumps(doc, indent=2, sort_keys=True) + "\n").encode("utf-8")


def fetch(
    dest: Path,
    *,
    sources: Iterable[Source] = SOURCES,
    timeout: float = TIMEOUT,
    limit: int = MAX_BYTES,
) -> Fetched:
    """Download, localise, verify and install the schemas at ``dest`` (replacing what was there
    only once the new set compiles)."""
    chosen = tuple(sources)
    for s in chosen:
        _check_url(s.url)
    downloaded = {s.path: download(s.url, timeout=timeout, limit=limit) for s in chosen}
    present = set(downloaded)
    localised: dict[str, bytes] = {}
    rewrites: list[Rewrite] = []
    for s in chosen:
        data, done = localise(s.path, downloaded[s.path], _parse(s.path, s.url, downloaded[s.path]), present)
        localised[s.path] = data
        rewrites.extend(done)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with atomic.locked(dest.with_name(f".{dest.name}.lock")):
        atomic.recover(dest)
        new = atomic.staging(dest)
        new.mkdir()
        try:
            for rel in sorted(localised):
                atomic.makedirs(new, posixpath.dirname(rel))
                atomic.write_file(new / rel, localised[rel])
            atomic.write_file(new / RECORD, _record(chosen, downloaded))
            atomic.fsync_tree(new)
            verify(new, sorted(localised))
            atomic.swap_in(dest)
        finally:
            if new.exists() or new.is_symlink():
                atomic.remove(new)
    return Fetched(dest, tuple(sorted(localised)), tuple(rewrites))


def verify(root: Path, paths: Iterable[str]) -> None:
    """Every schema compiles offline (raises SchemaDirError naming the first that does not)."""
    schemas = SchemaSet(root.resolve())
    for rel in paths:
        schemas.schema(rel)
