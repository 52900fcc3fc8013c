"""What the cache keys on: partners/ exactly as its reader read it (a file is taken by its
recorded hash only when its stat was settled), the tool by the content of its files, and the
XML schemas by content with links followed."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from pipeline.io import cache, partners

KOMMUNE = "partners/kommuner/5035-stjordal.yaml"


def small_repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "partners" / "kommuner").mkdir(parents=True)
    (root / KOMMUNE).write_text("kommune: '5035'\n")
    return root


def test_the_tree_is_what_was_read_and_a_stat_vouches_only_once_settled(tmp_path: Path) -> None:
    root = small_repo(tmp_path)
    first = partners.read_tree(root)
    assert first.tree is not None
    entry = first.tree["kommuner/5035-stjordal.yaml"]
    assert first.files[KOMMUNE] == b"kommune: '5035'\n"
    assert entry[5] == cache.digest_bytes(b"kommune: '5035'\n")
    # Just written: not settled, so the next look reads it again even with the same stat.
    forged = {k: [*v[:5], "not-the-hash", v[6]] if v[0] == "f" else v for k, v in first.tree.items()}
    assert not partners.unchanged(root, forged)
    assert partners.unchanged(root, first.tree)
    # Settled (recorded long after the mtime): the recorded hash is taken from the stat alone.
    settled = {
        k: [*v[:5], "recorded-hash", v[2] + cache.SETTLED_NS] if v[0] == "f" else v for k, v in first.tree.items()
    }
    assert partners.unchanged(root, settled)


def test_an_edit_that_keeps_size_and_mtime_is_seen_unless_the_stat_was_settled(tmp_path: Path) -> None:
    root = small_repo(tmp_path)
    path = root / KOMMUNE
    before = partners.read_tree(root).tree
    assert before is not None
    info = path.stat()
    path.write_text("kommune: '5036'\n")  # same size
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))  # same mtime (ctime moves: it always does)
    assert not partners.unchanged(root, before)


def test_the_tool_fingerprint_is_the_content_of_its_files(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    package = tmp_path / "pipeline"
    package.mkdir()
    (package / "rules.py").write_text("ALLOWED = ('ordered',)\n")
    monkeypatch.setattr(cache, "_PACKAGE", package)
    monkeypatch.setattr(cache, "_FINGERPRINT", None)
    one = cache.fingerprint()
    info = (package / "rules.py").stat()
    (package / "rules.py").write_text("ALLOWED = ('planned',)\n")  # same size ...
    os.utime(package / "rules.py", ns=(info.st_atime_ns, info.st_mtime_ns))  # ... and mtime
    monkeypatch.setattr(cache, "_FINGERPRINT", None)
    assert cache.fingerprint() != one


def test_the_schemas_are_known_by_content_links_followed(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (real / "a.xsd").write_text("<a/>")
    xsd = tmp_path / "xsd"
    xsd.mkdir()
    (xsd / "a.xsd").symlink_to(real / "a.xsd")
    (xsd / "loop").symlink_to(xsd, target_is_directory=True)  # visited once, not for ever
    one = cache.xsd_identity(xsd)
    info = (real / "a.xsd").stat()
    (real / "a.xsd").write_text("<b/>")
    os.utime(real / "a.xsd", ns=(info.st_atime_ns, info.st_mtime_ns))
    assert cache.xsd_identity(xsd) != one


def test_keeping_the_newest_renders_never_drops_another_kind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """ "render" keeps 2 entries; the render parts ("render-parts") are another kind, kept apart."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    store = cache.Cache.open(small_repo(tmp_path))
    assert store is not None
    store.put("render-parts", "a" * 32, {"parts": 1})
    for i in range(4):
        store.put("render", f"{i:032d}", {"hashes": i})
    assert store.get("render-parts", "a" * 32) == {"parts": 1}
    kept = [i for i in range(4) if store.get("render", f"{i:032d}") == {"hashes": i}]
    assert len(kept) == 2  # the newest two


