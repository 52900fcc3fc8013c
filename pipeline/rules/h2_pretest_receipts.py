"""R-H2 (H2): the test messages come back with a positive transport receipt and AppRec, per HF and
party; the latest attempt decides. A negative one blocks activation and is explained: each
kodeverk 8221 code of a rejected AppRec (and each ebMS error of a rejected transport receipt)
becomes a finding with its meaning, the usual cause and fix and the routine step they point at.
An AppRec missing 96 hours after sending counts as a rejection. An active kommune has them all."""

from __future__ import annotations

from collections.abc import Iterator

from pipeline.findings import Finding
from pipeline.i18n import _
from pipeline.model.declarations import KommuneDecl
from pipeline.model.models import HF_KEYS, Dialog, Party, Pretest, Status, TestEvidence
from pipeline.routine import evidence
from pipeline.routine.steps import H2
from pipeline.rules.rule import Context, Rule


def explained(
    r: Rule, k: KommuneDecl, attempt: Pretest | Dialog, where: tuple[str | int, ...], active: bool
) -> Iterator[Finding]:
    """A finding per error code of each negative receipt of ``attempt`` (a pretest or a dialog):
    an error once the kommune is active, a warning before."""
    # Imported only when a receipt is negative: the kodeverk tables and the receipts' model are
    # a twentieth of ``validate FILE`` for a kommune whose receipts are all positive.
    from pipeline.receipts import codes

    for j, receipt in enumerate(attempt.receipts):
        for message in codes.describe_negative(receipt):
            location = k.at(*where, "receipts", j)
            yield r.error(location, message) if active else r.warning(location, message)


def _latest(k: KommuneDecl, hf: str, her: str, ev: TestEvidence) -> tuple[int, Pretest, tuple[str | int, ...]] | None:
    attempts = evidence.for_t(k.model, ev.pretests)
    if not attempts:
        return None
    index, latest = attempts[-1]
    return index, latest, ("tests", hf, her, *evidence.where(ev, evidence.PRETEST, index))


def check(r: Rule, ctx: Context) -> Iterator[Finding]:
    now = evidence.now_on(ctx.today)
    for k in ctx.declarations.kommuner:
        m = k.model
        active = m.status is Status.ACTIVE
        parties: dict[str, Party] = {str(p.her_id): p for p in m.parties}
        for hf, by_party in m.tests.items():
            for her, ev in by_party.items():
                if her not in parties:
                    yield r.error(
                        k.at("tests", hf, her, key=True),
                        _("test evidence for HER-id {her}, which is not one of this kommune's parties").format(her=her),
                    )
                    continue
                for index, attempt in enumerate(ev.pretests):
                    for field, value, said in evidence.contradicted(attempt, parties[her]):
                        path = ("tests", hf, her, *evidence.where(ev, evidence.PRETEST, index), field)
                        yield r.error(
                            k.at(*path),
                            _(
                                "{field} is recorded as {value}, but the receipts recorded for this attempt say {said}"
                            ).format(field=field, value=value, said=said),
                        )
                found = _latest(k, hf, her, ev)
                if found is None:
                    continue
                __, pre, where = found
                if pre.rejected:
                    yield from explained(r, k, pre, where, active)
                    if not active:
                        retest = evidence.retest_day(m, hf, pre)
                        then = (
                            _("re-test on {retest} (generated after this rejection)").format(retest=retest.isoformat())
                            if retest and m.status is Status.TESTING
                            else _("record a deviation and re-test")
                        )
                        yield r.warning(
                            k.at(*where),
                            _(
                                "pretest from {hf} to {her} was not positive ({receipts}): blocks activation; {then}"
                            ).format(hf=hf, her=her, receipts=evidence.receipts(pre), then=then),
                        )
                elif not active and (late := evidence.apprec_overdue(m, hf, parties[her], now)):
                    yield r.warning(
                        k.at(*where),
                        _(
                            "no AppRec for the test messages from {hf} to {her} within 96 hours (by {late}): "
                            "it counts as rejected and blocks activation; record the rejection (oppkobling "
                            "record ... pretest --apprec rejected) and a re-test is generated"
                        ).format(hf=hf, her=her, late=late.isoformat()),
                    )
        if not active:
            continue
        for hf, party in evidence.pairs(m, HF_KEYS):
            if evidence.pretest_positive(m, hf, party):
                continue
            recorded = m.evidence(hf, party.her_id)
            found = _latest(k, hf, str(party.her_id), recorded) if recorded else None
            if found is None:
                why = _("no pretest recorded")
                location = k.at("status")
            else:
                why = evidence.receipts(found[1], transport=_(evidence.TRANSPORT_RECEIPT))
                location = k.at(*found[2])
            yield r.error(
                location,
                _("cannot be active: pretest from {hf} to party {her_id} is not positive ({why})").format(
                    hf=hf, her_id=party.her_id, why=why
                ),
            )


RULE = Rule("R-H2", check, step=H2)
