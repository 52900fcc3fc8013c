"""AppRec 1.0 (``.../apprec/2004-11-21``) and 1.1 (``.../apprec/2012-02-15``): the receiving
system's application receipt, from the test message's receiver (``Sender``) back to its sender.

Both versions share the structure the official examples show: ``GenDate``, ``Id``, ``Sender``
and ``Receiver`` (each an ``HCP`` with an ``Inst``, optionally a ``Dept`` or ``HCPerson`` under
it, or an ``HCProf``), ``Status`` (kodeverk 8258), ``Error`` (kodeverk 8221) and
``OriginalMsgId`` (``MsgType``, ``IssueDate``, ``Id``). The communication party is the most
specific unit named by a HER-id (``TypeId`` or an ``AdditionalId`` of type HER).

Each element is visited once, children by tag (a national Maildir holds tens of thousands).
"""

from __future__ import annotations

import functools

from lxml import etree

from pipeline.i18n import _
from pipeline.model.catalogue import catalogue
from pipeline.receipts import xmldoc
from pipeline.receipts.codes import STATUS_8258
from pipeline.receipts.model import AppRecError, AppRecReceipt, Batch, Origin, PartyRef, ProblemKind, party
from pipeline.receipts.times import kith_time

HER_MAX = 2_147_483_647


@functools.cache
def versions() -> dict[str, str]:
    """AppRec namespace -> version, from the message catalogue."""
    return {schema.namespace: version for version, schema in catalogue().apprec.items()}


def her_id(text: str | None) -> int | None:
    value = (text or "").strip()
    if value.isascii() and value.isdigit() and 0 < (number := int(value)) <= HER_MAX:
        return number
    return None


def _text(node: etree._Element) -> str | None:
    text = node.text
    return text.strip() or None if text else None


# What each child of an AppRec, of a Sender/Receiver unit and of an AdditionalId is (by local name).
_ROOT = {"GenDate": 1, "Id": 2, "Status": 3, "Error": 4, "OriginalMsgId": 5, "Sender": 6, "Receiver": 7}
_UNIT = {"Id": 1, "TypeId": 2, "Name": 3, "AdditionalId": 4, "Dept": 5, "HCPerson": 5}
_EXTRA = {"Id": 1, "Type": 2}
_HCP_UNITS = ("Inst", "HCProf")


class _Tags:
    """The qualified tags of one AppRec namespace -> what they are."""

    def __init__(self, ns: str) -> None:
        q = "{" + ns + "}"
        self.root = {q + k: v for k, v in _ROOT.items()}
        self.unit = {q + k: v for k, v in _UNIT.items()}
        self.extra = {q + k: v for k, v in _EXTRA.items()}
        self.hcp = q + "HCP"
        self.hcp_units = frozenset(q + k for k in _HCP_UNITS)
        self.id, self.msg_type = q + "Id", q + "MsgType"


@functools.cache
def _tags(ns: str) -> _Tags:
    return _Tags(ns)


def _unit(node: etree._Element, t: _Tags, found: list[int], names: list[str], others: list[str]) -> None:
    """One Inst, Dept, HCPerson or HCProf: its HER-id (appended to ``found``), name, other ids;
    then the first unit under it (a Dept or HCPerson, more specific)."""
    ident = kind = None
    her: int | None = None
    below: etree._Element | None = None
    codes = t.unit
    for child in node:
        code = codes.get(child.tag)
        if code == 1:
            ident = _text(child)
        elif code == 2:
            kind = (child.get("V") or "").strip()
        elif code == 3:
            name = _text(child)
            if name:
                names.append(name)
        elif code == 4:
            extra_id = extra_kind = None
            for sub in child:
                sub_code = t.extra.get(sub.tag)
                if sub_code == 1:
                    extra_id = _text(sub)
                elif sub_code == 2:
                    extra_kind = (sub.get("V") or "").strip()
            if extra_kind == "HER" and her is None and her_id(extra_id) is not None:
                her = her_id(extra_id)
            elif extra_id:
                others.append(f"{extra_kind or '?'} {extra_id}")
        elif code == 5 and below is None:
            below = child
    if kind == "HER" and (found_id := her_id(ident)) is not None:
        her = found_id
    elif ident:
        others.append(f"{kind or '?'} {ident}")
    if her is not None:
        found.append(her)
    if below is not None:
        _unit(below, t, found, names, others)


def _party(side: etree._Element | None, t: _Tags) -> PartyRef:
    found: list[int] = []
    names: list[str] = []
    others: list[str] = []
    for hcp in () if side is None else side:  # a plain walk: a tag filter costs more than it saves here
        if hcp.tag != t.hcp:
            continue
        for unit in hcp:
            if unit.tag in t.hcp_units:
                _unit(unit, t, found, names, others)
    if found:
        return party(found[-1], " / ".join(names) or None)
    return party(None, " / ".join(names) or None, tuple(others))


def read(root: etree._Element, origin: Origin, batch: Batch) -> None:
    """Add the AppRec ``root`` (its namespace already known to be an AppRec's) to ``batch``."""
    ns = xmldoc.qname(root)[0] or ""
    version = versions()[ns]
    t = _tags(ns)
    gen_date = own_id = code = None
    original = sender = receiver = None
    errors: list[AppRecError] = []
    codes = t.root
    for child in root:
        kind = codes.get(child.tag)
        if kind is None:
            continue
        if kind == 1:
            gen_date = _text(child)
        elif kind == 2:
            own_id = _text(child)
        elif kind == 3:
            code = (child.get("V") or "").strip()
        elif kind == 4:
            errors.append(
                AppRecError(
                    code=(child.get("V") or "").strip(),
                    system=(child.get("S") or "").strip() or None,
                    text=(child.get("DN") or "").strip() or None,
                    detail=(child.get("OT") or "").strip() or None,
                )
            )
        elif kind == 5:
            original = child
        elif kind == 6:
            sender = child
        else:
            receiver = child
    if gen_date is None or own_id is None or code is None or original is None:
        named = {"GenDate": gen_date, "Id": own_id, "Status": code, "OriginalMsgId": original}
        missing = [name for name, value in named.items() if value is None]
        batch.problem(
            ProblemKind.INCOMPLETE,
            origin,
            _("AppRec {version} without {value}").format(version=version, value=", ".join(missing)),
        )
        return
    at = kith_time(gen_date)
    if at is None:
        batch.problem(
            ProblemKind.INCOMPLETE,
            origin,
            _("AppRec GenDate {gen_date!r} is not a date and time").format(gen_date=gen_date),
        )
        return
    status = STATUS_8258.get(code or "")
    if status is None:
        batch.problem(
            ProblemKind.INCOMPLETE,
            origin,
            _("AppRec Status V={code!r} is not in kodeverk 8258 (1 OK, 2 Avvist, 3 OK, feil i delmelding)").format(
                code=code
            ),
        )
        return
    refers_to = original_type = None
    for child in () if original is None else original:
        if child.tag == t.id:
            refers_to = _text(child)
        elif child.tag == t.msg_type:
            original_type = (child.get("V") or "").strip() or None
    if refers_to is None:
        batch.problem(ProblemKind.INCOMPLETE, origin, _("AppRec OriginalMsgId has no Id: it names no message"))
        return
    batch.receipts.append(
        AppRecReceipt(
            origin=origin,
            version=version,
            own_id=own_id,
            at=at,
            status=status[0],
            errors=tuple(errors),
            refers_to=refers_to,
            original_type=original_type,
            sender=_party(sender, t),
            receiver=_party(receiver, t),
        )
    )
