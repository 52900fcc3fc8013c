"""The merge gate, attacked (issue 13): each way found to get an agreement active, or an active
one removed, without the routine -- tried as a pull request in a real git history, and refused
at the first step it can be, with the rule, the file and the line.

Each test builds the shipped repository as ``main`` and plays the attack as branches and
merges; the gate is ``oppkobling check --base main``, as CI runs it on a pull request and in the
merge queue."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest
from conftest import TODAY

from gitops.history import History, shipped
from pipeline.io import partners
from pipeline.render.packed import pack, unpack

TRONDHEIM = "partners/kommuner/5001-trondheim.yaml"
MELHUS = "partners/kommuner/5028-melhus.yaml"
OPPDAL = "partners/kommuner/5021-oppdal.yaml"
HIDDEN = "partners/kommuner/.5021-oppdal.yaml"
ST_OLAVS = "partners/helseforetak/st-olavs.yaml"

pytestmark = pytest.mark.usefixtures("isolated_cache")


@pytest.fixture
def h(tmp_path: Path) -> History:
    return shipped(tmp_path / "repo")


def oppdal_active(h: History) -> str:
    """An active declaration for Oppdal, evidence and all (Trondheim's, renamed)."""
    text = (h.root / TRONDHEIM).read_text("utf-8")
    for old, new in (('"5001"', '"5021"'), ("Trondheim", "Oppdal"), ("trondheim", "oppdal"), ("8150", "8190")):
        text = text.replace(old, new)
    return text.replace('"942110464"', '"964983003"')


def rules_at(errors: list, file: str) -> set[tuple[str, int]]:  # type: ignore[type-arg]
    return {(f.rule, f.line) for f in errors if f.file == file}


# -- the base and the work tree read alike ------------------------------------------------------


def test_a_hidden_declaration_is_refused_and_its_later_rename_is_a_new_kommune(h: History) -> None:
    """Step 1: a hidden ``.5021-oppdal.yaml`` saying active. It was never validated before (the
    work-tree reader skipped dotfiles); now it is refused by name (S2). Step 2 (had step 1 been
    merged by the old gate): renamed into view, it is judged as a new kommune, because the base is
    read by the same reader and holds no Oppdal -- L1, not "no transition"; and the plan says
    Oppdal is added rather than "No declaration changed"."""
    h.branch("pr-1-hidden")
    (h.root / HIDDEN).write_text(oppdal_active(h), "utf-8")
    h.publish(HIDDEN)  # its parties are in AR: only the routine stands in its way
    h.commit("a hidden file")
    errors = h.errors()
    assert ("S2", 1) in rules_at(errors, HIDDEN)
    assert any("hidden name" in f.message for f in errors if f.file == HIDDEN)

    # The old gate let it through: it reaches main.
    h.merge("pr-1-hidden")
    assert partners.read_revision(h.root, "main").files.get(HIDDEN) is None  # refused there too
    h.branch("pr-2-rename")
    h.git("mv", HIDDEN, OPPDAL)
    assert h.build().code == 0  # the declaration alone is fine: only the base says it skips the routine
    h.commit("rename into view")
    errors = h.errors()
    assert ("L1", h.line_of(OPPDAL, "status: active")) in rules_at(errors, OPPDAL)
    assert any("a new declaration must start at planned or ordered" in f.message for f in errors)
    plan = h.repo.call("plan", "--base", "main", "--today", TODAY)
    assert "Oppdal (5021): added, status `active`" in plan.out
    assert "No declaration changed" not in plan.out


def test_a_declaration_moved_out_of_partners_behind_a_link_is_refused(h: History) -> None:
    """Step 1: Trondheim moved to generated/decl/ and linked back. The link is refused in the
    work tree (S1) -- and in the revision, had it been merged -- and the moved file is a stray
    file in generated/ (L4 would say so once the declarations are fixed)."""
    h.branch("pr-1-link")
    moved = h.root / "generated" / "decl" / "5001-trondheim.yaml"
    moved.parent.mkdir()
    (h.root / TRONDHEIM).rename(moved)
    (h.root / TRONDHEIM).symlink_to("../../generated/decl/5001-trondheim.yaml")
    h.commit("move behind a link")
    errors = h.errors()
    assert ("S1", 1) in rules_at(errors, TRONDHEIM)
    assert any("symbolic link is refused" in f.message for f in errors if f.file == TRONDHEIM)
    # The revision is read alike: the link is refused there too, never followed and never skipped.
    in_revision = partners.read_revision(h.root, "pr-1-link")
    assert TRONDHEIM not in in_revision.files
    assert [(r.path, r.by_name) for r in in_revision.refused] == [(TRONDHEIM, False)]
    # Without the link, what is left over in generated/ is an L4 error naming it.
    (h.root / TRONDHEIM).unlink()
    moved.rename(h.root / TRONDHEIM)
    (h.root / "generated" / "decl" / "5001-trondheim.yaml").parent.mkdir(exist_ok=True)
    (h.root / "generated" / "decl" / "5001-trondheim.yaml").write_text("kommune: '5001'\n", "utf-8")
    errors = h.errors()
    assert [(f.rule, f.file) for f in errors] == [("L4", "generated/decl/5001-trondheim.yaml")]
    assert "removes it" in errors[0].message


# -- lifecycle per agreement ----------------------------------------------------------------------

NEW_PARTY = """  - her_id: 8150003
    name: Trondheim kommune - Rus og psykisk helse
    edi_address: trondheim-rus@edi.nhn.no
    ar_published_on: 2026-01-15
    messages:
      dialogmelding: "1.1"
"""
JOINED = """    joined:
      - on: {on}
        activation: {{date: 2027-01-12, agreed_on: 2026-11-25}}
        messages: [dialogmelding]
"""
EVIDENCE = """    "8150003":
      pretest: {{sent_on: {pretest}, transport_receipt: ok, apprec: ok}}
      dialog: {{sent_at: "{dialog}T09:00:00+01:00", answered_at: "{dialog}T10:15:00+01:00"}}
"""
HFS = ("st-olavs", "helse-more-og-romsdal", "helse-nord-trondelag")


def add_party(h: History, *, joined: str | None, pretest: str | None = None, dialog: str | None = None) -> None:
    party = NEW_PARTY + (JOINED.format(on=joined) if joined else "")
    h.edit(TRONDHEIM, "tests:\n", party + "tests:\n")
    h.publish(TRONDHEIM, only=(8150003,))  # in AR: R-K3 has nothing to say about it
    if pretest and dialog:
        for hf in HFS:
            h.edit(TRONDHEIM, f"  {hf}:\n", f"  {hf}:\n" + EVIDENCE.format(pretest=pretest, dialog=dialog))


def test_a_party_added_to_an_active_kommune_is_not_active_on_the_evidence_of_others(h: History) -> None:
    """Step 1: a new party with the evidence of Trondheim's own test day copied for it. Its
    agreements would be active at once: L1 (no agreement → active in one change) and L6 (it must
    be recorded as a late addition) at its HER-id."""
    h.branch("pr-add-party")
    add_party(h, joined=None, pretest="2026-02-24", dialog="2026-03-03")
    h.commit("a party, with copied evidence")
    errors = h.errors()
    at = h.line_of(TRONDHEIM, "her_id: 8150003")
    assert {("L1", at), ("L6", at)} <= rules_at(errors, TRONDHEIM)
    assert any("would go from no agreement to active" in f.message for f in errors if f.rule == "L1")


def test_a_late_addition_cannot_use_evidence_recorded_before_it_joined(h: History) -> None:
    """The legitimate first step (the party recorded as a late addition, dated from the base) is
    green and the plan names its new agreements as pending; the second step, the evidence of
    Trondheim's test day copied for it, is refused (L6 at the copied dates) and counts for
    nothing (its agreements stay pending: no state changes in the plan)."""
    h.branch("pr-1-join")
    add_party(h, joined=TODAY)
    assert h.build().code == 0
    h.commit("a late addition")
    assert h.errors() == []
    plan = h.repo.call("plan", "--base", "main", "--today", TODAY)
    for name in ("St. Olavs hospital HF", "Helse Møre og Romsdal HF", "Helse Nord-Trøndelag HF"):
        assert f"Trondheim: 1 new agreement (pending) at {name}" in plan.out
    h.merge("pr-1-join")

    h.branch("pr-2-copied-evidence")
    for hf in HFS:
        h.edit(TRONDHEIM, f"  {hf}:\n", f"  {hf}:\n" + EVIDENCE.format(pretest="2026-02-24", dialog="2026-03-03"))
    h.commit("evidence from before it joined")
    errors = h.errors()
    lines = {f.line for f in errors if f.rule == "L6" and f.file == TRONDHEIM}
    assert len(lines) == 6  # a pretest and a dialog per HF, each where it is written
    assert all("before it joined" in f.message for f in errors if f.rule == "L6")
    plan = h.repo.call("plan", "--base", "main", "--today", TODAY)
    assert "Trondheim: " not in plan.out.split("### Kommuner")[0]  # no agreement changes state


def test_a_changed_her_id_is_the_removal_of_an_active_agreement(h: History) -> None:
    h.branch("pr-her-id")
    h.edit(TRONDHEIM, "her_id: 8150002", "her_id: 8150009")
    h.edit(TRONDHEIM, '"8150002":', '"8150009":', count=3)
    h.commit("same party, new HER-id, the evidence moved along")
    errors = h.errors()
    at = h.line_of(TRONDHEIM, "her_id: 8150009")
    assert {("L3", at), ("L1", at), ("L6", at)} <= rules_at(errors, TRONDHEIM)
    assert any("8150002" in f.message and "would be removed" in f.message for f in errors if f.rule == "L3")


def test_a_message_type_added_to_an_active_party_starts_its_own_routine(h: History) -> None:
    """plo added to an active party: without a late addition it would be active at once (L1, L6
    at the new type). Recorded as one, it is pending, the agreed CPA leaves it out, and the plan
    names the type's new state at each HF."""
    h.branch("pr-plo")
    h.edit(TRONDHEIM, '      epikrise: "1.2"\ntests:', '      epikrise: "1.2"\n      plo: "1.6"\ntests:')
    h.commit("plo for the second party")
    errors = h.errors()
    lines = (h.root / TRONDHEIM).read_text("utf-8").splitlines()
    at = [i for i, line in enumerate(lines, 1) if 'plo: "1.6"' in line][1]  # the first is the other party's
    assert {("L1", at), ("L6", at)} <= rules_at(errors, TRONDHEIM)

    h.edit(
        TRONDHEIM,
        '      plo: "1.6"\ntests:',
        '      plo: "1.6"\n    joined:\n      - on: 2026-11-26\n'
        "        activation: {date: 2027-01-12, agreed_on: 2026-11-25}\n        messages: [plo]\ntests:",
    )
    assert h.build().code == 0
    h.commit("plo as a late addition")
    assert h.errors() == []
    # The agreed CPA is what it was: plo is not usable through it until plo itself is active.
    cpa = "generated/st-olavs/cpa/5001-8150002.xml"
    assert (h.root / cpa).read_bytes() == h.git("show", f"main:{cpa}").encode("utf-8")
    plan = h.repo.call("plan", "--base", "main", "--today", TODAY)
    assert "Trondheim: message type plo added to 1 agreement (pending) at St. Olavs hospital HF" in plan.out


# -- two green pull requests, one red main ------------------------------------------------------


def test_two_green_pull_requests_that_conflict_in_meaning_are_red_in_the_merge_queue(h: History) -> None:
    """Molde moves to svarrapport 1.4 on main. Then PR A: St. Olavs drops svarrapport 1.3, which
    no one uses -- green. PR B: Bindal moves to svarrapport 1.3, which every HF supports at the base --
    green. Together, as the merge queue tests them (main + A + B), Bindal orders a version St.
    Olavs no longer supports: red (R-K2 at Bindal's svarrapport)."""
    h.edit("partners/kommuner/1506-molde.yaml", 'svarrapport: "1.3"', 'svarrapport: "1.4"')
    assert h.build().code == 0
    h.commit("Molde: svarrapport 1.4")

    h.branch("pr-a")
    h.edit(ST_OLAVS, 'svarrapport: ["1.3", "1.4"]', 'svarrapport: ["1.4"]')
    assert h.build().code == 0
    h.commit("St. Olavs: svarrapport 1.3 no more")
    assert h.errors() == []

    h.branch("pr-b")
    bindal = "partners/kommuner/1811-bindal.yaml"
    h.edit(bindal, 'svarrapport: "1.4"', 'svarrapport: "1.3"')
    assert h.build().code == 0
    h.commit("Bindal: svarrapport 1.3")
    assert h.errors() == []

    h.branch("gh-readonly-queue/main/pr-b")  # what merge_group checks out: main with A, then B
    h.merge("pr-a", "pr-b", into="gh-readonly-queue/main/pr-b")
    errors = h.errors()
    at = h.line_of(bindal, 'svarrapport: "1.3"')
    assert ("R-K2", at) in rules_at(errors, bindal)
    assert any("not supported by St. Olavs hospital HF" in f.message for f in errors)


def test_an_hf_dropping_a_version_an_active_agreement_uses_is_refused_where_it_drops_it(h: History) -> None:
    h.branch("pr-drop")
    h.edit(ST_OLAVS, '  plo: ["1.6"]\n', "")
    h.commit("St. Olavs: no more PLO")
    errors = h.errors()
    assert ("L5", h.line_of(ST_OLAVS, "supports:")) in rules_at(errors, ST_OLAVS)
    assert any("Trondheim (8150001)" in f.message for f in errors if f.rule == "L5")


# -- L4 and deploy agree ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "damage", ["hand-made-cpa", "truncated-manifest", "untracked-leftover", "same-stat-cpa", "planted-spare"]
)
def test_generated_holds_exactly_what_the_declarations_generate(h: History, damage: str) -> None:
    """A file nobody generated (committed or only on disk) and a damaged MANIFEST.json fail L4
    with the path; deploy refuses the same tree; build puts it right. ``same-stat-cpa``: an
    agreement edited by hand after a build and a check had vouched for its stat, with the same
    size and its mtime put back (what the writer and check trust), then committed.
    ``planted-spare``: the writer's spare tree (``.generated.spare/``, which it brings up to date
    and swaps in) committed by force with a hand-made agreement in it, and the same bytes in
    generated/ in a second commit: the build must not keep them."""
    h.branch(f"pr-{damage}")
    if damage == "same-stat-cpa":
        assert h.build().code == 0 and h.errors() == []  # the cache now vouches for every file's stat
        wrong = sorted(p.relative_to(h.root).as_posix() for p in (h.root / "generated/st-olavs/cpa").glob("*.xml"))[0]
        cpa = h.root / wrong
        before = cpa.stat()
        data = cpa.read_bytes()
        assert b"oppkobling" in data
        cpa.write_bytes(data.replace(b"oppkobling", b"oppkoblinx", 1))
        os.utime(cpa, ns=(before.st_atime_ns, before.st_mtime_ns))
        h.commit("an agreement edited by hand, size and mtime kept")
    elif damage == "planted-spare":
        wrong = sorted(p.relative_to(h.root).as_posix() for p in (h.root / "generated/st-olavs/cpa").glob("*.xml"))[0]
        forged = (h.root / wrong).read_bytes().replace(b"oppkobling", b"oppkoblinx", 1)
        planted = h.root / ".generated.spare" / "tree" / wrong.removeprefix("generated/")
        planted.parent.mkdir(parents=True, exist_ok=True)
        planted.write_bytes(forged)
        h.commit("the spare tree, by force")
        (h.root / wrong).write_bytes(forged)
        h.commit("the agreement it holds")
    elif damage == "hand-made-cpa":
        wrong = "generated/st-olavs/cpa/5021-8190001.xml"
        (h.root / wrong).write_text("<CollaborationProtocolAgreement/>\n", "utf-8")
        h.commit("a CPA by hand")
    elif damage == "truncated-manifest":
        wrong = "generated/MANIFEST.json"
        manifest = h.root / wrong
        manifest.write_bytes(manifest.read_bytes()[:100])
        h.commit("a truncated manifest")
    else:
        wrong = "generated/st-olavs/cpa/old.xml"
        (h.root / wrong).write_text("left by git switch\n", "utf-8")  # never committed
    errors = h.errors()
    assert [(f.rule, f.file, f.line) for f in errors] == [("L4", wrong, 1)]
    deploy = h.repo.call("deploy", "--hf", "st-olavs", "--target", f"dir:{h.root.parent / 'srv'}", "--today", TODAY)
    assert deploy.code == 1 and wrong in deploy.err
    assert h.build().code == 0
    assert h.errors() == []
    kept = h.root / wrong  # what build left there: nothing (a stray) or what it generated
    assert not kept.exists() or b"oppkoblinx" not in kept.read_bytes()


