"""``oppkobling agreements show`` and ``agreements compare`` end to end on the shipped generated CPAs and on NHN's
sample CPAs (read from ../shared): what a message server sees, what differs, and every bad input one line and an
exit code (Must show 4 of issue 15)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from agreements.nhn_files import CPA_93252, require
from conftest import REPO, Repo

OURS = REPO / "generated" / "st-olavs" / "cpa" / "5035-8170001.xml"
OTHER_HF = REPO / "generated" / "helse-nord-trondelag" / "cpa" / "5035-8170001.xml"
ST_OLAVS, STJORDAL = "9990001", "8170001"


@pytest.fixture
def cli(repo: Repo, xsd: Path) -> Repo:
    return repo


def test_show_prints_what_a_message_server_sees(cli: Repo) -> None:
    result = cli.call("agreements", "show", str(OURS), "--as", ST_OLAVS)
    assert result.code == 0, result.err
    out = result.out
    assert "counterparty: Stjørdal kommune - Helse og velferd, HER-id 8170001 (PartyId HER 8170001)" in out
    assert "PartyRef https://register.nhn.no/Ar/Tjeneste/Index/8170001" in out
    assert "my party: St. Olavs hospital HF, HER-id 9990001" in out
    assert "signing certificate: CN=Stjørdal kommune" in out and "NONE" not in out
    send = out.index("send    EPIKRISE")
    block = out[send : out.index("\n  ", out.index("parts", send))]
    assert "Epikrise 1.2 uuid 4ab55eaa-a095-4a4f-96e4-48fbf577fe48" in block
    assert "delivered to mailto:stjordal-helse@edi.nhn.no (SMTP 1.1)" in block
    assert "http://www.kith.no/xmlstds/epikrise/2012-02-15 (Epikrise-v1.2.xsd 1.2)" in block
    assert "warning" not in result.out + result.err


def test_show_as_the_kommune_and_as_json(cli: Repo) -> None:
    result = cli.call("agreements", "show", str(OURS), "--as", STJORDAL, "--format", "json")
    assert result.code == 0, result.err
    data = json.loads(result.out)["reading"]
    assert data["counterparty"]["her_id"] == 9990001
    actions = {(f["direction"], f["action"]) for f in data["functions"]}
    assert {("receive", "EPIKRISE"), ("send", "APPREC"), ("send", "DIALOG_HELSEFAGLIG")} <= actions
    assert all(f["binding"]["parts"] for f in data["functions"])


def test_show_reads_nhns_sample_leniently_and_refuses_it_strictly(cli: Repo) -> None:
    strict = cli.call("agreements", "show", str(require(CPA_93252)), "--as", "93238")
    assert strict.code == 1 and "is used more than once" in strict.err and "[cpa.ids]" in strict.err
    assert f"{CPA_93252}:" in strict.err and strict.out == ""
    lenient = cli.call("agreements", "show", str(CPA_93252), "--as", "93238", "--lenient")
    assert lenient.code == 0, lenient.err
    assert "counterparty: Testlege Testlege, HER-id 93252" in lenient.out
    assert "warning:" in lenient.out and "[cpa.ids]" in lenient.out


def test_a_cpa_needs_the_reading_party(cli: Repo) -> None:
    result = cli.call("agreements", "show", str(OURS))
    assert result.code == 2 and "--as HER-ID" in result.err and result.out == ""


def test_compare_the_same_agreement(cli: Repo) -> None:
    result = cli.call("agreements", "compare", str(OURS), str(OURS))
    assert result.code == 0, result.err
    assert "both read as HER-id 9990001" in result.out and "no differences" in result.out


def test_compare_names_what_differs_per_message_function(cli: Repo) -> None:
    """Stjørdal's agreements with two HFs, read as Stjørdal: another counterparty, other endpoints."""
    result = cli.call("agreements", "compare", str(OURS), str(OTHER_HF), "--as", STJORDAL)
    assert result.code == 1, result.err
    assert "agreement: counterparty HER-id: ours '9990001', theirs '9990003'" in result.out
    assert (
        "endpoint: send APPREC (Epikrise): endpoint: ours 'mailto:st-olavs-example@edi.nhn.no', "
        "theirs 'mailto:helse-nord-trondelag-example@edi.nhn.no'" in result.out
    )
    as_json = cli.call("agreements", "compare", str(OURS), str(OTHER_HF), "--as", STJORDAL, "--format", "json")
    differences = json.loads(as_json.out)["differences"]
    assert {d["aspect"] for d in differences} == {"agreement", "certificate", "endpoint"}
    assert any(d["function"] == "send DIALOG_HELSEFAGLIG (Dialog_Helsefaglig)" for d in differences)


def test_compare_with_a_cpa_from_nhn(cli: Repo) -> None:
    result = cli.call("agreements", "compare", str(OURS), str(require(CPA_93252)))
    assert result.code == 1, result.err
    assert "counterparty HER-id: ours '8170001', theirs '93238'" in result.out
    assert "warning:" in result.out and "[cpa.ids]" in result.out  # theirs is read leniently


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "cannot read"),
        (b"<CollaborationProtocolAgreement", "not well-formed XML"),
        (b"<a/>", "is not a CPPA 2.0 CPA or CPP"),
    ],
)
def test_bad_input_is_one_line_and_exit_1(cli: Repo, tmp_path: Path, content: bytes | None, expected: str) -> None:
    theirs = tmp_path / "theirs.xml"
    if content is not None:
        theirs.write_bytes(content)
    for args in (("show", str(theirs), "--as", ST_OLAVS), ("compare", str(OURS), str(theirs))):
        result = cli.call("agreements", *args)
        assert result.code == 1, (args, result)
        assert result.err.startswith(f"oppkobling: error: {theirs}") and expected in result.err
        assert len(result.err.splitlines()) == 1 and result.out == ""
