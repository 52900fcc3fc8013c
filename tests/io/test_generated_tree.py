"""pipeline.io.generated_tree: the one model of generated/ (what must be there, how the disk
differs) and its writer: generated/ is replaced whole or not at all, holds exactly what the
declarations generate, never writes outside itself, and runs are serialised."""

from __future__ import annotations

import hashlib
import json
import os
import sys
import threading
from pathlib import Path

import pytest

from pipeline.changes import Change, Kind
from pipeline.errors import LockError, RepositoryError
from pipeline.io import atomic, generated_tree
from pipeline.io.generated_tree import write
from pipeline.layout import MANIFEST
from pipeline.render.manifest import manifest


def tree(files: dict[str, bytes]) -> dict[str, bytes]:
    """A render as render_all returns it: the files plus their manifest."""
    return {**files, MANIFEST: manifest(files)}


def snapshot(directory: Path) -> dict[str, bytes | str]:
    """Every entry below ``directory``: file bytes, link targets, and directories."""
    result: dict[str, bytes | str] = {}
    for path in sorted(directory.rglob("*")):
        rel = path.relative_to(directory).as_posix()
        if path.is_symlink():
            result[rel] = f"-> {os.readlink(path)}"
        elif path.is_dir():
            result[rel] = "<dir>"
        elif path.is_fifo():
            result[rel] = "<fifo>"
        else:
            result[rel] = path.read_bytes()
    return result


def diff(root: Path, files: dict[str, bytes]) -> list[Change]:
    """How generated/ differs from a render, judged by the model."""
    return generated_tree.differences(root, {p: hashlib.sha256(c).hexdigest() for p, c in files.items()})[0]


V1 = tree({"hf-a/cpa/1.xml": b"<one/>\n", "hf-a/cpa/2.xml": b"<two/>\n", "hf-b/index.xml": b"<index/>\n"})
V2 = tree({"hf-a/cpa/1.xml": b"<one changed/>\n", "hf-b/index.xml": b"<index/>\n", "hf-c/new.xml": b"<new/>\n"})


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "repo").mkdir()
    return tmp_path / "repo"


def gen(root: Path) -> Path:
    return root / "generated"


def test_first_write_creates_the_tree_and_its_manifest(root: Path) -> None:
    summary = write(root, V1)
    assert snapshot(gen(root)) == {
        "MANIFEST.json": V1[MANIFEST],
        "hf-a": "<dir>",
        "hf-a/cpa": "<dir>",
        "hf-a/cpa/1.xml": b"<one/>\n",
        "hf-a/cpa/2.xml": b"<two/>\n",
        "hf-b": "<dir>",
        "hf-b/index.xml": b"<index/>\n",
    }
    assert summary.count(Kind.ADDED) == 4 and summary.unchanged == 0
    assert sorted(json.loads(V1[MANIFEST])["files"]) == ["hf-a/cpa/1.xml", "hf-a/cpa/2.xml", "hf-b/index.xml"]


def test_second_identical_write_touches_nothing(root: Path) -> None:
    write(root, V1)
    before = {p: p.stat().st_mtime_ns for p in gen(root).rglob("*")}
    inode = gen(root).stat().st_ino
    summary = write(root, V1)
    assert summary.changes == ()
    assert summary.unchanged == len(V1)
    assert "already up to date" in summary.line()
    assert {p: p.stat().st_mtime_ns for p in gen(root).rglob("*")} == before
    assert gen(root).stat().st_ino == inode  # not even swapped


def test_update_changes_adds_and_removes_through_the_manifest(root: Path) -> None:
    write(root, V1)
    assert diff(root, V2) == [
        Change(MANIFEST, Kind.CHANGED),
        Change("hf-a/cpa/1.xml", Kind.CHANGED),
        Change("hf-a/cpa/2.xml", Kind.REMOVED),
        Change("hf-c/new.xml", Kind.ADDED),
    ]
    summary = write(root, V2)
    assert (summary.count(Kind.ADDED), summary.count(Kind.CHANGED), summary.count(Kind.REMOVED)) == (1, 2, 1)
    assert summary.unchanged == 1
    on_disk = {k: v for k, v in snapshot(gen(root)).items() if v != "<dir>"}
    assert on_disk == V2
    assert diff(root, V2) == []
    assert not (root / ".generated.new").exists() and not (root / ".generated.old").exists()


