"""``oppkobling schemas fetch`` against a mirror on loopback (no internet): the official layout
comes back with remote and dangling imports rewritten to local paths, every schema compiles,
and a failed fetch leaves the destination as it was."""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.cli.main import main
from pipeline.errors import SchemaDirError, UsageError
from pipeline.io import xsd_download as schemas_fetch
from pipeline.io.xsd_download import Rewrite
from pipeline.render.xsd import SchemaSet, locate

# Put back the archives' original schemaLocations that the shared copy had to edit.
ORIGINAL = {
    "applikasjonskvittering/AppRec-v1.1.xsd": ("../felleskomponenter/kith.xsd", "http://www.kith.no/xmlstds/kith.xsd"),
    "felleskomponenter/MsgHead-v1_2.xsd": (
        "../w3c/xmldsig-core-schema.xsd",
        "http://www.w3.org/TR/xmldsig-core/xmldsig-core-schema.xsd",
    ),
    "dialogmelding/2006-10-11/dialogmelding.xsd": ("../../felleskomponenter/kith.xsd", "kith.xsd"),
    "ebxml-cppa/cpp-cpa-2_0.xsd": ("xlink.xsd", "http://www.oasis-open.org/committees/ebxml-msg/schema/xlink.xsd"),
}


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        redirects = {"/to-file": "file:///etc/passwd", "/to-ftp": "ftp://127.0.0.1/x.xsd"}
        if self.path in redirects:
            self.send_response(302)
            self.send_header("Location", redirects[self.path])
            self.end_headers()
            return
        super().do_GET()


@pytest.fixture
def mirror(tmp_path: Path, xsd: Path) -> Path:
    root = tmp_path / "mirror"
    shutil.copytree(xsd, root, ignore=shutil.ignore_patterns("*.md"))
    for rel, (local, original) in ORIGINAL.items():
        path = root / rel
        data = path.read_bytes()
        old = f'schemaLocation="{local}"'.encode()
        assert data.count(old) == 1, rel
        path.write_bytes(data.replace(old, f'schemaLocation="{original}"'.encode()))
    return root


