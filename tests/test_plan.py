"""The plan's content from two declaration sets (pure core), and its size limits."""

from __future__ import annotations

import datetime as dt

from conftest import REPO

from pipeline.io.partners import read_tree
from pipeline.model.declarations import DeclarationSet, parse
from pipeline.plan import make_plan
from pipeline.render.context import RenderContext
from pipeline.render.generators import render_all
from pipeline.reporters.plan import markdown as render_markdown
from pipeline.reporters.plan import truncate
from pipeline.rules import Context, evaluate

TODAY = dt.date(2026, 11, 26)


def shipped() -> dict[str, bytes]:
    read = read_tree(REPO)
    assert not read.refused
    return read.files


def plan_for(base_files: dict[str, bytes], head_files: dict[str, bytes]):  # type: ignore[no-untyped-def]
    base, head = parse(base_files), parse(head_files)
    return make_plan(
        base_ref="base",
        today=TODAY,
        base=base,
        head=head,
        base_files=render_all(base, RenderContext(schemas=None)),
        head_files=render_all(head, RenderContext(schemas=None)),
        findings=evaluate(Context(head, TODAY, base)),
    )


def test_testing_to_active_is_a_state_change_at_every_hf() -> None:
    files = shipped()
    path = "partners/kommuner/1506-molde.yaml"
    text = files[path].decode()
    hnt_attempt = "          transport_receipt: ok\n          receipts:"
    assert text.count(hnt_attempt) == 1
    text = text.replace(hnt_attempt, "          transport_receipt: ok\n          apprec: ok\n          receipts:")
    head = dict(files)
    head[path] = text.encode()
    plan = plan_for(files, head)
    hnt = next(h for h in plan.hfs if h.key == "helse-nord-trondelag")
    sentences = [s.sentence(hnt.name) for s in hnt.states]
    assert sentences == ["Molde: 1 agreement test → deactivated-until-activation at Helse Nord-Trøndelag HF"]
    assert [k.kommune for k in plan.kommuner] == ["1506"]
    [change] = plan.kommuner[0].evidence
    assert change.sentence() == "helse-nord-trondelag → 8160001, pretest attempt 1: apprec not recorded → ok"
    st_olavs = next(h for h in plan.hfs if h.key == "st-olavs")
    assert st_olavs.states == []  # already deactivated-until-activation there


def test_removed_kommune_lists_removed_agreements() -> None:
    files = shipped()
    head = {p: b for p, b in files.items() if "5035-stjordal" not in p}
    plan = plan_for(files, head)
    for hf in plan.hfs:
        assert [a.path for a in hf.of("removed")] == [f"{hf.key}/cpa/5035-8170001.xml"]
        assert [s.sentence(hf.name) for s in hf.states] == [f"Stjørdal: 1 agreement removed (was pending) at {hf.name}"]
    assert plan.kommuner[0].change == "removed"


def test_no_change_plan_says_so() -> None:
    files = shipped()
    plan = plan_for(files, files)
    text = render_markdown(plan)
    assert text.count("No change.") == 3
    assert "No declaration changed." in text


def test_markup_in_names_is_escaped_and_pipes_do_not_break_tables() -> None:
    files = shipped()
    head = dict(files)
    path = "partners/kommuner/5028-melhus.yaml"
    head[path] = files[path].replace(
        b"status: planned",
        b"status: planned\ndeviations:\n  - opened_on: 2026-11-20\n    description: 'a | b <script>'",
    )
    plan = plan_for(files, head)
    text = render_markdown(plan)
    assert "<script>" not in text


def test_truncation_stays_within_the_limit_and_says_so() -> None:
    text = "\n".join(f"line {i} " + "x" * 80 for i in range(5000))
    cut = truncate(text, 65_536)
    assert len(cut) <= 65_536
    assert "Truncated" in cut
    assert truncate("short\n", 65_536) == "short\n"


def test_plan_is_pure_of_base_errors() -> None:
    # An empty base (first commit) plans every agreement as new.
    plan = plan_for({}, shipped())
    assert all(h.of("added") for h in plan.hfs)
    assert isinstance(DeclarationSet(), DeclarationSet)
