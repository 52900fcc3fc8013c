"""oppkobling side by side with its peers and floors, at 1x, 2x and 4x the data, in one run.

    python benchmarks/run.py                      # 357 kommuner x 8 parties at 1x, 2x, 4x
    python benchmarks/run.py --scales 1 --runs 3  # quicker
    python benchmarks/run.py --kommuner 65 --parties 4 --scales 1,2 --out /tmp/results.md

Needs the official XSDs: ``--xsd-dir``, else ``$OPPKOBLING_XSD_DIR``, else
``../shared/standards/xsd`` next to the repository. Scratch repositories go to
``benchmarks/work/`` (git-ignored); ``benchmarks/results.md`` gets the table and the machine.

Every measurement is a fresh process, timed by wall clock like hyperfine: one warm-up run, then
``--runs`` timed runs; the table shows the best (min) and the median, and the peak resident
memory of the process (``ru_maxrss`` from ``wait4``). Ratios are taken between commands timed
in the same run on the same data, never against remembered numbers.

Pairs (oppkobling first, what it is held against second):

- ``validate`` (schema and every rule, cold: no cache) vs ``check-jsonschema`` with the
  project's ``schemas/kommune.schema.json`` over the same kommune files (schema only);
- ``build`` (cold: no generated/, no cache) vs ``benchmarks/floor.py`` (parse the same YAML with
  the fastest loader, serialise and schema-validate the same XML documents with lxml);
- ``check`` right after a build (nothing changed) vs that cold build;
- ``validate FILE`` on one declaration after a full validate (the pre-commit case) vs
  ``python -c "import pipeline"``; and, for the record, ``validate FILE`` right after that file
  was edited (its cached result no longer applies).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import synth  # noqa: E402

TODAY = synth.TODAY.isoformat()
WARMUPS = 1  # untimed runs before the timed ones; main() sets it from --warmups
# Rows that take well under a second are sampled at least this often: one sample of a 40 ms
# process start is mostly the machine's noise, and the ratios between them are what is read.
QUICK_RUNS = 9

# (ratio, target (one for every scale, or per scale), numerator, denominator): issue 18's table
TARGETS: tuple[tuple[str, float | dict[int, float], str, str], ...] = (
    (
        "build after editing one party name / cold build",
        {1: 0.10, 2: 0.10, 4: 0.05},
        "build (party name edited)",
        "build (cold)",
    ),
    ("build after editing one kommune / validate (cold)", 1.5, "build (one kommune edited)", "validate"),
    ("validate FILE after editing it / validate (cold)", 0.20, "validate FILE (edited)", "validate"),
    ("validate FILE, nothing changed / import floor", 1.5, "validate FILE", "python -c 'import pipeline'"),
    ("build (cold) / floor", 1.6, "build (cold)", "floor"),
    ("validate / check-jsonschema", 0.25, "validate", "check-jsonschema"),
    ("no-change check / cold build", 0.25, "check (no change)", "build (cold)"),
)
AR_SYNC_TARGET = 200  # parties/s, at most 16 connections, server answering in 20 ms
AR_SYNC_CONNECTIONS = 16
AR_SYNC_LATENCY = 0.02
RECEIPTS_TARGET = 2.0  # reading a Maildir of receipts / lxml parsing the same XML
GROWTH_LIMIT = 4.4  # 4x the data in at most 4.4x the time
MEMORY_LIMIT_MB = 500


@dataclass
class Timing:
    name: str
    times: list[float]
    rss_mb: float  # peak RSS of the largest single process (VmHWM)
    pss_mb: float  # peak of the whole process tree (workers included), sampled
    code: int
    note: str = ""

    @property
    def best(self) -> float:
        return min(self.times)

    @property
    def median(self) -> float:
        return statistics.median(self.times)


class TreeMemory(threading.Thread):
    """Samples, every 20 ms, a process and all its descendants: the sum of their proportional set
    sizes (PSS: what a command that forks workers really takes, shared pages counted once) and
    the largest peak RSS (VmHWM) of any one of them. (ru_maxrss from wait4 would do for the
    latter, but Linux carries it over from this process across fork and exec.)"""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_kb = 0
        self.hwm_kb = 0
        self.done = threading.Event()

    def _tree(self) -> list[int]:
        found, todo = [], [self.pid]
        while todo:
            pid = todo.pop()
            found.append(pid)
            try:
                for task in os.listdir(f"/proc/{pid}/task"):
                    todo.extend(int(c) for c in Path(f"/proc/{pid}/task/{task}/children").read_text().split())
            except OSError:
                continue
        return found

    @staticmethod
    def _kb(path: str, field: str) -> int:
        """A "Field:   123 kB" line of a /proc file, in kB (0 once the process is gone)."""
        try:
            for line in Path(path).read_text().splitlines():
                if line.startswith(field):
                    return int(line.split()[1])
        except (OSError, ValueError):
            pass
        return 0

    def run(self) -> None:
        while not self.done.is_set():
            tree = self._tree()
            self.peak_kb = max(self.peak_kb, sum(self._kb(f"/proc/{p}/smaps_rollup", "Pss:") for p in tree))
            self.hwm_kb = max([self.hwm_kb, *(self._kb(f"/proc/{p}/status", "VmHWM:") for p in tree)])
            self.done.wait(0.02)


def run_once(cmd: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float, float, int, str]:
    """Wall time, largest single-process RSS (MB), peak PSS of the process tree (MB), exit code, stderr."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    sampler = TreeMemory(proc.pid)
    sampler.start()
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status = os.waitpid(proc.pid, 0)
    elapsed = time.perf_counter() - started
    sampler.done.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    return elapsed, sampler.hwm_kb / 1024, sampler.peak_kb / 1024, proc.returncode, err.decode("utf-8", "replace")


