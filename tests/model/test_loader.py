"""Every bad input of issue 2 step 4, through `oppkobling validate` in a temporary repository:
exit 1, an S1 finding at file:line:col, no traceback, nothing executed, generated/ untouched.

Each input replaces the shipped Stjørdal declaration; the expected position is the offending
key or value in that file. Most runs are in-process (``Repo.call``); one run of all inputs
together, the python tags and the alias bomb run as real processes."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import REPO, TODAY, Repo

from pipeline.model.loader import MAX_BYTES, MAX_DEPTH

STJORDAL = "partners/kommuner/5035-stjordal.yaml"
SHIPPED = (REPO / STJORDAL).read_bytes()


def _replace(old: bytes, new: bytes) -> Callable[[bytes], bytes]:
    def change(text: bytes) -> bytes:
        assert text.count(old) == 1, old
        return text.replace(old, new)

    return change


def _deep(text: bytes) -> bytes:
    return text + b"deviations: " + b"[" * (MAX_DEPTH + 8) + b"]" * (MAX_DEPTH + 8) + b"\n"


def _oversized(text: bytes) -> bytes:
    return text + b"# " + b"x" * MAX_BYTES + b"\n"


# name -> (how the shipped file is changed, expected 1-based line and column of the S1 finding)
BAD: dict[str, tuple[Callable[[bytes], bytes], tuple[int, int]]] = {
    "yaml-syntax": (_replace(b"    edi_address: stjordal", b"   edi_address: stjordal"), (18, 4)),
    "tab-indentation": (_replace(b"  reference: HEMIT", b"\treference: HEMIT"), (14, 1)),
    "duplicate-key": (_replace(b"name: Stj\xc3\xb8rdal\n", b"name: Stj\xc3\xb8rdal\nname: Frosta\n"), (6, 1)),
    "anchor": (_replace(b'org_number: "939958851"', b'org_number: &org "939958851"'), (6, 13)),
    "alias": (_replace(b"    name: Stj\xc3\xb8rdal kommune", b"    name: *kommune"), (17, 11)),
    "custom-tag": (_replace(b"name: Stj\xc3\xb8rdal\n", b"name: !kommune Stj\xc3\xb8rdal\n"), (5, 7)),
    "over-1-mib": (_oversized, (1, 1)),
    "nesting-too-deep": (_deep, (24, len("deviations: ") + MAX_DEPTH)),
    "non-utf-8": (_replace(b"name: Stj\xc3\xb8rdal\n", b"name: Stj\xf8rdal\n"), (5, 10)),
    "nul-binary": (lambda _: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", (3, 1)),
    "empty": (lambda _: b"", (1, 1)),
    "two-documents": (lambda text: text + b'---\nkommune: "5036"\n', (24, 1)),
    "wrong-type": (_replace(b"her_id: 8170001", b'her_id: "8170001"'), (16, 13)),
    "unknown-key": (_replace(b"status: ordered ", b"telefon: 74840000\nstatus: ordered "), (8, 1)),
    "unquoted-kommunenummer": (_replace(b'kommune: "5035"', b"kommune: 5035"), (4, 10)),
}


def _tree(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def generated(repo: Repo) -> Callable[[], dict[str, str]]:
    """generated/ as it is now (a sentinel makes the check meaningful before anything is generated)."""
    repo.write("generated/SENTINEL.txt", "validate must not write here\n")
    before = _tree(repo.root / "generated")
    return lambda: before


def _s1(doc: dict[str, object], path: str) -> list[tuple[int, int]]:
    findings = doc["findings"]
    assert isinstance(findings, list)
    return [(f["line"], f["column"]) for f in findings if f["file"] == path and f["rule"] == "S1"]


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_input_is_a_located_s1_error(repo: Repo, generated: Callable[[], dict[str, str]], name: str) -> None:
    change, where = BAD[name]
    repo.path(STJORDAL).write_bytes(change(SHIPPED))
    result = repo.call("validate", "--today", TODAY, "--format", "json")
    assert result.code == 1, result.out + result.err
    assert "Traceback" not in result.out + result.err
    assert _s1(json.loads(result.out), STJORDAL) == [where]
    assert _tree(repo.root / "generated") == generated()


def _tag_payloads(marker: Path) -> dict[str, str]:
    """Tags that would create ``marker`` if anything from the YAML were constructed or run."""
    return {
        "apply-system": f'!!python/object/apply:os.system ["touch {marker}"]',
        "apply-subprocess": f'!!python/object/apply:subprocess.check_call [["touch", "{marker}"]]',
        "new-popen": f'!!python/object/new:subprocess.Popen [["touch", "{marker}"]]',
        "python-name": "!!python/name:os.system",
        "python-module": "!!python/module:os",
        "custom-local": f'!touch ["{marker}"]',
        "custom-global": f'!<tag:example.com,2026:touch> "{marker}"',
    }


def test_bad_inputs_together_in_one_process(
    repo: Repo, generated: Callable[[], dict[str, str]], tmp_path: Path
) -> None:
    """One real process over every bad file at once, plus python and custom tags that would
    create a marker file if executed: each file is reported where it breaks, one bad file
    neither hides nor crashes the others, and nothing from the YAML ran."""
    expected: dict[str, tuple[int, int]] = {}
    for name, (change, where) in BAD.items():
        expected[f"partners/kommuner/5035-{name}.yaml"] = where
        repo.path(f"partners/kommuner/5035-{name}.yaml").write_bytes(change(SHIPPED))
    marker = tmp_path / "executed"
    for name, tag in _tag_payloads(marker).items():
        path = f"partners/kommuner/5035-tag-{name}.yaml"
        repo.path(path).write_bytes(SHIPPED.replace(b"reference: HEMIT-4711", f"reference: {tag}".encode()))
        expected[path] = (14, 14)
    result = repo.run("validate", "--today", TODAY, "--format", "text")
    assert result.code == 1
    assert "Traceback" not in result.out + result.err
    for path, (line, col) in expected.items():
        assert f"{path}:{line}:{col}: error S1 " in result.out, path
    assert not marker.exists(), "a tag from YAML was executed"
    assert _tree(repo.root / "generated") == generated()


@pytest.mark.parametrize("name", sorted(_tag_payloads(Path("/nonexistent/marker"))))
def test_tags_are_refused_at_the_tag(repo: Repo, tmp_path: Path, name: str) -> None:
    marker = tmp_path / "executed"
    tag = _tag_payloads(marker)[name]
    repo.path(STJORDAL).write_bytes(SHIPPED.replace(b"reference: HEMIT-4711", f"reference: {tag}".encode()))
    result = repo.call("validate", "--today", TODAY, "--format", "json")
    assert result.code == 1
    assert _s1(json.loads(result.out), STJORDAL) == [(14, 14)]
    assert not marker.exists()


def test_bom_and_crlf_are_accepted(repo: Repo) -> None:
    repo.path(STJORDAL).write_bytes(b"\xef\xbb\xbf" + SHIPPED.replace(b"\n", b"\r\n"))
    result = repo.call("validate", "--today", TODAY, "--format", "json", STJORDAL)
    assert result.code == 0, result.out + result.err
    assert json.loads(result.out)["findings"] == []


def test_positions_under_bom_and_crlf_are_those_of_the_text(repo: Repo) -> None:
    changed = SHIPPED.replace(b"date: 2027-03-02", b"date: 2027-03-06")  # a Saturday
    repo.path(STJORDAL).write_bytes(b"\xef\xbb\xbf" + changed.replace(b"\n", b"\r\n"))
    result = repo.call("validate", "--today", TODAY, "--format", "json", STJORDAL)
    found = [(f["rule"], f["line"], f["column"]) for f in json.loads(result.out)["findings"]]
    assert found == [("R-K1", 10, 9)]


def test_alias_bomb_is_refused_without_expanding(repo: Repo, tmp_path: Path) -> None:
    """A 1 KiB billion laughs is refused at its first anchor. Time and
    memory are checked only loosely (speed belongs to benchmarks/): expanding it would take
    gigabytes, refusing it takes the interpreter's usual few dozen megabytes."""
    lines = ["l0: &l0 [" + ",".join(['"lol"'] * 10) + "]"]
    lines += [f"l{n}: &l{n} [" + ",".join([f"*l{n - 1}"] * 10) + "]" for n in range(1, 18)]
    bomb = ("\n".join(lines) + "\n").encode()  # 10^18 strings if expanded
    assert 900 < len(bomb) <= 1024
    repo.path(STJORDAL).write_bytes(bomb)
    out, err = tmp_path / "out", tmp_path / "err"
    with out.open("wb") as o, err.open("wb") as e:
        proc = subprocess.Popen(
            [sys.executable, "-m", "pipeline.cli", "validate", "--today", TODAY, "--format", "json"],
            cwd=repo.root,
            stdout=o,
            stderr=e,
        )
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            proc.returncode = 0  # reaped by wait4; keep Popen from waiting again
    assert os.waitstatus_to_exitcode(status) == 1
    text = out.read_text("utf-8")
    assert "Traceback" not in text + err.read_text("utf-8")
    assert _s1(json.loads(text), STJORDAL) == [(1, 5)]  # the first anchor, &l0
    assert usage.ru_utime + usage.ru_stime < 5.0
    assert usage.ru_maxrss < 512 * 1024  # KiB on Linux: far below any expansion
