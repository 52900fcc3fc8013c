"""pre-commit in a fresh clone: every hook passes on the repository as it is, and the
freshness hook fails once a declaration changes without regenerating generated/. The hooks must
work offline: network access is made to fail for the whole run."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, xsd_dir

from gitops.support import load_yaml

HOOKS = ("oppkobling-validate", "oppkobling-check", "ruff", "ruff-format")
# Working-tree files the clone takes over, so the test sees the current declarations and hooks
# (the oppkobling on PATH is this checkout's editable install, so the data must match it).
OVERLAY = (".pre-commit-config.yaml", ".pre-commit-hooks.yaml", "partners", "schemas")
STALE_FILE = "partners/kommuner/5035-stjordal.yaml"
STALE_EDIT = ("Helse og velferd", "Helse, omsorg og velferd")  # the CPA names the party


def git(cwd: Path, *args: str) -> str:
    proc = subprocess.run(
        [
            "git",
            "-c",
            "user.name=pre-commit test",
            "-c",
            "user.email=test@example.invalid",
            "-c",
            "commit.gpgsign=false",
            *args,
        ],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def offline_env(tmp: Path, xsd: Path) -> dict[str, str]:
    bindir = str(Path(sys.executable).parent)  # oppkobling and ruff from this virtualenv
    dead_proxy = "http://127.0.0.1:9"  # the discard port: any attempt to reach the network fails
    return {
        **os.environ,
        "PATH": bindir + os.pathsep + os.environ.get("PATH", ""),
        "PRE_COMMIT_HOME": str(tmp / "pre-commit-home"),
        "XDG_CACHE_HOME": str(tmp / "xdg-cache"),
        "OPPKOBLING_XSD_DIR": str(xsd),
        "PIP_NO_INDEX": "1",
        "http_proxy": dead_proxy,
        "https_proxy": dead_proxy,
        "HTTP_PROXY": dead_proxy,
        "HTTPS_PROXY": dead_proxy,
        "NO_PROXY": "",
        "no_proxy": "",
        "PRE_COMMIT_COLOR": "never",
    }


def run(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False)


def pre_commit(clone: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return run(clone, env, sys.executable, "-m", "pre_commit", "run", "--all-files", "--color", "never")


def hook_line(output: str, hook: str) -> str:
    """The status line pre-commit prints for a hook (its name, dots, then Passed/Failed/...)."""
    config = load_yaml(REPO / ".pre-commit-config.yaml")
    name = next(h["name"] for repo in config["repos"] for h in repo["hooks"] if h["id"] == hook)
    lines = [line for line in output.splitlines() if line.startswith(name)]
    assert len(lines) == 1, f"no status line for {hook}:\n{output}"
    return lines[0]


@pytest.fixture
def clone(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    dest = tmp_path / "clone"
    git(tmp_path, "clone", "--quiet", "--no-hardlinks", str(REPO), str(dest))
    for rel in OVERLAY:
        src, dst = REPO / rel, dest / rel
        if src.is_dir():
            shutil.rmtree(dst, ignore_errors=True)
            shutil.copytree(src, dst)
        elif src.is_file():
            shutil.copy2(src, dst)
    env = offline_env(tmp_path, xsd_dir())
    build = run(dest, env, "oppkobling", "build")
    assert build.returncode == 0, build.stdout + build.stderr
    git(dest, "add", "-A")
    git(dest, "commit", "--quiet", "--allow-empty", "-m", "working tree and a fresh generated/")
    return dest, env


def test_config_and_manifest_are_valid() -> None:
    checks = (("validate-config", ".pre-commit-config.yaml"), ("validate-manifest", ".pre-commit-hooks.yaml"))
    for command, file in checks:
        proc = subprocess.run(
            [sys.executable, "-m", "pre_commit", command, str(REPO / file)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr


def test_hooks_are_local_and_offline() -> None:
    config = load_yaml(REPO / ".pre-commit-config.yaml")
    assert [repo["repo"] for repo in config["repos"]] == ["local"]
    hooks = {h["id"]: h for h in config["repos"][0]["hooks"]}
    assert set(hooks) == set(HOOKS)
    for hook in hooks.values():
        assert hook["language"] == "system"
        assert "additional_dependencies" not in hook
    assert hooks["oppkobling-validate"]["files"].startswith("^partners/")
    assert hooks["oppkobling-check"]["pass_filenames"] is False


def test_manifest_offers_validate_and_check() -> None:
    manifest = {h["id"]: h for h in load_yaml(REPO / ".pre-commit-hooks.yaml")}
    assert set(manifest) == {"oppkobling-validate", "oppkobling-check"}
    assert manifest["oppkobling-validate"]["entry"] == "oppkobling validate"
    assert manifest["oppkobling-check"]["entry"] == "oppkobling check"
    assert manifest["oppkobling-check"]["pass_filenames"] is False
    assert all(h["language"] == "python" for h in manifest.values())


def test_pre_commit_passes_in_a_fresh_clone_and_fails_when_generated_is_stale(
    clone: tuple[Path, dict[str, str]],
) -> None:
    repo, env = clone
    fresh = pre_commit(repo, env)
    assert fresh.returncode == 0, fresh.stdout + fresh.stderr
    for hook in HOOKS:
        assert hook_line(fresh.stdout, hook).endswith("Passed"), hook

    stale_file = repo / STALE_FILE
    old, new = STALE_EDIT
    text = stale_file.read_text("utf-8")
    assert old in text
    stale_file.write_text(text.replace(old, new), "utf-8")
    git(repo, "commit", "--quiet", "-am", "rename a party without regenerating")

    stale = pre_commit(repo, env)
    assert stale.returncode != 0, stale.stdout
    assert hook_line(stale.stdout, "oppkobling-check").endswith("Failed")
    # The declaration itself is fine: only the freshness check objects.
    assert hook_line(stale.stdout, "oppkobling-validate").endswith("Passed")
    assert "L4" in stale.stdout and "generated/" in stale.stdout and "5035" in stale.stdout  # names the stale files


def staged_run(repo: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """pre-commit as ``git commit`` runs it: on the staged files only."""
    return run(repo, env, sys.executable, "-m", "pre_commit", "run", "--color", "never")


def test_a_hidden_declaration_and_a_stray_generated_file_fail_the_commit_hooks(
    clone: tuple[Path, dict[str, str]],
) -> None:
    """The two first steps of two attacks of issue 13, as a commit would stage them: a hidden
    kommune declaration (the validate and check hooks refuse it, S2) and a hand-made CPA in
    generated/ (the check hook runs for generated/ too, L4)."""
    repo, env = clone
    hidden = repo / "partners" / "kommuner" / ".5021-oppdal.yaml"
    hidden.write_bytes((repo / STALE_FILE).read_bytes().replace(b'"5035"', b'"5021"'))
    git(repo, "add", "-f", str(hidden))
    found = staged_run(repo, env)
    assert found.returncode != 0, found.stdout
    assert hook_line(found.stdout, "oppkobling-validate").endswith("Failed")
    assert hook_line(found.stdout, "oppkobling-check").endswith("Failed")
    assert "partners/kommuner/.5021-oppdal.yaml:1:1: error S2 hidden name" in found.stdout
    git(repo, "reset", "-q", "--", str(hidden))
    hidden.unlink()

    stray = repo / "generated" / "st-olavs" / "cpa" / "5021-8150099.xml"
    stray.write_text("<CollaborationProtocolAgreement/>\n", "utf-8")
    git(repo, "add", "-f", str(stray))
    found = staged_run(repo, env)
    assert found.returncode != 0, found.stdout
    assert hook_line(found.stdout, "oppkobling-check").endswith("Failed")
    assert "generated/st-olavs/cpa/5021-8150099.xml:1:1: error L4" in found.stdout


def test_a_commit_of_only_generated_files_runs_the_freshness_hook(clone: tuple[Path, dict[str, str]]) -> None:
    """A hand-edited CPA committed on its own (nothing under partners/ staged) is refused by the
    installed hook, as `git commit` runs it: the check hook is not "Skipped"."""
    repo, env = clone
    install = run(repo, env, sys.executable, "-m", "pre_commit", "install")
    assert install.returncode == 0, install.stdout + install.stderr
    cpa = sorted((repo / "generated" / "st-olavs" / "cpa").glob("*.xml"))[0]
    text = cpa.read_text("utf-8")
    assert "<tns:Status tns:value=" in text
    cpa.write_text(text.replace('tns:value="proposed"', 'tns:value="agreed"', 1), "utf-8")
    git(repo, "add", str(cpa.relative_to(repo)))
    commit = run(repo, env, "git", "-c", "commit.gpgsign=false", "commit", "-m", "edit a CPA by hand")
    assert commit.returncode != 0, commit.stdout + commit.stderr
    said = commit.stdout + commit.stderr  # git prints the hook's output on stderr
    assert hook_line(said, "oppkobling-check").endswith("Failed")
    assert "L4" in said and cpa.name in said
    assert run(repo, env, "git", "diff", "--cached", "--quiet").returncode == 1  # nothing was committed