def measure(
    name: str,
    cmd: list[str],
    *,
    cwd: Path,
    env: dict[str, str],
    runs: int,
    before: object = None,
    ok: tuple[int, ...] = (0,),
    again: bool = False,
) -> Timing:
    """Warm up ``WARMUPS`` times, then time ``runs`` runs; ``before`` (a callable) runs before each one.
    ``again``: the row is a command run a second time with nothing changed (its answer cached by the
    first), so it is always warmed up once, whatever ``--warmups`` says."""
    times: list[float] = []
    rss = pss = 0.0
    code = 0
    warmups = max(WARMUPS, 1) if again else WARMUPS
    for i in range(runs + warmups):
        if callable(before):
            before()
        elapsed, peak, tree, code, err = run_once(cmd, cwd, env)
        if code not in ok:
            raise SystemExit(f"{name}: exit {code}\n$ {' '.join(cmd)}\n{err[-3000:]}")
        if i >= warmups:
            times.append(elapsed)
        rss, pss = max(rss, peak), max(pss, tree)
    timing = Timing(name, times, rss, pss, code)
    print(
        f"  {name:<30} best {timing.best:8.3f} s  median {timing.median:8.3f} s  "
        f"RSS {rss:7.1f} MB  PSS(tree) {pss:7.1f} MB",
        flush=True,
    )
    return timing


def oppkobling() -> list[str]:
    script = Path(sys.executable).parent / "oppkobling"
    return [str(script)] if script.exists() else [sys.executable, "-m", "pipeline.cli"]


def tool(name: str) -> str:
    found = Path(sys.executable).parent / name
    if found.exists():
        return str(found)
    located = shutil.which(name)
    if located is None:
        raise SystemExit(f"{name} not found: pip install -e '.[dev]'")
    return located


TRASH = HERE / "work" / "trash"


def clear(*paths: Path) -> object:
    """Take ``paths`` away before a run. Big trees are moved aside, not deleted: on ext4, creating
    files soon after deleting tens of thousands costs ~20x more per file (the inode allocator
    skips recently deleted inodes), which would bill the next build for the previous one's
    clean-up. The trash is emptied at the end."""

    def run() -> None:
        for p in paths:
            if p.is_dir():
                TRASH.mkdir(parents=True, exist_ok=True)
                p.rename(TRASH / f"{p.name}-{time.time_ns()}")
            elif p.exists():
                p.unlink()

    return run


