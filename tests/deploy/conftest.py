"""Fixtures for deploy tests: a committed work tree with a hand-made generated/<hf>/, the CLI run
in-process, and a real OpenSSH server on loopback for the SFTP target."""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import REPO, TODAY

import pipeline.cli.main as cli_main
from deploy.support import DEPLOY_COMMANDS, SSHD, V1, Cli, Result, Srv, Sshd, Work, git, on_disk
from pipeline.app import deploy as app_deploy
from pipeline.cli.main import main


@pytest.fixture
def work(tmp_path: Path) -> Work:
    root = tmp_path / "repo"
    root.mkdir()
    shutil.copytree(REPO / "partners", root / "partners")
    git(root, "init", "-q")
    w = Work(root)
    w.generate(V1)
    return w


@pytest.fixture
def cli_real(work: Work, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    """``oppkobling`` run in-process in the work tree (with --root and, for deploy, --today)."""
    monkeypatch.setenv("USER", "tester")
    # Only this commands: an unrelated command that fails to import must not fail these tests.
    monkeypatch.setattr(cli_main, "COMMANDS", DEPLOY_COMMANDS)
    monkeypatch.delenv("OPPKOBLING_SSH_KEY", raising=False)
    monkeypatch.delenv("OPPKOBLING_KNOWN_HOSTS", raising=False)

    def run(*args: str) -> Result:
        argv = [*args, "--root", str(work.root)]
        if args[0] == "deploy":
            argv += ["--today", TODAY]
        capsys.readouterr()
        code = main(argv)
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


@pytest.fixture
def cli(cli_real: Cli, monkeypatch: pytest.MonkeyPatch) -> Cli:
    """As ``cli_real``, but generated/ counts as fresh: these trees are hand-made, not what the
    declarations generate (freshness has its own tests in test_guards.py)."""
    monkeypatch.setattr(app_deploy, "expected", lambda root, loaded: on_disk(root))
    return cli_real


# --- a real OpenSSH server on loopback ---------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _keygen(path: Path) -> None:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "", "-f", str(path)], check=True, timeout=30)


@pytest.fixture(scope="session")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sshd]:
    if not SSHD.is_file() or shutil.which("ssh-keygen") is None:
        message = "OpenSSH server not installed (apt-get install openssh-server)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    d = tmp_path_factory.mktemp("sshd")
    _keygen(d / "host_key")
    _keygen(d / "client_key")
    shutil.copy(d / "client_key.pub", d / "authorized_keys")
    user = pwd.getpwuid(os.getuid()).pw_name
    port = _free_port()
    (d / "sshd_config").write_text(
        f"Port {port}\n"
        "ListenAddress 127.0.0.1\n"
        f"HostKey {d / 'host_key'}\n"
        f"AuthorizedKeysFile {d / 'authorized_keys'}\n"
        f"PidFile {d / 'sshd.pid'}\n"
        "UsePAM no\n"
        "StrictModes no\n"
        "PasswordAuthentication no\n"
        "KbdInteractiveAuthentication no\n"
        "PubkeyAuthentication yes\n"
        "PermitRootLogin prohibit-password\n"
        "Subsystem sftp internal-sftp\n"
        f"AllowUsers {user}\n"
    )
    if os.geteuid() == 0:
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd's privilege-separation directory
    log = (d / "sshd.log").open("wb")
    proc = subprocess.Popen([str(SSHD), "-D", "-e", "-f", str(d / "sshd_config")], stdout=log, stderr=log)
    try:
        for _ in range(200):
            if proc.poll() is not None:
                pytest.fail(f"sshd exited with {proc.returncode}: {(d / 'sshd.log').read_text()}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.05)
        else:
            pytest.fail(f"sshd did not listen on 127.0.0.1:{port}: {(d / 'sshd.log').read_text()}")
        kind, key = (d / "host_key.pub").read_text().split()[:2]
        (d / "known_hosts").write_text(f"[127.0.0.1]:{port} {kind} {key}\n")
        yield Sshd(port, user, d / "client_key", d / "known_hosts", d)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()


# --- one scenario, two targets ---------------------------------------------------------------


@pytest.fixture(params=["dir", "sftp"])
def srv(request: pytest.FixtureRequest, tmp_path: Path) -> Srv:
    path = tmp_path / "srv"
    if request.param == "dir":
        return Srv(f"dir:{path}", path, (), "dir")
    server: Sshd = request.getfixturevalue("sshd")
    return Srv(
        server.url(path),
        path,
        ("--identity", str(server.key), "--known-hosts", str(server.known_hosts)),
        "sftp",
    )