def test_a_change_of_the_ar_snapshot_alone_is_named_in_the_plan(h: History) -> None:
    """A pull request that touches only partners/ar/ (a renewed certificate, as ``ar sync``
    brings it) changes CPAs: the plan says that the AR snapshot changed and which agreements
    change, never "No declaration changed"."""
    h.branch("pr-ar-only")
    h.publish(TRONDHEIM, only=(8150001,))
    assert h.build().code == 0
    h.commit("AR: a renewed certificate")
    assert h.errors() == []
    plan = h.repo.call("plan", "--base", "main", "--today", TODAY)
    assert plan.code == 0, plan.err
    assert "No declaration changed" not in plan.out
    assert "Only the AR snapshot changed" in plan.out
    assert "`partners/ar/certificate/8150001/signing.json`" in plan.out
    assert "agreement(s) changed: `st-olavs/cpa/5001-8150001.xml`" in plan.out


# -- the caches vouch for nothing the gate has not judged -------------------------------------------


@pytest.mark.parametrize("rebuild", [False, True], ids=["committed-as-is", "rebuilt-first"])
def test_a_warm_cache_does_not_carry_an_active_kommune_past_edited_evidence(h: History, rebuild: bool) -> None:
    """A build and a check have left every kommune's render part and answer in the cache. The pull
    request then makes Trondheim's dialog with St. Olavs answered before it was sent -- same size,
    mtime put back, so only the content says it changed. The agreement must not stay active on
    the remembered part: the gate names the evidence (R-K6 at its line, and the agreement that
    cannot be active), the build refuses to write, and the agreed CPA in generated/ is the one the
    base made."""
    h.branch("pr-warm-cache")
    assert h.build().code == 0 and h.errors() == []  # every part and answer remembered
    cpa = h.root / "generated/st-olavs/cpa/5001-8150001.xml"
    agreed = cpa.read_bytes()
    decl = h.root / TRONDHEIM
    before = decl.stat()
    h.edit(TRONDHEIM, 'answered_at: "2026-03-03T09:41', 'answered_at: "2026-03-03T08:41')
    assert decl.stat().st_size == before.st_size
    os.utime(decl, ns=(before.st_atime_ns, before.st_mtime_ns))
    if rebuild:
        built = h.build()
        assert built.code == 1, built.out + built.err
    h.commit("the dialog answered before it was sent")
    errors = h.errors()
    at = h.line_of(TRONDHEIM, 'answered_at: "2026-03-03T08:41')
    assert ("R-K6", at) in rules_at(errors, TRONDHEIM)
    assert any(f.rule == "R-K6" and "cannot be active" in f.message for f in errors if f.file == TRONDHEIM)
    assert cpa.read_bytes() == agreed


