"""A real git history for the attack tests: the shipped repository committed on ``main``, pull
requests as branches with commits of their own, merges as GitHub would make them, and the gate
(``oppkobling check --base main``) run on any of them.

Commits are dated (author and committer) so the base revision's date is known: the gate dates
what a change adds from it (L6). ``today`` is the tests' fixed day."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from conftest import REPO, TODAY, Repo, Result

MAIN_DATE = f"{TODAY}T08:00:00+01:00"


@dataclass(frozen=True)
class Found:
    rule: str
    severity: str
    file: str
    line: int
    column: int
    message: str


@dataclass
class History:
    repo: Repo
    env: dict[str, str] = field(default_factory=dict)

    @property
    def root(self) -> Path:
        return self.repo.root

    def git(self, *args: str, date: str = MAIN_DATE) -> str:
        env = {**os.environ, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date, **self.env}
        done = subprocess.run(
            ["git", "-c", "user.name=Angriper", "-c", "user.email=a@example.invalid", "-c", "commit.gpgsign=false",
             "-c", "core.symlinks=true", *args],
            cwd=self.root, env=env, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert done.returncode == 0, f"git {' '.join(args)}: {done.stdout}{done.stderr}"
        return done.stdout

    def commit(self, message: str, *, date: str = MAIN_DATE) -> str:
        self.git("add", "-A", "--force", "--", ".", ":!.oppkobling-cache", ":!.oppkobling.lock")
        self.git("commit", "-q", "--allow-empty", "-m", message, date=date)
        return self.git("rev-parse", "HEAD").strip()

    def branch(self, name: str, start: str = "main") -> None:
        self.git("checkout", "-q", "-B", name, start)

    def merge(self, *branches: str, into: str = "main", date: str = MAIN_DATE) -> str:
        """Merge as GitHub's merge button (or its merge queue) would: a merge commit on ``into``."""
        self.git("checkout", "-q", into)
        self.git("merge", "-q", "--no-ff", "--no-edit", *branches, date=date)
        return self.git("rev-parse", "HEAD").strip()

    def build(self) -> Result:
        """What a coordinator runs before committing: generated/ made what the declarations say."""
        return self.repo.call("build", "--today", TODAY)

    def check(self, *args: str) -> tuple[Result, list[Found]]:
        """The gate, as CI runs it (``check --base main``), findings as JSON."""
        result = self.repo.call("check", "--today", TODAY, "--base", "main", "--format", "json", *args)
        return result, findings(result)

    def errors(self, *args: str) -> list[Found]:
        result, found = self.check(*args)
        errors = [f for f in found if f.severity == "error"]
        assert (result.code == 1) == bool(errors), (result.code, result.out, result.err)
        return errors

    def edit(self, rel: str, old: str, new: str, count: int = 1) -> None:
        path = self.root / rel
        text = path.read_text("utf-8")
        assert text.count(old) >= count, f"{old!r} not in {rel}"
        path.write_text(text.replace(old, new, count), "utf-8")

    def publish(self, *rels: str, only: tuple[int, ...] = ()) -> None:
        """Put the parties of these declarations (``only`` these HER-ids, when given) in the AR
        snapshot (``partners/ar/``), as ``ar sync`` finds them once published: R-K3 then judges the
        attack, not a party missing from AR."""
        from ar import make_example_snapshot as maker

        docs = [yaml.safe_load((self.root / rel).read_text("utf-8")) for rel in rels]
        chosen = [spec for spec in maker.specs([], docs, examples=False) if not only or spec.her_id in only]
        for path, content in maker.files_for(chosen, shared_key=True).items():
            target = self.root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)

    def line_of(self, rel: str, needle: str) -> int:
        lines = (self.root / rel).read_text("utf-8").splitlines()
        return next(i for i, line in enumerate(lines, 1) if needle in line)


def findings(result: Result) -> list[Found]:
    doc = json.loads(result.out)
    return [Found(f["rule"], f["severity"], f["file"], f["line"], f["column"], f["message"]) for f in doc["findings"]]


def shipped(dest: Path, *, with_code: bool = False) -> History:
    """The shipped repository (declarations, schemas, generated/; with the package and
    pyproject.toml when the attack is on the code) committed as ``main``."""
    dest.mkdir(parents=True)
    for name in ("partners", "schemas", "generated", *(("pipeline",) if with_code else ())):
        shutil.copytree(REPO / name, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
    if with_code:
        shutil.copy2(REPO / "pyproject.toml", dest / "pyproject.toml")
    (dest / ".gitignore").write_text(".oppkobling-cache/\n.oppkobling.lock\n", "utf-8")
    history = History(Repo(dest))
    history.git("init", "-q", "-b", "main")
    history.commit("the shipped declarations")
    return history
