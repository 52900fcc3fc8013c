"""Every XML document the pipeline reads goes through ``pipeline.xsd.safe_parser``: no entity
expansion, no DTD loading, no network. Schema imports load only files inside the schema
directory: an ``http://`` import is never fetched, a path out of the directory is refused."""

from __future__ import annotations

import ast
import http.server
import io
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import REPO
from lxml import etree

from pipeline.agreements.index import state_changes
from pipeline.errors import SchemaDirError
from pipeline.io.xsd_download import _parse as parse_download
from pipeline.render.xml import safe_iterparse, safe_parser
from pipeline.render.xsd import MARKERS, XS, SchemaSet

PIPELINE = REPO / "pipeline"
# lxml calls that parse text or bytes, and the parser classes themselves.
PARSING = {"parse", "fromstring", "XML", "iterparse", "XMLID", "fromstringlist", "XMLDTDID", "parseid"}
PARSERS = {"XMLParser", "HTMLParser", "XMLPullParser", "HTMLPullParser", "ETCompatXMLParser"}


def _calls(path: Path) -> Iterator[tuple[int, str, ast.Call]]:
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            if isinstance(owner, ast.Name) and owner.id == "etree":
                yield node.lineno, node.func.attr, node


def _is_safe_parser(node: ast.expr, makers: frozenset[str] = frozenset()) -> bool:
    """``safe_parser()``, or a call of a function of the same module that makes its parser with
    ``safe_parser()`` (``pipeline.receipts.xmldoc`` keeps one per thread); no other parser can be
    made there, as ``etree.XMLParser`` outside ``render/xml.py`` is refused on its own."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and (node.func.id == "safe_parser" or node.func.id in makers)
    )


def _parser_makers(path: Path) -> frozenset[str]:
    """The module's functions whose body calls ``safe_parser()``."""
    return frozenset(
        node.name
        for node in ast.parse(path.read_text("utf-8")).body
        if isinstance(node, ast.FunctionDef)
        and any(
            isinstance(c, ast.Call) and isinstance(c.func, ast.Name) and c.func.id == "safe_parser"
            for c in ast.walk(node)
        )
    )


# safe_parser()'s options, which a streamed parse (lxml's iterparse takes no parser) must pass itself.
SAFE_OPTIONS = {"no_network": True, "resolve_entities": False, "load_dtd": False, "huge_tree": False}


def _passes_safe_options(call: ast.Call) -> bool:
    given = {k.arg: k.value for k in call.keywords}
    return None not in given and all(
        isinstance(given.get(name), ast.Constant) and given[name].value is value  # type: ignore[union-attr]
        for name, value in SAFE_OPTIONS.items()
    )


def test_every_xml_parse_in_the_pipeline_uses_the_safe_parser() -> None:
    unsafe = []
    for path in sorted(PIPELINE.rglob("*.py")):
        rel = path.relative_to(REPO).as_posix()
        makers = _parser_makers(path)
        for line, name, call in _calls(path):
            if name in PARSERS and rel != "pipeline/render/xml.py":
                unsafe.append(f"{rel}:{line}: etree.{name}(...) outside safe_parser")
            if name in PARSING:
                parser = (
                    call.args[1]
                    if len(call.args) > 1
                    else next((k.value for k in call.keywords if k.arg == "parser"), None)
                )
                # In render/xsd.py a parser built from safe_parser() is passed by name.
                named = isinstance(parser, ast.Name) and rel == "pipeline/render/xsd.py"
                if name == "iterparse" and rel == "pipeline/render/xml.py" and _passes_safe_options(call):
                    continue  # safe_iterparse
                if parser is None or not (_is_safe_parser(parser, makers) or named):
                    unsafe.append(f"{rel}:{line}: etree.{name}(...) without safe_parser()")
    assert not unsafe