@pytest.mark.parametrize("rebuild", [False, True], ids=["committed-as-is", "rebuilt-first"])
def test_a_warm_cache_does_not_vouch_for_generated_files_after_an_edit_of_the_same_stat(
    h: History, rebuild: bool
) -> None:
    """The same warm cache; the pull request changes Trondheim's contact (which its test
    messages carry) with size and mtime kept. Committed without a build, L4 names the stale
    files; built first, the build renders Trondheim afresh instead of taking its remembered part
    (the part no longer holds for the file's content), and the gate is green."""
    h.branch("pr-warm-contact")
    assert h.build().code == 0 and h.errors() == []
    decl = h.root / TRONDHEIM
    before = decl.stat()
    h.edit(TRONDHEIM, "contact: meldingsansvarlig@", "contact: meldingsansvarlix@")
    os.utime(decl, ns=(before.st_atime_ns, before.st_mtime_ns))
    answer = h.root / "generated/fixtures/5001-trondheim/st-olavs/8150001/dialogmelding.answer.xml"
    if not rebuild:
        h.commit("a new contact, generated/ left as it was")
        stale = {(f.rule, f.file) for f in h.errors()}
        assert {("L4", "generated/MANIFEST.json"), ("L4", answer.relative_to(h.root).as_posix())} <= stale
        assert {rule for rule, _ in stale} == {"L4"}
    assert h.build().code == 0
    assert b"meldingsansvarlix@trondheim" in answer.read_bytes()
    h.commit("rebuilt")
    assert h.errors() == []


