"""pipeline.io.atomic: the directory exchange, the repository lock, and replacing one file."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.errors import RepositoryError
from pipeline.io import atomic


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "repo").mkdir()
    return tmp_path / "repo"


def test_exchange_swaps_two_directories_atomically(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "from-a").write_bytes(b"a")
    (tmp_path / "b").mkdir()
    if not atomic._exchange(tmp_path / "a", tmp_path / "b"):
        pytest.skip("this system or file system has no renameat2(RENAME_EXCHANGE); the fallback is tested below")
    assert [p.name for p in (tmp_path / "b").iterdir()] == ["from-a"]
    assert list((tmp_path / "a").iterdir()) == []


def test_lock_file_as_a_link_is_refused(root: Path, tmp_path: Path) -> None:
    (root / ".oppkobling.lock").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(RepositoryError, match="symbolic link"), atomic.repo_lock(root):
        pass
    assert not (tmp_path / "elsewhere").exists()


def test_replace_file_keeps_the_mode_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "5035-stjordal.yaml"
    target.write_bytes(b"old\n")
    target.chmod(0o640)
    atomic.replace_file(target, b"new\n")
    assert target.read_bytes() == b"new\n"
    assert target.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["5035-stjordal.yaml"]


def test_a_failed_replace_leaves_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "5035-stjordal.yaml"
    target.write_bytes(b"old\n")

    def full(self: Path, other: Path) -> Path:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "replace", full)
    with pytest.raises(RepositoryError, match=r"cannot write .*5035-stjordal\.yaml: No space left on device"):
        atomic.replace_file(target, b"new\n")
    assert target.read_bytes() == b"old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["5035-stjordal.yaml"]
