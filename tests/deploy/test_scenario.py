"""The must-show sequence on both targets: plan -> apply -> apply again (no change) -> tamper on the
server -> drift found -> apply heals it -> drift clean; then rollback; and a transfer killed midway
that leaves the previous release serving."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from deploy.support import HF, V1, V2, Cli, Srv, Work

INTERRUPT = Path(__file__).with_name("interrupt.py")


def test_plan_apply_tamper_drift_heal_rollback(cli: Cli, work: Work, srv: Srv) -> None:
    deploy = ("deploy", "--hf", HF, "--target", srv.spec, *srv.options)
    drift = ("drift", "--hf", HF, "--target", srv.spec, *srv.options)

    plan = cli(*deploy)
    assert plan.code == 0, plan.err
    assert re.search(r"add\s+cpa/a\.xml", plan.out)
    assert "3 to add, 0 to change, 0 to remove" in plan.out
    assert "Dry run: nothing was changed" in plan.out
    assert srv.releases() == []

    first = cli(*deploy, "--apply")
    assert first.code == 0, first.err
    assert "Deployed release r000001-" in first.out
    assert srv.served_files() == V1
    doc = json.loads((srv.served() / ".oppkobling-deploy.json").read_text())
    assert doc["commit"] == work.head()
    assert doc["dirty"] is False
    assert doc["deployed_by"] == "tester"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", doc["deployed_at"])
    assert set(doc["files"]) == set(V1)

    again = cli(*deploy, "--apply")
    assert again.code == 0, again.err
    assert "Nothing to deploy" in again.out
    assert "No new release" in again.out
    assert len(srv.releases()) == 1

    # A manual edit on the server: one file changed, one deleted, one added.
    served = srv.served()
    (served / "cpa/b.xml").write_bytes(b"<b>edited by hand</b>\n")
    (served / "index.txt").unlink()
    (served / "notes.txt").write_bytes(b"left here\n")
    found = cli(*drift)
    assert found.code == 1
    assert re.search(r"changed\s+cpa/b\.xml", found.out)
    assert re.search(r"missing\s+index\.txt", found.out)
    assert re.search(r"extra\s+notes\.txt", found.out)
    assert "cpa/a.xml" not in found.out

    heal = cli(*deploy, "--apply")
    assert heal.code == 0, heal.err
    assert re.search(r"change\s+cpa/b\.xml", heal.out)
    assert re.search(r"remove\s+notes\.txt", heal.out)
    assert "Deployed release r000002-" in heal.out
    assert srv.served_files() == V1
    clean = cli(*drift)
    assert clean.code == 0, clean.out
    assert "exactly" in clean.out

    work.generate(V2)
    assert cli(*deploy, "--apply").code == 0
    assert srv.served_files() == V2
    assert srv.current() is not None and srv.current().startswith("r000003-")  # type: ignore[union-attr]

    back = cli("rollback", "--hf", HF, "--target", srv.spec, *srv.options)
    assert back.code == 0, back.err
    assert "now serving r000002-" in back.out
    assert srv.served_files() == V1
    assert cli(*drift).code == 1  # the server now lags behind generated/, and drift says so


def test_transfer_killed_midway_leaves_previous_release_serving(cli: Cli, work: Work, srv: Srv) -> None:
    deploy = ("deploy", "--hf", HF, "--target", srv.spec, *srv.options)
    assert cli(*deploy, "--apply").code == 0
    before = srv.current()
    work.generate(V2)

    # A separate process that is SIGKILLed after writing one file of the new release.
    proc = subprocess.run(
        [sys.executable, str(INTERRUPT), "1", *deploy, "--apply", "--root", str(work.root), "--today", "2026-11-26"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == -9, proc.stdout + proc.stderr
    assert srv.current() == before
    assert srv.served_files() == V1
    partial = [r for r in srv.releases() if r != before]
    assert len(partial) == 1
    assert not (srv.path / "releases" / partial[0] / ".oppkobling-deploy.json").exists()

    # The dead deploy's lock is reported, never silently broken.
    refused = cli(*deploy, "--apply")
    assert refused.code == 1
    assert "stale lock" in refused.err
    assert "no longer running" in refused.err
    assert f"oppkobling deploy --hf {HF} --target {srv.spec} --break-lock" in refused.err
    assert srv.current() == before

    healed = cli(*deploy, "--apply", "--break-lock")
    assert healed.code == 0, healed.err
    assert "removed the lock held by tester" in healed.out
    assert f"removed incomplete release {partial[0]}" in healed.out
    assert srv.served_files() == V2
    assert partial[0] not in srv.releases()
    assert cli("drift", "--hf", HF, "--target", srv.spec, *srv.options).code == 0
