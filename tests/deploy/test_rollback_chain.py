"""Rollback follows the release chain (each deploy record's ``previous``), never the release
numbers: a release rolled back away from is never served again, and pruning keeps what rollback
would go to. On both targets (a directory and an SFTP server on loopback).

Must show (issue 13): r1 (good), r2 (bad), rollback, r3 (bad), rollback serves r1."""

from __future__ import annotations

import json

from deploy.support import HF, V1, Cli, Srv, Work, git

GOOD = V1
BAD = {**V1, "cpa/a.xml": b"<a>bad</a>\n"}
WORSE = {**V1, "cpa/a.xml": b"<a>worse</a>\n"}


def deploy(cli: Cli, work: Work, srv: Srv, files: dict[str, bytes]) -> str:
    work.generate(files, commit=False)
    git(work.root, "add", "-A")
    git(work.root, "commit", "-q", "--allow-empty", "-m", "regenerate")
    done = cli("deploy", "--hf", HF, "--target", srv.spec, *srv.options, "--apply")
    assert done.code == 0, done.err
    current = srv.current()
    assert current is not None
    return current


def rollback(cli: Cli, srv: Srv) -> str:
    back = cli("rollback", "--hf", HF, "--target", srv.spec, *srv.options)
    assert back.code == 0, back.err
    current = srv.current()
    assert current is not None
    return current


def served_a(srv: Srv) -> bytes:
    return (srv.served() / "cpa" / "a.xml").read_bytes()


def test_a_release_rolled_back_away_from_is_never_served_again(cli: Cli, work: Work, srv: Srv) -> None:
    r1 = deploy(cli, work, srv, GOOD)
    r2 = deploy(cli, work, srv, BAD)
    assert rollback(cli, srv) == r1
    marker = json.loads((srv.path / "releases" / r2 / ".oppkobling-rolled-back.json").read_text())
    assert marker["to"] == r1
    r3 = deploy(cli, work, srv, WORSE)
    assert r3 not in (r1, r2)
    # The newest older release is r2, the bad one: the chain says r3 came after r1.
    assert rollback(cli, srv) == r1
    assert served_a(srv) == GOOD["cpa/a.xml"]
    # Nothing before r1 was kept that was not rolled back away from: no further rollback.
    again = cli("rollback", "--hf", HF, "--target", srv.spec, *srv.options)
    assert again.code == 1
    assert "cannot roll back" in again.err
    assert srv.current() == r1


def test_rolling_back_twice_walks_the_chain(cli: Cli, work: Work, srv: Srv) -> None:
    r1 = deploy(cli, work, srv, GOOD)
    r2 = deploy(cli, work, srv, BAD)
    deploy(cli, work, srv, WORSE)
    assert rollback(cli, srv) == r2
    assert rollback(cli, srv) == r1


def test_pruning_keeps_the_release_rollback_would_go_to(cli: Cli, work: Work, srv: Srv) -> None:
    """keep_releases 1: after r1 good, r2 bad, rollback, r3 bad the kept release is r1 (the
    rollback target), not r2 (the newest older one, rolled back away from)."""
    hf = work.root / "partners" / "helseforetak" / f"{HF}.yaml"
    hf.write_text(hf.read_text() + "deploy:\n  keep_releases: 1\n")
    r1 = deploy(cli, work, srv, GOOD)
    r2 = deploy(cli, work, srv, BAD)
    assert rollback(cli, srv) == r1
    r3 = deploy(cli, work, srv, WORSE)
    kept = sorted(p.name for p in (srv.path / "releases").iterdir())
    assert kept == sorted([r1, r3]), kept
    assert r2 not in kept
    assert rollback(cli, srv) == r1
    assert served_a(srv) == GOOD["cpa/a.xml"]
