"""Values that are data, shown inside a sentence (issue 17): a status, an agreement's state, an AR
certificate's kind, a receipt's verdict and a finding's severity read in the person's language,
while the value itself (YAML, JSON, rule ids) never changes."""

from __future__ import annotations

import enum

import pytest

from pipeline import i18n
from pipeline.agreements.states import AgreementState
from pipeline.ar.paths import Kind
from pipeline.findings import Severity
from pipeline.i18n import terms
from pipeline.model.models import Status

ENUMS: list[tuple[str, type[enum.Enum], tuple[str, ...]]] = [
    (terms.STATUS, Status, ()),
    (terms.STATE, AgreementState, ()),
    (terms.CERTIFICATE, Kind, ("communicationparty", "legacy")),  # a party is not a certificate
    (terms.SEVERITY, Severity, ()),
]


@pytest.mark.parametrize(("context", "values", "not_shown"), ENUMS)
def test_every_value_of_the_enums_has_a_display_name_in_norwegian(
    context: str, values: type[enum.Enum], not_shown: tuple[str, ...]
) -> None:
    wanted = {str(v.value) for v in values} - set(not_shown)
    assert wanted <= set(terms.TERMS[context])
    with i18n.use("nb"):
        shown = {v: terms.term(context, v) for v in wanted}
    with i18n.use("en"):
        assert {v: terms.term(context, v) for v in wanted} == {v: v for v in wanted}  # English: the value
    alike = {"testing", "test", "ok"}  # Norwegian words too
    assert [v for v in wanted - alike if shown[v] == v] == []


def test_the_norwegian_display_names() -> None:
    with i18n.use("nb"):
        assert terms.status(Status.ORDERED) == "bestilt"
        assert terms.status("paused") == "satt på pause"
        assert terms.state(AgreementState.INCOMPLETE) == "ufullstendig"
        assert terms.severity(Severity.ERROR) == "feil" and terms.severity("warning") == "advarsel"
        assert terms.verdict(None) == "mangler" and terms.verdict("rejected") == "avvist"
        # The first part of a compound: "signeringssertifikatet".
        assert i18n._("the {kind} certificate ({value})").format(kind=terms.certificate(Kind.SIGNING), value="x") == (
            "signeringssertifikatet (x)"
        )
        # An unknown value, or one in another context, is shown as it is.
        assert terms.status("klingon") == "klingon" and terms.term("status", "incomplete") == "incomplete"


def test_a_kept_text_is_said_in_the_language_in_force_each_time() -> None:
    later = i18n.Later(i18n.N_("{who} is not in AR ({path})"), (("who", 8180001), ("path", "p.json")))
    with i18n.use("nb"):
        assert str(later) == "8180001 finnes ikke i AR (p.json)"
    with i18n.use("en"):
        assert str(later) == "8180001 is not in AR (p.json)"


def test_a_plan_sentence_shows_both_states_in_the_language_in_force() -> None:
    from pipeline.plan import KommuneStateChange

    change = KommuneStateChange("5025", "Røros", "deactivated-until-activation", "active", 1)
    with i18n.use("nb"):
        assert change.sentence("St. Olavs hospital HF") == (
            "Røros: 1 avtale deaktivert til aktivering → aktiv hos St. Olavs hospital HF"
        )
    with i18n.use("en"):
        assert change.sentence("St. Olavs hospital HF") == (
            "Røros: 1 agreement deactivated-until-activation → active at St. Olavs hospital HF"
        )