def test_the_pipeline_uses_no_other_xml_parser() -> None:
    """The standard library's parsers (xml.etree, minidom, sax, expat) have their own entity rules."""
    banned = ("xml.etree", "xml.dom", "xml.sax", "xml.parsers", "xmlrpc")
    found = []
    for path in sorted(PIPELINE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            found += [f"{path.relative_to(REPO)}: {n}" for n in names if n.startswith(banned)]
    assert not found


# -- a loopback server that counts what anyone asks it for ------------------------------------


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []  # noqa: RUF012 (reset per server)

    def do_GET(self) -> None:
        self.hits.append(self.path)
        body = (
            b'<!ENTITY e "FETCHED-OVER-HTTP">'
            if self.path.endswith(".dtd")
            else f'<xs:schema xmlns:xs="{XS}" targetNamespace="urn:remote"><xs:element name="y"/></xs:schema>'.encode()
        )
        self.send_response(200)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[tuple[str, list[str]]]:
    hits: list[str] = []
    handler = type("Handler", (_Recorder,), {"hits": hits})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}", hits
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text("TOP-SECRET-CONTENT\n", "utf-8")
    return path


def _hostile(secret: Path, base: str) -> dict[str, bytes]:
    laughs = '<!ENTITY a "lollollollollollollollollollol">' + "".join(
        f'<!ENTITY {chr(98 + i)} "' + f"&{chr(97 + i)};" * 10 + '">' for i in range(9)
    )
    return {
        "external entity (file)": f'<!DOCTYPE x [<!ENTITY e SYSTEM "{secret.as_uri()}">]><x>&e;</x>'.encode(),
        "external entity (http)": f'<!DOCTYPE x [<!ENTITY e SYSTEM "{base}/e.txt">]><x>&e;</x>'.encode(),
        "external DTD": f'<!DOCTYPE x SYSTEM "{base}/external.dtd"><x>&e;</x>'.encode(),
        "parameter entity": f'<!DOCTYPE x [<!ENTITY % p SYSTEM "{base}/p.dtd"> %p;]><x>&e;</x>'.encode(),
        "billion laughs": f"<!DOCTYPE x [{laughs}]><x>&j;</x>".encode(),
        "billion laughs in an attribute": f'<!DOCTYPE x [{laughs}]><x a="&j;"/>'.encode(),
    }


def _expanded(data: bytes) -> bytes | None:
    """The document as parsed by the safe parser (None when the parser refuses it)."""
    try:
        return etree.tostring(etree.fromstring(data, safe_parser()))
    except etree.XMLSyntaxError:
        return None


def test_hostile_documents_are_neither_expanded_nor_fetched(secret: Path, server: tuple[str, list[str]]) -> None:
    base, hits = server
    for name, data in _hostile(secret, base).items():
        result = _expanded(data)
        if result is not None:
            assert b"TOP-SECRET" not in result, name
            assert b"FETCHED" not in result, name
            assert result.count(b"lol") <= 10, name  # entities left as references, never expanded
            assert len(result) < 4 * len(data), name
    assert hits == [], "the parser reached the network"


def test_a_served_partner_index_with_entities_is_read_without_expanding_them(
    secret: Path, server: tuple[str, list[str]]
) -> None:
    """The deploy target's files are user-supplied: reading its partner index expands nothing."""
    base, hits = server
    index = (
        f'<!DOCTYPE partner-index [<!ENTITY e SYSTEM "{secret.as_uri()}"><!ENTITY r SYSTEM "{base}/r">]>'
        '<partner-index><agreement cpaid="c1" state="active"><party her-id="1" name="x"/>&e;&r;</agreement>'
        "</partner-index>"
    ).encode()
    changes = state_changes(index, None)
    assert "TOP-SECRET" not in repr(changes)
    for data in _hostile(secret, base).values():
        state_changes(data, data)  # never raises, never fetches
    assert hits == []


def test_a_streamed_parse_expands_nothing_and_fetches_nothing(secret: Path, server: tuple[str, list[str]]) -> None:
    """``safe_iterparse`` (the partner index read back while it is validated) parses as
    ``safe_parser`` does, though lxml's iterparse takes no parser object."""
    base, hits = server
    for name, data in _hostile(secret, base).items():
        try:
            seen = [etree.tostring(e) for __, e in safe_iterparse(io.BytesIO(data), tag="*")]
        except etree.XMLSyntaxError:
            continue  # refusing is safe too
        result = b"".join(seen)
        assert b"TOP-SECRET" not in result, name
        assert b"FETCHED" not in result, name
    assert hits == [], "the streamed parse reached the network"


