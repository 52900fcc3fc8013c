"""Incremental render (issue 18, part 1, Must show 2): after random sequences of edits, a build
that re-renders only the kommuner whose inputs changed leaves generated/ byte-identical to a cold
render of the same declarations.

The repository is generated once (``repo_edits.fixtures``) and restored before each sequence, so
the cache is warm from the previous one, as a coordinator's is. XML schema validation is left
out (it checks bytes, it does not make them) to keep 50 sequences quick."""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path
from typing import Any

import pytest
import repo_edits
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.app import build, loading
from pipeline.render import generators
from pipeline.render.context import RenderContext

TODAY = dt.date(2026, 11, 26)
# (edit, seed, build after it): the builds between edits make the parts the next build starts from.
EDIT_SEQUENCES = st.lists(
    st.tuples(st.sampled_from(sorted(repo_edits.EDITS)), st.integers(0, 2**32), st.booleans()), min_size=1, max_size=4
)


pristine, work = repo_edits.fixtures()


@pytest.fixture(autouse=True)
def no_schemas(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    monkeypatch.delenv("OPPKOBLING_XSD_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "user-cache"))
    monkeypatch.setenv("OPPKOBLING_JOBS", "1")  # forked workers are tested in tests/render; here they cost time


def on_disk(root: Path) -> dict[str, bytes]:
    gen = root / "generated"
    return {p.relative_to(gen).as_posix(): p.read_bytes() for p in sorted(gen.rglob("*")) if p.is_file()}


def cold(root: Path) -> dict[str, bytes]:
    """Every file parsed and every document rendered, in memory, nothing remembered."""
    return generators.render_all(loading.load(root, today=TODAY).declarations, RenderContext(None))


def built(root: Path) -> bool:
    return build.build(root, today=TODAY).summary is not None


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=EDIT_SEQUENCES)
def test_an_incremental_build_is_byte_identical_to_a_cold_one(
    pristine: Path, work: Path, edits: list[tuple[str, int, bool]]
) -> None:
    repo_edits.restore(pristine, work)
    assert built(work)  # from the parts the last sequence left
    for kind, seed, build_now in edits:
        repo_edits.apply(work, kind, seed)
        if build_now:
            built(work)  # refused when the edit made an error: generated/ then stays the last good one
    if built(work):
        assert on_disk(work) == cold(work), edits


def test_one_edit_renders_one_kommune(pristine: Path, work: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo_edits.restore(pristine, work)
    assert built(work)
    rendered: list[str] = []
    real = generators.one_kommune

    def counting(declarations: object, k: generators.KommuneDecl) -> object:
        rendered.append(k.path)
        return real(declarations, k)  # type: ignore[arg-type]

    monkeypatch.setattr(generators, "one_kommune", counting)
    monkeypatch.setenv("OPPKOBLING_JOBS", "1")  # counted in this process
    target = sorted((work / repo_edits.KOMMUNER).glob("*.yaml"))[5]
    target.write_text(target.read_text("utf-8").replace('    name: "', '    name: "Ny ', 1), "utf-8")
    assert built(work)
    assert rendered == [target.relative_to(work).as_posix()]
    assert on_disk(work) == cold(work)


def test_a_hand_edited_file_of_a_remembered_part_is_rendered_again(pristine: Path, work: Path) -> None:
    repo_edits.restore(pristine, work)
    assert built(work)
    cpa = sorted((work / "generated").rglob("cpa/*.xml"))[0]
    cpa.write_bytes(cpa.read_bytes().replace(b"<", b"< ", 1))
    target = sorted((work / repo_edits.KOMMUNER).glob("*.yaml"))[7]
    target.write_text(target.read_text("utf-8") + "# edited\n", "utf-8")
    assert built(work)
    assert on_disk(work) == cold(work)


def test_the_writer_reads_no_file_of_a_part_it_vouches_for(
    pristine: Path, work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After one edit, the files of unchanged kommuner whose stat is what the last build recorded
    are not read again; a file whose stat differs is (and is found when edited by hand)."""
    from pipeline.io import cache

    repo_edits.restore(pristine, work)
    assert built(work)
    settled = time.time_ns() - 10 * 10**9  # older than SETTLED_NS: a stat that may vouch
    for p in (work / "generated").rglob("*"):
        if p.is_file():
            os.utime(p, ns=(settled, settled))
    assert built(work)  # finds generated/ as it was and records the stat of every file
    hashed: list[str] = []
    real = cache.sha_file

    def counting(path: Path) -> str:
        hashed.append(Path(path).as_posix())
        return real(path)

    monkeypatch.setattr(cache, "sha_file", counting)
    kommuner = sorted((work / repo_edits.KOMMUNER).glob("*.yaml"))
    kommuner[3].write_text(kommuner[3].read_text("utf-8").replace('    name: "', '    name: "Ny ', 1), "utf-8")
    assert built(work)
    assert hashed == []
    assert on_disk(work) == cold(work)
    # A kept file edited by hand (same size, mtime put back: only its ctime tells) is read and found.
    cpa = sorted((work / "generated").rglob("cpa/*.xml"))[-1]
    before = cpa.stat()
    data = cpa.read_bytes()
    cpa.write_bytes(data.replace(b"<", b">", 1))
    os.utime(cpa, ns=(before.st_atime_ns, before.st_mtime_ns))
    kommuner[4].write_text(kommuner[4].read_text("utf-8").replace('    name: "', '    name: "Ny ', 1), "utf-8")
    assert built(work)
    assert cpa.as_posix() in hashed
    assert on_disk(work) == cold(work)


def test_a_build_after_one_edit_parses_that_kommune_and_reads_its_ar_files_only(
    pristine: Path, work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """partners/ is looked at once, and of it only the edited file, the HF declarations and the AR
    files of the HER-ids the edited kommune and the HFs name are read (the rest is vouched for by
    the stat recorded with the findings); the kommuner whose remembered parts still hold are not
    parsed to be rendered."""
    from pipeline.ar import paths as ar_paths
    from pipeline.ar import snapshot
    from pipeline.io import partners
    from pipeline.model import declarations

    repo_edits.restore(pristine, work)
    settled = time.time_ns() - 10 * 10**9  # older than SETTLED_NS: a stat that may vouch
    for p in (work / "partners").rglob("*"):
        os.utime(p, ns=(settled, settled))
    assert built(work)
    parsed: list[str] = []
    ar_read: list[str] = []
    real_model, real_read = declarations._model, snapshot.read

    def model(path: str, raw: bytes, kind: type) -> object:
        parsed.append(path)
        return real_model(path, raw, kind)

    def read(files: dict[str, bytes]) -> snapshot.Reading:
        ar_read.extend(files)
        return real_read(files)

    looks: list[Path] = []
    opened: list[str] = []
    real_scan, real_entry = partners._scan, partners._read_entry

    def scan(root: Path, previous: Any = None) -> partners.Partners:
        looks.append(root)
        return real_scan(root, previous)

    def read_entry(found: partners.Partners, tree_rel: str, rel: str, dir_fd: int) -> None:
        opened.append(rel)  # every file opened, by the walk or later (``read_files``)
        real_entry(found, tree_rel, rel, dir_fd)

    monkeypatch.setattr(declarations, "_model", model)
    monkeypatch.setattr(snapshot, "read", read)
    monkeypatch.setattr(partners, "_scan", scan)
    monkeypatch.setattr(partners, "_read_entry", read_entry)
    target = sorted((work / repo_edits.KOMMUNER).glob("*.yaml"))[6]
    target.write_text(target.read_text("utf-8").replace('    name: "', '    name: "Ny ', 1), "utf-8")
    assert built(work)
    rel = target.relative_to(work).as_posix()
    monkeypatch.undo()
    assert looks == [work]  # one walk of partners/: the render parses the bytes the findings judged
    assert {p for p in parsed if p.startswith(repo_edits.KOMMUNER)} == {rel}
    edited = declarations.parse({rel: target.read_bytes()}).kommuner[0]
    hfs = loading.load(work, today=TODAY).declarations.helseforetak
    her_ids = {*(p.her_id for p in edited.model.parties), *(h.model.her_id for h in hfs)}
    ar_files = {e.path for h in her_ids for e in ar_paths.entries(h)}
    assert ar_read and set(ar_read) <= ar_files
    assert rel in opened and len(opened) == len(set(opened))  # each file read once
    assert set(opened) <= {rel, *(h.path for h in hfs), *ar_files}
    assert on_disk(work) == cold(work)


def test_a_build_after_one_edit_renders_the_status_rows_of_that_kommune_only(
    pristine: Path, work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The status pages are joined from the rows each part keeps as text: their row templates run
    for the edited kommune alone (both pages, both tables), not for every row of the country."""
    from pipeline.render import templates

    repo_edits.restore(pristine, work)
    assert built(work)
    rows: list[str] = []
    real = templates.render

    def counting(name: str, **values: Any) -> str:
        if name.startswith("status_rows."):
            rows.append(f"{name}:{values['section']}:{values['k'].path}")
        return real(name, **values)

    monkeypatch.setattr(templates, "render", counting)
    target = sorted((work / repo_edits.KOMMUNER).glob("*.yaml"))[8]
    target.write_text(target.read_text("utf-8").replace('    name: "', '    name: "Ny ', 1), "utf-8")  # a row changes
    assert built(work)
    rel = target.relative_to(work).as_posix()
    assert sorted(rows) == sorted(
        f"{name}:{section}:{rel}"
        for name in ("status_rows.md.j2", "status_rows.html.j2")
        for section in ("milestones", "agreements")
    )
    monkeypatch.undo()
    assert on_disk(work) == cold(work)


def test_a_build_after_one_edit_makes_the_index_entries_of_that_kommune_only(
    pristine: Path, work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The partner indexes are joined from the fragments each part keeps, validated when made:
    the agreements serialised (and validated) are the edited kommune's alone."""
    from pipeline.agreements import index

    repo_edits.restore(pristine, work)
    assert built(work)
    made: list[str] = []
    real = index._lines

    def counting(e: index.Entry) -> bytes:
        kommune = e[2][0]  # type: ignore[index]
        made.append(dict(kommune[1])["number"])
        return real(e)

    monkeypatch.setattr(index, "_lines", counting)
    target = sorted((work / repo_edits.KOMMUNER).glob("*.yaml"))[6]
    target.write_text(target.read_text("utf-8").replace('    name: "', '    name: "Ny ', 1), "utf-8")
    assert built(work)
    monkeypatch.undo()
    assert made and set(made) == {target.name.split("-")[0]}
    assert on_disk(work) == cold(work)


def test_a_build_after_one_edit_looks_at_partners_once_and_stores_the_render_once(
    pristine: Path, work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The remembered render is matched against the record of partners/ the findings were made
    from, not by another look at partners/; and its entry (every file's sha256 and stat: megabytes
    at scale) is written once, with what vouches for generated/."""
    from pipeline.io import cache, partners

    repo_edits.restore(pristine, work)
    assert built(work)
    looks: list[str] = []
    puts: list[str] = []
    real_scan, real_put = partners._scan, cache.Cache.put

    def scan(root: Path, previous: Any = None) -> Any:  # every walk of partners/ (unchanged() too)
        looks.append("partners")
        return real_scan(root, previous)

    def put(self: cache.Cache, kind: str, name: str, value: Any) -> None:
        puts.append(kind)
        real_put(self, kind, name, value)

    monkeypatch.setattr(partners, "_scan", scan)
    monkeypatch.setattr(cache.Cache, "put", put)
    target = sorted((work / repo_edits.KOMMUNER).glob("*.yaml"))[9]
    target.write_text(target.read_text("utf-8").replace('    name: "', '    name: "Ny ', 1), "utf-8")
    assert built(work)
    assert looks == ["partners"]  # the cached findings' look, which reads what changed; the render entry's is gone
    assert puts.count(cache.Renders.KIND) == 1
    looks.clear()
    puts.clear()
    assert built(work)  # nothing changed: answered from the remembered render, one look
    assert looks == ["partners"]
    monkeypatch.undo()
    assert on_disk(work) == cold(work)


def test_a_file_rewritten_between_the_look_and_its_read_sends_the_build_back_to_reading_partners_whole(
    pristine: Path, work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After one edit the HF declarations are vouched for by their stat and read later, when a
    part needs them; one rewritten in between (a checkout, an editor) is not taken for what was
    recorded: partners/ is read whole again and the build is the cold build of what is there."""
    from pipeline.io import partners

    repo_edits.restore(pristine, work)
    settled = time.time_ns() - 10 * 10**9  # older than SETTLED_NS: a stat that may vouch
    for p in (work / "partners").rglob("*"):
        os.utime(p, ns=(settled, settled))
    assert built(work)
    hf = sorted((work / "partners" / "helseforetak").glob("*.yaml"))[0]
    real_files, real_tree = partners.read_files, partners.read_tree
    wholes: list[Path] = []

    def read_files(root: Path, paths: Any) -> partners.Partners:
        paths = list(paths)
        if hf.relative_to(work).as_posix() in paths and not wholes:
            hf.write_text(hf.read_text("utf-8") + "# rewritten\n", "utf-8")
        return real_files(root, paths)

    def read_tree(root: Path) -> partners.Partners:
        wholes.append(root)
        return real_tree(root)

    monkeypatch.setattr(partners, "read_files", read_files)
    monkeypatch.setattr(partners, "read_tree", read_tree)
    target = sorted((work / repo_edits.KOMMUNER).glob("*.yaml"))[3]
    target.write_text(target.read_text("utf-8").replace('    name: "', '    name: "Ny ', 1), "utf-8")
    assert built(work)
    monkeypatch.undo()
    assert wholes == [work]
    assert hf.read_text("utf-8").endswith("# rewritten\n")
    assert on_disk(work) == cold(work)


def test_files_whose_stat_moved_without_a_change_are_read_once_then_vouched_for_again(
    pristine: Path, work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A checkout rewrites files with the same bytes: the next build reads them (their stat no
    longer vouches), answers from the remembered findings, and records the new stat, so the build
    after it reads none of partners/."""
    from pipeline.io import partners

    repo_edits.restore(pristine, work)
    assert built(work)
    settled = time.time_ns() - 10 * 10**9  # older than SETTLED_NS: a stat that may vouch
    for p in (work / "partners").rglob("*"):
        os.utime(p, ns=(settled, settled))  # a new ctime: no recorded stat vouches now
    opened: list[str] = []
    real = partners._read_entry

    def read_entry(found: partners.Partners, tree_rel: str, rel: str, dir_fd: int) -> None:
        opened.append(rel)
        real(found, tree_rel, rel, dir_fd)

    monkeypatch.setattr(partners, "_read_entry", read_entry)
    assert built(work)
    assert len(opened) == sum(1 for p in (work / "partners").rglob("*") if p.is_file())
    opened.clear()
    assert built(work)
    assert opened == []
