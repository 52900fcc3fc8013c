"""A lock on the target keeps two deploys apart; a stale one is reported with how to clear it."""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
from pathlib import Path

from deploy.support import HF, Cli
from pipeline.deploy.lock import LockInfo, stale_reason

NOW = dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.UTC)


def _lock(srv: Path, info: LockInfo) -> Path:
    srv.mkdir(exist_ok=True)
    path = srv / "deploy.lock"
    path.write_bytes(info.to_bytes())
    return path


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait(timeout=10)
    return proc.pid


def test_lock_held_by_a_running_deploy_refuses_a_second(cli: Cli, tmp_path: Path) -> None:
    srv = tmp_path / "srv"
    now = dt.datetime.now(dt.UTC)
    lock = _lock(srv, LockInfo("alice", os.getpid(), socket.gethostname(), now, "oppkobling deploy --hf st-olavs"))
    result = cli("deploy", "--hf", HF, "--target", f"dir:{srv}", "--apply")
    assert result.code == 1
    assert "locked by another deploy: alice" in result.err
    assert "Wait for it to finish" in result.err
    assert "--break-lock" not in result.err
    assert not (srv / "releases").exists()
    assert lock.read_bytes().startswith(b"{")  # still there, untouched
    # The plan needs no lock, and mentions it.
    plan = cli("deploy", "--hf", HF, "--target", f"dir:{srv}")
    assert plan.code == 0
    assert "note: " in plan.out
    assert "locked by another deploy: alice" in plan.out


def test_stale_lock_is_reported_not_broken(cli: Cli, tmp_path: Path) -> None:
    srv = tmp_path / "srv"
    old = dt.datetime.now(dt.UTC) - dt.timedelta(hours=3)
    lock = _lock(srv, LockInfo("bob", 4242, "ci-runner-7", old, "oppkobling deploy --hf st-olavs"))
    before = lock.read_bytes()
    result = cli("deploy", "--hf", HF, "--target", f"dir:{srv}", "--apply")
    assert result.code == 1
    assert "stale lock held by bob (pid 4242 on ci-runner-7" in result.err
    assert "180 minutes old" in result.err
    assert f"clear it with: oppkobling deploy --hf {HF} --target dir:{srv} --break-lock" in result.err
    assert lock.read_bytes() == before
    assert not (srv / "releases").exists()


def test_unreadable_lock_is_reported(cli: Cli, tmp_path: Path) -> None:
    srv = tmp_path / "srv"
    assert cli("deploy", "--hf", HF, "--target", f"dir:{srv}", "--apply").code == 0
    (srv / "deploy.lock").write_text("garbage")
    result = cli("rollback", "--hf", HF, "--target", f"dir:{srv}")
    assert result.code == 1
    assert "not a lock oppkobling wrote" in result.err
    assert f"oppkobling rollback --hf {HF} --target dir:{srv} --break-lock" in result.err


def test_lock_is_released_after_apply_and_after_a_failure(cli: Cli, tmp_path: Path) -> None:
    srv = tmp_path / "srv"
    nothing = cli("rollback", "--hf", HF, "--target", f"dir:{srv}")
    assert nothing.code == 1
    assert "serves nothing yet" in nothing.err
    assert cli("deploy", "--hf", HF, "--target", f"dir:{srv}", "--apply").code == 0
    assert not (srv / "deploy.lock").exists()
    failed = cli("rollback", "--hf", HF, "--target", f"dir:{srv}")
    assert failed.code == 1
    assert "cannot roll back" in failed.err
    assert not (srv / "deploy.lock").exists()


def test_stale_reason() -> None:
    host = "here"
    fresh = LockInfo("a", 1, host, NOW - dt.timedelta(minutes=5), "x")
    assert stale_reason(fresh, now=NOW, this_host=host, alive=lambda pid: True) is None
    assert "no longer running" in (stale_reason(fresh, now=NOW, this_host=host, alive=lambda pid: False) or "")
    # On another host the pid means nothing here: only age can make it stale.
    elsewhere = LockInfo("a", _dead_pid(), "there", NOW - dt.timedelta(minutes=5), "x")
    assert stale_reason(elsewhere, now=NOW, this_host=host) is None
    old = LockInfo("a", 1, "there", NOW - dt.timedelta(minutes=45), "x")
    assert "45 minutes old" in (stale_reason(old, now=NOW, this_host=host) or "")
    assert LockInfo.from_bytes(old.to_bytes()) == old
    assert LockInfo.from_bytes(b"{}") is None
