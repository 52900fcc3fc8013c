"""Target specs, the HF declaration's target and retention, and SFTP's refusals: unknown or changed
host keys, and keys kept inside the repository."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from deploy.support import HF, Cli, Sshd, Work, git
from pipeline.cli.commands import COMMANDS
from pipeline.deploy.target import DirSpec, SftpSpec, parse_spec
from pipeline.errors import UsageError


def test_parse_spec(tmp_path: Path) -> None:
    assert parse_spec("dir:srv/x", tmp_path) == DirSpec(tmp_path / "srv/x")
    assert parse_spec("dir:/abs", tmp_path) == DirSpec(Path("/abs"))
    assert parse_spec("sftp://deploy@mt.example:2222/srv/mt", tmp_path) == SftpSpec(
        "deploy", "mt.example", 2222, "/srv/mt"
    )
    assert parse_spec("sftp://deploy@mt.example/~/mt", tmp_path) == SftpSpec("deploy", "mt.example", 22, "mt")
    for bad in ("ftp://x/y", "dir:", "sftp://u:pw@h/p", "sftp://u@h/", "sftp://u@h:99999/p"):
        with pytest.raises(UsageError):
            parse_spec(bad, tmp_path)


def test_commands_are_registered() -> None:
    assert {"deploy", "rollback", "drift"} <= set(COMMANDS)


def test_declared_target_and_keep_releases(cli: Cli, work: Work) -> None:
    hf = work.root / "partners/helseforetak/st-olavs.yaml"
    hf.write_text(hf.read_text() + "deploy:\n  target: dir:../served\n  keep_releases: 1\n")
    git(work.root, "commit", "-q", "-am", "declare the deploy target")
    served = work.root.parent / "served"
    for n in range(3):
        result = cli("deploy", "--hf", HF, "--apply")
        assert result.code == 0, result.err
        assert f"Deployed release r00000{n + 1}-" in result.out
        (served / "current/index.txt").write_text(f"tampered {n}\n")  # so the next apply has work
    releases = sorted(p.name for p in (served / "releases").iterdir())
    assert [r[:7] for r in releases] == ["r000002", "r000003"]  # current and one kept for rollback
    assert os.readlink(served / "current") == f"releases/{releases[-1]}"
    # drift without --hf checks every HF that declares a target.
    found = cli("drift")
    assert found.code == 1
    assert found.out.startswith(f"{HF}: dir:{served} serving r000003-")
    assert "changed  index.txt" in found.out


def test_no_target_is_a_usage_error(cli: Cli) -> None:
    result = cli("deploy", "--hf", HF)
    assert result.code == 2
    assert "declares no deploy.target" in result.err
    assert cli("drift").code == 2
    assert cli("deploy", "--hf", "nowhere", "--target", "dir:/tmp/x").code == 2


def test_sftp_refuses_an_unknown_host(cli: Cli, sshd: Sshd, tmp_path: Path) -> None:
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    result = cli(
        "deploy", "--hf", HF, "--target", sshd.url(tmp_path / "srv"),
        "--identity", str(sshd.key), "--known-hosts", str(empty),
    )  # fmt: skip
    assert result.code == 1
    assert "not found in known_hosts" in result.err
    assert not (tmp_path / "srv").exists()


def test_sftp_refuses_a_changed_host_key(cli: Cli, sshd: Sshd, tmp_path: Path) -> None:
    other = sshd.dir / "client_key.pub"  # a valid key, but not the server's
    kind, key = other.read_text().split()[:2]
    wrong = tmp_path / "known_hosts"
    wrong.write_text(f"[127.0.0.1]:{sshd.port} {kind} {key}\n")
    result = cli(
        "drift", "--hf", HF, "--target", sshd.url(tmp_path / "srv"),
        "--identity", str(sshd.key), "--known-hosts", str(wrong),
    )  # fmt: skip
    assert result.code == 1
    assert "does not match" in result.err


def test_sftp_key_comes_from_the_environment_never_the_repository(
    cli: Cli, sshd: Sshd, work: Work, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = sshd.url(tmp_path / "srv")
    monkeypatch.setenv("OPPKOBLING_KNOWN_HOSTS", str(sshd.known_hosts))
    missing = cli("deploy", "--hf", HF, "--target", url)
    assert missing.code == 1
    assert "needs a login key: pass --identity FILE or set OPPKOBLING_SSH_KEY" in missing.err
    inside = work.root / "deploy_key"
    inside.write_bytes(sshd.key.read_bytes())
    monkeypatch.setenv("OPPKOBLING_SSH_KEY", str(inside))
    refused = cli("deploy", "--hf", HF, "--target", url)
    assert refused.code == 1
    assert "inside the repository" in refused.err
    monkeypatch.setenv("OPPKOBLING_SSH_KEY", str(sshd.key))
    ok = cli("deploy", "--hf", HF, "--target", url)
    assert ok.code == 0, ok.err
    assert "3 to add" in ok.out
