"""``oppkobling check``: exit 0 on a fresh tree; any missing, stale or left-over generated file is
an L4 error naming it (exit 1); files nobody generated are not its business; it writes nothing."""

from __future__ import annotations

import json
import subprocess

import pytest
from conftest import Repo

from pipeline.rules import RULES

from .conftest import Cli, snapshot

EDIT = ("partners/kommuner/5007-namsos.yaml", "namsos-pleie@edi.nhn.no", "namsos-omsorg@edi.nhn.no")

pytestmark = pytest.mark.usefixtures("no_schemas")


def l4(out: str) -> list[dict[str, object]]:
    return [f for f in json.loads(out)["findings"] if f["rule"] == "L4"]


@pytest.fixture
def fresh(cli: Cli) -> None:
    assert cli("generate").code == 0


def test_l4_is_in_the_rule_catalogue() -> None:
    assert "L4" in RULES
    assert RULES["L4"].step_id == "L4"
    assert RULES["L4"].quote


@pytest.mark.usefixtures("fresh")
def test_fresh_tree_passes(cli: Cli) -> None:
    result = cli("check")
    assert result.code == 0, result.out
    assert " L4 " not in result.out


@pytest.mark.usefixtures("fresh")
def test_editing_one_declaration_names_the_stale_files(repo: Repo, cli: Cli) -> None:
    before = snapshot(repo.path("generated"))
    repo.edit(*EDIT)
    result = cli("check", "--format", "json")
    assert result.code == 1
    stale = l4(result.out)
    assert [(f["file"], f["severity"]) for f in stale] == [
        ("generated/MANIFEST.json", "error"),
        ("generated/kommuner/5007.txt", "error"),
    ]
    assert all("is stale" in str(f["message"]) and "oppkobling generate" in str(f["message"]) for f in stale)
    assert snapshot(repo.path("generated")) == before  # check never writes
    assert cli("generate").code == 0
    assert cli("check").code == 0


@pytest.mark.usefixtures("fresh")
def test_missing_and_left_over_files_are_named(repo: Repo, cli: Cli) -> None:
    repo.path("generated/kommuner/1505.txt").unlink()
    repo.path("partners/kommuner/5028-melhus.yaml").unlink()
    result = cli("check", "--format", "json")
    assert result.code == 1
    messages = {str(f["file"]): str(f["message"]) for f in l4(result.out)}
    assert set(messages) == {"generated/MANIFEST.json", "generated/kommuner/1505.txt", "generated/kommuner/5028.txt"}
    assert "is missing" in messages["generated/kommuner/1505.txt"]
    assert "no longer generated" in messages["generated/kommuner/5028.txt"]


@pytest.mark.usefixtures("fresh")
def test_a_hand_edited_generated_file_is_stale(repo: Repo, cli: Cli) -> None:
    repo.edit("generated/kommuner/5001.txt", "Trondheim", "Trondhjem")
    result = cli("check")
    assert result.code == 1
    assert "generated/kommuner/5001.txt:1:1: error L4 generated/kommuner/5001.txt is stale" in result.out


@pytest.mark.usefixtures("fresh")
@pytest.mark.usefixtures("fresh")
def test_a_file_the_declarations_do_not_generate_is_an_l4_error(repo: Repo, cli: Cli) -> None:
    repo.write("generated/README.md", "written by a person\n")
    result = cli("check")
    assert result.code == 1
    assert "generated/README.md:1:1: error L4 generated/README.md is no longer generated" in result.out
    assert cli("generate").code == 0  # which removes it
    assert not repo.path("generated/README.md").exists()
    assert cli("check").code == 0


def test_nothing_generated_yet_means_everything_is_missing(repo: Repo, cli: Cli) -> None:
    result = cli("check", "--format", "json")
    assert result.code == 1
    assert {str(f["file"]) for f in l4(result.out)} >= {"generated/MANIFEST.json", "generated/kommuner/5001.txt"}
    assert not repo.path("generated/MANIFEST.json").exists()


@pytest.mark.usefixtures("fresh")
def test_github_format_annotates_the_stale_file(repo: Repo, cli: Cli) -> None:
    repo.edit(*EDIT)
    result = cli("check", "--format", "github")
    assert result.code == 1
    assert "::error file=generated/kommuner/5007.txt,line=1,col=1,title=L4::" in result.out


@pytest.mark.usefixtures("fresh")
def test_declaration_errors_stop_the_comparison_and_fail(repo: Repo, cli: Cli) -> None:
    repo.edit("partners/kommuner/5028-melhus.yaml", "name: Melhus", "name: Melhus\nnot_a_field: 1")
    result = cli("check")
    assert result.code == 1
    assert "error S1" in result.out
    assert "generated/ was not compared (L4)" in result.err


def _git(repo: Repo, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(repo.root), "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
        check=True,
        capture_output=True,
    )


@pytest.mark.usefixtures("fresh")
def test_with_base_transition_errors_and_staleness_are_both_reported(repo: Repo, cli: Cli) -> None:
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "base")
    repo.path("partners/kommuner/5001-trondheim.yaml").unlink()  # active: L3 says withdraw first
    result = cli("check", "--base", "HEAD", "--format", "json")
    assert result.code == 1
    rules = {(f["rule"], f["file"]) for f in json.loads(result.out)["findings"]}
    assert ("L3", "partners/kommuner/5001-trondheim.yaml") in rules
    assert ("L4", "generated/kommuner/5001.txt") in rules
