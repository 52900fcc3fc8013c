"""Must show (issue 14, 4): every generated CPA carries the parties' X.509 certificates from AR,
which parse and whose thumbprints are the ones the snapshot states; End is the earliest expiry of
the four (or Start + 5 years when that is earlier); no placeholder anywhere in generated/."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib

from conftest import REPO
from cryptography import x509

from agreements.support import CPA_NS, examples, parse_xml, rendered
from pipeline import layout
from pipeline.agreements import agreement, cpa
from pipeline.ar.paths import Kind
from pipeline.model.models import HF_KEYS
from pipeline.routine import calendar

A = f"{{{cpa.NS}}}"
GENERATED = REPO / "generated"


def _cpas() -> dict[str, bytes]:
    """The committed generated/ CPAs (what is deployed), by path under generated/."""
    found = {p.relative_to(GENERATED).as_posix(): p.read_bytes() for p in sorted(GENERATED.glob("*/cpa/*.xml"))}
    assert len(found) == 21
    return found


def test_committed_cpas_carry_ar_certificates_and_end_with_the_first_to_expire() -> None:
    declarations = examples()
    snapshot = declarations.ar.snapshot
    agreements = {
        f"{a.hf.key}/{layout.cpa_file(a.kommune.kommune, a.party.her_id)}": a for a in agreement.collect(declarations)
    }
    assert set(agreements) == set(_cpas())
    ended_by_certificate = []
    for path, content in _cpas().items():
        root = parse_xml(content)
        expiries = []
        for info in root.findall("tns:PartyInfo", CPA_NS):
            her_id = int(info.find("tns:PartyId[@tns:type='HER']", CPA_NS).text)
            party = snapshot.party(her_id)
            stated = {c.get(A + "certId"): c for c in info.findall("tns:Certificate", CPA_NS)}
            if party is None:  # Bindal: not in AR, so its agreements are drafts without its certificates
                assert stated == {} and agreements[path].incomplete, path
                continue
            for kind in (Kind.SIGNING, Kind.ENCRYPTION):
                file = party.certificate(kind)
                assert file is not None and file.certificate is not None
                data = next(
                    c.find("ds:KeyInfo/ds:X509Data/ds:X509Certificate", CPA_NS)
                    for cid, c in stated.items()
                    if cid.endswith("sign" if kind is Kind.SIGNING else "enc")
                )
                der = base64.b64decode(data.text)
                parsed = x509.load_der_x509_certificate(der)  # it parses
                thumbprint = hashlib.sha1(der, usedforsecurity=False).hexdigest().upper()
                assert thumbprint == file.thumbprint, (path, her_id, kind)
                stated_on_party = party.signing_thumbprint if kind is Kind.SIGNING else party.encryption_thumbprint
                assert thumbprint == stated_on_party
                expiries.append(parsed.not_valid_after_utc)
        start = dt.datetime.fromisoformat(root.find("tns:Start", CPA_NS).text)
        end = dt.datetime.fromisoformat(root.find("tns:End", CPA_NS).text)
        planned = agreement.end(start)
        assert end == min([planned, *expiries]), path
        if expiries and min(expiries) < planned:
            assert end == min(expiries) and end.utcoffset() == min(expiries).astimezone(calendar.OSLO).utcoffset()
            ended_by_certificate.append(path)
    # Kristiansund's certificates expire T + 45 days: its three agreements end then.
    assert sorted(ended_by_certificate) == [f"{hf}/cpa/1505-8160101.xml" for hf in sorted(HF_KEYS)]


def test_no_placeholder_anywhere_in_generated() -> None:
    """``grep -r KeyName generated/`` finds nothing (in what is committed and in a fresh render)."""
    committed = [p for p in GENERATED.rglob("*") if p.is_file() and b"KeyName" in p.read_bytes()]
    assert committed == []
    assert [p for p, content in rendered(examples()).items() if b"KeyName" in content] == []


def test_a_renewed_certificate_moves_end() -> None:
    from ar import edits
    from rules.rulecases import shipped

    from pipeline.model.declarations import parse

    files = edits.reissue(dict(shipped()), 9990001, Kind.ENCRYPTION, not_after="2030-01-15")
    declarations = parse(files)
    ends = {
        (a.hf.key, a.kommune.kommune): a.end
        for a in agreement.collect(declarations)
        if a.kommune.kommune in ("5035", "1505")
    }
    assert ends[("st-olavs", "5035")] == dt.datetime(2030, 1, 15, tzinfo=calendar.OSLO)
    assert ends[("helse-more-og-romsdal", "5035")] == agreement.end(agreement.start(dt.date(2027, 3, 2)))
    assert ends[("st-olavs", "1505")].date() == dt.date(2026, 11, 20)  # Kristiansund's own expire first
