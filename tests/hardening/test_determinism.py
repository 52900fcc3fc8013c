"""``oppkobling generate`` writes the same bytes whatever the machine's time zone, locale, hash
seed, the order the declaration files were created in, their modification times and the day it
runs: three runs in subprocesses with different environments, compared byte for byte.

The locale is made to matter: the non-C runs call ``setlocale(LC_ALL, "")`` before the CLI (as
an embedding program or a library might), so any locale-dependent formatting (``%b``, ``{:n}``,
``str.upper`` under tr_TR) would show. Locales missing from the system are compiled into a
temporary LOCPATH with ``localedef`` when the locale sources are installed; the test says which
locales took effect.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import REPO

WRAPPER = (
    "import locale, sys\n"
    "if sys.argv[1] == 'setlocale':\n"
    "    try:\n"
    "        sys.stderr.write(f'locale: {locale.setlocale(locale.LC_ALL, \"\")}\\n')\n"
    "    except locale.Error:\n"
    "        sys.stderr.write('locale: unavailable\\n')\n"
    "from pipeline.cli.main import main\n"
    "sys.exit(main(sys.argv[2:]))\n"
)


@dataclass(frozen=True)
class Run:
    name: str
    env: dict[str, str]
    order: str  # how partners/ files are created: sorted, reversed, shuffled
    mtime: int  # seconds since the epoch given to every file
    today: str | None  # --today, or None for the real today

    @property
    def setlocale(self) -> bool:
        return self.env["LC_ALL"] != "C"


RUNS = (
    Run("UTC, C, hash seed 0", {"TZ": "UTC", "LANG": "C", "LC_ALL": "C", "PYTHONHASHSEED": "0"}, "sorted", 0, None),
    Run(
        "Pacific/Chatham, nb_NO, hash seed 12345",
        {"TZ": "Pacific/Chatham", "LANG": "nb_NO.UTF-8", "LC_ALL": "nb_NO.UTF-8", "PYTHONHASHSEED": "12345"},
        "reversed",
        946_684_800,
        "2027-06-01",
    ),
    Run(
        "Europe/Oslo, tr_TR, random hash seed",
        {"TZ": "Europe/Oslo", "LANG": "tr_TR.UTF-8", "LC_ALL": "tr_TR.UTF-8", "PYTHONHASHSEED": "random"},
        "shuffled",
        4_102_444_800,
        "2026-11-26",
    ),
)


@pytest.fixture(scope="module")
def locpath(tmp_path_factory: pytest.TempPathFactory) -> Path | None:
    """A LOCPATH holding the locales the runs need, when the system can compile them."""
    available = subprocess.run(["locale", "-a"], capture_output=True, text=True).stdout.lower().split()
    wanted = {r.env["LC_ALL"] for r in RUNS if r.setlocale}
    missing = [w for w in wanted if w.lower().replace("utf-8", "utf8") not in available]
    if not missing:
        return None
    if not shutil.which("localedef") or not Path("/usr/share/i18n/locales").is_dir():
        return None
    path = tmp_path_factory.mktemp("locales")
    for name in missing:
        base, charmap = name.split(".")
        subprocess.run(["localedef", "-i", base, "-f", charmap, str(path / name)], capture_output=True, check=False)
    return path


def _repo(root: Path, run: Run) -> None:
    sources = sorted(p for p in (REPO / "partners").rglob("*") if p.is_file())
    if run.order == "reversed":
        sources.reverse()
    elif run.order == "shuffled":
        random.Random(8).shuffle(sources)
    for src in sources:
        dst = root / src.relative_to(REPO)
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)
        os.utime(dst, (run.mtime, run.mtime))


def test_generate_is_byte_identical_across_environments(tmp_path: Path, locpath: Path | None) -> None:
    base_env = {k: v for k, v in os.environ.items() if not k.startswith(("OPPKOBLING_", "LC_", "LANG", "TZ"))}
    base_env["XDG_CACHE_HOME"] = str(tmp_path / "empty-cache")  # no XSDs: validation does not change bytes
    if locpath is not None:
        base_env["LOCPATH"] = str(locpath)
    procs = []
    for i, run in enumerate(RUNS):
        root = tmp_path / f"repo{i}"
        _repo(root, run)
        args = ["generate", *(["--today", run.today] if run.today else [])]
        mode = "setlocale" if run.setlocale else "plain"
        procs.append(
            subprocess.Popen(
                [sys.executable, "-c", WRAPPER, mode, *args],
                cwd=root,
                env={**base_env, **run.env},
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    trees, effective = [], {}
    for i, (run, proc) in enumerate(zip(RUNS, procs, strict=True)):
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, f"{run.name}:\n{out}\n{err}"
        assert "Traceback" not in err
        effective[run.name] = next((line[8:] for line in err.splitlines() if line.startswith("locale: ")), "C")
        gen = tmp_path / f"repo{i}" / "generated"
        trees.append({p.relative_to(gen).as_posix(): p.read_bytes() for p in sorted(gen.rglob("*")) if p.is_file()})
    print(f"locales in effect: {effective}")
    first = trees[0]
    assert len(first) > 100
    for run, other in zip(RUNS[1:], trees[1:], strict=True):
        assert other.keys() == first.keys(), run.name
        differing = sorted(p for p in first if first[p] != other[p])
        assert not differing, f"{run.name}: {differing[:10]}"
    unavailable = [name for name, loc in effective.items() if loc == "unavailable"]
    if unavailable:
        warnings.warn(f"locale not available, ran in C: {unavailable}", stacklevel=1)
