"""The minutes of the whole pull-request job (``.github/workflows/validate.yml``) on the national
synthetic repository, step by step, on this machine.

    python benchmarks/ci_job.py [--kommuner 357] [--parties 8] [--scale 1] [--out benchmarks/ci-job.md]

GitHub Actions cannot run here, so the job's steps are run as the workflow runs them, each a
fresh process, in the order of the workflow:

- a "national" repository: this commit's files with ``partners/`` replaced by
  ``benchmarks/synth.py``'s data and ``generated/`` built from it (the base commit), then a pull
  request that renames one party and rebuilds (what the author's pre-commit hook does);
- the ``gate`` job: clone the change (full history), clone the base's code, install it into a
  virtualenv of its own, ``check --root change --base BASE --format github``, and the summary's
  ``plan --format markdown``;
- the ``change`` job: clone, ``pip install -e '.[dev]'``, ``check --format github --base BASE``
  and the test suite (``pytest -n 2``). The tests assert on the shipped examples, so they run on
  a fresh clone of this repository beside ``../shared`` as ``.ci/run`` does; their time does not
  grow with ``partners/``.

Every step starts with an empty user cache (a fresh runner). Two things differ from GitHub, and
the report says so: ``oppkobling schemas fetch`` needs the internet, so the official XSDs come
from ``$OPPKOBLING_XSD_DIR`` (``../shared/standards/xsd``); and the two jobs run one after the
other here, where GitHub runs them side by side (the job's minutes are the longer of the two).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import run  # noqa: E402
import synth  # noqa: E402

TODAY = synth.TODAY.isoformat()


class Job:
    """The steps run so far, with their wall-clock seconds."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.steps: list[tuple[str, str, float]] = []

    def step(self, job: str, name: str, cmd: list[str], cwd: Path, *, ok: tuple[int, ...] = (0,)) -> None:
        with tempfile.TemporaryDirectory(prefix="ci-cache-") as cache:
            env = {**self.env, "XDG_CACHE_HOME": cache}
            started = time.perf_counter()
            done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, check=False)
            seconds = time.perf_counter() - started
        if done.returncode not in ok:
            tail = (done.stdout + done.stderr).decode("utf-8", "replace")[-3000:]
            raise SystemExit(f"{job} / {name}: exit {done.returncode}\n$ {' '.join(cmd)}\n{tail}")
        self.steps.append((job, name, seconds))
        print(f"  {job:<7} {name:<60} {seconds:8.1f} s", flush=True)

    def minutes(self, job: str) -> float:
        return sum(s for j, _, s in self.steps if j == job) / 60


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(cwd), *args], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def national(dest: Path, args: argparse.Namespace, env: dict[str, str]) -> tuple[str, dict[str, int]]:
    """This commit's files with national partners/ and their generated/: the base and one PR commit."""
    with tempfile.TemporaryDirectory() as tmp:
        archive = Path(tmp) / "head.tar"
        subprocess.run(["git", "-C", str(REPO), "archive", "-o", str(archive), "HEAD"], check=True)
        with tarfile.open(archive) as tar:
            tar.extractall(dest, filter="data")
    shutil.rmtree(dest / "partners")
    shutil.rmtree(dest / "generated", ignore_errors=True)
    counts = synth.generate(dest, kommuner=args.kommuner, parties=args.parties, scale=args.scale)
    build = [sys.executable, "-m", "pipeline", "build", "--root", str(dest)]
    subprocess.run(build, cwd=dest, env=env, capture_output=True, check=True)
    git(dest, "init", "-q", "-b", "main")
    git(dest, "add", "-A")
    git(dest, "-c", "user.name=bench", "-c", "user.email=bench@example.invalid", "commit", "-q", "-m", "base")
    base = git(dest, "rev-parse", "HEAD")
    rename = run.party_name(dest)
    assert callable(rename)
    rename()
    subprocess.run(build, cwd=dest, env=env, capture_output=True, check=True)
    git(dest, "add", "-A")
    git(dest, "-c", "user.name=bench", "-c", "user.email=bench@example.invalid", "commit", "-q", "-m", "rename a party")
    return base, counts


