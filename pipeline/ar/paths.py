"""Where each AR answer lives in the snapshot: the API's paths, mirrored under ``partners/ar/``.

    GET /api/v1/communicationparty/{herId}           -> partners/ar/communicationparty/<herId>.json
    GET /api/v1/communicationparty/{herId}/legacy    -> partners/ar/communicationparty/<herId>/legacy.json
    GET /api/v1/certificate/{herId}/signing          -> partners/ar/certificate/<herId>/signing.json
    GET /api/v1/certificate/{herId}/encryption       -> partners/ar/certificate/<herId>/encryption.json

``POST /api/v1/communicationparty`` (a list of HER-ids) answers many parties at once, each as its
own GET would: what it answers is written where that GET's answer goes.

The file names are ``pipeline.layout``'s (``AR_DIR`` and ``AR_*_FILE``); the API paths are here.
The same relative layout (without ``partners/ar/``) is what ``ar import DIR`` expects in DIR.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from pipeline import layout

SNAPSHOT_DIR = layout.AR_DIR

HER_ID_MAX = 2_147_483_647  # xs:int / int32, as the API's herId


class Kind(enum.StrEnum):
    PARTY = "communicationparty"
    LEGACY = "legacy"
    SIGNING = "signing"
    ENCRYPTION = "encryption"


CERTIFICATE_KINDS = (Kind.SIGNING, Kind.ENCRYPTION)

# Many parties in one request: POST a HerIdInputCollection, answered by a list of the parties.
PARTIES_API = "api/v1/communicationparty"

# The API path of each kind below the base URL, and its file below SNAPSHOT_DIR.
_API = {
    Kind.PARTY: PARTIES_API + "/{her_id}",
    Kind.LEGACY: "api/v1/communicationparty/{her_id}/legacy",
    Kind.SIGNING: "api/v1/certificate/{her_id}/signing",
    Kind.ENCRYPTION: "api/v1/certificate/{her_id}/encryption",
}
_FILE = {
    Kind.PARTY: layout.AR_PARTY_FILE,
    Kind.LEGACY: layout.AR_LEGACY_FILE,
    Kind.SIGNING: layout.AR_SIGNING_FILE,
    Kind.ENCRYPTION: layout.AR_ENCRYPTION_FILE,
}
_HER = r"(?P<her>[1-9][0-9]{0,9})"
_PATTERNS = [(kind, re.compile("^" + re.escape(f).replace(r"\{her_id\}", _HER) + "$")) for kind, f in _FILE.items()]

EXPECTED = ", ".join(f"{SNAPSHOT_DIR}/{f.format(her_id='<herId>')}" for f in _FILE.values())


@dataclass(frozen=True, order=True)
class Entry:
    """One snapshot file: which HER-id and which answer it holds."""

    her_id: int
    kind: Kind

    @property
    def path(self) -> str:
        return f"{SNAPSHOT_DIR}/{self.relative}"

    @property
    def relative(self) -> str:
        return _FILE[self.kind].format(her_id=self.her_id)

    @property
    def api_path(self) -> str:
        return _API[self.kind].format(her_id=self.her_id)


def valid_her_id(value: int) -> bool:
    return 1 <= value <= HER_ID_MAX


def parse_relative(relative: str) -> Entry | None:
    """The entry a path below ``partners/ar/`` (or below an import directory) stands for, or None."""
    for kind, pattern in _PATTERNS:
        m = pattern.match(relative)
        if m and valid_her_id(int(m["her"])):
            return Entry(int(m["her"]), kind)
    return None


def parse_path(path: str) -> Entry | None:
    """The entry a repository-relative path stands for, or None when it is not a snapshot file."""
    prefix = SNAPSHOT_DIR + "/"
    return parse_relative(path[len(prefix) :]) if path.startswith(prefix) else None


def entries(her_id: int) -> tuple[Entry, ...]:
    """Every file the snapshot may hold for one HER-id."""
    return tuple(Entry(her_id, kind) for kind in Kind)
