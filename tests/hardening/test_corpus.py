"""Every bad declaration of the corpus (``corpus.py``) is refused with a located finding, through
the pure core and through the CLI, without a traceback and without a single byte written.

Must show (issue 8): every corpus case exits 1 with ``file:line:col: error RULE``, prints no
traceback, and leaves ``generated/`` -- indeed the whole repository -- unchanged; a 1 KiB alias
bomb is refused in well under a second.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REPO, TODAY, Repo, Result, copy_repo
from rules.rulecases import Case, all_cases, check, run

from hardening.conftest import ForkCli
from hardening.corpus import CORPUS, Bad, corpus, tree_digest
from pipeline.io.partners import read_tree
from pipeline.model.declarations import DeclarationSet
from pipeline.model.loader import MAX_BYTES, LoadError, load_bytes
from pipeline.rules import s1_well_formed

BAD = corpus()
ON_DISK = [pytest.param(b, id=b.id) for b in BAD if b.link is None]
LINKED = [pytest.param(b, id=b.id) for b in BAD if b.link is not None]
# The S1/S2 cases of the rule tests are bad input too: they go through the CLI here as well.
RULE_CASES = [pytest.param(c, id=str(c)) for c in all_cases() if c.rule in ("S1", "S2") and not c.passing]

# What issue 8 lists, and the corpus files that stand for each (a missing file fails the test).
COVERAGE = {
    "YAML syntax errors": ("syntax-unclosed-flow-mapping", "syntax-unterminated-quote", "syntax-bad-indentation"),
    "tabs": ("tab-after-spaces-in-indentation", "tab-indenting-a-flow-continuation"),
    "duplicate keys": (
        "duplicate-key-nested",
        "duplicate-key-in-flow-mapping",
        "duplicate-her-id-quoted-and-unquoted",
    ),
    "anchors and alias bombs": (
        "alias-bomb-1kib",
        "alias-bomb-after-valid-content",
        "alias-without-anchor",
        "merge-key",
    ),
    "custom and python tags": (
        "python-tag-on-mapping",
        "tag-directive-to-python",
        "tag-looking-like-str",
        "local-tag-on-mapping",
        "hf-python-tag",
    ),
    "wrong types": ("her-id-quoted", "parties-not-a-list", "activation-is-a-date", "version-as-number"),
    "unknown keys": ("unknown-key-in-party", "unknown-key-in-hf"),
    "empty files": ("empty-zero-bytes", "empty-comments-only", "empty-document-markers", "empty-null-document"),
    "binary files": ("binary-nul-byte", "binary-png"),
    "non-UTF-8": ("non-utf8-latin-1", "non-utf8-utf-16", "non-utf8-encoded-surrogate", "non-utf8-overlong"),
    "files over the size limit": ("over-size-limit",),
    "deep nesting": ("deep-nesting-flow", "deep-nesting-block", "deep-nesting-flow-50k"),
    "very long strings": ("very-long-string", "very-long-key"),
    "names with markup characters": ("kommune-name-with-markup",),
    "control characters": ("control-character-escaped", "control-character-raw", "control-character-c1"),
    "bidirectional-override characters": ("bidi-override-in-party-name", "bidi-isolate-in-key", "bidi-mark-in-address"),
    "slugs with .. or /": ("slug-with-dot-dot", "slug-dot-dot-segment", "slug-with-slash", "hf-key-with-dot-dot"),
    "symlinks pointing outside": ("symlink-to-file-outside", "symlink-to-directory-outside"),
    "dates like 01.04.18 and 2027-02-30": ("date-dd-mm-yy", "date-february-30"),
    "times without an offset": ("time-without-offset-quoted", "time-without-offset-unquoted", "time-only"),
}
# A finding names the problem; it never echoes a whole hostile value back.
MAX_MESSAGE = 300


def test_the_corpus_covers_every_kind_of_bad_input_in_the_issue() -> None:
    names = {b.case.name for b in BAD}
    missing = {kind: [n for n in wanted if n not in names] for kind, wanted in COVERAGE.items()}
    assert not {k: v for k, v in missing.items() if v}


def test_no_committed_case_is_over_the_size_limit() -> None:
    """The oversized input is padded by the test; nothing near 1 MiB is committed."""
    assert max(p.stat().st_size for p in CORPUS.rglob("*")) < 64 * 1024


# -- the pure core: exact rule, severity, line and column ------------------------------------


@pytest.mark.parametrize("bad", ON_DISK)
def test_the_core_reports_the_case_where_it_is(bad: Bad) -> None:
    check(bad.case)


@pytest.mark.parametrize("bad", ON_DISK)
def test_messages_stay_short(bad: Bad) -> None:
    long = [f for f in run(bad.case) if len(f.message) > MAX_MESSAGE]
    assert not long, [f"{f.location} {f.message[:80]}... ({len(f.message)} chars)" for f in long]


def _minimal_repo(root: Path) -> None:
    shutil.copytree(REPO / "partners", root / "partners")


@pytest.mark.parametrize("bad", LINKED)
def test_links_are_refused_when_the_tree_is_read(bad: Bad, tmp_path: Path) -> None:
    root, outside = tmp_path / "repo", tmp_path / "outside"
    _minimal_repo(root)
    outside.mkdir()
    bad.place(root, outside)
    read = read_tree(root)
    files = read.files
    findings = list(s1_well_formed.from_loading(DeclarationSet(problems=read.problems())))
    assert [(f.rule, f.severity, f.file, f.line) for f in findings] == [
        (bad.expect.rule, bad.expect.severity, bad.expect.file, bad.expect.line)
    ]
    assert not any(p.startswith(str(bad.case.target)) for p in files), "nothing is read through the link"


@pytest.mark.parametrize("inside", [False, True], ids=["out-of-the-repository", "inside-it"])
def test_partners_itself_linked_is_refused_wherever_it_points(tmp_path: Path, inside: bool) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    elsewhere = (root / "decl") if inside else (tmp_path / "elsewhere")
    shutil.copytree(REPO / "partners", elsewhere)
    (root / "partners").symlink_to(elsewhere, target_is_directory=True)
    read = read_tree(root)
    assert read.files == {}
    findings = list(s1_well_formed.from_loading(DeclarationSet(problems=read.problems())))
    assert [(f.rule, f.file) for f in findings] == [("S1", "partners")]
    assert "symbolic link is refused" in findings[0].message


def test_a_named_pipe_is_refused_not_read(tmp_path: Path) -> None:
    """Reading a FIFO would block for ever: it is reported, never opened."""
    root = tmp_path / "repo"
    _minimal_repo(root)
    os.mkfifo(root / "partners" / "kommuner" / "5036-ror.yaml")
    read = read_tree(root)
    findings = list(s1_well_formed.from_loading(DeclarationSet(problems=read.problems())))
    assert [(f.rule, f.file) for f in findings] == [("S1", "partners/kommuner/5036-ror.yaml")]


# -- the CLI: exit 1, a located message, no traceback, nothing written -----------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped repository with generated/ built once (without XSDs: nothing here renders)."""
    root = copy_repo(tmp_path_factory.mktemp("built") / "repo")
    env = {**os.environ, "XDG_CACHE_HOME": str(root.parent / "empty-cache")}
    env.pop("OPPKOBLING_XSD_DIR", None)
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "generate", "--today", TODAY],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert len(list((root / "generated").rglob("*.xml"))) > 50
    return root


