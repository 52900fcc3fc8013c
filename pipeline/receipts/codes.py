"""The code lists a receipt speaks in, and what each code means for this routine.

Kodeverk 8221 "Feilmeldinger for applikasjonskvittering - Generelle" (OID
2.16.578.1.12.4.1.1.8221), the ``Error`` of an AppRec. Meaning is the official Norwegian text;
cause and fix are this project's reading, in the routine's terms, with the step they point at.
Sources (read through the search tool; the official list at volven.no was not reachable):

- ks-no/fiks-nhn-client, ``msh-client/src/main/kotlin/no/ks/fiks/hdir/``
  ``FeilmeldingForApplikasjonskvittering.kt`` (8221) and ``StatusForMottakAvMelding.kt`` (8258);
  the same list in Digdir's eFormidling (``no.difi.meldingsutveksling.nextmove.nhn``):
  E10, E20, E21, E30, E31, E32, E35, E36, E53, E54, S01, S02, S03, T01, T02, T10, T99, X99.
- navikt's eMottak (``no.nav.emottak.melding.apprec.AppRecErrorCode``): the same codes and S99.
- Direktoratet for e-helse's AppRec examples (``../shared/standards/examples/apprec/``): E30 (1.0),
  E36 (1.1, HITS 1168); NHN's EDI 2.0 samples (``../shared/standards/edi2/``): E10, E20, E31.

E33 and E34 (inside "E30-E36") appear in none of these sources: they are explained by their
letter (E: content, S: signature and certificate, T: format, X: other), as any code not listed
here is, and the explanation says the official text is to be looked up.

Kodeverk 8258 "Status for mottak av melding" (AppRec ``Status``): 1 OK, 2 Avvist,
3 OK, feil i delmelding.

ebMS 2.0 error codes (OASIS ebMS 2.0, section 4.2.3.4.1), the ``errorCode`` of an ebXML
``ErrorList/Error``: the transport receipt's rejection. EDI 2.0 (NHN's ``msh-api-v2.json``):
``DeliveryState`` Unconfirmed/Acknowledged/Rejected, ``AppRecStatus`` Ok/Rejected/OkErrorInMessagePart.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.i18n import N_, _
from pipeline.model.models import Receipt
from pipeline.receipts.model import AppRecStatus
from pipeline.routine import evidence, steps

OID_8221 = "2.16.578.1.12.4.1.1.8221"
OID_8258 = "2.16.578.1.12.4.1.1.8258"

# Routine steps the explanations point at, as the routine table names them: K2 the order
# (message types and versions), K3 the party in NHN's address register (HER-id, EDI address,
# certificates), K4 the partner agreements, K5/H2 the test messages and the test patient, K6/H4
# the test dialog, H3 Hemit's contact about a deviation.
K2, K3, K4 = steps.K2.id, steps.K3.id, steps.K4.id
K5, K6, H3 = steps.K5.label, steps.K6.label, steps.H3.id


@dataclass(frozen=True, slots=True)
class Explanation:
    code: str
    meaning: str  # official text (Norwegian) where known
    cause: str
    fix: str
    step: str
    listed: bool = True  # False: not in the list above, explained by its letter

    def __str__(self) -> str:
        # cause and fix are msgids (N_ in the tables below): said in the language in force.
        return _("{code} {meaning}: {cause} Fix: {fix} (routine step {step})").format(
            code=self.code, meaning=self.meaning, cause=_(self.cause), fix=_(self.fix), step=self.step
        )


def _e(code: str, meaning: str, cause: str, fix: str, step: str) -> Explanation:
    return Explanation(code, meaning, cause, fix, step)


CODES_8221: dict[str, Explanation] = {
    e.code: e
    for e in (
        _e(
            "E10",
            "Ugyldig meldingsidentifikator",
            N_(
                "the receiving system refused the test message's MsgId: not a valid id, or one "
                "it has already received (a re-test resent with the old MsgId)."
            ),
            N_("re-test with new test messages: oppkobling gives new MsgIds when T or the ordered version changes."),
            K5,
        ),
        _e(
            "E20",
            "Lege finnes ikke",
            N_(
                "the person or unit the test message was addressed to is unknown to the "
                "receiving system: the party's HER-id in AR names a unit the kommune's EPJ is "
                "not set up for."
            ),
            N_(
                "check the party's registration in AR (which HER-id, which unit) and that the "
                "kommune's system receives for that HER-id."
            ),
            K3,
        ),
        _e(
            "E21",
            "Mottaker finnes ikke",
            N_(
                "the receiving system does not know the receiving communication party: its "
                "HER-id or EDI address in AR is not the one the kommune's system (or message "
                "server) is set up for."
            ),
            N_(
                "check the party's AR registration and EDI address (K3) and the kommune system's "
                "HER-id configuration, then re-test."
            ),
            K3,
        ),
        _e(
            "E30",
            "Pasientens fødselsnummer mangler",
            N_("the receiving system found no identity number for the test patient where it expects one."),
            N_(
                "check the test patient in the message version ordered in K2; the receiving "
                "system must accept the synthetic test patient (Skatteetaten's synthetic range, "
                "month + 80) in test messages; agree this with the kommune's EPJ vendor before "
                "the test day."
            ),
            K5,
        ),
        _e(
            "E31",
            "Pasientens fødselsnummer er feil",
            N_(
                "the receiving system rejects the test patient's synthetic identity number (it "
                "checks the month or does not accept synthetic numbers)."
            ),
            N_(
                "the receiving system must accept the synthetic test patient (Skatteetaten's "
                "synthetic range, month + 80) in test messages; agree this with the kommune's "
                "EPJ vendor before the test day."
            ),
            K5,
        ),
        _e(
            "E32",
            "Pasientens navn mangler",
            N_("the receiving system found no name for the test patient."),
            N_("check the test patient's name in the message version ordered in K2."),
            K5,
        ),
        _e(
            "E35",
            "Pasienten finnes ikke i mottakersystemet",
            N_(
                "the receiving system only accepts messages about patients it already has, and "
                "the test patient is not registered there."
            ),
            N_(
                "the kommune registers the test patient in its system before the test day, or "
                "lets test messages through for unknown patients."
            ),
            K5,
        ),
        _e(
            "E36",
            "Pasientopplysninger er utilstrekkelige",
            N_("the receiving system could not identify the test patient from what the message carries."),
            N_(
                "check the test patient's data in the message version ordered in K2; the "
                "receiving system must accept the synthetic test patient (Skatteetaten's "
                "synthetic range, month + 80) in test messages; agree this with the kommune's "
                "EPJ vendor before the test day."
            ),
            K5,
        ),
        _e(
            "E53",
            "Pasientens fødselsnummer eller D-nummer finnes ikke registrert i Folkeregisteret.",
            N_(
                "the receiving system looked the synthetic test patient up in Folkeregisteret, "
                "where synthetic numbers do not exist."
            ),
            N_(
                "the receiving system must accept the synthetic test patient (Skatteetaten's "
                "synthetic range, month + 80) in test messages; agree this with the kommune's "
                "EPJ vendor before the test day without a Folkeregisteret lookup."
            ),
            K5,
        ),
        _e(
            "E54",
            "Pasientens fødselsnummer er ikke registrert i mottagersystemet",
            N_("the test patient is not registered in the receiving system."),
            N_("the kommune registers the test patient in its system before the test day."),
            K5,
        ),
        _e(
            "S01",
            "Feil på signatur",
            N_(
                "the message's signature did not verify: the signing certificate the receiver "
                "holds (from AR or the partner agreement) is not the one the sender signed with."
            ),
            N_(
                "compare the signing certificates in AR with those in the partner agreements "
                "(K4); publish the right one in AR and regenerate the agreements."
            ),
            K3,
        ),
        _e(
            "S02",
            "Ugyldig sertifikat",
            N_("a certificate is expired, not yet valid or used for the wrong purpose (signing vs encryption)."),
            N_("publish valid certificates for the party in AR (K3) and regenerate the partner agreements (K4)."),
            K3,
        ),
        _e(
            "S03",
            "Tilbaketrukket sertifikat",
            N_("a certificate has been revoked."),
            N_("order a new enterprise certificate, publish it in AR (K3) and regenerate the partner agreements."),
            K3,
        ),
        _e(
            "S99",
            "Annen feil på signatur eller sertifikat",
            N_("another signature or certificate error (read the error's text)."),
            N_("check the party's certificates in AR (K3) and in the partner agreements (K4)."),
            K3,
        ),
        _e(
            "T01",
            "Ikke XML / ikke 'well formed' / uleselig",
            N_(
                "the payload could not be read: usually decryption failed (the encryption "
                "certificate in AR is not the one the receiving system holds the key for), or "
                "the message was damaged."
            ),
            N_("check the party's encryption certificate in AR (K3) and the partner agreement (K4), then re-test."),
            K3,
        ),
        _e(
            "T02",
            "XML validerer ikke",
            N_(
                "the receiving system validates against another version of the message than the "
                "one sent: the version ordered in K2 is not the one the kommune's system "
                "supports."
            ),
            N_(
                "check the message type and version ordered in K2 against what the kommune's "
                "system supports; correct the declaration, regenerate and re-test."
            ),
            K2,
        ),
        _e(
            "T10",
            "Støtter ikke meldingsformatet",
            N_("the receiving system does not support this message type or version."),
            N_("order the version the kommune's system supports (K2), regenerate and re-test."),
            K2,
        ),
        _e(
            "T99",
            "Annen feil på format",
            N_("another format error (read the error's text)."),
            N_("check the message version ordered in K2."),
            K2,
        ),
        _e(
            "X99",
            "Annen feil",
            N_("an error the code list has no code for: the error's text (DN) and detail (OT) say which."),
            N_("read the error text; Hemit contacts the kommune's meldingsansvarlig (H3)."),
            H3,
        ),
    )
}

_BY_LETTER = {
    "E": (
        N_("an error in the message's content (receiver or patient data)"),
        N_("check the party in AR (K3) and the test patient"),
        K3,
    ),
    "S": (
        N_("a signature or certificate error"),
        N_("check the party's certificates in AR (K3) and the partner agreements (K4)"),
        K3,
    ),
    "T": (N_("a format error"), N_("check the message type and version ordered in K2"), K2),
    "X": (N_("another error"), N_("read the error text; Hemit contacts the kommune's meldingsansvarlig (H3)"), H3),
}


def explain(code: str, system: str | None = None, text: str | None = None) -> Explanation:
    """The explanation of one AppRec error. A code of another kodeverk (e.g. 8223 for
    legeoppgjør) or one not listed above is explained by what it says and its letter."""
    key = code.strip().upper()
    if system and system.strip() != OID_8221:
        return Explanation(
            key,
            text.strip() if text else _("code {key} of kodeverk {system}").format(key=key, system=system.strip()),
            _("an error from another code list ({system}), not kodeverk 8221.").format(system=system.strip()),
            _("read that code list; the receiving system reported a problem with part of the message."),
            K5,
            listed=False,
        )
    known = CODES_8221.get(key)
    if known is not None:
        return known
    cause, fix, step = _BY_LETTER.get(key[:1], _BY_LETTER["X"])
    meaning = (
        text.strip() if text else _("{key} (not in oppkobling's copy of kodeverk 8221; see volven.no)").format(key=key)
    )
    return Explanation(key, meaning, _(cause) + ".", _(fix) + ".", step, listed=False)


# Kodeverk 8258: code -> (the declaration's word, the official text).
STATUS_8258: dict[str, tuple[AppRecStatus, str]] = {
    "1": (AppRecStatus.OK, "OK"),
    "2": (AppRecStatus.REJECTED, "Avvist"),
    "3": (AppRecStatus.OK_WITH_ERRORS, "OK, feil i delmelding"),
}

# EDI 2.0 AppRecStatus -> kodeverk 8258 code.
EDI2_APPREC_STATUS: dict[str, str] = {"Ok": "1", "Rejected": "2", "OkErrorInMessagePart": "3"}
# EDI 2.0 DeliveryState -> transport state; Unconfirmed means no receipt yet.
EDI2_DELIVERY_STATE: dict[str, str | None] = {"Acknowledged": "ok", "Rejected": "rejected", "Unconfirmed": None}

# ebMS 2.0 section 4.2.3.4.1: errorCode -> (short meaning, cause and fix in the routine's terms, step).
EBMS_ERRORS: dict[str, tuple[str, str, str]] = {
    "ValueNotRecognized": (
        N_("element content or attribute value not recognised"),
        N_(
            "the receiving message server does not recognise a header value (party, service, "
            "action): check the partner agreement (K4) and the party's AR registration (K3)"
        ),
        K4,
    ),
    "NotSupported": (
        N_("element or attribute not supported"),
        N_("the receiving message server does not support what the header asks for: check the partner agreement (K4)"),
        K4,
    ),
    "Inconsistent": (
        N_("element content or attribute value inconsistent with other elements or attributes"),
        N_(
            "the header contradicts the partner agreement (CPA id, roles, service, action): "
            "regenerate and deploy the agreements (K4)"
        ),
        K4,
    ),
    "OtherXml": (N_("other error in an element content or attribute value"), N_("read the error's description"), K4),
    "DeliveryFailure": (
        N_("message delivery failure"),
        N_(
            "the receiving message server could not deliver the message to the party's "
            "system: the party's EDI address or the receiving side's set-up (K3)"
        ),
        K3,
    ),
    "TimeToLiveExpired": (
        N_("message time to live expired"),
        N_("the message was not delivered in time; resend it (a new test attempt)"),
        K5,
    ),
    "SecurityFailure": (
        N_("message security checks failed"),
        N_("signature or certificate: compare the certificates in AR (K3) with those in the partner agreement (K4)"),
        K3,
    ),
    "MimeProblem": (
        N_("URI resolve error"),
        N_("the MIME packaging of the message is broken: the sending message server"),
        K4,
    ),
    "Unknown": (N_("unknown error"), N_("read the error's description"), K4),
}


def explain_transport(code: str) -> str:
    default = (_("error code {code}").format(code=code), N_("read the error's description"), K4)
    meaning, advice, step = EBMS_ERRORS.get(code, default)
    return _("{code} ({meaning}): {advice} (routine step {step})").format(
        code=code, meaning=_(meaning), advice=_(advice), step=step
    )


RECEIPT_NAMES = {"transport": evidence.TRANSPORT_RECEIPT, "apprec": evidence.APPREC, "answer": "answer"}


def describe_negative(receipt: Receipt) -> list[str]:
    """What a negative receipt recorded in a declaration says, one line per error code, each
    with its meaning, the usual cause and fix and the routine step (none for a positive one)."""
    if receipt.result not in ("rejected", "ok-with-errors"):
        return []
    head = _("{RECEIPT_NAMES} {result} for the test {test} ({message})").format(
        RECEIPT_NAMES=RECEIPT_NAMES[receipt.kind], result=receipt.result, test=receipt.test, message=receipt.message
    )
    if not receipt.errors:
        return [_("{head}, without an error code").format(head=head)]
    explain_one = (lambda c: str(explain(c))) if receipt.kind == "apprec" else explain_transport
    return [f"{head}: {explain_one(code)}" for code in receipt.errors]
