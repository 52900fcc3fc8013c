"""What generated/ must hold, taken from a remembered render when nothing changed: check and build
compare the disk with it without rendering, and still catch every touched file."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import TODAY, Repo

from pipeline.cli.main import main
from pipeline.io import cache
from pipeline.render import generators

KOMMUNE = "partners/kommuner/5001-trondheim.yaml"


@pytest.fixture(autouse=True)
def _private_secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    monkeypatch.delenv(cache.ENV, raising=False)


@pytest.fixture
def built(repo: Repo, xsd: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
    monkeypatch.setenv("OPPKOBLING_XSD_DIR", str(xsd))
    monkeypatch.chdir(repo.root)
    assert main(["build", "--today", TODAY]) == 0
    return repo


def no_rendering(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("rendered although nothing changed")

    monkeypatch.setattr(generators, "render", refuse)


def test_check_after_build_compares_without_rendering(built: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    no_rendering(monkeypatch)
    assert main(["check", "--today", TODAY]) == 0
    assert main(["check", "--today", TODAY]) == 0  # and again, now trusting settled stat


@pytest.mark.parametrize("how", ["edit", "delete", "extra"])
def test_a_touched_generated_tree_is_still_caught(
    built: Repo, how: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "--today", TODAY]) == 0
    gen = built.root / "generated"
    manifest = json.loads((gen / "MANIFEST.json").read_bytes())
    victim = gen / sorted(p for p in manifest["files"] if p.endswith(".xml"))[0]
    if how == "edit":
        info = victim.stat()
        victim.write_bytes(victim.read_bytes().replace(b"<", b" <", 1))
        os.utime(victim, ns=(info.st_atime_ns, info.st_mtime_ns))  # same mtime: the content tells
    elif how == "delete":
        victim.unlink()
    else:
        manifest["files"]["hf/extra.xml"] = "0" * 64  # owned by the manifest, no longer generated
        (gen / "hf").mkdir()
        (gen / "hf" / "extra.xml").write_bytes(b"<x/>")
        (gen / "MANIFEST.json").write_text(json.dumps(manifest))
    capsys.readouterr()
    no_rendering(monkeypatch)
    assert main(["check", "--today", TODAY]) == 1
    out = capsys.readouterr().out
    assert " L4 " in out
    assert (victim.relative_to(built.root).as_posix() in out) or how == "extra"


def test_build_with_nothing_changed_writes_and_renders_nothing(
    built: Repo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    before = {p: p.stat().st_mtime_ns for p in (built.root / "generated").rglob("*")}
    no_rendering(monkeypatch)
    capsys.readouterr()
    assert main(["build", "--today", TODAY]) == 0
    assert "generated/ already up to date: 0 added, 0 changed, 0 removed" in capsys.readouterr().out
    assert {p: p.stat().st_mtime_ns for p in (built.root / "generated").rglob("*")} == before


def test_build_repairs_a_hand_edited_file(built: Repo) -> None:
    gen = built.root / "generated"
    victim = next(p for p in sorted(gen.rglob("*.xml")))
    good = victim.read_bytes()
    victim.write_bytes(b"<edited/>")
    assert main(["build", "--today", TODAY]) == 0
    assert victim.read_bytes() == good
    assert main(["check", "--today", TODAY]) == 0


def test_an_edited_declaration_is_rendered_again(built: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    built.edit(KOMMUNE, "Legevakt & akuttmottak", "Legevakt og akuttmottak")
    capsys.readouterr()
    assert main(["check", "--today", TODAY]) == 1
    assert "stale" in capsys.readouterr().out
    assert main(["build", "--today", TODAY]) == 0
    assert main(["check", "--today", TODAY]) == 0