def test_directories_emptied_by_a_removal_disappear(root: Path) -> None:
    write(root, tree({"gone/x.xml": b"x", "kept/y.xml": b"y"}))
    write(root, tree({"kept/y.xml": b"y"}))
    assert not (gen(root) / "gone").exists()


def test_files_the_declarations_do_not_generate_are_differences_and_dropped(root: Path) -> None:
    write(root, V1)
    (gen(root) / "README.txt").write_bytes(b"notes by a person\n")
    (gen(root) / "hf-a" / "cpa" / "local.xml").write_bytes(b"<mine/>")
    (gen(root) / "empty-by-hand").mkdir()
    (gen(root) / "hf-b" / "alias.xml").symlink_to("index.xml")
    # Written by hand or not, a file the declarations do not generate is not part of generated/.
    assert diff(root, V1) == [
        Change("README.txt", Kind.REMOVED),
        Change("hf-a/cpa/local.xml", Kind.REMOVED),
        Change("hf-b/alias.xml", Kind.REMOVED),
    ]
    summary = write(root, V2)
    assert summary.count(Kind.REMOVED) == 4  # the three above and hf-a/cpa/2.xml, no longer generated
    assert {k: v for k, v in snapshot(gen(root)).items() if v != "<dir>"} == V2
    assert not (gen(root) / "empty-by-hand").exists()


def test_a_damaged_manifest_is_stale_and_rewritten(root: Path) -> None:
    gen(root).mkdir()
    (gen(root) / "old.xml").write_bytes(b"written before the manifest existed")
    (gen(root) / MANIFEST).write_text("{ not json", "utf-8")
    assert diff(root, V1)[:2] == [Change(MANIFEST, Kind.CHANGED), Change("hf-a/cpa/1.xml", Kind.ADDED)]
    assert Change("old.xml", Kind.REMOVED) in diff(root, V1)
    write(root, V1)
    assert (gen(root) / MANIFEST).read_bytes() == V1[MANIFEST]
    assert diff(root, V1) == []


def test_a_hostile_manifest_cannot_delete_outside(root: Path, tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"keep me")
    gen(root).mkdir()
    (gen(root) / MANIFEST).write_text(json.dumps({"files": {"../../victim.txt": "0", "/etc/passwd": "0"}}), "utf-8")
    write(root, V1)
    assert victim.read_bytes() == b"keep me"


def test_a_file_in_the_way_of_a_generated_directory_is_replaced(root: Path) -> None:
    write(root, V1)
    (gen(root) / "hf-c").write_bytes(b"a file where the new tree needs a directory")
    assert Change("hf-c", Kind.REMOVED) in diff(root, V2)
    write(root, V2)
    assert (gen(root) / "hf-c" / "new.xml").read_bytes() == b"<new/>\n"


def test_a_directory_in_the_way_of_a_generated_file_is_a_stale_file(root: Path) -> None:
    write(root, V1)
    (gen(root) / "hf-b" / "index.xml").unlink()
    (gen(root) / "hf-b" / "index.xml").mkdir()
    assert diff(root, V1) == [Change("hf-b/index.xml", Kind.CHANGED)]
    write(root, V1)
    assert (gen(root) / "hf-b" / "index.xml").read_bytes() == b"<index/>\n"


