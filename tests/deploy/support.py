"""Helpers the deploy tests share: the work tree, a target seen from the test, the SSH server."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HF = "st-olavs"
DEPLOY_COMMANDS = ("deploy", "rollback", "drift")
SSHD = Path("/usr/sbin/sshd")

V1 = {"cpa/a.xml": b"<a>1</a>\n", "cpa/b.xml": b"<b>1</b>\n", "index.txt": b"one\n"}
V2 = {"cpa/a.xml": b"<a>2</a>\n", "cpa/b.xml": b"<b>1</b>\n", "cpa/c.xml": b"<c>2</c>\n"}


def on_disk(root: Path) -> dict[str, str]:
    """generated/ as it is, path -> sha256: what a hand-made tree stands in for."""
    base = root / "generated"
    return {
        p.relative_to(base).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in base.rglob("*")
        if p.is_file()
    }


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=Test", "-c", "user.email=test@example.invalid", "-C", str(root), *args],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout


@dataclass
class Work:
    """A git work tree holding partners/ and generated/<hf>/."""

    root: Path

    def generate(self, files: dict[str, bytes], *, commit: bool = True) -> None:
        base = self.root / "generated" / HF
        if base.exists():
            shutil.rmtree(base)
        for rel, data in files.items():
            (base / rel).parent.mkdir(parents=True, exist_ok=True)
            (base / rel).write_bytes(data)
        if commit:
            git(self.root, "add", "-A")
            git(self.root, "commit", "-q", "-m", "regenerate")

    def head(self) -> str:
        return git(self.root, "rev-parse", "HEAD").strip()


@dataclass
class Result:
    code: int
    out: str
    err: str


Cli = Callable[..., Result]


@dataclass(frozen=True)
class Sshd:
    port: int
    user: str
    key: Path
    known_hosts: Path
    dir: Path

    def url(self, path: Path) -> str:
        return f"sftp://{self.user}@127.0.0.1:{self.port}{path}"


@dataclass
class Srv:
    """A deploy target seen from the test: the spec to pass, extra options, and its files on disk
    (the SFTP server is on loopback, so its directory is local too)."""

    spec: str
    path: Path
    options: tuple[str, ...]
    kind: str

    def current(self) -> str | None:
        cur = self.path / "current"
        if self.kind == "dir":
            return os.readlink(cur).removeprefix("releases/") if cur.is_symlink() else None
        return cur.read_text().strip() if cur.exists() else None

    def served(self) -> Path:
        release = self.current()
        assert release is not None
        return self.path / "releases" / release

    def served_files(self) -> dict[str, bytes]:
        base = self.served()
        return {
            p.relative_to(base).as_posix(): p.read_bytes()
            for p in sorted(base.rglob("*"))
            if p.is_file() and p.name != ".oppkobling-deploy.json"
        }

    def releases(self) -> list[str]:
        d = self.path / "releases"
        return sorted(p.name for p in d.iterdir()) if d.is_dir() else []
