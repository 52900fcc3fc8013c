"""``plan``'s two renders (the base revision and the work tree): a kommune whose inputs are the
same at both is rendered once, and the plan is the one two whole renders give."""

from __future__ import annotations

import datetime as dt
import subprocess
from collections.abc import Mapping

import pytest
from conftest import Repo

from pipeline.app import plan as plan_app
from pipeline.ar import snapshot as ar_snapshot
from pipeline.model.declarations import DeclarationSet, KommuneDecl
from pipeline.render import generators

TODAY = dt.date(2026, 11, 26)


def _committed(repo: Repo) -> str:
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "base"]):
        subprocess.run(["git", "-c", "user.email=t@t", "-c", "user.name=t", *args], cwd=repo.root, check=True)
    kommuner = sorted((repo.root / "partners" / "kommuner").glob("*.yaml"))
    edited = kommuner[0]
    text = edited.read_text("utf-8")
    assert "    name: " in text
    edited.write_text(text.replace("    name: ", "    name: Ny ", 1), "utf-8")
    return edited.relative_to(repo.root).as_posix()


class NeverAlike:
    """No sharing: every kommune rendered at the base and again in the work tree."""

    def get(self, declarations: DeclarationSet, k: KommuneDecl) -> None:
        return None

    def put(self, declarations: DeclarationSet, k: KommuneDecl, remembered: object) -> None:
        pass


def test_the_work_tree_render_renders_only_the_edited_kommune(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    edited = _committed(repo)
    rendered: list[str] = []
    real = generators.one_kommune

    def counting(declarations: DeclarationSet, k: KommuneDecl) -> DeclarationSet:
        rendered.append(k.path)
        return real(declarations, k)

    monkeypatch.setattr(generators, "one_kommune", counting)
    monkeypatch.setenv("OPPKOBLING_JOBS", "1")  # counted in this process
    shared = plan_app.plan(repo.root, base_ref="HEAD", today=TODAY)
    kommuner = sorted(p.relative_to(repo.root).as_posix() for p in (repo.root / "partners/kommuner").glob("*.yaml"))
    assert sorted(rendered) == sorted([*kommuner, edited])  # each at the base, the edited one again

    monkeypatch.setattr(plan_app, "_Alike", NeverAlike)
    rendered.clear()
    whole = plan_app.plan(repo.root, base_ref="HEAD", today=TODAY)
    assert sorted(rendered) == sorted(kommuner * 2)
    assert shared == whole
    assert shared.files["changed"]  # the edit is in the plan


def test_an_ar_snapshot_the_base_shares_is_read_once(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    """The base revision holding the work tree's partners/ar/ is the same snapshot: read and
    held once; one AR file edited makes two."""
    _committed(repo)
    reads: list[list[str]] = []
    real = ar_snapshot.read

    def counting(files: Mapping[str, bytes]) -> ar_snapshot.Reading:
        reads.append(sorted(files))
        return real(files)

    monkeypatch.setattr(ar_snapshot, "read", counting)
    monkeypatch.setenv("OPPKOBLING_JOBS", "1")
    shared = plan_app.plan(repo.root, base_ref="HEAD", today=TODAY)
    assert len(reads) == 1 and reads[0]

    edited = sorted((repo.root / "partners" / "ar").rglob("*.json"))[0]
    edited.write_bytes(edited.read_bytes() + b"\n")
    reads.clear()
    again = plan_app.plan(repo.root, base_ref="HEAD", today=TODAY)
    assert len(reads) == 2 and reads[0] == reads[1]
    assert again.files == shared.files  # the same content: the same render
