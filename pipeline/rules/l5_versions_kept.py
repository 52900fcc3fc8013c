"""L5: an HF keeps every message version an active agreement uses. Every HF must support every
ordered version (R-K2); an HF declaration that drops one that is in use would break agreements
already active, at every HF: that is refused where the version was dropped."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from pipeline.agreements.states import AgreementState, type_states
from pipeline.findings import Finding
from pipeline.i18n import _
from pipeline.rules.rule import Context, Rule


def check(r: Rule, ctx: Context) -> Iterator[Finding]:
    assert ctx.base is not None
    base_keys = [h.model.key for h in ctx.base.helseforetak]
    in_use: dict[tuple[str, str], set[str]] = defaultdict(set)  # (type, version) -> "Name (her-id)"
    for k in ctx.base.kommuner:
        parties = {p.her_id: p for p in k.model.parties}
        for (__, her_id, mtype), state in type_states(k.model, base_keys).items():
            if state is AgreementState.ACTIVE:
                in_use[(mtype, parties[her_id].messages[mtype])].add(f"{k.model.name} ({her_id})")
    before = {h.model.key: h.model for h in ctx.base.helseforetak}
    for h in ctx.declarations.helseforetak:
        old = before.get(h.model.key)
        if old is None:
            continue
        for mtype, versions in sorted(old.supports.items()):
            for version in versions:
                users = in_use.get((mtype, version))
                if not users or version in h.model.supports.get(mtype, []):
                    continue
                where = h.at("supports", mtype, key=True) if mtype in h.model.supports else h.at("supports", key=True)
                yield r.error(
                    where,
                    _(
                        "{name} no longer supports {mtype} {version}, which active agreements use "
                        "({join}): keep it until they have moved to another version"
                    ).format(name=h.model.name, mtype=mtype, version=version, join=", ".join(sorted(users))),
                )


RULE = Rule(
    "L5",
    check,
    text="Et helseforetak beholder hver meldingsversjon en aktiv avtale bruker",
    needs_base=True,
)
