"""Shared fixtures: a temporary copy of the repository and a way to run the CLI in it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
# The tests read what oppkobling prints in English unless they choose a language themselves
# (tests/test_i18n.py does); every process they start inherits it.
os.environ.setdefault("OPPKOBLING_LANG", "en")
SHARED_XSD = REPO.parent / "shared" / "standards" / "xsd"
TODAY = "2026-11-26"


def xsd_dir() -> Path:
    """The official schemas. In CI they must be there: a missing directory fails, never skips."""
    configured = os.environ.get("OPPKOBLING_XSD_DIR")
    path = Path(configured) if configured else SHARED_XSD
    if not (path / "ebxml-cppa" / "cpp-cpa-2_0.xsd").is_file():
        message = f"official XSDs not found at {path} (set OPPKOBLING_XSD_DIR)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture
def xsd() -> Path:
    return xsd_dir()


@dataclass
class Result:
    code: int
    out: str
    err: str


@dataclass
class Repo:
    root: Path

    def run(self, *args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> Result:
        full_env = {**os.environ, **(env or {})}
        proc = subprocess.run(
            [sys.executable, "-m", "pipeline.cli", *args],
            cwd=cwd or self.root,
            env=full_env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        return Result(proc.returncode, proc.stdout, proc.stderr)

    def call(self, *args: str, cwd: Path | None = None) -> Result:
        """The CLI in this process (argument parsing, reading the tree, reporting, exit code)
        without an interpreter start per run. Any exception escapes to pytest: never a traceback."""
        import contextlib
        import io

        from pipeline.cli.main import main

        out, err = io.StringIO(), io.StringIO()
        with contextlib.chdir(cwd or self.root), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as exc:  # argparse: --help, usage errors
                code = exc.code if isinstance(exc.code, int) else 1
        return Result(code, out.getvalue(), err.getvalue())

    def path(self, rel: str) -> Path:
        return self.root / rel

    def write(self, rel: str, text: str) -> Path:
        p = self.root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, "utf-8")
        return p

    def edit(self, rel: str, old: str, new: str) -> None:
        p = self.root / rel
        text = p.read_text("utf-8")
        assert old in text, f"{old!r} not in {rel}"
        p.write_text(text.replace(old, new, 1), "utf-8")


def copy_repo(dest: Path) -> Path:
    for name in ("partners", "schemas"):
        shutil.copytree(REPO / name, dest / name)
    if (REPO / "generated").is_dir():
        shutil.copytree(REPO / "generated", dest / "generated")
    return dest


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[Repo]:
    yield Repo(copy_repo(tmp_path / "repo"))
