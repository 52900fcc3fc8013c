"""``order KOMMUNE``: step K2's order e-mail (.eml) to Hemit, written only when nothing the order
depends on is in error."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from pipeline import environment, layout
from pipeline.app import loading
from pipeline.errors import RepositoryError
from pipeline.findings import Finding
from pipeline.i18n import _


@dataclass(frozen=True)
class Order:
    name: str  # the kommune's
    number: str
    blockers: list[Finding]  # non-empty: nothing was written
    written: Path | None = None
    to: str = ""
    already_sent: dt.date | None = None


def default_directory(root: Path) -> Path:
    """The current directory, unless it is inside the repository: then the user's data directory."""
    here = Path.cwd().resolve()
    if here.is_relative_to(root.resolve()):
        return layout.user_data(os.environ.get(environment.XDG_DATA_HOME))
    return here


def order(root: Path, kommune: str, *, today: dt.date, out: Path | None) -> Order:
    from pipeline.render import order_mail
    from pipeline.rules.k2_order import order_blockers

    loaded = loading.load(root, today=today)
    k = loading.kommune(loaded.declarations, kommune)
    m = k.model
    blockers = order_blockers(loaded.findings, k)
    if blockers:
        return Order(m.name, m.kommune, blockers)
    target = out if out is not None else default_directory(root) / order_mail.filename(k)
    data = order_mail.as_bytes(order_mail.build(loaded.declarations, k, today))
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    except OSError as exc:
        raise RepositoryError(
            _("cannot write {target}: {value}").format(target=target, value=exc.strerror or exc)
        ) from None
    sent = m.order.sent_on if m.order else None
    return Order(m.name, m.kommune, [], target, order_mail.HEMIT.addr_spec, sent)