def _fresh(built: Path, tmp_path: Path) -> tuple[Repo, Path]:
    root = tmp_path / "repo"
    shutil.copytree(built, root, symlinks=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    return Repo(root), outside


def _located(text: str, file: str, line: int, column: int | None, rule: str) -> bool:
    col = str(column) if column is not None else r"\d+"
    return re.search(rf"^{re.escape(file)}:{line}:{col}: error {re.escape(rule)} \S", text, re.MULTILINE) is not None


def _assert_refused(result: Result, file: str, line: int, column: int | None, rule: str) -> None:
    code, out, err = result.code, result.out, result.err
    shown = f"exit {code}\n--- stdout\n{out}\n--- stderr\n{err}"
    assert code == 1, shown
    assert "Traceback" not in out + err and "internal error" not in err, shown
    assert _located(out, file, line, column, rule), f"no '{file}:{line}: error {rule}' in:\n{shown}"
    assert "nothing written to generated/" in err, shown


@pytest.mark.parametrize("bad", [*ON_DISK, *LINKED])
def test_build_and_generate_refuse_and_write_nothing(bad: Bad, built: Path, tmp_path: Path, fork_cli: ForkCli) -> None:
    repo, outside = _fresh(built, tmp_path)
    bad.place(repo.root, outside)
    before, outside_before = tree_digest(repo.root), tree_digest(outside)
    e = bad.expect
    # Each command in a process of its own; with OPPKOBLING_DEBUG a bug would print a traceback.
    for command in ("build", "generate"):
        result = fork_cli(repo.root, command, "--today", TODAY, env={"OPPKOBLING_DEBUG": "1"})
        _assert_refused(result, e.file, e.line, e.column, e.rule)
        assert tree_digest(repo.root) == before
    assert tree_digest(outside) == outside_before


REAL = ("S1/alias-bomb-1kib", "S1/python-tag-on-mapping", "S1/symlink-to-file-outside", "S1/non-utf8-latin-1")


@pytest.mark.parametrize("bad", [b for b in BAD if b.id in REAL], ids=lambda b: b.id)
def test_the_installed_command_refuses_them_the_same_way(bad: Bad, built: Path, tmp_path: Path) -> None:
    """A few cases through a fresh interpreter, ``python -m pipeline.cli``, as CI runs it: the fork
    server above is a faithful stand-in."""
    repo, outside = _fresh(built, tmp_path)
    bad.place(repo.root, outside)
    before = tree_digest(repo.root)
    e = bad.expect
    result = repo.run("build", "--today", TODAY, env={"OPPKOBLING_DEBUG": "1"})
    _assert_refused(result, e.file, e.line, e.column, e.rule)
    assert tree_digest(repo.root) == before
    assert not Path("/tmp/oppkobling-pwned").exists()


@pytest.mark.parametrize("case", RULE_CASES)
def test_the_rule_suites_bad_input_is_refused_by_the_cli_too(
    case: Case, built: Path, tmp_path: Path, fork_cli: ForkCli
) -> None:
    repo, _ = _fresh(built, tmp_path)
    for rel in case.removes:
        repo.path(rel).unlink()
    repo.path(str(case.target)).parent.mkdir(parents=True, exist_ok=True)
    repo.path(str(case.target)).write_bytes(case.content)
    before = tree_digest(repo.root)
    e = case.expects[0]
    result = fork_cli(repo.root, "build", "--today", TODAY, env={"OPPKOBLING_DEBUG": "1"})
    _assert_refused(result, e.file, e.line, e.column, e.rule)
    assert tree_digest(repo.root) == before


# -- the alias bomb ---------------------------------------------------------------------------

BOMB = CORPUS / "S1" / "alias-bomb-1kib.yaml"
TIMED = (
    "import sys, time\n"
    "from pipeline.cli.main import main\n"
    "start = time.perf_counter()\n"
    "code = main(sys.argv[1:])\n"
    "sys.stderr.write(f'elapsed {time.perf_counter() - start:.6f}\\n')\n"
    "sys.exit(code)\n"
)


def test_a_1_kib_alias_bomb_is_refused_at_its_first_anchor() -> None:
    """Refused at the first anchor (line 4), so none of the 10^15 aliases after it is even read."""
    raw = BOMB.read_bytes()
    assert 900 <= len(raw) <= 1100
    start = time.perf_counter()
    with pytest.raises(LoadError) as refused:
        load_bytes(raw)
    print(f"alias bomb ({len(raw)} bytes): refused by the loader in {(time.perf_counter() - start) * 1e3:.2f} ms")
    assert (refused.value.line, refused.value.column) == (4, 6)
    assert "anchor" in refused.value.message


def test_a_1_kib_alias_bomb_is_refused_in_well_under_a_second(built: Path, tmp_path: Path) -> None:
    repo, _ = _fresh(built, tmp_path)
    target = "partners/kommuner/5035-stjordal.yaml"
    repo.path(target).write_bytes(BOMB.read_bytes())
    wall = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", TIMED, "validate", target, "--today", TODAY],
        cwd=repo.root,
        capture_output=True,
        text=True,
        timeout=60,
    )
    wall = time.perf_counter() - wall
    assert proc.returncode == 1, proc.stderr
    assert f"{target}:4:6: error S1 anchor &a is not allowed" in proc.stdout
    reported = float(re.findall(r"^elapsed (\S+)$", proc.stderr, re.MULTILINE)[-1])
    print(f"alias bomb: validating the repository took {reported * 1000:.1f} ms in the process, {wall:.2f} s in all")
    # Loose on purpose (a busy CI machine); the figure is printed above and belongs in the report.
    assert reported < 5.0


def test_oversized_files_are_refused_before_they_are_parsed() -> None:
    big = b"a: " + b"x" * MAX_BYTES + b"\n"
    with pytest.raises(LoadError, match="limit is 1048576"):
        load_bytes(big)


def test_case_files_are_named_for_a_rule() -> None:
    from pipeline.rules import RULES

    assert {p.name for p in CORPUS.iterdir() if p.is_dir()} <= set(RULES)
