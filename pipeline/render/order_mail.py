"""Step K2's order e-mail: the message a kommune sends to Hemit's order address.

The message is built from the declaration with the standard library's ``email`` package (RFC
5322, CRLF line ends) and a jinja2 text template, so what is ordered is exactly what the
declaration says: the parties, HER-ids, EDI addresses, message types and versions, T and the AR
deadline. It quotes step K2 from the routine table (``pipeline.routine.steps``).

Date and Message-ID come from the day the order is written (``today``), never from the clock,
so writing the order twice on the same day gives the same bytes. ``X-Unsent: 1`` makes mail
clients that honour it (Outlook) open the file as a draft ready to send.
"""

from __future__ import annotations

import datetime as dt
import email.policy
import email.utils
from email.headerregistry import Address
from email.message import EmailMessage
from typing import Any

from pipeline import layout
from pipeline.ar.state import Words, party_state
from pipeline.model.catalogue import catalogue
from pipeline.model.declarations import DeclarationSet, KommuneDecl
from pipeline.model.models import HF_KEYS
from pipeline.render import templates
from pipeline.routine import calendar
from pipeline.routine.steps import K2, K3, K5, ORDER_ADDRESS, TITLE

_local, _, _domain = ORDER_ADDRESS.partition("@")
HEMIT = Address("Hemit meldingsansvarlig", _local, _domain)
TEMPLATE = "order-mail.txt.j2"
WEEKDAYS = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")
MONTHS = (
    "januar",
    "februar",
    "mars",
    "april",
    "mai",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "desember",
)


def norwegian_date(day: dt.date) -> str:
    return f"{WEEKDAYS[day.weekday()]} {day.day}. {MONTHS[day.month - 1]} {day.year} ({day.isoformat()})"


def filename(k: KommuneDecl) -> str:
    return layout.order_file(layout.stem(k.path))


# What NHN's address register holds of a party (``pipeline.ar.state``), in the mail's Norwegian.
AR_WORDS = Words(
    not_in_ar="ikke i AR ennå (ingen sertifikater)",
    in_ar="",
    valid_from="gyldig fra {}",
    valid="gyldig",
    to=" til {}",
    both_until="sertifikater gyldige til {}",
    until="{} til {}",
    missing="{} mangler",
    signing="signeringssertifikat",
    encryption="krypteringssertifikat",
)


def _context(decls: DeclarationSet, k: KommuneDecl) -> dict[str, Any]:
    m = k.model
    assert m.t is not None
    cat = catalogue()
    dialog = calendar.dialog_at(m.t)
    offset = dialog.strftime("%z")
    parties = []
    for p in m.parties:
        messages = [
            {"key": key, "title": cat.types[key].title if key in cat.types else key, "version": version}
            for key, version in p.messages.items()
        ]
        ar = p.ar_published_on.isoformat() if p.ar_published_on else "ikke ennå"
        parties.append(
            {
                "name": p.name,
                "her_id": p.her_id,
                "edi_address": p.edi_address,
                "ar": ar,
                "ar_state": party_state(decls.ar.snapshot, p.her_id).describe(AR_WORDS),
                "messages": messages,
            }
        )
    hfs = [h.model for key in HF_KEYS if (h := decls.hf(key)) is not None]
    return {
        "routine": TITLE,
        # The mail itself goes to the address the step names: quoted up to it.
        "k2_quote": K2.quote.removesuffix(f" på {ORDER_ADDRESS}."),
        "kommune": m,
        "t_text": norwegian_date(m.t),
        "agreed_on": m.activation.agreed_on.isoformat() if m.activation and m.activation.agreed_on else None,
        "ar_label": K3.when,
        "ar_deadline": calendar.ar_deadline(m.t).isoformat(),
        "pretest_label": K5.when,
        "pretest_day": calendar.pretest_day(m.t).isoformat(),
        "dialog_text": f"{m.t.isoformat()} kl. {dialog:%H:%M} (Europe/Oslo, UTC{offset[:3]}:{offset[3:]})",
        "parties": parties,
        "hfs": hfs,
    }


def message_id(k: KommuneDecl, today: dt.date) -> str:
    domain = (k.model.contact or "").partition("@")[2] or "oppkobling.invalid"
    return f"<bestilling.{k.model.kommune}.{today.strftime('%Y%m%d')}@{domain}>"


def build(decls: DeclarationSet, k: KommuneDecl, today: dt.date) -> EmailMessage:
    """The order as a message. Call ``blocking`` first: this assumes T, a contact and parties."""
    m = k.model
    assert m.t is not None and m.contact is not None
    local, _, domain = m.contact.partition("@")
    msg = EmailMessage(policy=email.policy.SMTP)
    msg["From"] = Address(f"{m.name} kommune", local, domain)
    msg["To"] = HEMIT
    msg["Subject"] = f"Bestilling: oppkobling av {m.name} kommune ({m.kommune}), aktiveringsdato {m.t.isoformat()}"
    msg["Date"] = email.utils.format_datetime(calendar.at_oslo_midnight(today))
    msg["Message-ID"] = message_id(k, today)
    msg["X-Unsent"] = "1"
    body = templates.render(TEMPLATE, **_context(decls, k))
    msg.set_content(body, charset="utf-8")
    msg["Content-Language"] = "nb"  # after set_content, which replaces the Content-* headers
    return msg


def as_bytes(msg: EmailMessage) -> bytes:
    return msg.as_bytes(policy=email.policy.SMTP)
