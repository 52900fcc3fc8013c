"""AR state per party where coordinators look: the status board (STATUS.md, status.html),
``timeline``, ``status`` and the order e-mail say whether the party is in AR, from when it is
valid and when its certificates expire."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
from pathlib import Path

from conftest import REPO, TODAY, Repo
from rules.rulecases import shipped

from ar import edits
from pipeline.ar.paths import Kind
from pipeline.ar.state import party_state
from pipeline.model.declarations import parse
from pipeline.render import status_page


def test_a_party_in_ar_and_one_not() -> None:
    snapshot = parse(shipped()).ar.snapshot
    stjordal = party_state(snapshot, 8170001)
    assert (stjordal.in_ar, stjordal.valid_from, stjordal.valid_to) == (True, dt.date(2026, 11, 20), None)
    assert stjordal.certificates_until == dt.date(2050, 1, 1)  # 2049-12-31T23:59:58Z in Oslo
    assert stjordal.describe() == "in AR, valid from 2026-11-20; certificates until 2050-01-01"
    bindal = party_state(snapshot, 8180001)
    assert (bindal.in_ar, bindal.missing, bindal.describe()) == (False, ("signing", "encryption"), "not in AR")
    assert bindal.file == "partners/ar/communicationparty/8180001.json"


def test_certificates_that_expire_apart_are_each_named() -> None:
    files = edits.reissue(dict(shipped()), 8170001, Kind.SIGNING, not_after="2027-06-01")
    files = edits.delete(files, "certificate/8170001/encryption.json")
    state = party_state(parse(files).ar.snapshot, 8170001)
    assert state.describe() == (
        "in AR, valid from 2026-11-20; signing certificate until 2027-06-01, encryption certificate missing"
    )
    assert state.certificates_until is None


def test_status_board_pages_show_ar_per_party() -> None:
    md = status_page.render_markdown(parse(shipped())).decode()
    assert "| Communication party | NHN AR |" in md
    assert "| 1811 Bindal | 8180001 | Bindal kommune - Helse &amp; omsorg &lt;sykehjem&gt; | not in AR |" in md
    assert "in AR, valid from 2026-09-01; certificates until 2026-11-20 | paused |" in md  # Kristiansund
    html = status_page.render_html(parse(shipped())).decode()
    assert "<th>NHN AR</th>" in html and "certificates until 2026-11-20" in html
    # The committed STATUS.md is in the repository's language ([tool.oppkobling] language = "nb").
    assert (REPO / "generated" / "STATUS.md").read_text("utf-8").count("| ikke i AR |") == 1


def test_timeline_and_status_show_ar_per_party(repo: Repo) -> None:
    text = repo.call("timeline", "5035", "--today", TODAY)
    assert text.code == 0
    assert "8170001: 2026-11-20 (in AR, valid from 2026-11-20; certificates until 2050-01-01)" in text.out
    assert "8170001 Stjørdal kommune - Helse og velferd: in AR, valid from 2026-11-20" in text.out
    doc = json.loads(repo.call("timeline", "1811", "--today", TODAY, "--format", "json").out)
    assert doc["ar"] == [
        {
            "her_id": 8180001,
            "in_ar": False,
            "file": "partners/ar/communicationparty/8180001.json",
            "valid_from": None,
            "valid_to": None,
            "signing_certificate_expires": None,
            "encryption_certificate_expires": None,
        }
    ]
    status = repo.call("status", "--today", TODAY)
    assert "     AR 8180001: not in AR" in status.out
    assert "     AR 8160101: in AR, valid from 2026-09-01; certificates until 2026-11-20" in status.out
    rows = json.loads(repo.call("status", "--today", TODAY, "--format", "json").out)["kommuner"]
    molde = next(r for r in rows if r["kommune"] == "1506")
    assert molde["ar"][0]["encryption_certificate_expires"] == "2050-01-01"
    md = repo.call("status", "--today", TODAY, "--format", "markdown").out
    assert "| Blocked | AR |" in md and "8180001: not in AR" in md


def test_the_order_mail_says_what_ar_holds(repo: Repo, tmp_path: Path) -> None:
    for number, expected in (
        ("5035", "I NHN AR:        gyldig fra 2026-11-20; sertifikater gyldige til 2050-01-01"),
        ("1811", "I NHN AR:        ikke i AR ennå (ingen sertifikater)"),
    ):
        out = tmp_path / f"{number}.eml"
        assert repo.call("order", number, "--today", TODAY, "--out", str(out)).code == 0
        message = email.message_from_bytes(out.read_bytes(), policy=email.policy.SMTP)
        body = message.get_body()
        assert body is not None and expected in body.get_content()