def one_file(repo: Path) -> str:
    """The declaration the pre-commit case validates: the first active kommune (a full one)."""
    for path in sorted((repo / "partners" / "kommuner").glob("*.yaml")):
        if "\nstatus: active\n" in path.read_text("utf-8"):
            return path.relative_to(repo).as_posix()
    raise SystemExit(f"no active kommune in {repo}")


def touch_one(repo: Path) -> object:
    """Edit one declaration (a comment line that alternates), so its cached result is stale."""
    path = repo / one_file(repo)
    state = {"n": 0}

    def run() -> None:
        state["n"] += 1
        lines = path.read_text("utf-8").splitlines(keepends=True)
        lines = [line for line in lines if not line.startswith("# benchmark edit")]
        path.write_text("".join([*lines, f"# benchmark edit {state['n']}\n"]), "utf-8")

    return run


def edit_line(repo: Path, pattern: str, values: tuple[str, str]) -> object:
    """Alternate one line of the pre-commit case's declaration between two values: a real edit
    before every run (the caches keep only the live state, so going back is an edit too)."""
    path = repo / one_file(repo)
    state = {"n": 0}

    def run() -> None:
        state["n"] += 1
        lines = path.read_text("utf-8").splitlines(keepends=True)
        i = next(i for i, line in enumerate(lines) if line.startswith(pattern))
        lines[i] = pattern + values[state["n"] % 2] + "\n"
        path.write_text("".join(lines), "utf-8")

    return run


def party_name(repo: Path) -> object:
    """The first party's name (what the build after one edit is timed on)."""
    return edit_line(repo, "    name: ", ('"Helse og omsorg"', '"Helse og velferd"'))


def contact(repo: Path) -> object:
    """The kommune's meldingsansvarlig (shown on the status page: an aggregate changes)."""
    return edit_line(repo, "contact: ", ("meldingsansvarlig@example.no", "postmottak@example.no"))


def json_of(cmd: list[str], env: dict[str, str], cwd: Path = REPO) -> dict[str, float]:
    """Run a measuring script in a fresh process; its last line is a JSON object of figures."""
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"$ {' '.join(cmd)}\n{proc.stderr[-3000:]}")
    found: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    return found


def extra(scale: int, counts: dict[str, int], env: dict[str, str]) -> dict[str, float]:
    """ar sync against a local server answering in 20 ms (every party of this scale, at most 16
    connections) and receipts read from a Maildir with one receipt per test message, each in its
    own process."""
    sync = json_of(
        [
            sys.executable,
            str(REPO / "tests" / "ar" / "measure_sync.py"),
            "--json",
            "--parties",
            str(counts["parties"]),
            "--latency",
            str(AR_SYNC_LATENCY),
            "--connections",
            str(AR_SYNC_CONNECTIONS),
        ],
        env,
    )
    messages = counts["parties"] * 9  # per party, the test messages of every HF (3 x 3)
    receipts = json_of(
        [sys.executable, str(HERE / "receipts_maildir.py"), "--json", "--messages", str(messages), "--runs", "3"], env
    )
    return {**{f"sync_{k}": v for k, v in sync.items()}, **{f"receipts_{k}": v for k, v in receipts.items()}}


def plan_repo(repo: Path, env: dict[str, str]) -> object:
    """partners/ committed in a git repository, then one party's name edited: what ``plan --base``
    compares (the base revision rendered against the work tree)."""
    git_env = {**env, "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@b", "GIT_COMMITTER_NAME": "b"}
    git_env["GIT_COMMITTER_EMAIL"] = "b@b"

    def run() -> None:
        if not (repo / ".git").exists():
            for cmd in (["git", "init", "-q"], ["git", "add", "partners", "schemas"], ["git", "commit", "-qm", "base"]):
                subprocess.run(cmd, cwd=repo, env=git_env, check=True, capture_output=True)
        party_name(repo)()  # type: ignore[operator]

    return run