def test_a_downloaded_schema_with_an_external_entity_is_not_expanded(
    secret: Path, server: tuple[str, list[str]]
) -> None:
    base, hits = server
    data = (
        f'<!DOCTYPE xs:schema [<!ENTITY e SYSTEM "{secret.as_uri()}"><!ENTITY r SYSTEM "{base}/r">]>'
        f'<xs:schema xmlns:xs="{XS}"><xs:annotation><xs:documentation>&e;&r;</xs:documentation>'
        "</xs:annotation></xs:schema>"
    ).encode()
    root = parse_download("felleskomponenter/x.xsd", "https://example.invalid/x.xsd", data)
    assert b"TOP-SECRET" not in etree.tostring(root)
    assert hits == []


# -- schema imports ---------------------------------------------------------------------------


def _schema_dir(root: Path, importing: str) -> Path:
    """A minimal directory laid out like the official one whose CPA schema imports ``importing``."""
    for marker in MARKERS:
        (root / marker).parent.mkdir(parents=True, exist_ok=True)
    (root / MARKERS[1]).write_text(f'<xs:schema xmlns:xs="{XS}"/>', "utf-8")
    (root / MARKERS[0]).write_text(
        f'<xs:schema xmlns:xs="{XS}" xmlns:r="urn:remote" targetNamespace="urn:cpa">'
        f'<xs:import namespace="urn:remote" schemaLocation="{importing}"/>'
        '<xs:element name="cpa"><xs:complexType><xs:sequence><xs:element ref="r:y"/>'
        "</xs:sequence></xs:complexType></xs:element></xs:schema>",
        "utf-8",
    )
    return root


def test_a_schema_import_over_http_is_not_fetched(tmp_path: Path, server: tuple[str, list[str]]) -> None:
    base, hits = server
    schemas = SchemaSet.open(_schema_dir(tmp_path / "xsd", f"{base}/remote.xsd"))
    with pytest.raises(SchemaDirError, match="outside the schema directory"):
        schemas.schema(MARKERS[0])
    with pytest.raises(SchemaDirError, match="outside the schema directory"):
        schemas.schema(*MARKERS)  # a combination compiles through a driver schema: same rule
    assert hits == []


def test_a_schema_import_out_of_the_directory_is_refused(tmp_path: Path) -> None:
    (tmp_path / "elsewhere.xsd").write_text(
        f'<xs:schema xmlns:xs="{XS}" targetNamespace="urn:remote"><xs:element name="y"/></xs:schema>', "utf-8"
    )
    schemas = SchemaSet.open(_schema_dir(tmp_path / "xsd", "../../elsewhere.xsd"))
    with pytest.raises(SchemaDirError, match=r"elsewhere\.xsd, outside the schema directory"):
        schemas.schema(MARKERS[0])


def test_a_schema_import_inside_the_directory_is_loaded(tmp_path: Path) -> None:
    root = _schema_dir(tmp_path / "xsd", "remote.xsd")
    (root / "ebxml-cppa" / "remote.xsd").write_text(
        f'<xs:schema xmlns:xs="{XS}" targetNamespace="urn:remote"><xs:element name="y"/></xs:schema>', "utf-8"
    )
    schema = SchemaSet.open(root).schema(MARKERS[0])
    assert schema.validate(etree.fromstring(b'<c:cpa xmlns:c="urn:cpa" xmlns:r="urn:remote"><r:y/></c:cpa>'))


def test_the_official_schemas_still_compile(xsd: Path) -> None:
    schemas = SchemaSet.open(xsd)
    schemas.schema("ebxml-cppa/cpp-cpa-2_0.xsd")
    schemas.schema(*MARKERS)
