"""In-process CLI runs with a tiny stand-in generator, so generate/check/build are tested on
their own: the real generators (agreements, fixtures, ...) have their own tests."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import TODAY, Repo

from pipeline.cli.main import main
from pipeline.model.declarations import DeclarationSet
from pipeline.render import generators
from pipeline.render.context import RenderContext, generated_by

HEADER = generated_by()  # in the language these tests render in


def tiny(declarations: DeclarationSet, context: RenderContext) -> Iterator[tuple[str, bytes]]:
    """One small file per kommune that changes whenever its status or a party's address does."""
    for k in declarations.kommuner:
        lines = [f"# {HEADER}", f"{k.model.name}: {k.model.status}"]
        lines += [f"{p.her_id} {p.edi_address}" for p in k.model.parties]
        yield f"kommuner/{k.model.kommune}.txt", ("\n".join(lines) + "\n").encode("utf-8")


@pytest.fixture(autouse=True)
def tiny_generator(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(generators, "GENERATORS", (generators.Generator("tiny", tiny),))


@pytest.fixture(autouse=True)
def without_real_generated(repo: Repo) -> None:
    """The repository's committed generated/ comes from the real generators; these tests start
    from no generated/ and the stand-in generator."""
    shutil.rmtree(repo.root / "generated", ignore_errors=True)


@pytest.fixture
def no_schemas(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Nothing configured: no flag, no environment variable, an empty user cache."""
    monkeypatch.delenv("OPPKOBLING_XSD_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "empty-cache"))


@dataclass
class Run:
    code: int
    out: str
    err: str


Cli = Callable[..., Run]


@pytest.fixture
def cli(repo: Repo, capsys: pytest.CaptureFixture[str]) -> Cli:
    """Run ``oppkobling <command> --root <repo> --today <TODAY> <args>`` in this process."""

    def run(command: str, *args: str) -> Run:
        capsys.readouterr()
        code = main([*command.split(), "--root", str(repo.root), "--today", TODAY, *args])
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


def snapshot(directory: Path) -> dict[str, bytes]:
    return {p.relative_to(directory).as_posix(): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}