def forged_payload(payload: bytes, real: bytes, fake: bytes) -> bytes | None:
    """A cache entry's payload with ``real`` rewritten to ``fake``, inside the render parts' packed
    texts too (``pipeline.render.packed``); None when it does not name ``real``."""
    if real in payload:
        return payload.replace(real, fake)
    try:
        doc = json.loads(payload)
    except ValueError:
        return None
    rows = doc.values() if isinstance(doc, dict) else []
    found = False
    for row in rows:
        if isinstance(row, dict) and isinstance(row.get("files"), str) and real.decode() in unpack(row["files"]):
            row["files"] = pack(unpack(row["files"]).replace(real.decode(), fake.decode()))
            found = True
    return json.dumps(doc).encode() if found else None


def test_a_committed_cache_entry_does_not_vouch_for_a_hand_made_agreement(h: History) -> None:
    """The cache is signed with a key that never leaves the machine. A pull request commits, by
    force, the cache a build left, with every entry that names Trondheim's agreement rewritten to
    hold the sha256 of a hand-edited one, and each entry's signature line what the writer puts
    there before the payload is written (zeros); then, in a second commit, the hand-edited
    agreement. The gate names the agreement (L4), and the build puts the generated one back."""
    h.branch("pr-forged-cache")
    assert h.build().code == 0 and h.errors() == []
    wrong = "generated/st-olavs/cpa/5001-8150001.xml"
    cpa = h.root / wrong
    agreed = cpa.read_bytes()
    forged = agreed.replace(b"oppkobling", b"oppkoblinx", 1)
    real, fake = (hashlib.sha256(b).hexdigest().encode() for b in (agreed, forged))
    rewritten = 0
    for entry in (h.root / ".oppkobling-cache").glob("*.json"):
        payload = forged_payload(entry.read_bytes().split(b"\n", 1)[1], real, fake)
        if payload is not None:
            entry.write_bytes(b"0" * 64 + b"\n" + payload)
            rewritten += 1
    assert rewritten >= 2  # the render entry and the render parts both name it
    h.git("add", "--force", ".oppkobling-cache")
    h.git("commit", "-q", "-m", "the cache, by force")
    cpa.write_bytes(forged)
    h.commit("the agreement it vouches for")
    assert [(f.rule, f.file) for f in h.errors()] == [("L4", wrong)]
    assert h.build().code == 0 and h.errors() == []
    assert cpa.read_bytes() == agreed