@pytest.fixture
def server(mirror: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    handler = functools.partial(_Quiet, directory=str(mirror))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


def test_the_source_list_is_the_official_layout(xsd: Path) -> None:
    shipped = sorted(p.relative_to(xsd).as_posix() for p in xsd.rglob("*.xsd"))
    assert sorted(s.path for s in schemas_fetch.SOURCES) == shipped
    assert all(s.url.startswith("https://") for s in schemas_fetch.SOURCES)
    sarepta = [s for s in schemas_fetch.SOURCES if not s.path.startswith("ebxml-cppa/")]
    assert all(s.url == schemas_fetch.SAREPTA + s.path for s in sarepta)


def test_fetch_rewrites_imports_and_everything_compiles(server: str, tmp_path: Path, xsd: Path) -> None:
    dest = tmp_path / "cache" / "xsd"
    result = schemas_fetch.fetch(dest, sources=schemas_fetch.mirrored(server))
    assert set(result.rewrites) == {Rewrite(rel, original, local) for rel, (local, original) in ORIGINAL.items()}
    # Only the schemaLocation values changed: the result is byte for byte the curated copy.
    for rel in result.files:
        assert (dest / rel).read_bytes() == (xsd / rel).read_bytes(), rel
    assert len(result.files) == len(schemas_fetch.SOURCES)
    schemas = SchemaSet.open(dest)
    assert schemas.schema("ebxml-cppa/cpp-cpa-2_0.xsd") is not None
    assert schemas.schema("felleskomponenter/MsgHead-v1_2.xsd", "dialogmelding/2006-10-11/dialogmelding.xsd")
    record = (dest / schemas_fetch.RECORD).read_text("utf-8")
    assert server + "felleskomponenter/MsgHead-v1_2.xsd" in record


def test_cli_fills_the_user_cache_that_locate_then_finds(
    server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("OPPKOBLING_XSD_DIR", raising=False)
    assert locate() is None
    assert main(["schemas", "fetch", "--base-url", server]) == 0
    out = capsys.readouterr().out
    assert f"fetched {len(schemas_fetch.SOURCES)} schemas into {tmp_path / 'xdg' / 'oppkobling' / 'xsd'}" in out
    assert "4 import(s) rewritten" in out
    found = locate()
    assert found is not None and found.root == (tmp_path / "xdg" / "oppkobling" / "xsd").resolve()


def test_a_failed_fetch_leaves_the_destination_as_it_was(server: str, mirror: Path, tmp_path: Path) -> None:
    dest = tmp_path / "dest"
    schemas_fetch.fetch(dest, sources=schemas_fetch.mirrored(server))
    before = {p: p.read_bytes() for p in dest.rglob("*") if p.is_file()}
    (mirror / "epikrise" / "Epikrise-v1.2.xsd").unlink()
    with pytest.raises(SchemaDirError, match=r"Epikrise-v1\.2\.xsd: HTTP 404"):
        schemas_fetch.fetch(dest, sources=schemas_fetch.mirrored(server))
    assert {p: p.read_bytes() for p in dest.rglob("*") if p.is_file()} == before
    assert not (tmp_path / ".dest.new").exists()


def test_a_schema_that_does_not_compile_is_not_installed(server: str, mirror: Path, tmp_path: Path) -> None:
    path = mirror / "epikrise" / "Epikrise-v1.2.xsd"
    path.write_bytes(path.read_bytes().replace(b'type="kith:CS"', b'type="kith:NoSuchType"', 1))
    dest = tmp_path / "dest"
    with pytest.raises(SchemaDirError, match=r"cannot compile epikrise/Epikrise-v1\.2\.xsd"):
        schemas_fetch.fetch(dest, sources=schemas_fetch.mirrored(server))
    assert not dest.exists()


def test_an_unknown_remote_import_stops_the_fetch(server: str, mirror: Path, tmp_path: Path) -> None:
    path = mirror / "epikrise" / "Epikrise-v1.1.xsd"
    path.write_bytes(
        path.read_bytes().replace(b"../felleskomponenter/kith.xsd", b"http://example.org/somewhere/other.xsd")
    )
    with pytest.raises(SchemaDirError, match="not among the fetched schemas"):
        schemas_fetch.fetch(tmp_path / "dest", sources=schemas_fetch.mirrored(server))


def test_not_xml_or_not_a_schema_is_refused(server: str, mirror: Path, tmp_path: Path) -> None:
    (mirror / "w3c" / "xmldsig-core-schema.xsd").write_bytes(b"<html>not found</html>")
    with pytest.raises(SchemaDirError, match="is not an XML Schema"):
        schemas_fetch.fetch(tmp_path / "dest", sources=schemas_fetch.mirrored(server))


def test_size_limit(server: str, tmp_path: Path) -> None:
    with pytest.raises(SchemaDirError, match="larger than 100 bytes"):
        schemas_fetch.download(server + "felleskomponenter/kith.xsd", limit=100)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/x.xsd", "//example.org/x.xsd", "kith.xsd"])
def test_only_http_urls(url: str, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="only http"):
        schemas_fetch.download(url)
    with pytest.raises(UsageError, match="only http"):
        schemas_fetch.mirrored(url)


@pytest.mark.parametrize(("path", "error"), [("to-file", SchemaDirError), ("to-ftp", UsageError)])
def test_a_redirect_to_another_scheme_is_refused(server: str, path: str, error: type[Exception]) -> None:
    with pytest.raises(error, match=r"not allowed|only http"):
        schemas_fetch.download(server + path)


def test_unreachable_server_is_a_clear_error() -> None:
    with pytest.raises(SchemaDirError, match=r"cannot fetch http://127\.0\.0\.1:9/"):
        schemas_fetch.download("http://127.0.0.1:9/x.xsd", timeout=5)
