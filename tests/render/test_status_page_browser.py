"""status.html in a real browser: headless Chromium (Debian's ``chromium``; ``.ci/run`` installs
it) loads the page from a file: URL as a coordinator would, shows every kommune, and leaves a
screenshot in test-artifacts/ for a person to look at."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
from pathlib import Path

import lxml.html
import pytest
from conftest import REPO

from pipeline.io.partners import read_tree
from pipeline.model.declarations import parse
from pipeline.render import status_page as status_board
from pipeline.render.context import RenderContext

ARTIFACTS = REPO / "test-artifacts"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
WIDTH, HEIGHT = 1400, 1000


def chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    message = "headless Chromium not found (Debian: apt-get install chromium)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def run_browser(browser: str, profile: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    command = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        *args,
    ]
    result = subprocess.run(command, capture_output=True, timeout=180)
    assert result.returncode == 0, result.stderr.decode(errors="replace")[-2000:]
    return result


def test_status_page_renders_every_kommune_in_chromium(tmp_path: Path) -> None:
    browser = chromium()
    decls = parse(read_tree(REPO).files)
    files = dict(status_board.render(decls, RenderContext(None)))
    page = tmp_path / "generated" / "status.html"
    page.parent.mkdir()
    page.write_bytes(files["status.html"])

    dom = run_browser(browser, tmp_path / "profile-dom", "--dump-dom", page.as_uri())
    doc = lxml.html.fromstring(dom.stdout)
    text = doc.text_content()
    names = [k.model.name for k in decls.kommuner]
    assert len(names) == 7
    for name in names:
        assert name in text, name
    assert len(doc.xpath("//svg//rect[contains(@class, 'bar')]")) == len(names)
    assert doc.xpath("//h1")[0].text_content() == "Onboarding status"

    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "status-page.png"
    shot.unlink(missing_ok=True)
    run_browser(
        browser, tmp_path / "profile-shot", f"--screenshot={shot}", f"--window-size={WIDTH},{HEIGHT}", page.as_uri()
    )
    data = shot.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    width, height = struct.unpack(">II", data[16:24])  # the IHDR chunk
    assert (width, height) == (WIDTH, HEIGHT)
    assert len(data) > 20_000  # a blank page compresses to a few kilobytes