@pytest.mark.parametrize("size", [10, 5 << 20], ids=["small", "large"])
def test_an_entry_is_read_back_as_written_and_a_tampered_one_is_a_miss(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: int
) -> None:
    """Small entries are parsed by the standard library, large ones (a national render) by
    orjson: the same value either way, and an entry whose bytes changed is not believed."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    store = cache.Cache.open(small_repo(tmp_path))
    assert store is not None
    value = {"files": "x" * size, "notes": ["ø", 1, None, 2.5], "nested": {"a": [True, False]}}
    store.put("render", "b" * 32, value)
    assert store.get("render", "b" * 32) == value
    entry = next(store.directory.glob("render-*.json"))
    signed = entry.read_bytes()
    # Signed for its kind and name: the same bytes under another name are not believed.
    (store.directory / f"render-{'c' * 32}.json").write_bytes(signed)
    assert store.get("render", "c" * 32) is None
    for tampered in (signed.replace(b'"x', b'"y', 1), signed.replace(b"\n", b"", 1), signed[:-1], b""):
        entry.write_bytes(tampered)
        assert store.get("render", "b" * 32) is None
        assert store.get_bytes("render", "b" * 32) is None


def test_an_object_stored_pair_by_pair_is_the_entry_put_would_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``put_object`` writes and signs as it makes each pair: the same bytes as ``put`` of the
    dict, read back the same; a value that cannot be stored raises and leaves no file behind."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    store = cache.Cache.open(small_repo(tmp_path))
    assert store is not None
    value = {"k1": {"files": "a\tb\tc", "notes": ["ø"]}, "k2": {"joined": {"x": "[1]"}}, "ø": [None, 2.5]}
    for items in (value, {}):
        store.put("render", "b" * 32, items)
        whole = next(store.directory.glob(f"render-{'b' * 32}.json")).read_bytes()
        store.put_object("render-parts", "c" * 32, iter(items.items()))
        streamed = next(store.directory.glob(f"render-parts-{'c' * 32}.json")).read_bytes()
        assert streamed.split(b"\n", 1)[1] == whole.split(b"\n", 1)[1]
        assert store.get("render-parts", "c" * 32) == items
    before = sorted(p.name for p in store.directory.iterdir())
    with pytest.raises(TypeError):
        store.put_object("render-parts", "d" * 32, iter([("ok", 1), ("bad", object())]))
    assert sorted(p.name for p in store.directory.iterdir()) == before


def settled_package(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A package of one file, the user's cache in tmp_path, and every file taken as settled."""
    package = tmp_path / "pipeline"
    package.mkdir()
    (package / "rules.py").write_text("ALLOWED = ('ordered',)\n")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    monkeypatch.setattr(cache, "_PACKAGE", package)
    monkeypatch.setattr(cache, "_FINGERPRINT", None)
    monkeypatch.setattr(cache, "SETTLED_NS", 0)
    return package


def hashes(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Count the package files fingerprint() hashes from now on."""
    seen: list[Path] = []
    real = cache.sha_file

    def counting(path: Path) -> str:
        seen.append(path)
        return real(path)

    monkeypatch.setattr(cache, "sha_file", counting)
    return seen


def test_the_fingerprint_is_remembered_under_the_stat_of_settled_files(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settled_package(monkeypatch, tmp_path)
    one = cache.fingerprint()
    monkeypatch.setattr(cache, "_FINGERPRINT", None)
    hashed = hashes(monkeypatch)
    assert cache.fingerprint() == one
    assert hashed == []  # from the memo: no file read


def test_an_edit_after_the_memo_keeping_size_and_mtime_is_a_new_fingerprint(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    package = settled_package(monkeypatch, tmp_path)
    one = cache.fingerprint()
    time.sleep(0.05)  # past the file system's timestamp granularity (what SETTLED_NS guarantees)
    info = (package / "rules.py").stat()
    (package / "rules.py").write_text("ALLOWED = ('planned',)\n")  # same size ...
    os.utime(package / "rules.py", ns=(info.st_atime_ns, info.st_mtime_ns))  # ... and mtime
    monkeypatch.setattr(cache, "_FINGERPRINT", None)
    assert cache.fingerprint() != one


def test_files_not_yet_settled_and_a_tampered_memo_are_never_believed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settled_package(monkeypatch, tmp_path)
    monkeypatch.setattr(cache, "SETTLED_NS", 60 * 1_000_000_000)  # just written: not settled
    cache.fingerprint()
    assert not list((tmp_path / "user-cache").rglob("fingerprint-*"))
    monkeypatch.setattr(cache, "SETTLED_NS", 0)
    monkeypatch.setattr(cache, "_FINGERPRINT", None)
    one = cache.fingerprint()
    (memo,) = (tmp_path / "user-cache").rglob("fingerprint-*")
    mac, _, _value = memo.read_text("ascii").partition(" ")
    memo.write_text(f"{mac} {'0' * 64}", "ascii")  # another fingerprint under the old signature
    monkeypatch.setattr(cache, "_FINGERPRINT", None)
    hashed = hashes(monkeypatch)
    assert cache.fingerprint() == one
    assert hashed != []
