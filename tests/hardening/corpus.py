"""The corpus of bad declarations: ``tests/hardening/corpus/<rule-id>/<name>.yaml``.

Each file is one hostile or broken input, named for what it is. Its leading comments (or, for
a file that cannot hold a comment -- empty, binary, UTF-16 -- a sidecar ``<name>.case``) say
where it goes and what must be reported, in the directives of ``tests/rules/rulecases.py``::

    # case: billion laughs ...                      what it is
    # file: partners/kommuner/5035-stjordal.yaml    where the test places it (replacing the shipped file)
    # remove: partners/kommuner/5035-stjordal.yaml  (optional) shipped files to take away
    # expect: S1 error line 4 col 6                 the one finding of that rule in that file

and two of its own, for inputs that cannot be committed as they are:

    # pad-to: 1048577        the test pads the file with comment lines to this many bytes
    # link: outside          the test writes the content outside the repository and places a
                             symbolic link at ``file`` (outside, outside-directory, dangling, loop)

Every case is checked on the pure core (cheap) and once through the CLI in a subprocess.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from rules.rulecases import _EXPECT, Case, Expect

from pipeline.findings import Severity

CORPUS = Path(__file__).resolve().parent / "corpus"
LINKS = ("outside", "outside-directory", "dangling", "loop")
_LINE = re.compile(r"^#\s*([a-z-]+):\s*(.*?)\s*$")


@dataclass(frozen=True)
class Bad:
    case: Case
    pad_to: int | None = None
    link: str | None = None

    @property
    def id(self) -> str:
        return f"{self.case.rule}/{self.case.name}"

    @property
    def content(self) -> bytes:
        return self.case.content

    @property
    def expect(self) -> Expect:
        (only,) = self.case.expects
        return only

    def place(self, root: Path, outside: Path) -> None:
        """Put the case into the repository at ``root``; ``outside`` is a directory beyond it."""
        for rel in self.case.removes:
            (root / rel).unlink()
        target = root / str(self.case.target)
        target.parent.mkdir(parents=True, exist_ok=True)
        if self.link is None:
            target.write_bytes(self.content)
        elif self.link == "outside":
            (outside / target.name).write_bytes(self.content)
            target.symlink_to(outside / target.name)
        elif self.link == "outside-directory":
            (outside / "kommuner").mkdir(exist_ok=True)
            (outside / "kommuner" / "5036-lenke.yaml").write_bytes(self.content)
            target.symlink_to(outside / "kommuner", target_is_directory=True)
        elif self.link == "dangling":
            target.symlink_to(outside / "does-not-exist.yaml")
        elif self.link == "loop":
            target.symlink_to(target.name)
        else:  # pragma: no cover - load() checks the value
            raise AssertionError(self.link)


def _directives(source: Path) -> list[tuple[str, str]]:
    sidecar = source.with_suffix(".case")
    raw = sidecar.read_bytes() if sidecar.is_file() else source.read_bytes()
    found = []
    for line in raw.split(b"\n"):
        if line.strip() and not line.startswith(b"#"):
            break
        m = _LINE.match(line.decode("utf-8", "replace"))
        if m:
            found.append((m[1], m[2]))
    return found


def load(source: Path) -> Bad:
    directives = _directives(source)
    one = dict(directives)
    target = one.get("file")
    assert target, f"{source}: '# file: ...' is missing"
    expects = []
    for key, text in directives:
        if key == "expect":
            m = _EXPECT.match(text)
            assert m, f"{source}: cannot read '# expect: {text}'"
            column = int(m["column"]) if m["column"] else None
            expects.append(Expect(m["rule"], Severity(m["severity"]), int(m["line"]), column, m["file"] or target))
    assert len(expects) == 1, f"{source}: a corpus case states exactly one expected finding"
    assert expects[0].severity is Severity.ERROR, f"{source}: a bad declaration must be an error"
    assert one.get("case"), f"{source}: say what the case is ('# case: ...')"
    link = one.get("link")
    assert link in (None, *LINKS), f"{source}: unknown link kind {link!r}"
    content = source.read_bytes()
    pad_to = int(one["pad-to"]) if "pad-to" in one else None
    if pad_to is not None:
        assert pad_to > len(content), f"{source}: pad-to smaller than the file"
        content += b"#" * (pad_to - len(content) - 1) + b"\n"
    case = Case(
        source=source,
        rule=source.parent.name,
        description=one["case"],
        content=content,
        target=target,
        removes=tuple(v for k, v in directives if k == "remove"),
        expects=tuple(expects),
    )
    return Bad(case, pad_to, link)


def corpus() -> list[Bad]:
    return [load(p) for p in sorted(CORPUS.glob("*/*.yaml"))]


# Machine-local state a run may touch beside generated/: the lock file and the result cache
# (both git-ignored). Everything else in the repository must stay as it was.
LOCAL_STATE = (".oppkobling.lock", ".oppkobling-cache")


def tree_digest(root: Path) -> dict[str, str]:
    """Everything in the repository except LOCAL_STATE: path -> a digest of what it is. A link
    is its target, a directory is 'dir', a file the sha256 of its bytes -- so any write,
    rename, new or removed entry shows as a difference."""
    found: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        for name in [*dirnames, *filenames]:
            path = Path(dirpath) / name
            rel = path.relative_to(root).as_posix()
            if rel.split("/")[0] in LOCAL_STATE:
                continue
            if path.is_symlink():
                found[rel] = f"link:{os.readlink(path)}"
            elif path.is_dir():
                found[rel] = "dir"
            else:
                found[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found
