"""``oppkobling generate`` and ``build``: validate first, write generated/ only without errors,
byte-identical on a second run, and never silent about skipped schema validation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import TODAY, Repo

from pipeline.io import atomic

from .conftest import Cli, snapshot

BROKEN = ("partners/kommuner/5028-melhus.yaml", "name: Melhus", "name: Melhus\nnot_a_field: 1")


def test_generate_writes_the_tree_and_says_what_changed(repo: Repo, cli: Cli, no_schemas: None) -> None:
    result = cli("generate")
    assert result.code == 0, result.err
    files = snapshot(repo.path("generated"))
    assert sorted(files) == ["MANIFEST.json"] + [f"kommuner/{n}.txt" for n in sorted(_numbers(repo))]
    assert files["kommuner/5007.txt"].decode().splitlines()[1:] == [
        "Namsos: withdrawn",
        "8170201 namsos-pleie@edi.nhn.no",
    ]
    manifest = json.loads(files["MANIFEST.json"])
    assert set(manifest["files"]) == set(files) - {"MANIFEST.json"}
    assert result.out.strip().splitlines()[-1] == (
        f"generated/ written: {len(files)} added, 0 changed, 0 removed, 0 unchanged"
    )


def _numbers(repo: Repo) -> list[str]:
    return [p.name[:4] for p in repo.path("partners/kommuner").glob("*.yaml")]


def test_second_generate_changes_no_byte(repo: Repo, cli: Cli, no_schemas: None) -> None:
    assert cli("generate").code == 0
    first = snapshot(repo.path("generated"))
    mtimes = {p: p.stat().st_mtime_ns for p in repo.path("generated").rglob("*")}
    again = cli("generate")
    assert again.code == 0
    assert snapshot(repo.path("generated")) == first
    assert {p: p.stat().st_mtime_ns for p in repo.path("generated").rglob("*")} == mtimes
    assert "already up to date: 0 added, 0 changed, 0 removed" in again.out


def test_generate_refuses_on_errors_and_writes_nothing(repo: Repo, cli: Cli, no_schemas: None) -> None:
    assert cli("generate").code == 0
    before = snapshot(repo.path("generated"))
    repo.edit(*BROKEN)
    result = cli("generate")
    assert result.code == 1
    assert "partners/kommuner/5028-melhus.yaml:" in result.out and " error S1 " in result.out
    assert "unknown key 'not_a_field'" in result.out
    assert "nothing written to generated/" in result.err
    assert "Traceback" not in result.err
    assert snapshot(repo.path("generated")) == before


def test_build_refuses_on_errors_and_creates_nothing(repo: Repo, cli: Cli, no_schemas: None) -> None:
    repo.edit(*BROKEN)
    result = cli("build")
    assert result.code == 1
    assert "error S1" in result.out
    assert not repo.path("generated").exists() or snapshot(repo.path("generated")) == {}
    assert not repo.path(".generated.new").exists()


def test_build_reports_every_finding_then_generates(repo: Repo, cli: Cli, no_schemas: None) -> None:
    generate_only = cli("generate")
    build = cli("build")
    assert build.code == 0
    # The full validation report (the examples carry warnings) comes first, then the summary.
    assert " warning " in build.out and " warning " not in generate_only.out
    assert "0 error(s)" in build.out
    assert build.out.strip().splitlines()[-1].startswith("generated/ already up to date")


def test_skipped_schema_validation_is_said_plainly(repo: Repo, cli: Cli, no_schemas: None) -> None:
    for command in ("generate", "build", "check"):
        result = cli(command)
        assert "XML schema validation was SKIPPED" in result.err, command
        assert "--xsd-dir" in result.err and "OPPKOBLING_XSD_DIR" in result.err
        assert "oppkobling schemas fetch" in result.err


def test_no_skip_message_when_schemas_are_configured(repo: Repo, cli: Cli, no_schemas: None, xsd: object) -> None:
    result = cli("generate", "--xsd-dir", str(xsd))
    assert result.code == 0
    assert "SKIPPED" not in result.err


def test_a_wrong_schema_directory_is_an_error_not_a_skip(repo: Repo, cli: Cli, tmp_path: object) -> None:
    result = cli("generate", "--xsd-dir", str(repo.root))
    assert result.code == 1
    assert "is not an official schema directory" in result.err
    assert not repo.path("generated").exists() or snapshot(repo.path("generated")) == {}


def test_removed_declaration_loses_its_files_and_generated_holds_nothing_else(
    repo: Repo, cli: Cli, no_schemas: None
) -> None:
    assert cli("generate").code == 0
    repo.write("generated/NOTES.md", "written by hand\n")
    repo.path("partners/kommuner/5028-melhus.yaml").unlink()
    result = cli("generate")
    assert result.code == 0
    assert "2 removed" in result.out
    assert not repo.path("generated/kommuner/5028.txt").exists()
    assert not repo.path("generated/NOTES.md").exists()
    assert "kommuner/5028.txt" not in json.loads(repo.path("generated/MANIFEST.json").read_text("utf-8"))["files"]


def test_a_concurrent_run_is_refused_with_a_clear_message(
    repo: Repo, cli: Cli, no_schemas: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPPKOBLING_LOCK_WAIT", "0.1")
    with atomic.repo_lock(repo.root):
        result = cli("generate")
    assert result.code == 1
    assert "another oppkobling run holds" in result.err and ".oppkobling.lock" in result.err
    assert not repo.path("generated/MANIFEST.json").exists()


@pytest.mark.slow
def test_build_end_to_end_with_the_real_generators(repo: Repo, xsd: object) -> None:
    """The README's main job in a subprocess, with whatever generators the project registers:
    a second build changes no byte and check agrees."""
    env = {"OPPKOBLING_XSD_DIR": str(xsd)}
    first = repo.run("build", "--today", TODAY, env=env)
    assert first.code == 0, first.out + first.err
    tree = snapshot(repo.path("generated"))
    second = repo.run("build", "--today", TODAY, env=env)
    assert second.code == 0, second.err
    assert "already up to date: 0 added, 0 changed, 0 removed" in second.out
    assert snapshot(repo.path("generated")) == tree
    check = repo.run("check", "--today", TODAY, env=env)
    assert check.code == 0, check.out + check.err


def test_schemas_beside_the_repository_are_found_without_a_flag(
    cli: Cli, repo: Repo, no_schemas: None, xsd: Path
) -> None:
    """The regional shared data checked out beside the repository (``../shared/standards/xsd``)
    is used with no flag, no environment variable and an empty user cache."""
    beside = repo.root.parent / "shared" / "standards"
    beside.mkdir(parents=True)
    (beside / "xsd").symlink_to(xsd, target_is_directory=True)
    result = cli("generate")
    assert result.code == 0, result.out + result.err
    assert "SKIPPED" not in result.err


def test_a_skip_says_where_it_looked(repo: Repo, cli: Cli, no_schemas: None) -> None:
    result = cli("build")
    assert "looked in:" in result.err
    assert "../shared/standards/xsd beside the repository" in result.err
    assert str((repo.root / "../shared/standards/xsd").resolve()) in result.err
    assert "not there" in result.err
