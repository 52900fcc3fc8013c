"""Step K2's order e-mail: an RFC 5322 message to Hemit from the declaration."""

from __future__ import annotations

import email
import email.policy
import email.utils
from email.message import EmailMessage
from pathlib import Path

from conftest import Repo

STJORDAL = "partners/kommuner/5035-stjordal.yaml"


def read(path: Path) -> EmailMessage:
    msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def test_order_lists_everything_the_routine_settles(repo: Repo, tmp_path: Path) -> None:
    out = tmp_path / "order.eml"
    result = repo.run("order", "5035", "--out", str(out), "--today", "2026-11-26")
    assert result.code == 0, result.out + result.err
    msg = read(out)
    assert msg["To"].addresses[0].addr_spec == "meldingsansvarlig@helse-midt.no"
    assert msg["From"].addresses[0].addr_spec == "meldingsansvarlig@stjordal.kommune.no"
    assert msg["From"].addresses[0].display_name == "Stjørdal kommune"
    assert "Stjørdal" in msg["Subject"] and "2027-03-02" in msg["Subject"]
    assert email.utils.parsedate_to_datetime(msg["Date"]).date().isoformat() == "2026-11-26"
    assert msg["Message-ID"] == "<bestilling.5035.20261126@stjordal.kommune.no>"
    assert msg.get_content_type() == "text/plain"
    body = msg.get_content()
    for expected in (
        "Stjørdal kommune - Helse og velferd",
        "HER-id:          8170001",
        "EDI-adresse:     stjordal-helse@edi.nhn.no",
        "Dialogmelding (dialogmelding), versjon 1.1",
        "Epikrise (epikrise), versjon 1.2",
        "Svarrapport (lab) (svarrapport), versjon 1.4",
        "Aktiveringsdato (T): tirsdag 2. mars 2027 (2027-03-02)",
        "Frist for publisering i NHN AR (T-14): 2027-02-16",
        "Testmeldinger fra Hemit (T-7): 2027-02-23",
        "2027-03-02 kl. 09:00 (Europe/Oslo, UTC+01:00)",
        "St. Olavs hospital HF (HER-id 9990001",
        "Helse Nord-Trøndelag HF",
        "org.nr. 939958851",
    ):
        assert expected in body, expected
    raw = out.read_bytes()
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")  # RFC 5322 line ends


def test_same_day_same_bytes_and_default_file_name(repo: Repo, tmp_path: Path) -> None:
    first = repo.run("order", "Stjørdal", "--today", "2026-11-26", "--root", str(repo.root), cwd=tmp_path)
    assert first.code == 0, first.err
    path = tmp_path / "5035-stjordal-bestilling.eml"
    data = path.read_bytes()
    again = repo.run("order", "5035", "--today", "2026-11-26", "--root", str(repo.root), cwd=tmp_path)
    assert again.code == 0 and path.read_bytes() == data
    later = repo.run("order", "5035", "--today", "2026-11-27", "--root", str(repo.root), cwd=tmp_path)
    assert later.code == 0
    assert read(path)["Message-ID"] == "<bestilling.5035.20261127@stjordal.kommune.no>"


def test_plain_text_keeps_names_verbatim(repo: Repo, tmp_path: Path) -> None:
    out = tmp_path / "bindal.eml"
    assert repo.run("order", "1811", "--out", str(out), "--today", "2026-11-26").code == 0
    body = read(out).get_content()
    assert "Bindal kommune - Helse & omsorg <sykehjem>" in body  # text/plain: nothing to escape
    assert "2027-06-08 kl. 09:00 (Europe/Oslo, UTC+02:00)" in body  # summer time


def test_refused_without_parties(repo: Repo, tmp_path: Path) -> None:
    out = tmp_path / "melhus.eml"
    result = repo.run("order", "5028", "--out", str(out), "--today", "2026-11-26")
    assert result.code == 1
    assert "R-K2" in result.out and "no communication parties declared" in result.out
    assert not out.exists()


def test_refused_for_a_version_the_hfs_do_not_support(repo: Repo, tmp_path: Path) -> None:
    repo.edit(STJORDAL, 'epikrise: "1.2"', 'epikrise: "1.0"')
    out = tmp_path / "order.eml"
    result = repo.run("order", "5035", "--out", str(out), "--today", "2026-11-26")
    assert result.code == 1
    assert "error R-K2 epikrise has no version 1.0" in result.out
    assert not out.exists()


def test_refused_on_a_holiday_t(repo: Repo, tmp_path: Path) -> None:
    repo.edit(STJORDAL, "date: 2027-03-02", "date: 2027-03-25")  # Skjærtorsdag
    result = repo.run("order", "5035", "--out", str(tmp_path / "o.eml"), "--today", "2026-11-26")
    assert result.code == 1
    assert "R-K1" in result.out and "Skjærtorsdag" in result.out


def test_unknown_kommune(repo: Repo) -> None:
    result = repo.run("order", "9999")
    assert result.code == 2
    assert "no kommune declaration matches '9999'" in result.err


def test_inside_the_repository_the_order_goes_to_the_users_data_directory(repo: Repo, tmp_path: Path) -> None:
    """Issue 17: run from the repository root (the walk-through), the e-mail never becomes an
    untracked file there (``git add -A`` would commit it, ``deploy`` refuses the dirty tree)."""
    data_home = tmp_path / "data-home"
    result = repo.run("order", "stjordal", "--today", "2026-11-26", env={"XDG_DATA_HOME": str(data_home)})
    assert result.code == 0, result.err
    written = data_home / "oppkobling" / "5035-stjordal-bestilling.eml"
    assert str(written) in result.out
    assert read(written)["Message-ID"] == "<bestilling.5035.20261126@stjordal.kommune.no>"
    assert not list(repo.root.rglob("*.eml"))
    output = repo.run("order", "5035", "--today", "2026-11-26", "--output", str(tmp_path / "chosen.eml"))
    assert output.code == 0 and (tmp_path / "chosen.eml").is_file()