def scale_run(scale: int, args: argparse.Namespace, env: dict[str, str]) -> dict[str, Timing]:
    repo = HERE / "work" / f"n{args.kommuner}x{args.parties}x{scale}"
    counts = synth.generate(repo, kommuner=args.kommuner, parties=args.parties, scale=scale)
    clear(repo / "generated")()
    print(f"{scale}x: {counts['kommuner']} kommuner, {counts['parties']} parties, {counts['yaml_bytes']} bytes of YAML")
    cache = repo / ".oppkobling-cache"
    generated = repo / "generated"
    opp = oppkobling()
    kommune_files = sorted(str(p.relative_to(repo)) for p in (repo / "partners" / "kommuner").glob("*.yaml"))
    runs = args.runs
    one = one_file(repo)
    t: dict[str, Timing] = {}
    t["validate"] = measure(
        "validate", [*opp, "validate", "--today", TODAY], cwd=repo, env=env, runs=runs, before=clear(cache)
    )
    t["check-jsonschema"] = measure(
        "check-jsonschema",
        [
            tool("check-jsonschema"),
            # The pattern of edi_address escapes '"', which ECMA-262's unicode mode rejects; the
            # Python dialect is the one the models (and so the schema's author) meant.
            "--regex-variant",
            "python",
            "--schemafile",
            str(REPO / "schemas" / "kommune.schema.json"),
            *kommune_files,
        ],
        cwd=repo,
        env=env,
        runs=runs,
    )
    t["build (cold)"] = measure(
        "build (cold)",
        [*opp, "build", "--today", TODAY],
        cwd=repo,
        env=env,
        runs=runs,
        before=clear(cache, generated),
    )
    t["floor"] = measure(
        "floor",
        [sys.executable, str(HERE / "floor.py"), str(repo), "--xsd-dir", env["OPPKOBLING_XSD_DIR"]],
        cwd=repo,
        env=env,
        runs=runs,
    )
    t["check (no change)"] = measure(
        "check (no change)", [*opp, "check", "--today", TODAY], cwd=repo, env=env, runs=runs, again=True
    )
    t["check (cold cache)"] = measure(
        "check (cold cache)", [*opp, "check", "--today", TODAY], cwd=repo, env=env, runs=runs, before=clear(cache)
    )
    t["build (no change)"] = measure(
        "build (no change)", [*opp, "build", "--today", TODAY], cwd=repo, env=env, runs=runs, again=True
    )
    t["build (party name edited)"] = measure(
        "build (party name edited)",
        [*opp, "build", "--today", TODAY],
        cwd=repo,
        env=env,
        runs=runs,
        before=party_name(repo),
    )
    t["build (one kommune edited)"] = measure(
        "build (one kommune edited)",
        [*opp, "build", "--today", TODAY],
        cwd=repo,
        env=env,
        runs=runs,
        before=contact(repo),
    )
    subprocess.run([*opp, "validate", "--today", TODAY], cwd=repo, env=env, capture_output=True, check=False)
    t["validate FILE"] = measure(
        "validate FILE",
        [*opp, "validate", "--today", TODAY, one],
        cwd=repo,
        env=env,
        runs=max(runs, QUICK_RUNS),
        again=True,
    )
    t["validate FILE (edited)"] = measure(
        "validate FILE (edited)",
        [*opp, "validate", "--today", TODAY, one],
        cwd=repo,
        env=env,
        runs=max(runs, QUICK_RUNS),
        before=touch_one(repo),
    )
    touch_one(repo)()
    t["python -c 'import pipeline'"] = measure(
        "python -c 'import pipeline'",
        [sys.executable, "-c", "import pipeline"],
        cwd=repo,
        env=env,
        runs=max(runs, QUICK_RUNS),
    )
    t["plan (one party name edited)"] = measure(
        "plan (one party name edited)",
        [*opp, "plan", "--today", TODAY, "--base", "HEAD"],
        cwd=repo,
        env=env,
        runs=1,
        before=plan_repo(repo, env),
    )
    t["_counts"] = Timing(json.dumps(counts), [0.0], 0.0, 0.0, 0, note=str(sum(1 for _ in generated.rglob("*.xml"))))
    figures = extra(scale, counts, env)
    print(f"  ar sync and receipts: {json.dumps(figures)}", flush=True)
    t["_extra"] = Timing(json.dumps(figures), [0.0], 0.0, 0.0, 0)
    return t