def test_a_committed_cache_does_not_vouch_for_an_edited_declaration(h: History) -> None:
    """The declarations' side of the forged cache. After a build and a check the cache holds, per
    kommune, the findings and the render part under the sha256 of its declaration, the stat of
    every declaration (which spares a read after an edit) and the quick path's answers. A pull
    request makes Trondheim's dialog with St. Olavs answered before it was sent (same size, mtime
    put back) and commits, by force, that cache with every entry that names the declaration's old
    sha256 rewritten to its new one and every signature zeroed; a second commit changes nothing
    else. The gate still reads the file (R-K6 at its line), and the build refuses to write."""
    h.branch("pr-forged-findings")
    assert h.build().code == 0 and h.errors() == []
    decl = h.root / TRONDHEIM
    before, old = decl.stat(), hashlib.sha256(decl.read_bytes()).hexdigest().encode()
    h.edit(TRONDHEIM, 'answered_at: "2026-03-03T09:41', 'answered_at: "2026-03-03T08:41')
    os.utime(decl, ns=(before.st_atime_ns, before.st_mtime_ns))
    new = hashlib.sha256(decl.read_bytes()).hexdigest().encode()
    rewritten = 0
    for entry in (h.root / ".oppkobling-cache").iterdir():
        signature, _, payload = entry.read_bytes().partition(b"\n")
        entry.write_bytes(b"0" * len(signature) + b"\n" + payload.replace(old, new))
        rewritten += old in payload
    assert rewritten >= 2  # the findings and the render part both name the declaration
    h.git("add", "--force", ".oppkobling-cache")
    h.commit("the dialog answered before it was sent, and the cache that says it was not")
    h.commit("nothing else")
    errors = h.errors()
    assert ("R-K6", h.line_of(TRONDHEIM, 'answered_at: "2026-03-03T08:41')) in rules_at(errors, TRONDHEIM)
    assert h.build().code == 1