def test_failure_mid_write_leaves_the_old_tree(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(root, V1)
    before = snapshot(gen(root))
    written = []
    real = atomic.write_file

    def failing(path: Path, content: bytes, mode: int = 0o644, *, sync: bool = True) -> None:
        if len(written) == 2:
            raise OSError(28, "No space left on device")
        written.append(path)
        real(path, content, mode, sync=sync)

    monkeypatch.setattr(atomic, "write_file", failing)
    with pytest.raises(RepositoryError, match=r"No space left on device.*nothing was changed"):
        write(root, V2)
    assert len(written) == 2  # the failure really came mid-tree
    assert snapshot(gen(root)) == before
    assert not (root / ".generated.new").exists()


def test_failure_at_the_swap_leaves_the_old_tree(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(root, V1)
    before = snapshot(gen(root))

    def broken(a: Path, b: Path) -> bool:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(atomic, "_exchange", broken)
    with pytest.raises(RepositoryError, match=r"Input/output error.*nothing was changed"):
        write(root, V2)
    assert snapshot(gen(root)) == before
    assert not (root / ".generated.new").exists()


def test_the_exchange_is_used_where_available(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("renameat2 is Linux only; elsewhere the fallback runs")
    write(root, V1)
    calls = []
    real = atomic._exchange

    def spy(a: Path, b: Path) -> bool:
        done = real(a, b)
        calls.append(done)
        return done

    monkeypatch.setattr(atomic, "_exchange", spy)
    write(root, V2)
    assert len(calls) == 1  # attempted; True on ext4/xfs/btrfs/tmpfs, False sends it to the fallback
    assert {k: v for k, v in snapshot(gen(root)).items() if v != "<dir>"} == V2


def test_fallback_without_exchange_gives_the_same_tree(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(atomic, "_exchange", lambda a, b: False)
    write(root, V1)
    write(root, V2)
    assert {k: v for k, v in snapshot(gen(root)).items() if v != "<dir>"} == V2
    assert not (root / ".generated.old").exists() and not (root / ".generated.new").exists()


def test_recovery_after_a_crash_between_the_fallback_renames(root: Path) -> None:
    write(root, V1)
    before = snapshot(gen(root))
    # The crash: generated/ already renamed away, the new tree not yet renamed in.
    gen(root).rename(root / ".generated.old")
    (root / ".generated.new").mkdir()
    (root / ".generated.new" / "half.xml").write_bytes(b"<half")
    atomic.recover(gen(root))
    assert snapshot(gen(root)) == before
    assert not (root / ".generated.new").exists() and not (root / ".generated.old").exists()


def test_recovery_after_a_crash_once_the_new_tree_is_in(root: Path) -> None:
    write(root, V2)
    expected = snapshot(gen(root))
    (root / ".generated.old").mkdir()  # the old tree, swapped out but not yet deleted
    (root / ".generated.old" / "stale.xml").write_bytes(b"old")
    write(root, V2)  # recovery runs first
    assert snapshot(gen(root)) == expected
    assert not (root / ".generated.old").exists()


def test_generated_itself_as_a_link_is_refused(root: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    gen(root).symlink_to(outside)
    with pytest.raises(RepositoryError, match="symbolic link"):
        write(root, V1)
    with pytest.raises(RepositoryError, match="symbolic link"):
        diff(root, V1)
    assert list(outside.iterdir()) == []


@pytest.mark.parametrize("target", ["outside-dir", "outside-file.xml", "loop"])
def test_a_link_inside_pointing_outside_is_refused(root: Path, tmp_path: Path, target: str) -> None:
    (tmp_path / "outside-dir").mkdir()
    (tmp_path / "outside-file.xml").write_bytes(b"outside")
    write(root, V1)
    link = gen(root) / "hf-a" / "escape"
    if target == "loop":
        link.symlink_to("escape")
    else:
        link.symlink_to(tmp_path / target)
    before = snapshot(gen(root))
    with pytest.raises(RepositoryError, match="pointing outside"):
        write(root, V2)
    assert snapshot(gen(root)) == before
    assert list((tmp_path / "outside-dir").iterdir()) == []
    assert (tmp_path / "outside-file.xml").read_bytes() == b"outside"


@pytest.mark.parametrize("stats", [False, True])
def test_the_scan_takes_no_fifo_for_a_file_and_enters_no_link(root: Path, stats: bool) -> None:
    """The scan reads kinds from the listing (d_type): a FIFO at a generated path is still refused,
    whether or not its signature is wanted, and a link to a directory inside is a link, not
    entered, so the files it seems to hold are not there."""
    write(root, V1)
    os.mkfifo(gen(root) / "hf-a" / "cpa" / "3.xml")
    with pytest.raises(RepositoryError, match="not a regular file"):
        generated_tree.scan(gen(root), stats=stats)
    before = snapshot(gen(root))
    with pytest.raises(RepositoryError, match="not a regular file"):
        write(root, V1)
    assert snapshot(gen(root)) == before
    (gen(root) / "hf-a" / "cpa" / "3.xml").unlink()
    (gen(root) / "hf-c").symlink_to("hf-b", target_is_directory=True)
    found = generated_tree.scan(gen(root), stats=stats)
    assert found.entries["hf-c"] is generated_tree._Entry.LINK
    assert "hf-c/index.xml" not in found.entries
    assert sorted(found.stats) == (sorted(p for p in V1) if stats else [])


def test_a_link_to_a_directory_inside_is_not_taken_for_the_generated_directory(root: Path) -> None:
    """A pull request that commits generated/hf-c as a link to hf-b (so that hf-c/index.xml seems
    to hold the right bytes) is a difference, and the write replaces the link with a directory."""
    write(root, V1)
    (gen(root) / "hf-c").symlink_to("hf-b", target_is_directory=True)
    wanted = tree({**{p: c for p, c in V1.items() if p != MANIFEST}, "hf-c/index.xml": b"<index/>\n"})
    assert Change("hf-c/index.xml", Kind.ADDED) in diff(root, wanted)
    write(root, wanted)
    assert not (gen(root) / "hf-c").is_symlink()
    assert (gen(root) / "hf-c" / "index.xml").read_bytes() == b"<index/>\n"
    assert diff(root, wanted) == []


def test_a_generated_file_replacing_a_link_is_written_as_a_file(root: Path, tmp_path: Path) -> None:
    """A link at a generated path (pointing inside) is replaced, never written through."""
    write(root, V1)
    (gen(root) / "hf-c").mkdir()
    (gen(root) / "hf-c" / "new.xml").symlink_to("../hf-b/index.xml")
    write(root, V2)
    assert not (gen(root) / "hf-c" / "new.xml").is_symlink()
    assert (gen(root) / "hf-c" / "new.xml").read_bytes() == b"<new/>\n"
    assert (gen(root) / "hf-b" / "index.xml").read_bytes() == b"<index/>\n"


@pytest.mark.parametrize("bad", ["../escape.xml", "/abs.xml", "a/../../b.xml", "a//b.xml", ""])
def test_unsafe_paths_from_a_generator_are_refused(root: Path, bad: str) -> None:
    with pytest.raises(ValueError, match="unsafe path"):
        write(root, {bad: b"x"})
    assert not gen(root).exists()


def test_a_second_run_gets_lock_error_while_the_first_holds_the_lock(root: Path) -> None:
    held = pytest.raises(LockError, match=r"another oppkobling run holds .*\.oppkobling\.lock \(process \d+\)")
    with atomic.repo_lock(root), held:
        _write_waiting(root, 0.2)
    assert not gen(root).exists()
    write(root, V1)  # released: the next run proceeds


def _write_waiting(root: Path, wait: float) -> generated_tree.Summary:
    with atomic.repo_lock(root, wait=wait) as lock:
        return write(root, V1, held=lock)


def test_a_waiting_run_proceeds_once_the_lock_is_released(root: Path) -> None:
    release = threading.Event()
    holding = threading.Event()

    def hold() -> None:
        with atomic.repo_lock(root):
            holding.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    assert holding.wait(10)
    results: list[generated_tree.Summary] = []
    waiter = threading.Thread(target=lambda: results.append(_write_waiting(root, 30)))
    waiter.start()
    assert not gen(root).exists()  # still waiting: the holder has not released
    release.set()
    holder.join(10)
    waiter.join(30)
    assert len(results) == 1 and results[0].count(Kind.ADDED) == 4


def test_shared_lock_cannot_write(root: Path) -> None:
    with atomic.repo_lock(root, shared=True) as lock, pytest.raises(LockError, match="exclusive"):
        write(root, V1, held=lock)


# -- the spare: a write costs what changed -----------------------------------------------------------


def spare(root: Path) -> Path:
    return atomic.spare(gen(root))


def inodes(directory: Path) -> dict[str, tuple[int, int]]:
    """Each file's inode and mtime."""
    return {
        p.relative_to(directory).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
        for p in directory.rglob("*")
        if p.is_file()
    }


V3 = tree({"hf-a/cpa/1.xml": b"<one changed again/>\n", "hf-b/index.xml": b"<index/>\n", "hf-c/new.xml": b"<new/>\n"})


def test_unchanged_files_are_the_same_inodes_and_only_what_changed_is_linked_or_written(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A tree written from nothing leaves its mirror as the spare; each later write brings the
    spare up to date and exchanges it with generated/: a file that did not change is the very
    inode it was (never rewritten, never relinked), and the only files linked are those the write
    before changed (the spare still holds their older version)."""
    write(root, V1)
    assert inodes(spare(root)) == inodes(gen(root))  # the mirror: the same inodes
    links: list[str] = []
    real = os.link

    def counting(src: str, dst: str, *, follow_symlinks: bool = True) -> None:
        links.append(Path(src).relative_to(gen(root)).as_posix())
        real(src, dst, follow_symlinks=follow_symlinks)

    monkeypatch.setattr(os, "link", counting)
    before = inodes(gen(root))
    write(root, V2)
    after = inodes(gen(root))
    assert after["hf-b/index.xml"] == before["hf-b/index.xml"]
    assert after["hf-a/cpa/1.xml"] != before["hf-a/cpa/1.xml"] and after[MANIFEST] != before[MANIFEST]
    assert links == []  # the spare was the mirror: nothing to link
    assert {k: v for k, v in snapshot(gen(root)).items() if v != "<dir>"} == V2
    assert {k: v for k, v in snapshot(spare(root)).items() if v != "<dir>"} == V1  # the tree swapped out
    write(root, V3)
    # The spare held V1: hf-c/new.xml, changed by the last write and unchanged by this one, is
    # linked from generated/; hf-b/index.xml is the same inode in both trees: left alone.
    assert links == ["hf-c/new.xml"]
    assert inodes(gen(root))["hf-b/index.xml"] == before["hf-b/index.xml"]
    assert inodes(gen(root))["hf-c/new.xml"] == after["hf-c/new.xml"]
    assert {k: v for k, v in snapshot(gen(root)).items() if v != "<dir>"} == V3
    assert diff(root, V3) == []
    assert not (root / ".generated.new").exists() and not (root / ".generated.old").exists()


def test_nothing_in_the_spare_is_trusted(root: Path, tmp_path: Path) -> None:
    """A spare tampered with (a file with other bytes at an unchanged path, same size; a link to a
    file outside; a link where a directory goes; a directory where a file goes; strays) never
    reaches generated/, and nothing outside is written through it."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "victim.xml").write_bytes(b"keep me")
    write(root, V1)
    write(root, V2)  # generated/ is V2, the spare V1
    s = spare(root)
    (s / "hf-b" / "index.xml").unlink()
    (s / "hf-b" / "index.xml").write_bytes(b"<INDEX/>\n")  # same size, other bytes, other inode
    (s / "hf-c").symlink_to(outside)  # hf-c/new.xml must be linked in below it
    (s / "hf-a" / "cpa" / "1.xml").unlink()
    (s / "hf-a" / "cpa" / "1.xml").mkdir()
    (s / "hf-a" / "cpa" / "1.xml" / "inner.xml").write_bytes(b"x")
    (s / "stray.xml").symlink_to(outside / "victim.xml")
    (s / "strays").mkdir()
    (s / "strays" / "a.xml").write_bytes(b"a")
    write(root, V3)
    assert {k: v for k, v in snapshot(gen(root)).items() if v != "<dir>"} == V3
    assert snapshot(outside) == {"victim.xml": b"keep me"}
    assert diff(root, V3) == []


def test_an_edit_in_place_of_a_file_both_trees_share_is_repaired(root: Path) -> None:
    """generated/ and the spare share the inode of an unchanged file: an edit in place changes
    both; the writer finds it in generated/ by its content and writes a new file into each."""
    write(root, V1)
    write(root, V2)
    index = gen(root) / "hf-b" / "index.xml"
    assert index.stat().st_ino == (spare(root) / "hf-b" / "index.xml").stat().st_ino
    with index.open("r+b") as handle:
        handle.write(b"<INDEX")
    write(root, V3)
    assert index.read_bytes() == b"<index/>\n"
    assert diff(root, V3) == []


def test_the_spare_works_without_the_exchange(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(atomic, "_exchange", lambda a, b: False)
    for version in (V1, V2, V3, V1):
        write(root, version)
        assert {k: v for k, v in snapshot(gen(root)).items() if v != "<dir>"} == version
    assert {k: v for k, v in snapshot(spare(root)).items() if v != "<dir>"} == V3
    assert not (root / ".generated.old").exists() and not (root / ".generated.new").exists()


def test_git_does_not_list_the_spare(root: Path) -> None:
    import subprocess

    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    write(root, V1)
    write(root, V2)
    status = subprocess.run(["git", "status", "--porcelain", "-uall"], cwd=root, check=True, capture_output=True)
    listed = status.stdout.decode().splitlines()
    assert "?? generated/hf-c/new.xml" in listed  # git does list untracked files here ...
    assert not [line for line in listed if ".generated" in line], listed  # ... but not the spare


# -- one judgement for every command ---------------------------------------------------------------


def test_one_stray_file_is_judged_the_same_by_l4_check_build_deploy_and_drift(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A CPA put into generated/ by hand is not what the declarations generate: the L4 rule,
    ``check`` and ``deploy`` refuse it, ``build`` removes it, ``drift`` does not want it on the
    server. check, build and deploy find it through the same function (``generated_tree.extras``)."""
    import datetime as dt
    import shutil
    import subprocess

    from conftest import REPO, TODAY

    from pipeline.app import rendering
    from pipeline.app.loading import load
    from pipeline.cli.main import main
    from pipeline.model.declarations import DeclarationSet
    from pipeline.rules import Context, freshness

    root = tmp_path / "repo"
    for name in ("partners", "schemas", "generated"):
        shutil.copytree(REPO / name, root / name)
    shutil.copy(REPO / ".gitignore", root / ".gitignore")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("OPPKOBLING_XSD_DIR", "")
    monkeypatch.setenv("USER", "tester")

    def git(*args: str) -> None:
        subprocess.run(["git", "-c", "user.email=t@example.invalid", "-c", "user.name=T", *args], cwd=root, check=True)

    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main([*args, "--root", str(root)])
        out, err = capsys.readouterr()
        return code, out, err

    git("init", "-q")
    git("add", "-A")
    git("commit", "-q", "-m", "shipped")
    target = ("--hf", "st-olavs", "--target", f"dir:{tmp_path / 'srv'}")
    assert run("deploy", *target, "--apply", "--today", TODAY)[0] == 0
    stray = "st-olavs/cpa/9999-1.xml"
    for where in (root / "generated" / stray, tmp_path / "srv" / "current" / "cpa" / "9999-1.xml"):
        where.write_bytes(b"<hand-made/>\n")
    git("add", "-A")
    git("commit", "-q", "-m", "a hand-made CPA")

    judged: list[str] = []
    real = generated_tree.extras

    def spy(on_disk: generated_tree.Scan, generated: object) -> list[Change]:
        found = real(on_disk, generated)  # type: ignore[arg-type]
        judged.extend(c.path for c in found)
        return found

    monkeypatch.setattr(generated_tree, "extras", spy)

    today = dt.date.fromisoformat(TODAY)
    expected = rendering.expected(root, lambda: load(root, today=today), None, cached=False)
    changes, _ = generated_tree.differences(root, expected.hashes)
    l4 = freshness(Context(DeclarationSet(), today, generated=changes))
    assert [(f.rule, f.file) for f in l4] == [("L4", f"generated/{stray}")]

    assert stray in judged
    for command, exit_code, said in (
        (
            ("check", "--today", TODAY),
            1,
            f"generated/{stray}:1:1: error L4 generated/{stray} is not generated by the declarations",
        ),
        (("deploy", *target, "--today", TODAY), 1, f"generated/{stray}: not written by the pipeline"),
        (("build", "--today", TODAY), 0, "0 added, 0 changed, 1 removed"),
    ):
        judged.clear()
        code, out, err = run(*command)
        assert (code, said in out + err, stray in judged) == (exit_code, True, True), command
    assert not (root / "generated" / stray).exists()
    assert run("check", "--today", TODAY)[0] == 0
    # drift compares the server with what the declarations generate: the stray is not wanted there.
    code, out, _ = run("drift", *target)
    assert code == 1 and "extra  cpa/9999-1.xml  (served, not generated)" in out