def code_state() -> str:
    """The tool as the cache sees it (pipeline/cache.py's fingerprint of pipeline/)."""
    sys.path.insert(0, str(REPO))
    from pipeline.io import cache

    cache._FINGERPRINT = None
    return cache.fingerprint()


def machine() -> list[str]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    packages = []
    for name in (
        "oppkobling",
        "lxml",
        "pydantic",
        "pydantic-core",
        "ruamel.yaml",
        "PyYAML",
        "jsonschema",
        "check-jsonschema",
    ):
        try:
            packages.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            packages.append(f"{name} (not installed)")
    from lxml import etree

    libxml = ".".join(str(n) for n in etree.LIBXML_VERSION)
    return [
        f"- CPU: {cpu}, {os.cpu_count()} logical cores",
        f"- RAM: {ram}",
        f"- OS: {platform.system()} {platform.release()}",
        f"- Python: {platform.python_implementation()} {platform.python_version()}",
        f"- Packages: {', '.join(packages)}, libxml2 {libxml}",
    ]


def fmt(x: float) -> str:
    return f"{x:.2f}"


def report(results: dict[int, dict[str, Timing]], args: argparse.Namespace, seconds: float) -> str:
    scales = sorted(results)
    head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    lines = [
        "# Benchmarks",
        "",
        f"Commit {head.stdout.strip()}.",
        f"One run of `python benchmarks/run.py {' '.join(args.argv)}`".rstrip() + f" on {dt.date.today()}"
        f" ({seconds / 60:.1f} min). {args.kommuner} kommuner x {args.parties} parties at "
        + ", ".join(f"{s}x" for s in scales)
        + f" (k x multiplies the parties per kommune, see `benchmarks/synth.py`); --today {TODAY}.",
        f"Each time is the best of {args.runs} runs after {args.warmups} warm-up run(s) (the no-change rows of "
        "check, build and validate FILE: at least one, since they are a second run; validate FILE, its edited "
        f"row and the import: at least {QUICK_RUNS} runs), median in brackets, "
        "wall clock, "
        "each run a fresh process.",
        "",
        "## Machine",
        "",
        *machine(),
        "",
        "## Ratios (best times)",
        "",
        "| ratio | target | " + " | ".join(f"{s}x" for s in scales) + " |",
        "|---|---|" + "---|" * len(scales),
    ]
    for label, target, num, den in TARGETS:
        cells = []
        for s in scales:
            r = results[s][num].best / results[s][den].best
            limit = target.get(s, min(target.values())) if isinstance(target, dict) else target
            cells.append(f"{fmt(r)} {'ok' if r <= limit else 'MISSED'}")
        shown = ", ".join(f"{v} at {k}x" for k, v in target.items()) if isinstance(target, dict) else str(target)
        lines.append(f"| {label} | <= {shown} | " + " | ".join(cells) + " |")
    figures = {s: json.loads(results[s]["_extra"].name) for s in scales}
    cells = []
    for s in scales:
        rate, used = figures[s]["sync_first_parties_per_s"], figures[s]["sync_first_connections"]
        good = rate >= AR_SYNC_TARGET and used <= AR_SYNC_CONNECTIONS
        cells.append(f"{rate:.0f}/s over {used:.0f} {'ok' if good else 'MISSED'}")
    lines.append(
        f"| ar sync, every party, server answering in {AR_SYNC_LATENCY * 1000:g} ms (parties/s, connections) "
        f"| >= {AR_SYNC_TARGET}, <= {AR_SYNC_CONNECTIONS} | " + " | ".join(cells) + " |"
    )
    cells = []
    for s in scales:
        r = figures[s]["receipts_maildir"] / figures[s]["receipts_lxml_memory"]
        cells.append(f"{fmt(r)} {'ok' if r <= RECEIPTS_TARGET else 'MISSED'}")
    lines.append(
        f"| receipts read from a Maildir / lxml parse of the same XML | <= {RECEIPTS_TARGET} | "
        + " | ".join(cells)
        + " |"
    )
    if 1 in results and len(scales) > 1:
        for name in ("validate", "build (cold)", "check (no change)", "validate FILE", "floor", "check-jsonschema"):
            cells = []
            for s in scales:
                r = results[s][name].best / results[1][name].best
                ok = r <= GROWTH_LIMIT * s / 4 if s > 1 else True
                cells.append(fmt(r) + ("" if s == 1 else (" ok" if ok else " MISSED")))
            lines.append(f"| {name}: time / time at 1x | 4x <= {GROWTH_LIMIT} | " + " | ".join(cells) + " |")
    peers = ("floor", "check-jsonschema", "python -c 'import pipeline'")

    def own(s: int, field: str) -> float:
        return max(getattr(t, field) for k, t in results[s].items() if not k.startswith("_") and k not in peers)

    for label, field in (("PSS of the process tree", "pss_mb"), ("RSS of the largest process", "rss_mb")):
        lines.append(
            f"| peak memory of any oppkobling command, {label} (MB) | <= {MEMORY_LIMIT_MB} | "
            + " | ".join(
                f"{own(s, field):.0f} {'ok' if own(s, field) <= MEMORY_LIMIT_MB else 'MISSED'}" for s in scales
            )
            + " |"
        )
    lines += ["", "## Times and memory", ""]
    lines.append("best s (median s), PSS of the process tree MB / RSS of the largest process MB")
    lines.append("")
    lines.append("| command | " + " | ".join(f"{s}x" for s in scales) + " |")
    lines.append("|---|" + "---|" * len(scales))
    names = [k for k in results[scales[0]] if not k.startswith("_")]
    for name in names:
        cells = [
            f"{r.best:.3f} ({r.median:.3f}), {r.pss_mb:.0f} / {r.rss_mb:.0f}"
            for r in (results[s][name] for s in scales)
        ]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += ["", "Data per scale:", ""]
    for s in scales:
        counts = json.loads(results[s]["_counts"].name)
        lines.append(
            f"- {s}x: {counts['kommuner']} kommuner, {counts['parties']} parties, {counts['yaml_bytes']} bytes of "
            f"YAML; the build writes {results[s]['_counts'].note} XML documents (the floor handles the same)"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kommuner", type=int, default=357)
    ap.add_argument("--parties", type=int, default=8, help="parties per kommune at 1x")
    ap.add_argument("--scales", default="1,2,4", help="comma-separated multiples of the data (default 1,2,4)")
    ap.add_argument("--runs", type=int, default=3, help="timed runs per command after one warm-up (default 3)")
    ap.add_argument(
        "--warmups",
        type=int,
        default=1,
        help="untimed runs before the timed ones (default 1; 0 when the runs before a command already warmed "
        "the file cache, to fit 4x in a session)",
    )
    ap.add_argument("--xsd-dir", type=Path, help="official XSDs (default $OPPKOBLING_XSD_DIR, ../shared/standards/xsd)")
    ap.add_argument("--out", type=Path, default=HERE / "results.md")
    args = ap.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    global WARMUPS
    WARMUPS = args.warmups
    xsd = args.xsd_dir or Path(os.environ.get("OPPKOBLING_XSD_DIR") or REPO.parent / "shared" / "standards" / "xsd")
    if not (xsd / "ebxml-cppa" / "cpp-cpa-2_0.xsd").is_file():
        raise SystemExit(f"official XSDs not found at {xsd}: pass --xsd-dir or set OPPKOBLING_XSD_DIR")
    env = {**os.environ, "OPPKOBLING_XSD_DIR": str(xsd.resolve())}
    # Measured as installed: pip compiles the package's bytecode, so the runs may use and write it.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "pipeline")], env=env, check=False)
    started = time.perf_counter()
    code_before = code_state()
    results = {s: scale_run(s, args, env) for s in (int(x) for x in args.scales.split(","))}
    text = report(results, args, time.perf_counter() - started)
    if code_state() != code_before:
        text += (
            "\n**Warning:** pipeline/ changed while this ran (caches keyed by the tool's fingerprint were "
            "invalidated mid-run); run it again.\n"
        )
    notes = HERE / "notes.md"  # the reading of these numbers: why a target is missed, what would close it
    if notes.exists():
        text += "\n" + notes.read_text("utf-8")
    if TRASH.exists():
        shutil.rmtree(TRASH)
    args.out.write_text(text, "utf-8")
    print()
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
