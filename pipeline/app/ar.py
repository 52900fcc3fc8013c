"""``ar sync`` and ``ar import``: keep ``partners/ar/`` in step with NHN's address register.

``sync`` asks NHN's CommunicationParty API for the HER-ids named (or every one the declarations
name), with the HelseID token from ``$OPPKOBLING_AR_TOKEN`` or ``--token-command`` (never stored)
and DPoP proofs from ``$OPPKOBLING_AR_DPOP_KEY`` when it is set; ``import`` takes files exported
by hand. Both write exactly the mirrored files, all or nothing, under the repository lock
(``pipeline.ar.mirror``). A party AR answers 404 for is a result (R-K3 reports it), not an error;
every failure of AR itself is one line, exit 1, nothing written.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline import environment
from pipeline.errors import UsageError
from pipeline.i18n import _
from pipeline.io import atomic

if TYPE_CHECKING:
    from pipeline.ar.mirror import Outcome


@dataclass(frozen=True)
class Synced:
    her_ids: tuple[int, ...]
    base_url: str
    outcome: Outcome


def declared_her_ids(root: Path) -> list[int]:
    """Every HER-id the declarations name: the HFs' and every kommune's parties."""
    from pipeline.io.partners import read_tree
    from pipeline.model.declarations import parse

    files = read_tree(root).files
    declarations = parse(files)
    found = {h.model.her_id for h in declarations.helseforetak}
    found |= {p.her_id for k in declarations.kommuner for p in k.model.parties}
    return sorted(found)


def sync(
    root: Path,
    her_ids: Iterable[int],
    *,
    all_declared: bool,
    base_url: str | None,
    token_command: str | None,
    timeout: float = 30.0,
    environ: Mapping[str, str] | None = None,
) -> Synced:
    """``environ``: the variables to read the token, DPoP key and base URL from (the process's)."""
    from pipeline.ar import auth, client, mirror
    from pipeline.ar.dpop import DpopKey

    environ = os.environ if environ is None else environ
    wanted = sorted({*her_ids, *(declared_her_ids(root) if all_declared else ())})
    if not wanted:
        raise UsageError(_("name the HER-ids to sync, or give --all-declared"))
    url = base_url or environ.get(environment.AR_BASE_URL) or client.DEFAULT_BASE_URL
    if not 0 < timeout <= 600:
        raise UsageError(_("--timeout must be between 0 and 600 seconds, not {timeout:g}").format(timeout=timeout))
    settings = client.Settings(base_url=url, read_timeout=timeout)  # checked before the token is asked for
    token = auth.token(environ, token_command)
    key_file = environ.get(environment.AR_DPOP_KEY)
    dpop = DpopKey.from_file(Path(key_file)) if key_file else None
    with atomic.repo_lock(root), client.Client(token, settings, dpop) as ar:
        outcome = mirror.sync(root, wanted, ar)
    return Synced(tuple(wanted), url, outcome)


def import_directory(root: Path, directory: Path) -> Outcome:
    """The files of ``directory`` (laid out like ``partners/ar/``), validated and placed."""
    from pipeline.ar import mirror

    with atomic.repo_lock(root):
        return mirror.import_directory(root, directory)
