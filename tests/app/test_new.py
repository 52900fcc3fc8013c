"""``oppkobling new``: a declaration scaffolded from the kommune register, written atomically."""

from __future__ import annotations

import pytest
from conftest import Repo

from pipeline.io.partners import read_tree
from pipeline.model.declarations import parse
from pipeline.model.kommuner import register

STJORDAL = "partners/kommuner/5035-stjordal.yaml"


def test_new_5035_writes_the_register_facts_and_validates_once_filled_in(repo: Repo) -> None:
    repo.path(STJORDAL).unlink()
    result = repo.call("new", "5035")
    assert result.code == 0, result.err
    assert f"wrote {STJORDAL}" in result.out
    text = repo.path(STJORDAL).read_text("utf-8")
    assert text.splitlines()[0] == "# yaml-language-server: $schema=../../schemas/kommune.schema.json"
    entry = register()["5035"]
    decl = parse(read_tree(repo.root).files).kommune("5035")
    assert decl is not None
    assert decl.model.name == entry.short_name == "Stjørdal"
    assert decl.model.org_number == entry.org_number == "939958851"
    assert decl.model.status.value == "planned"
    assert decl.model.contact == "meldingsansvarlig@stjordal.kommune.no"
    # The comments are in the repository's language (nb unless [tool.oppkobling] says otherwise).
    assert "# KONTROLLER" in next(line for line in text.splitlines() if line.startswith("contact:"))
    for line in text.splitlines():
        if line and not line.startswith("#"):
            assert "#" in line, f"field without a comment: {line!r}"

    # Not valid yet: T is not agreed.
    before = repo.call("validate", "--today", "2026-11-26")
    assert before.code == 1 and "R-K1 no activation date" in before.out

    # Fill in the dates (in place) and a party, as the comments say.
    filled = repo.call(
        "record",
        "5035",
        "activation",
        "--date",
        "2027-03-31",
        "--agreed-on",
        "2026-11-20",
        "--today",
        "2026-11-26",
    )
    assert filled.code == 0, filled.out
    repo.edit(
        STJORDAL,
        "parties: []",
        "parties:\n"
        "  - her_id: 8170001\n"
        "    name: Stjørdal kommune - Helse og velferd\n"
        "    edi_address: stjordal-helse@edi.nhn.no\n"
        "    messages:\n"
        '      dialogmelding: "1.1"\n'
        '      epikrise: "1.2"\n'
        "#",
    )
    after = repo.call("validate", "--today", "2026-11-26")
    assert after.code == 0, after.out
    ordered = repo.call("record", "5035", "order", "--sent-on", "2026-11-25", "--today", "2026-11-26")
    assert ordered.code == 0, ordered.out
    moved = repo.call("record", "5035", "status", "ordered", "--today", "2026-11-26")
    assert moved.code == 0, moved.out
    assert repo.call("validate", "--today", "2026-11-26").code == 0


def test_new_refuses_an_existing_declaration(repo: Repo) -> None:
    before = repo.path(STJORDAL).read_bytes()
    result = repo.call("new", "5035")
    assert result.code == 1
    assert f"{STJORDAL} already declares kommune 5035" in result.err
    assert repo.path(STJORDAL).read_bytes() == before


@pytest.mark.parametrize(("number", "message"), [("9999", "not in the kommune register"), ("50x", "4 digits")])
def test_new_refuses_unknown_numbers(repo: Repo, number: str, message: str) -> None:
    result = repo.call("new", number)
    assert result.code == 2
    assert message in result.err


def test_new_for_a_kommune_the_examples_do_not_have(repo: Repo) -> None:
    result = repo.call("new", "1515")  # Herøy (Møre og Romsdal)
    assert result.code == 0, result.err
    path = "partners/kommuner/1515-heroy-more-og-romsdal.yaml"
    decl = parse(read_tree(repo.root).files).kommune("1515")
    assert decl is not None and decl.path == path
    assert decl.model.name == "Herøy (Møre og Romsdal)"
    assert decl.model.contact == "meldingsansvarlig@heroy.kommune.no"
