"""The findings and renders remembered between runs (pipeline.app.loading, pipeline.app.rendering,
signed by pipeline.io.cache): answered only for inputs the cache has seen, and only with entries
it signed itself."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest
from conftest import TODAY, Repo

from pipeline import layout
from pipeline.app import loading
from pipeline.findings import Finding
from pipeline.io import cache

KOMMUNE = "partners/kommuner/5001-trondheim.yaml"


@pytest.fixture(autouse=True)
def _private_secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    monkeypatch.delenv(cache.ENV, raising=False)


def checked(repo: Repo, today: str = TODAY) -> list[Finding]:
    findings, _ = loading.findings(repo.root, today=dt.date.fromisoformat(today))
    return findings


class Counting:
    """Stands in for loading.load and loading._by_parts (the findings computed, whole or by parts
    kept per file) and counts the runs not answered from the cache."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        self.real, self.real_parts = loading.load, loading._by_parts
        monkeypatch.setattr(loading, "load", self)
        monkeypatch.setattr(loading, "_by_parts", self.parts)

    def __call__(self, root: Path, **kwargs: object) -> loading.Loaded:
        self.calls += 1
        return self.real(root, **kwargs)  # type: ignore[arg-type]

    def parts(self, root: Path, store: cache.Cache, **kwargs: object) -> tuple[list[Finding], loading.Loaded | None]:
        self.calls += 1
        return self.real_parts(root, store, **kwargs)  # type: ignore[arg-type]


def test_the_same_tree_is_answered_from_the_cache(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    full = Counting(monkeypatch)
    first = checked(repo)
    second = checked(repo)
    assert full.calls == 1
    assert second == first


def test_an_edit_is_seen_even_with_size_and_mtime_restored(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    full = Counting(monkeypatch)
    before = checked(repo)
    path = repo.path(KOMMUNE)
    info = path.stat()
    text = path.read_text("utf-8")
    # Same length, other content, same mtime: only the content (ctime, hash) tells.
    path.write_text(text.replace("name: Trondheim", "name: Trondhxim", 1), "utf-8")
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
    after = checked(repo)
    assert full.calls == 2
    assert any(f.rule == "S4" and f.file == KOMMUNE for f in after)
    assert not any(f.rule == "S4" and f.file == KOMMUNE and "Trondhxim" in f.message for f in before)


def test_new_and_removed_files_miss(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    full = Counting(monkeypatch)
    checked(repo)
    repo.write("partners/kommuner/notes.txt", "x")
    with_extra = checked(repo)
    assert any(f.rule == "S2" and f.file.endswith("notes.txt") for f in with_extra)
    repo.path("partners/kommuner/notes.txt").unlink()
    checked(repo)
    assert full.calls == 3


def test_another_day_is_another_answer(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    full = Counting(monkeypatch)
    checked(repo, "2026-11-26")
    checked(repo, "2030-01-02")
    checked(repo, "2026-11-26")
    assert full.calls == 2


def test_a_planted_entry_is_not_believed(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    repo.edit(KOMMUNE, 'kommune: "5001"', 'kommune: "9999"')
    full = Counting(monkeypatch)
    honest = checked(repo)
    assert any(f.severity.value == "error" for f in honest)
    # Someone rewrites every entry to say "no findings", keeping the signature line.
    for entry in (repo.root / layout.CACHE).glob("findings-*.json"):
        mac, _, payload = entry.read_bytes().partition(b"\n")
        doc = json.loads(payload)
        doc["findings"] = []
        entry.write_bytes(mac + b"\n" + json.dumps(doc).encode())
    again = checked(repo)
    assert again == honest
    assert full.calls == 2


def test_another_users_secret_does_not_verify(repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    full = Counting(monkeypatch)
    checked(repo)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "someone-else"))
    checked(repo)
    assert full.calls == 2


def test_a_linked_cache_directory_is_not_used(repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (repo.root / layout.CACHE).symlink_to(elsewhere)
    full = Counting(monkeypatch)
    checked(repo)
    checked(repo)
    assert full.calls == 2
    assert list(elsewhere.iterdir()) == []


def test_the_cache_can_be_turned_off(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(cache.ENV, "0")
    full = Counting(monkeypatch)
    checked(repo)
    checked(repo)
    assert full.calls == 2
    assert not (repo.root / layout.CACHE).exists()


def test_the_cli_prints_the_same_from_the_cache(repo: Repo, tmp_path: Path) -> None:
    env = {"XDG_CACHE_HOME": str(tmp_path / "user-cache")}
    cold = repo.run("validate", "--today", TODAY, "--format", "json", env={**env, cache.ENV: "0"})
    warm1 = repo.run("validate", "--today", TODAY, "--format", "json", env=env)
    warm2 = repo.run("validate", "--today", TODAY, "--format", "json", env=env)
    one_cold = repo.run("validate", "--today", TODAY, "partners/kommuner/1505-kristiansund.yaml", env={cache.ENV: "0"})
    one_warm = repo.run("validate", "--today", TODAY, "partners/kommuner/1505-kristiansund.yaml", env=env)
    assert cold.code == warm1.code == warm2.code == 0
    assert cold.out == warm1.out == warm2.out
    assert list((repo.root / layout.CACHE).glob("findings-*.json"))
    assert one_cold.code == one_warm.code == 0
    assert one_cold.out == one_warm.out
    assert "1505-kristiansund.yaml" in one_warm.out
