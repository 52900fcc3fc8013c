"""Crash safety of ``oppkobling generate``: killed at any moment, it leaves ``generated/`` as
exactly the old or exactly the new complete tree, and the next run finishes the job; two runs at
once are serialised by the repository lock.

The scenario: generated/ holds the tree of the old declarations (plus a file the pipeline did not
write); then one declaration changes (its agreements change), one is removed (its files must
go) and one is added (new files), and ``generate`` is run -- and killed.

- ``test_random_kills_*``: the real command, SIGKILLed after a random delay (half of the runs
  from the start, half from the moment its staging directory appears; a quarter of them with a
  spare, which the write brings up to date in place), with real fsyncs.
- ``test_kill_at_every_step_*``: ``generated_tree.write`` killed just before each of its file-system
  operations from the first rename on, and a sample of those before, with the renameat2
  exchange and with the fallback's renames, making a staging tree or bringing the spare up to
  date (``killpoints.py``).

Must show (issue 8): random kills during generate never leave a mixed tree.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import REPO, TODAY

from hardening.conftest import ForkCli
from hardening.killpoints import state, tree
from pipeline.io import atomic, generated_tree
from pipeline.model.declarations import parse
from pipeline.render.context import RenderContext
from pipeline.render.generators import render_all

KOMMUNER = "partners/kommuner"
OLD = ("5035-stjordal", "5001-trondheim")  # ordered, active
FOREIGN = "NOTES.md"  # written by hand into generated/: not generated, so gone from the new tree
ITERATIONS = 20


@dataclass
class Scenario:
    root: Path
    old_generated: Path  # a copy of generated/ as the old declarations made it
    new_files: dict[str, bytes]  # the new render (what generated_tree.write is given)
    old: dict[str, str]  # generated/ digests: the old complete tree ...
    new: dict[str, str]  # ... and the new one
    env: dict[str, str]

    def restore(self, *, spare: bool = False) -> None:
        """generated/ as the old declarations made it; ``spare``: with its mirror as the spare (a
        write then brings the spare up to date and exchanges it), else with no spare."""
        for name in ("generated", ".generated.new", ".generated.old", ".generated.spare"):
            path = self.root / name
            if path.exists():
                shutil.rmtree(path)
        shutil.copytree(self.old_generated, self.root / "generated", symlinks=True)
        if spare:
            atomic.spare_home(self.root / "generated")
            shutil.copytree(self.root / "generated", atomic.spare(self.root / "generated"), copy_function=os.link)

    def leftovers(self) -> list[str]:
        return [n for n in (".generated.new", ".generated.old") if os.path.lexists(self.root / n)]


def _partners(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes() for p in sorted((root / "partners").rglob("*")) if p.is_file()
    }


def _render(root: Path) -> dict[str, bytes]:
    declarations = parse(_partners(root))
    assert not declarations.problems
    return render_all(declarations, RenderContext(None))


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    base = tmp_path_factory.mktemp("crash")
    root = base / "repo"
    shutil.copytree(REPO / "partners" / "helseforetak", root / "partners" / "helseforetak")
    shutil.copytree(REPO / "partners" / "ar", root / "partners" / "ar")
    (root / KOMMUNER).mkdir()
    for stem in OLD:
        shutil.copy(REPO / KOMMUNER / f"{stem}.yaml", root / KOMMUNER / f"{stem}.yaml")
    generated_tree.write(root, _render(root))
    (root / "generated" / FOREIGN).write_text("kept by hand\n", "utf-8")
    old_generated = base / "old-generated"
    shutil.copytree(root / "generated", old_generated)
    # The change: a party renamed (changed agreements), Trondheim removed, Molde added.
    stjordal = root / KOMMUNER / "5035-stjordal.yaml"
    stjordal.write_text(stjordal.read_text("utf-8").replace("Helse og velferd", "Helse, omsorg og velferd"), "utf-8")
    (root / KOMMUNER / "5001-trondheim.yaml").unlink()
    shutil.copy(REPO / KOMMUNER / "1506-molde.yaml", root / KOMMUNER / "1506-molde.yaml")
    new_files = _render(root)
    expected = base / "expected"
    shutil.copytree(root, expected, symlinks=True)
    generated_tree.write(expected, new_files)
    old, new = tree(old_generated), tree(expected / "generated")
    assert old is not None and new is not None
    changed = {p for p in old.keys() & new.keys() if old[p] != new[p]}
    assert old.keys() - new.keys() and new.keys() - old.keys() and changed, "the change must add, remove and change"
    assert FOREIGN in old and FOREIGN not in new
    env = {"OPPKOBLING_XSD_DIR": "", "XDG_CACHE_HOME": str(base / "empty-cache"), "OPPKOBLING_DEBUG": "1"}
    return Scenario(root, old_generated, new_files, old, new, env)


def _generate(fork_cli: ForkCli, s: Scenario, kill: dict[str, object] | None = None):  # type: ignore[no-untyped-def]
    return fork_cli(s.root, "generate", "--today", TODAY, env=s.env, kill=kill)


def test_the_command_writes_what_the_scenario_expects(scenario: Scenario, fork_cli: ForkCli) -> None:
    scenario.restore()
    result = _generate(fork_cli, scenario)
    assert result.code == 0, result.err
    assert tree(scenario.root / "generated") == scenario.new


def test_random_kills_during_generate_never_leave_a_mixed_tree(scenario: Scenario, fork_cli: ForkCli) -> None:
    scenario.restore()
    start = time.monotonic()
    assert _generate(fork_cli, scenario).code == 0
    full = time.monotonic() - start
    outcomes = {"old": 0, "old, staging left": 0, "new": 0, "new, old tree left": 0}
    for i in range(ITERATIONS):
        rng = random.Random(i)  # reproducible: the seed is the iteration
        scenario.restore(spare=i % 4 == 2)  # the spare is brought up to date in place: no staging to wait for
        if i % 2:
            kill: dict[str, object] = {"when": str(scenario.root / ".generated.new"), "after": rng.uniform(0, full / 2)}
        else:
            kill = {"after": rng.uniform(0, full)}
        result = _generate(fork_cli, scenario, kill)
        assert "Traceback" not in result.err
        after = tree(scenario.root / "generated")
        where = f"iteration {i}, kill {kill}, exit {result.code}, left {scenario.leftovers()}"
        assert after in (scenario.old, scenario.new), f"a mixed tree after {where}"
        kind = "old" if after == scenario.old else "new"
        leftover = {"old": ", staging left", "new": ", old tree left"}[kind] if scenario.leftovers() else ""
        outcomes[kind + leftover] += 1
        again = _generate(fork_cli, scenario)
        assert again.code == 0, again.err
        assert tree(scenario.root / "generated") == scenario.new, f"no recovery after {where}"
        assert scenario.leftovers() == []
    print(f"random kills over a {full:.2f} s generate: {outcomes}")
    assert sum(outcomes.values()) == ITERATIONS


@pytest.fixture
def scratch(tmp_path: Path) -> Iterator[Path]:
    """A directory on tmpfs when there is one: hundreds of tree copies and removals take seconds
    on a disk file system (the crash semantics are the same; renameat2 works on tmpfs)."""
    shm = Path("/dev/shm")
    if not (shm.is_dir() and os.access(shm, os.W_OK)):
        yield tmp_path
        return
    with tempfile.TemporaryDirectory(dir=shm, prefix="oppkobling-kill-") as path:
        yield Path(path)


@pytest.mark.parametrize("spare", [False, True], ids=["staging", "spare"])
@pytest.mark.parametrize("mode", ["exchange", "fallback"])
def test_kill_at_every_step_of_the_swap(scenario: Scenario, mode: str, spare: bool, scratch: Path) -> None:
    tmp_path = scratch
    new_dir = tmp_path / "new"
    for rel, content in scenario.new_files.items():
        (new_dir / rel).parent.mkdir(parents=True, exist_ok=True)
        (new_dir / rel).write_bytes(content)
    root, old = tmp_path / "repo", tmp_path / "old"
    shutil.copytree(scenario.root / "partners", root / "partners")
    shutil.copytree(scenario.old_generated, old)
    config = {"root": str(root), "old": str(old), "new": str(new_dir), "mode": mode, "spare": spare}
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("killpoints.py")), json.dumps({**config, "max_points": 80})],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    ops, results = report["ops"], report["results"]
    first = ops.index("exchange")
    assert mode == "exchange" or "rename" in ops[first:]
    assert {r["point"] for r in results} >= set(range(first + 1, len(ops) + 1)), "every step of the swap is killed"
    seen = set()
    for r in results:
        killed, where = r["killed"], f"killed before op {r['point']} ({r['op']}), exit {r['code']}"
        assert r["code"] == -9, where
        gen = killed["generated"]
        if gen is None:
            # Only the fallback, between its two renames: the old tree waits whole at .generated.old/.
            assert mode == "fallback", where
            assert killed[".generated.old"] == scenario.old, where
            seen.add("none, old tree at .generated.old")
        else:
            assert gen in (scenario.old, scenario.new), f"a mixed tree: {where}"
            seen.add("old" if gen == scenario.old else "new")
        assert r["next"] == {"generated": scenario.new, ".generated.new": None, ".generated.old": None}, where
    print(f"{mode}: {len(ops)} operations, killed at {len(results)} of them; generated/ was: {sorted(seen)}")
    assert {"old", "new"} <= seen


def _start_generate(root: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli", "generate", "--today", TODAY],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_generates_at_once_are_serialised(scenario: Scenario, tmp_path: Path) -> None:
    """While the lock is held, neither run writes; once it is released, one writes the new tree
    and the other finds it up to date."""
    scenario.restore()
    env = {**os.environ, **scenario.env, "OPPKOBLING_LOCK_WAIT": "60"}
    with atomic.repo_lock(scenario.root):
        runs = [_start_generate(scenario.root, env) for _ in range(2)]
        time.sleep(2.0)
        assert [p.poll() for p in runs] == [None, None], "both wait for the lock"
        assert tree(scenario.root / "generated") == scenario.old
        assert scenario.leftovers() == []
    results = [p.communicate(timeout=300) for p in runs]
    assert [p.returncode for p in runs] == [0, 0], results
    outs = sorted(out for out, _ in results)
    assert "already up to date" in outs[0] and "written" in outs[1], outs
    assert all("Traceback" not in err for _, err in results)
    assert tree(scenario.root / "generated") == scenario.new


def test_two_generates_racing_end_consistent(scenario: Scenario) -> None:
    scenario.restore()
    env = {**os.environ, **scenario.env}
    runs = [_start_generate(scenario.root, env) for _ in range(2)]
    results = [p.communicate(timeout=300) for p in runs]
    for p, (out, err) in zip(runs, results, strict=True):
        assert "Traceback" not in err
        assert p.returncode == 0 or (p.returncode == 1 and "another oppkobling run holds" in err), (out, err)
    assert 0 in [p.returncode for p in runs]
    assert tree(scenario.root / "generated") == scenario.new
    assert scenario.leftovers() == []


def test_a_run_that_cannot_get_the_lock_says_so_and_writes_nothing(scenario: Scenario, fork_cli: ForkCli) -> None:
    scenario.restore()
    before = state(scenario.root)
    with atomic.repo_lock(scenario.root):
        env = {**scenario.env, "OPPKOBLING_LOCK_WAIT": "0.2"}
        result = fork_cli(scenario.root, "generate", "--today", TODAY, env=env)
    assert result.code == 1
    assert "oppkobling: error: another oppkobling run holds" in result.err and ".oppkobling.lock" in result.err
    assert "Traceback" not in result.err
    assert state(scenario.root) == before
