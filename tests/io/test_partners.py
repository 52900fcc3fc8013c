"""The one reader of partners/: the work tree and a git revision holding the same entries are
read alike -- the same inputs, the same refusals, in the same words -- and nothing is skipped."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from conftest import REPO

from pipeline import layout
from pipeline.io import partners

KOMMUNE = (REPO / "partners" / "kommuner" / "5035-stjordal.yaml").read_bytes()

# path below the repository -> content (bytes) or ("link", target)
ENTRIES: dict[str, bytes | tuple[str, str]] = {
    "partners/kommuner/5035-stjordal.yaml": KOMMUNE,
    "partners/kommuner/5035_stjordal.yaml": KOMMUNE,  # misnamed: read, and S2 says so
    "partners/kommuner/.5021-oppdal.yaml": KOMMUNE,
    "partners/kommuner/5035-stjordal.yaml~": KOMMUNE,
    "partners/kommuner/5035-stjordal.yaml.orig": KOMMUNE,
    "partners/kommuner/.5035-stjordal.yaml.swp": b"\0swap",
    "partners/kommuner/5036-ror.yml": KOMMUNE,
    "partners/kommuner/arkiv/5001-trondheim.yaml": KOMMUNE,
    "partners/kommuner/5037-levanger.yaml": ("link", "5035-stjordal.yaml"),
    "partners/kommuner/5038-verdal.yaml": ("link", "../../generated/decl.yaml"),
    "partners/helseforetak/st-olavs.yaml": (REPO / "partners" / "helseforetak" / "st-olavs.yaml").read_bytes(),
    "partners/helseforetak/notes.md": b"# notes\n",
    "partners/README.md": b"# partners\n",
    "partners/.gitkeep": b"",
    "partners/ar/communicationparty/8170001.json": b"{}\n",
    "partners/ar/.hidden.json": b"{}\n",
    "partners/other/x.yaml": KOMMUNE,
    "partners/kommuner/tab\there.yaml": KOMMUNE,
}


def build(root: Path) -> None:
    for rel, content in ENTRIES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, tuple):
            path.symlink_to(content[1])
        else:
            path.write_bytes(content)


def git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "core.symlinks=true", *args],
        cwd=root, check=True, capture_output=True, timeout=60,
    )  # fmt: skip


def test_the_work_tree_and_a_revision_are_read_alike(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    build(root)
    git(root, "init", "-q")
    git(root, "add", "-A", "--force")
    git(root, "commit", "-qm", "everything")
    tree, revision = partners.read_tree(root), partners.read_revision(root, "HEAD")
    assert tree.files == revision.files
    assert tree.refused == revision.refused
    # Every entry is one or the other, none is skipped.
    assert set(tree.files) | {r.path for r in tree.refused} == {layout.printable(p) for p in ENTRIES}
    assert set(tree.files) == {
        "partners/kommuner/5035-stjordal.yaml",
        "partners/kommuner/5035_stjordal.yaml",
        "partners/helseforetak/st-olavs.yaml",
        "partners/ar/communicationparty/8170001.json",
    }
    by_path = {r.path: r for r in tree.refused}
    for link in ("partners/kommuner/5037-levanger.yaml", "partners/kommuner/5038-verdal.yaml"):
        assert not by_path[link].by_name and "symbolic link is refused" in by_path[link].message
    assert by_path["partners/kommuner/.5021-oppdal.yaml"].by_name
    assert "hidden name" in by_path["partners/kommuner/.5021-oppdal.yaml"].message
    assert "backup" in by_path["partners/kommuner/5035-stjordal.yaml~"].message
    assert "subdirectory" in by_path["partners/kommuner/arkiv/5001-trondheim.yaml"].message
    assert "control or invisible character" in by_path["partners/kommuner/tab\\there.yaml"].message


def test_an_empty_unexpected_directory_is_refused_in_the_work_tree(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "partners" / "kommuner" / "gammelt").mkdir(parents=True)
    (root / "partners" / "helseforetak").mkdir()
    (root / "partners" / "ar" / "certificate").mkdir(parents=True)  # allowed: below partners/ar/
    read = partners.read_tree(root)
    assert [(r.path, r.by_name) for r in read.refused] == [("partners/kommuner/gammelt/", True)]


def one_declaration(tmp_path: Path) -> tuple[Path, Path]:
    """A repository holding one kommune declaration: (root, the declaration)."""
    root = tmp_path / "repo"
    (root / "partners" / "kommuner").mkdir(parents=True)
    path = root / "partners" / "kommuner" / "5035-stjordal.yaml"
    path.write_bytes(KOMMUNE)
    return root, path


def test_a_file_swapped_for_a_link_while_the_tree_is_read_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, target = one_declaration(tmp_path)
    (tmp_path / "outside.yaml").write_bytes(b"kommune: '9999'\n")
    real = partners._read_entry

    def swap_first(found: partners.Partners, tree_rel: str, rel: str, dir_fd: int) -> None:
        target.unlink()
        target.symlink_to(tmp_path / "outside.yaml")  # after it was listed as a file
        real(found, tree_rel, rel, dir_fd)

    monkeypatch.setattr(partners, "_read_entry", swap_first)
    read = partners.read_tree(root)
    assert read.files == {}
    assert [r.path for r in read.refused] == ["partners/kommuner/5035-stjordal.yaml"]
    assert "symbolic link" in read.refused[0].message


def test_a_file_changed_while_it_is_read_is_never_vouched_for_by_its_stat(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, path = one_declaration(tmp_path)
    old = os.stat_result((*path.stat()[:8], 0, 0))  # mtime and ctime of long ago: would be "settled"
    real = partners._read_fd

    def changing(fd: int, before: os.stat_result) -> tuple[bytes, os.stat_result]:
        data, _ = real(fd, before)
        return data, old  # its stat after the read differs from before it

    monkeypatch.setattr(partners, "_read_fd", changing)
    tree = partners.read_tree(root).tree
    assert tree is not None
    assert tree["kommuner/5035-stjordal.yaml"][6] == 0  # recorded as never settled


def test_a_file_that_grew_after_its_stat_is_read_to_its_end_not_to_the_stat_size(tmp_path: Path) -> None:
    """The first read asks for the stat's size: bytes appended after that stat (a pull request's
    file swapped under the reader) are still read, so nothing past the stat is ever left unjudged."""
    path = tmp_path / "grows.yaml"
    path.write_bytes(b"a: 1\n")
    fd = os.open(path, os.O_RDONLY)
    try:
        before = os.fstat(fd)
        with path.open("ab") as more:
            more.write(b"b: 2\n" * 1000)
        data, after = partners._read_fd(fd, before)
    finally:
        os.close(fd)
    assert data == b"a: 1\n" + b"b: 2\n" * 1000
    assert after.st_size == len(data) != before.st_size


def test_a_file_grown_past_the_limit_after_its_stat_is_refused_as_too_large(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, path = one_declaration(tmp_path)
    real = partners._read_fd

    def growing(fd: int, before: os.stat_result) -> tuple[bytes, os.stat_result]:
        with path.open("ab") as more:
            more.write(b"#" * (layout.MAX_INPUT_BYTES + 1))
        return real(fd, before)

    monkeypatch.setattr(partners, "_read_fd", growing)
    read = partners.read_tree(root)
    assert read.files == {}
    assert [r.path for r in read.refused] == ["partners/kommuner/5035-stjordal.yaml"]


def _settled_record(root: Path) -> dict[str, list[object]]:
    """A record of partners/ whose every file may vouch for itself (recorded long after its mtime)."""
    from pipeline.io import cache

    tree = partners.read_tree(root).tree
    assert tree is not None
    return {rel: [*row[:6], row[2] + cache.SETTLED_NS] if row[0] == "f" else row for rel, row in tree.items()}


def test_a_rescan_reads_only_what_changed_and_the_rest_when_asked(tmp_path: Path) -> None:
    """``rescan`` judges every entry as ``read_tree`` does, reads the files whose stat moved, and
    gives the others' bytes on demand, as ``read_tree`` would have read them."""
    build(tmp_path)
    whole = partners.read_tree(tmp_path)
    record = _settled_record(tmp_path)
    edited = tmp_path / "partners/kommuner/5035_stjordal.yaml"
    edited.write_bytes(KOMMUNE + b"# edited\n")
    found = partners.rescan(tmp_path, record)
    assert set(found.files) == {"partners/kommuner/5035_stjordal.yaml"}
    assert found.shas.keys() == whole.shas.keys() and found.refused == whole.refused
    assert found.some(["partners/helseforetak/st-olavs.yaml", "partners/README.md"]) == {
        "partners/helseforetak/st-olavs.yaml": whole.files["partners/helseforetak/st-olavs.yaml"]
    }
    assert found.whole() == {**whole.files, "partners/kommuner/5035_stjordal.yaml": KOMMUNE + b"# edited\n"}


def test_a_vouched_file_that_changed_before_it_was_read_is_not_taken_for_what_was_recorded(
    tmp_path: Path,
) -> None:
    """Between the look and the read a file vouched for by its stat was rewritten: ``some``
    refuses it (``ChangedWhileRead``: the caller reads partners/ whole again), never handing on
    bytes under another file's sha256."""
    build(tmp_path)
    found = partners.rescan(tmp_path, _settled_record(tmp_path))
    assert not found.files
    (tmp_path / "partners/kommuner/5035-stjordal.yaml").write_bytes(KOMMUNE + b"# later\n")
    with pytest.raises(partners.ChangedWhileRead):
        found.some(["partners/kommuner/5035-stjordal.yaml"])
    (tmp_path / "partners/helseforetak/st-olavs.yaml").unlink()
    with pytest.raises(partners.ChangedWhileRead):
        found.some(["partners/helseforetak/st-olavs.yaml"])