def report(job: Job, args: argparse.Namespace, counts: dict[str, int], seconds: float) -> str:
    head = git(REPO, "rev-parse", "--short", "HEAD")
    gate, change = job.minutes("gate"), job.minutes("change")
    lines = [
        "# The pull-request job's minutes",
        "",
        f"Commit {head}. `python benchmarks/ci_job.py {' '.join(args.argv)}`".rstrip()
        + f" on {dt.date.today()} ({seconds / 60:.1f} min in all, set-up included), on the machine of "
        "`benchmarks/results.md`.",
        f"National synthetic repository: {counts['kommuner']} kommuner, {counts['parties']} parties "
        f"(scale {args.scale}); the pull request renames one party; OPPKOBLING_TODAY={TODAY}.",
        "",
        "| job | step | seconds |",
        "|---|---|---|",
        *(f"| {j} | {n} | {s:.1f} |" for j, n, s in job.steps),
        "",
        f"- gate job: **{gate:.1f} min**; change job: **{change:.1f} min**.",
        f"- On GitHub the two jobs run side by side: the pull request waits **{max(gate, change):.1f} min** "
        f"(here, one after the other: {gate + change:.1f} min).",
        "- Not measured here: runner start-up, `actions/checkout` and `setup-python` (GitHub's own), and "
        "`oppkobling schemas fetch` (no internet here; the XSDs come from `$OPPKOBLING_XSD_DIR`).",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kommuner", type=int, default=357)
    ap.add_argument("--parties", type=int, default=8, help="parties per kommune at 1x")
    ap.add_argument("--scale", type=int, default=1)
    ap.add_argument("--out", type=Path, default=HERE / "ci-job.md")
    ap.add_argument("--skip-tests", action="store_true", help="leave out the test suite (a trial of this script)")
    args = ap.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    xsd = Path(os.environ.get("OPPKOBLING_XSD_DIR") or REPO.parent / "shared" / "standards" / "xsd").resolve()
    if not (xsd / "ebxml-cppa" / "cpp-cpa-2_0.xsd").is_file():
        raise SystemExit(f"official XSDs not found at {xsd}: set OPPKOBLING_XSD_DIR")
    env = {**os.environ, "OPPKOBLING_XSD_DIR": str(xsd), "OPPKOBLING_TODAY": TODAY, "PIP_NO_CACHE_DIR": "1"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("VIRTUAL_ENV", None)
    # The tests' clone stands beside ../shared, as CI's does; the rest is scratch.
    tests_clone = REPO.parent / f"{REPO.name}-ci-job"
    work = HERE / "work" / "ci-job"
    for old in (work, tests_clone):
        shutil.rmtree(old, ignore_errors=True)
    work.mkdir(parents=True)
    started = time.perf_counter()
    origin = work / "national"
    base, counts = national(origin, args, env)
    print(f"national repository: {counts['kommuner']} kommuner, {counts['parties']} parties", flush=True)
    job = Job(env)
    gate = work / "gate"
    gate.mkdir()
    job.step("gate", "clone the change (full history)", ["git", "clone", "-q", str(origin), "change"], gate)
    job.step("gate", "clone the base's code", ["git", "clone", "-q", str(origin), "trusted"], gate)
    job.step("gate", "  check out the base commit", ["git", "-C", "trusted", "checkout", "-q", base], gate)
    venv = gate / "trusted-venv"
    job.step("gate", "install the base's pipeline: python3 -m venv", ["python3", "-m", "venv", str(venv)], gate)
    job.step("gate", "  pip install ./trusted", [str(venv / "bin" / "pip"), "install", "-q", "./trusted"], gate)
    opp = str(venv / "bin" / "oppkobling")
    gated = [opp, "check", "--root", "change", "--base", base, "--format", "github"]
    job.step("gate", "the gate: check --root change --base BASE --format github", gated, gate)
    plan = [opp, "plan", "--root", "change", "--base", base, "--format", "markdown"]
    job.step("gate", "job summary: plan --root change --base BASE --format markdown", plan, gate)
    change = work / "change"
    job.step("change", "clone (full history)", ["git", "clone", "-q", str(origin), str(change)], work)
    job.step("change", "install: python3 -m venv .venv", ["python3", "-m", "venv", ".venv"], change)
    job.step("change", "  pip install -e '.[dev]'", [".venv/bin/pip", "install", "-q", "-e", ".[dev]"], change)
    check = [".venv/bin/oppkobling", "check", "--format", "github", "--base", base]
    job.step("change", "check --format github --base BASE", check, change)
    if args.skip_tests:
        job.steps.append(("change", "tests: NOT RUN (--skip-tests)", 0.0))
    else:
        clone = ["git", "clone", "-q", str(REPO), str(tests_clone)]
        job.step("change", "tests: clone this repository beside ../shared", clone, work)
        job.step("change", "  python3 -m venv .venv", ["python3", "-m", "venv", ".venv"], tests_clone)
        job.step("change", "  pip install -e '.[dev]'", [".venv/bin/pip", "install", "-q", "-e", ".[dev]"], tests_clone)
        job.env = {**{k: v for k, v in env.items() if k != "OPPKOBLING_TODAY"}, "CI": "true"}
        job.step(
            "change", "  test suite: pytest -n 2", [".venv/bin/python", "-m", "pytest", "-n", "2", "-q"], tests_clone
        )
        job.env = env
    text = report(job, args, counts, time.perf_counter() - started)
    shutil.rmtree(tests_clone, ignore_errors=True)
    shutil.rmtree(work, ignore_errors=True)
    args.out.write_text(text, "utf-8")
    print()
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
