"""How a value that is data reads inside a sentence a person is shown.

The value itself never changes with the language: ``status: ordered`` in a declaration, ``"status":
"ordered"`` in JSON, ``apprec: rejected`` are what a person types and a machine reads. Only its
display in a text (``Stjørdal (5035) · status bestilt``) is translated, here, through the catalog
with a context each (``pgettext``), so that "active" as a status and as an agreement's state can
differ. A value this table does not know is shown as it is.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.i18n import NP_, pgettext

STATUS, STATE, CERTIFICATE, VERDICT, SEVERITY = "status", "agreement", "certificate", "receipt", "severity"
PROBLEM = "problem"

# Every (context, value) shown in a sentence, marked for the catalog (tests/test_i18n_terms.py
# checks that every member of the enums is here).
TERMS: dict[str, tuple[str, ...]] = {
    STATUS: (
        NP_("status", "planned"),
        NP_("status", "ordered"),
        NP_("status", "testing"),
        NP_("status", "active"),
        NP_("status", "paused"),
        NP_("status", "withdrawn"),
    ),
    STATE: (
        NP_("agreement", "pending"),
        NP_("agreement", "test"),
        NP_("agreement", "deactivated-until-activation"),
        NP_("agreement", "active"),
        NP_("agreement", "paused"),
        NP_("agreement", "withdrawn"),
        NP_("agreement", "incomplete"),
    ),
    # The first part of "the signing certificate" (nb: "signeringssertifikatet").
    CERTIFICATE: (NP_("certificate", "signing"), NP_("certificate", "encryption")),
    # What a transport receipt or an AppRec said, as recorded (``missing``: none recorded).
    # What is wrong with a file given to ``receipts import`` (the JSON keeps the value).
    PROBLEM: (
        NP_("problem", "malformed"),
        NP_("problem", "unsafe"),
        NP_("problem", "unrecognised"),
        NP_("problem", "incomplete"),
        NP_("problem", "encrypted"),
        NP_("problem", "service-error"),
        NP_("problem", "not-a-receipt"),
        NP_("problem", "pending"),
        NP_("problem", "unlinked"),
        NP_("problem", "unknown-message"),
        NP_("problem", "wrong-party"),
        NP_("problem", "wrong-kind"),
        NP_("problem", "inconsistent"),
        NP_("problem", "conflict"),
    ),
    # A finding's severity in a person's text (the JSON and GitHub formats keep the value).
    SEVERITY: (NP_("severity", "error"), NP_("severity", "warning")),
    VERDICT: (
        NP_("receipt", "ok"),
        NP_("receipt", "rejected"),
        NP_("receipt", "ok-with-errors"),
        NP_("receipt", "missing"),
    ),
}


def term(context: str, value: object) -> str:
    """``value`` as it reads in the person's language (the language in force)."""
    text = str(value)
    return pgettext(context, text) if text in TERMS.get(context, ()) else text


def status(value: object) -> str:
    return term(STATUS, value)


def state(value: object) -> str:
    return term(STATE, value)


def certificate(value: object) -> str:
    return term(CERTIFICATE, value)


def severity(value: object) -> str:
    return term(SEVERITY, value)


def verdict(value: object | None) -> str:
    return term(VERDICT, "missing" if value is None else value)


@dataclass(frozen=True)
class Shown:
    """A value kept to be shown later (in a ``pipeline.i18n.Later``), in the language then in force."""

    context: str
    value: str

    def __str__(self) -> str:
        return term(self.context, self.value)
