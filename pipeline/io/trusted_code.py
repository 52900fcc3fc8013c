"""Running another revision's pipeline: the package as it is at a git revision (the base branch,
say), extracted into a temporary directory and run by this interpreter as a separate process,
so that a change cannot bring the rules that judge it.

Limits (README, SECURITY.md): the extracted code is ``pipeline/`` alone, run with this
interpreter and the third-party packages installed here (not the revision's own
``pyproject.toml``); what it reads is the work tree given with ``--root`` and git. The merge gate
in CI goes further and installs the base revision into a virtualenv of its own
(``.github/workflows/validate.yml``, job ``gate``). Git is run by ``pipeline.io.git`` only.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pipeline import layout
from pipeline.errors import RepositoryError, UsageError
from pipeline.i18n import _
from pipeline.io import git

TIMEOUT = 1800


@dataclass(frozen=True)
class Ran:
    code: int
    out: str
    err: str


def extract(root: Path, commit: str, dest: Path) -> int:
    """``pipeline/`` at ``commit`` into ``dest/pipeline/``; the number of files written. Only
    regular files: a link or a submodule in the package is refused."""
    try:
        entries = git.ls_tree(root, commit, layout.PACKAGE)
        content = git.blobs(root, [e.sha for e in entries if e.kind == b"blob" and not e.link])
    except git.GitError as exc:
        raise UsageError(
            _("cannot read {PACKAGE}/ at {commit}: {message}").format(
                PACKAGE=layout.PACKAGE, commit=commit, message=exc.message
            )
        ) from None
    count = 0
    for e in entries:
        if e.link or e.kind != b"blob" or not layout.is_safe_relative(e.path):
            raise RepositoryError(
                _("{path} at {commit} is not a plain file; refusing to run that code").format(
                    path=e.path, commit=commit
                )
            )
        target = dest / e.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content[e.sha])
        target.chmod(stat.S_IRUSR | stat.S_IWUSR)
        count += 1
    if not (dest / layout.PACKAGE / "__init__.py").is_file():
        raise UsageError(_("{commit} holds no {PACKAGE}/ package to run").format(commit=commit, PACKAGE=layout.PACKAGE))
    return count


def _env(code_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP")}
    env["PYTHONPATH"] = str(code_dir)
    env["PYTHONSAFEPATH"] = "1"  # the current directory is never put on sys.path
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def run(root: Path, commit: str, argv: list[str]) -> Ran:
    """``python -m pipeline.cli ARGV`` with ``pipeline/`` taken from ``commit``."""
    with tempfile.TemporaryDirectory(prefix="oppkobling-trusted-") as tmp:
        code_dir = Path(tmp)
        extract(root, commit, code_dir)
        env = _env(code_dir)
        try:
            where = subprocess.run(
                [sys.executable, "-c", "import pipeline; print(pipeline.__file__)"],
                env=env, capture_output=True, text=True, timeout=60, check=False,
            )  # fmt: skip
            if where.returncode != 0 or not Path(where.stdout.strip()).is_relative_to(code_dir):
                found = where.stdout.strip() or where.stderr.strip()
                raise RepositoryError(
                    _("the extracted code of {commit} would not be the one imported ({found})").format(
                        commit=commit, found=found
                    )
                )
            done = subprocess.run(
                [sys.executable, "-m", "pipeline.cli", *argv],
                env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False, cwd=tmp,
            )  # fmt: skip
        except (OSError, subprocess.SubprocessError) as exc:
            raise RepositoryError(_("cannot run the code of {commit}: {exc}").format(commit=commit, exc=exc)) from None
    return Ran(done.returncode, done.stdout, done.stderr)
