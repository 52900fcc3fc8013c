"""The answer to a test dialog: a Dialogmelding (1.0 or 1.1) in MsgHead 1.2 whose
``MsgInfo/ConversationRef`` names the test dialog (``RefToConversation``, the first message of
the conversation, and ``RefToParent``, the message answered). Its ``GenDate`` is answered_at.

Any other MsgHead (the test dialog itself, a message without ConversationRef, another payload)
is a readable message but not a receipt.
"""

from __future__ import annotations

import functools

from lxml import etree

from pipeline.i18n import _
from pipeline.model.catalogue import catalogue
from pipeline.receipts.apprec import her_id
from pipeline.receipts.model import Batch, DialogAnswer, Origin, PartyRef, ProblemKind
from pipeline.receipts.times import kith_time


@functools.cache
def namespace() -> str:
    return catalogue().msghead["1.2"].namespace


@functools.cache
def dialog_namespaces() -> frozenset[str]:
    return frozenset(v.namespace for v in catalogue().types["dialogmelding"].versions.values())


class _Reader:
    def __init__(self) -> None:
        self.ns = "{" + namespace() + "}"

    def el(self, parent: etree._Element | None, *path: str) -> etree._Element | None:
        node = parent
        for tag in path:
            if node is None:
                return None
            node = node.find(self.ns + tag)
        return node

    def text(self, parent: etree._Element | None, *path: str) -> str | None:
        node = self.el(parent, *path)
        if node is None or node.text is None:
            return None
        return node.text.strip() or None

    def idents(self, node: etree._Element) -> tuple[int | None, list[str]]:
        found: int | None = None
        others: list[str] = []
        for ident in node.iterfind(self.ns + "Ident"):
            value = self.text(ident, "Id")
            type_id = self.el(ident, "TypeId")
            kind = None if type_id is None else (type_id.get("V") or "").strip()
            if kind == "HER" and found is None and her_id(value) is not None:
                found = her_id(value)
            elif value:
                others.append(f"{kind or '?'} {value}")
        return found, others

    def party(self, side: etree._Element | None) -> PartyRef:
        """Organisation, its sub-organisations and a HealthcareProfessional: the deepest HER-id wins."""
        org = self.el(side, "Organisation")
        best: int | None = None
        names: list[str] = []
        others: list[str] = []
        while org is not None:
            found, more = self.idents(org)
            name = self.text(org, "OrganisationName")
            if name:
                names.append(name)
            others.extend(more)
            best = found if found is not None else best
            person = self.el(org, "HealthcareProfessional")
            if person is not None:
                found, more = self.idents(person)
                others.extend(more)
                best = found if found is not None else best
            org = self.el(org, "Organisation")
        return PartyRef(best, " / ".join(names) or None, () if best is not None else tuple(others))


def read(root: etree._Element, origin: Origin, batch: Batch) -> None:
    r = _Reader()
    info = r.el(root, "MsgInfo")
    action_el = r.el(info, "Type")
    action = "" if action_el is None else (action_el.get("V") or "").strip()
    msg_id = r.text(info, "MsgId")
    content = r.el(root, "Document", "RefDoc", "Content")
    payload = None if content is None or len(content) == 0 else content[0]
    payload_ns = None if payload is None else etree.QName(payload).namespace
    what = _("MsgHead {action} (MsgId {msg_id})").format(action=action or _("(no Type)"), msg_id=msg_id or "?")
    if payload is None or payload_ns not in dialog_namespaces() or etree.QName(payload).localname != "Dialogmelding":
        inner = (
            _("no payload")
            if payload is None
            else _("a {localname} in {payload_ns}").format(
                localname=etree.QName(payload).localname, payload_ns=payload_ns
            )
        )
        batch.problem(
            ProblemKind.NOT_A_RECEIPT,
            origin,
            _("{what} carries {inner}: not an answer to a test dialog").format(what=what, inner=inner),
        )
        return
    ref = r.el(info, "ConversationRef")
    if ref is None:
        batch.problem(
            ProblemKind.NOT_A_RECEIPT,
            origin,
            _("{what} has no ConversationRef: it answers no message (not a receipt)").format(what=what),
        )
        return
    gen_date = r.text(info, "GenDate")
    at = kith_time(gen_date)
    if msg_id is None or at is None:
        wrong = (
            _("no MsgId")
            if msg_id is None
            else _("GenDate {gen_date!r} is not a date and time").format(gen_date=gen_date)
        )
        batch.problem(ProblemKind.INCOMPLETE, origin, _("dialog answer {what}: {wrong}").format(what=what, wrong=wrong))
        return
    parent, conversation = r.text(ref, "RefToParent"), r.text(ref, "RefToConversation")
    if parent is None and conversation is None:
        batch.problem(
            ProblemKind.INCOMPLETE,
            origin,
            _("dialog answer {what}: ConversationRef names no message").format(what=what),
        )
        return
    batch.receipts.append(
        DialogAnswer(
            origin=origin,
            own_id=msg_id,
            at=at,
            action=action,
            ref_to_parent=parent,
            ref_to_conversation=conversation,
            sender=r.party(r.el(info, "Sender")),
            receiver=r.party(r.el(info, "Receiver")),
        )
    )
