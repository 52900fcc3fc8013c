"""R-K3 (K3): every communication party is published in NHN's address register (AR) no later than
T-14, and AR, as ``partners/ar/`` mirrors it, says what the agreements need of each party.

For every party of every kommune past ``planned`` (withdrawn ones aside) and for the three HFs:

- the declaration's AR publication date is on time (the routine's own check, from the YAML);
- the HER-id is in the snapshot (a warning while ``ordered``, an error from ``testing`` on);
- AR's type is ``Service`` or ``Organization``, never ``Person``;
- its organisation (the parent's number, or its own for an ``Organization``) is the kommune's
  (the HF's for an HF);
- it is valid: from no later than T-14 and beyond T (before activation), today (once active);
- AR's EDI address is the declared one, and test and production are not mixed: a party and an HF
  on different networks (``pipeline.ar.edi``) cannot exchange messages;
- it has a signing and an encryption certificate, each parsed, with the key usage NHN's client
  takes it by (nonRepudiation without keyEncipherment; keyEncipherment), the thumbprint AR states,
  valid from T-7 (the test messages) and not expiring before T + the margin (60 days unless
  configured: a warning within it, an error before T). Once active, expiry is counted from today:
  a warning 60, 30 and 14 days before, an error once expired.

A party in AR's legacy shape carries its EDI address as an ``E_EDI`` electronic address
(kodeverk 9044). NHN's own legacy test file has none (that party is on NHN's service bus, AMQP):
such a party cannot receive these agreements' ebXML over SMTP, and that is an error, not a value
to guess.

Each finding points at the declaration's line and names the snapshot file (and its line) it read.
Files the snapshot reader refused are errors at their own file, line and column.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from pipeline.ar import edi, paths
from pipeline.ar.certificates import ParsedCertificate
from pipeline.ar.paths import Entry, Kind
from pipeline.ar.snapshot import CertificateFile, Party, Reading, Shape
from pipeline.findings import Finding, Location, Severity
from pipeline.i18n import N_, _, ngettext, terms
from pipeline.model.declarations import DeclarationSet, HfDecl, KommuneDecl
from pipeline.model.models import HF_KEYS, Status
from pipeline.model.models import Party as DeclaredParty
from pipeline.routine import calendar, evidence, lifecycle
from pipeline.routine.steps import K3, K5
from pipeline.rules.rule import Context, Rule

SYNC = N_("run 'oppkobling ar sync'")  # translated where it is said
USAGE = {Kind.SIGNING: "nonRepudiation", Kind.ENCRYPTION: "keyEncipherment"}
EXPIRY_WARNINGS = (30, 14)  # days before expiry, besides the margin, that an active agreement is warned at


@dataclass(frozen=True)
class Use:
    """One kommune whose agreements need a party: its T and how far along it is."""

    name: str
    t: dt.date
    active: bool
    late: bool  # testing or later: what is missing is an error now


def _use(k: KommuneDecl) -> Use | None:
    m = k.model
    stage = lifecycle.stage(m)
    if m.t is None or m.status is Status.WITHDRAWN or stage in (Status.PLANNED, Status.WITHDRAWN):
        return None
    return Use(m.name, m.t, stage is Status.ACTIVE, stage in (Status.TESTING, Status.ACTIVE))


def _party_use(k: KommuneDecl, party: DeclaredParty, use: Use) -> Use:
    """The kommune's use as one party's agreements have it: a party that joined late
    (``pipeline.routine.lifecycle``) is dated from its own T and is as far as its own tests."""
    m = k.model
    if evidence.own_routine(party) or not party.joined:
        return use
    since = min(j.on for j in party.joined)
    late = any(evidence.pretest_recorded(m, hf, party, since=since) for hf in m.tests)
    active = use.active and all(evidence.late_verified(m, party, j, HF_KEYS) for j in party.joined)
    return Use(use.name, lifecycle.t_of(m, party) or use.t, active, late)


def read_elsewhere(k: KommuneDecl) -> tuple[object, ...]:
    """What this rule's findings about other files (the HFs' AR records, the AR files it explains
    by where their HER-id is declared) read of a kommune: its use of the HFs and its parties'
    HER-ids. The rest of a kommune concerns only the findings about its own file."""
    use = _use(k)
    shown = None if use is None else (use.name, use.t.isoformat(), use.active, use.late)
    return (shown, [p.her_id for p in k.model.parties])


def _oslo_day(moment: dt.datetime) -> dt.date:
    try:
        return moment.astimezone(calendar.OSLO).date()
    except OverflowError:  # 9999-12-31 in a zone east of UTC: no end
        return dt.date.max


def _shown(moment: dt.datetime | None) -> str:
    return "open" if moment is None or _oslo_day(moment).year >= 9999 else _oslo_day(moment).isoformat()


def _at(path: str, where: tuple[int, int]) -> str:
    return f"{path}:{where[0]}:{where[1]}"


class _Shown:
    """Text made only when a message shows it: locating a field in a snapshot file scans that
    file, which every party and certificate would pay for though nearly all are in order."""

    def __init__(self, make: Callable[[], str]) -> None:
        self._make = make

    def __str__(self) -> str:
        return self._make()

    def __format__(self, spec: str) -> str:
        return format(self._make(), spec)


@dataclass
class _Check:
    """The findings about one declared party, all at its line in the declaration."""

    r: Rule
    where: Location
    her_id: int
    found: list[Finding]

    def say(self, severity: Severity, message: str) -> None:
        said = _("HER-id {her_id}: {message}").format(her_id=self.her_id, message=message)
        self.found.append(self.r.finding(severity, self.where, said))

    def error(self, message: str) -> None:
        self.say(Severity.ERROR, message)

    def warning(self, message: str) -> None:
        self.say(Severity.WARNING, message)


# -- the routine's own check: the publication date in the declaration ----------------------------


def _publication(r: Rule, ctx: Context, k: KommuneDecl) -> Iterator[Finding]:
    m = k.model
    if m.t is None or m.status is Status.WITHDRAWN:
        return
    label = K3.when
    use = _use(k) or Use(m.name, m.t, active=False, late=False)
    for i, party in enumerate(m.parties):
        mine = _party_use(k, party, use)
        deadline, late_stage = calendar.ar_deadline(mine.t), mine.late
        if party.ar_published_on is not None:
            if party.ar_published_on > deadline:
                yield r.error(
                    k.at("parties", i, "ar_published_on"),
                    _("published in AR {ar_published_on}, after the deadline {label} ({deadline})").format(
                        ar_published_on=party.ar_published_on.isoformat(), label=label, deadline=deadline.isoformat()
                    ),
                )
            continue
        where = k.at("parties", i, "her_id")
        if late_stage:
            yield r.error(
                where,
                _("party {her_id} is not published in AR; status '{status}' requires it (deadline {deadline})").format(
                    her_id=party.her_id, status=m.status, deadline=deadline.isoformat()
                ),
            )
        elif ctx.today > deadline:
            yield r.error(
                where,
                _("party {her_id} was not published in AR by {label} ({deadline})").format(
                    her_id=party.her_id, label=label, deadline=deadline.isoformat()
                ),
            )
        else:
            yield r.warning(
                where,
                _("party {her_id}: publish in AR by {deadline} ({label})").format(
                    her_id=party.her_id, deadline=deadline.isoformat(), label=label
                ),
            )


# -- the party as AR knows it --------------------------------------------------------------------


def _present(c: _Check, ar: Reading, uses: list[Use], *, said: bool) -> Party | None:
    """The party in the snapshot; if it is not there, a finding unless one ``said`` so already
    (a kommune party not yet recorded as published: the publication check speaks for it)."""
    party = ar.snapshot.party(c.her_id)
    if party is not None or ar.refused(c.her_id) or said:  # a refused file is an error at the file itself
        return party
    files = _("{path} or {path2}").format(
        path=Entry(c.her_id, Kind.PARTY).path, path2=Entry(c.her_id, Kind.LEGACY).path
    )
    if any(u.late for u in uses):
        c.error(
            _("not in the AR snapshot ({files}); its agreements are being tested or used: {SYNC}").format(
                files=files, SYNC=_(SYNC)
            )
        )
    else:
        c.warning(
            _("not in the AR snapshot yet ({files}): publish it in AR, then {SYNC}").format(files=files, SYNC=_(SYNC))
        )
    return None


def _identity(c: _Check, party: Party, org_number: str, owner: str) -> None:
    if party.type == "Person":
        c.error(
            _("AR has it as a Person ({at}); a communication party of {owner} is a Service or an Organization").format(
                at=_at(party.path, party.at("type")), owner=owner
            )
        )
    if party.organization_number != org_number:
        field = _organization_field(party)
        whose = _("its own") if party.type == "Organization" else _("its parent organisation's")
        c.error(
            _("{whose} number in AR is {value} ({at}), not {owner}'s {org_number}").format(
                whose=whose,
                value=party.organization_number or _("missing"),
                at=_at(party.path, party.at(*field)),
                owner=owner,
                org_number=org_number,
            )
        )


def _organization_field(party: Party) -> tuple[str, ...]:
    """Where the party file states the organisation R-K3 compares."""
    own = party.type == "Organization"
    if party.shape is Shape.LEGACY:
        return ("OrganizationNumber",) if own else ("ParentOrganizationNumber",)
    if own:
        return ("organizationDetails", "organizationNumber")
    details = "personDetails" if party.type == "Person" else "serviceDetails"
    return (details, "parentOrganization", "organizationNumber")


def _names(uses: list[Use], *, t: bool = True) -> str:
    """``Stjørdal (T 2027-03-02)``, or the first three of many and how many more (an HF's party
    serves every kommune)."""
    shown = [f"{u.name} (T {u.t})" if t else u.name for u in uses[:3]]
    if len(uses) <= 3:
        return ", ".join(shown)
    return ngettext("{shown} and {n} more", "{shown} and {n} more", len(uses) - 3).format(
        shown=", ".join(shown), n=len(uses) - 3
    )


def _validity(c: _Check, party: Party, uses: list[Use], today: dt.date) -> None:
    since, until = party.valid_from, party.valid_to
    span = _Shown(
        lambda: _("valid {shown} to {shown2} ({at})").format(
            shown=_shown(since), shown2=_shown(until), at=_at(party.path, party.at(*_valid_path(party)))
        )
    )
    active = [u for u in uses if u.active]
    if active and since is not None and _oslo_day(since) > today:
        c.error(
            _("not valid in AR yet ({span}), but the agreements with {names} are active").format(
                span=span, names=_names(active, t=False)
            )
        )
    if active and until is not None and _oslo_day(until) <= today:
        c.error(
            _("no longer valid in AR ({span}), but the agreements with {names} are active").format(
                span=span, names=_names(active, t=False)
            )
        )
    ahead = [u for u in uses if not u.active]
    late = [u for u in ahead if since is not None and _oslo_day(since) > calendar.ar_deadline(u.t)]
    if late:
        c.error(
            _("valid in AR only from {shown}, after {when} for {names}; {span}").format(
                shown=_shown(since), when=K3.when, names=_names(late), span=span
            )
        )
    ended = [u for u in ahead if until is not None and _oslo_day(until) <= u.t]
    if ended:
        c.error(_("not valid in AR after T for {names}; {span}").format(names=_names(ended), span=span))


def _valid_path(party: Party) -> tuple[str, ...]:
    return ("Valid",) if party.shape is Shape.LEGACY else ("validTo",)


def _address(c: _Check, party: Party, declared: str) -> None:
    if party.edi_address is None:
        how = _("E_EDI electronic address") if party.shape is Shape.LEGACY else "ediAddress"
        c.error(
            _(
                "AR has no {how} for it ({path}): it cannot receive ebXML over SMTP at "
                "{declared} (a party on NHN's service bus only is reached by AMQP, which these "
                "agreements do not use)"
            ).format(how=how, path=party.path, declared=declared)
        )
    elif not edi.same_address(party.edi_address, declared):
        where = party.at("ediAddress") if party.shape is Shape.V1 else party.at("ElectronicAddresses")
        c.error(
            _("AR's EDI address is {edi_address} ({at}), not the declared {declared}").format(
                edi_address=party.edi_address, at=_at(party.path, where), declared=declared
            )
        )


# -- certificates ------------------------------------------------------------------------------


def _stated(party: Party, kind: Kind) -> tuple[bool, str | None]:
    """Whether AR states a current certificate of this kind on the party (v1), and its thumbprint."""
    if party.shape is Shape.LEGACY:
        return False, None
    stated = party.signing_thumbprint if kind is Kind.SIGNING else party.encryption_thumbprint
    return True, stated


def _certificate(c: _Check, party: Party, kind: Kind, uses: list[Use], today: dt.date, margin: int) -> None:
    file: CertificateFile | None = party.certificate(kind)
    cert = file.certificate if file else None
    if file is None or cert is None:
        where = Entry(c.her_id, kind).path
        what = _("no {kind} certificate in AR ({where}{value})").format(
            kind=terms.certificate(kind), where=where, value=_(": certificateValue is null") if file else ""
        )
        if any(u.late for u in uses):
            c.error(_("{what}; the agreements need it: {SYNC}").format(what=what, SYNC=_(SYNC)))
        else:
            c.warning(_("{what}; the agreements are drafts until it is there: {SYNC}").format(what=what, SYNC=_(SYNC)))
        return
    value = _Shown(lambda: _at(file.path, file.at("certificateValue")))
    _usage(c, kind, cert, value)
    if file.thumbprint is not None and not cert.matches(file.thumbprint):
        c.error(
            _(
                "the {kind} certificate's thumbprint {thumbprint} ({at}) is not that of its "
                "certificateValue ({thumbprint2})"
            ).format(
                kind=terms.certificate(kind),
                thumbprint=file.thumbprint,
                at=_at(file.path, file.at("thumbprint")),
                thumbprint2=cert.thumbprint,
            )
        )
    states, stated = _stated(party, kind)
    if states and not cert.matches(stated):
        field = "currentSigningCertificate" if kind is Kind.SIGNING else "currentEncryptionCertificate"
        c.error(
            _(
                "AR states {field} thumbprint {value} ({at}), but the {kind} certificate is {thumbprint} ({value2})"
            ).format(
                field=field,
                value=stated or _("none"),
                at=_at(party.path, party.at(field)),
                kind=terms.certificate(kind),
                thumbprint=cert.thumbprint,
                value2=value,
            )
        )
    _lifetime(c, kind, cert, value, uses, today, margin)


def _usage(c: _Check, kind: Kind, cert: ParsedCertificate, value: _Shown) -> None:
    has = ", ".join(sorted(cert.key_usage)) or _("none")
    if USAGE[kind] not in cert.key_usage:
        c.error(
            _("the {kind} certificate lacks key usage {USAGE} (it has {has}; {value})").format(
                kind=terms.certificate(kind), USAGE=USAGE[kind], has=has, value=value
            )
        )
    elif kind is Kind.SIGNING and USAGE[Kind.ENCRYPTION] in cert.key_usage:
        c.error(
            _(
                "the signing certificate also has keyEncipherment: NHN's client takes it for encryption ({value})"
            ).format(value=value)
        )


def _lifetime(
    c: _Check, kind: Kind, cert: ParsedCertificate, value: _Shown, uses: list[Use], today: dt.date, margin: int
) -> None:
    expires = _oslo_day(cert.not_after)
    named = _Shown(lambda: _("the {kind} certificate ({value})").format(kind=terms.certificate(kind), value=value))
    verb = _("expired") if expires < today else _("expires")
    ahead = [u for u in uses if not u.active]
    start = [u for u in ahead if cert.not_before > calendar.at_oslo_midnight(calendar.pretest_day(u.t))]
    if start:
        c.error(
            _("{named} is valid only from {shown}, after the test messages ({when}) for {names}").format(
                named=named, shown=_shown(cert.not_before), when=K5.when, names=_names(start)
            )
        )
    before = [u for u in ahead if cert.not_after < calendar.at_oslo_midnight(u.t)]
    if before:
        c.error(
            _("{named} {verb} {expires}, before T for {names}").format(
                named=named, verb=verb, expires=expires, names=_names(before)
            )
        )
    soon = [
        u
        for u in ahead
        if u not in before and cert.not_after < calendar.at_oslo_midnight(u.t + dt.timedelta(days=margin))
    ]
    if soon:
        c.warning(
            _("{named} {verb} {expires}, within {margin} days of T for {names}: renew it in AR").format(
                named=named, verb=verb, expires=expires, margin=margin, names=_names(soon)
            )
        )
    active = [u for u in uses if u.active]
    if not active:
        return
    whose = _names(active, t=False)
    if cert.not_after < calendar.at_oslo_midnight(today):
        c.error(
            _("{named} expired {expires}; the active agreements with {whose} cannot be used").format(
                named=named, expires=expires, whose=whose
            )
        )
    elif cert.not_before > calendar.at_oslo_midnight(today + dt.timedelta(days=1)):
        c.warning(
            _("{named} is valid only from {shown}, though the agreements with {whose} are active").format(
                named=named, shown=_shown(cert.not_before), whose=whose
            )
        )
    else:
        left = (expires - today).days
        step = next((d for d in sorted({margin, *EXPIRY_WARNINGS}) if d <= margin and left <= d), None)
        if step is not None:
            c.warning(
                _("{named} expires {expires}, in {left} days (within {step}): renew it in AR ({whose} active)").format(
                    named=named, expires=expires, left=left, step=step, whose=whose
                )
            )


# -- the rule ------------------------------------------------------------------------------------


def _party(
    c: _Check, ar: Reading, uses: list[Use], org_number: str, owner: str, declared: str, ctx: Context, *, said: bool
) -> Party | None:
    party = _present(c, ar, uses, said=said)
    if party is None:
        return None
    _identity(c, party, org_number, owner)
    _validity(c, party, uses, ctx.today)
    _address(c, party, declared)
    for kind in (Kind.SIGNING, Kind.ENCRYPTION):
        _certificate(c, party, kind, uses, ctx.today, ctx.certificate_margin)
    return party


def _kommune(r: Rule, ctx: Context, k: KommuneDecl, found: list[Finding]) -> None:
    use = _use(k)
    if use is None:
        return
    hfs = ctx.declarations.helseforetak
    for i, p in enumerate(k.model.parties):
        c = _Check(r, k.at("parties", i, "her_id"), p.her_id, found)
        owner = f"kommune {k.model.name}"
        unpublished = p.ar_published_on is None
        mine = _party_use(k, p, use)
        party = _party(c, ctx.declarations.ar, [mine], k.model.org_number, owner, p.edi_address, ctx, said=unpublished)
        _networks(r, k, i, hfs, found)
        if party is not None and p.ar_published_on is None:
            since = _(" since {shown}").format(shown=_shown(party.valid_from)) if party.valid_from else ""
            c.warning(
                _("is in AR{since} ({path}): record parties[{i}].ar_published_on").format(
                    since=since, path=party.path, i=i
                )
            )


def _networks(r: Rule, k: KommuneDecl, i: int, hfs: Iterable[HfDecl], found: list[Finding]) -> None:
    address = k.model.parties[i].edi_address
    mine = edi.network(address)
    for h in hfs:
        theirs = edi.network(h.model.edi_address)
        if mine is not None and theirs is not None and mine is not theirs:
            found.append(
                r.error(
                    k.at("parties", i, "edi_address"),
                    _(
                        "{address} is on NHN's {mine} network but {name} ({edi_address}) is on {theirs}: "
                        "mail between test and production is not permitted"
                    ).format(
                        address=address, mine=mine, name=h.model.name, edi_address=h.model.edi_address, theirs=theirs
                    ),
                )
            )


def _hf(r: Rule, ctx: Context, h: HfDecl, uses: list[Use], found: list[Finding]) -> None:
    if not uses:
        return
    m = h.model
    c = _Check(r, h.at("her_id"), m.her_id, found)
    _party(c, ctx.declarations.ar, uses, m.org_number, m.name, m.edi_address, ctx, said=False)


def _declared_at(declarations: DeclarationSet) -> dict[int, Location]:
    where = {h.model.her_id: h.at("her_id") for h in declarations.helseforetak}
    for k in declarations.kommuner:
        for i, p in enumerate(k.model.parties):
            where.setdefault(p.her_id, k.at("parties", i, "her_id"))
    return where


def check(r: Rule, ctx: Context) -> Iterator[Finding]:
    decls = ctx.declarations
    declared = _declared_at(decls)
    for problem in decls.ar.problems:
        entry = paths.parse_path(problem.path)
        by = (
            _(" (HER-id {her_id} is declared at {declared})").format(
                her_id=entry.her_id, declared=declared[entry.her_id]
            )
            if entry and entry.her_id in declared
            else ""
        )
        yield r.error(Location(problem.path, problem.line, problem.column), f"{problem.message}{by}")
    found: list[Finding] = []
    uses: list[Use] = []
    for k in decls.kommuner:
        yield from _publication(r, ctx, k)
        _kommune(r, ctx, k, found)
        use = _use(k)
        if use is not None:
            uses.append(use)
    for h in decls.helseforetak:
        _hf(r, ctx, h, uses, found)
    yield from found


RULE = Rule("R-K3", check, step=K3)
