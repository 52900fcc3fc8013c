"""The message-type catalogue (``data/message_types.yaml``) as typed, immutable values.

``message_types.yaml`` says which message types and versions can be ordered, how each is exchanged
and where its schemas are. How each version is named in a partner agreement, its processes and the
AppRec version it is answered with, is NHN's and comes from ``data/processes.yaml``
(``pipeline.model.processes``), so each fact is written once; loading checks that the two agree.
"""

from __future__ import annotations

import functools
import posixpath
from dataclasses import dataclass
from importlib import resources
from typing import Literal

from pipeline import layout
from pipeline.i18n import _
from pipeline.model import processes
from pipeline.model.loader import load_text

Direction = Literal["hf-to-kommune", "both"]
TestKind = Literal["pretest", "dialog", "none"]
Wrapping = Literal["standalone", "msghead"]


@dataclass(frozen=True)
class Process:
    """One ebXML process of a message version: NHN's (``nhn``), and the payload schema it carries."""

    nhn: processes.Process
    namespace: str
    xsd: str

    @property
    def process(self) -> str:
        return self.nhn.name

    @property
    def action(self) -> str:
        return self.nhn.action

    @property
    def service(self) -> str:
        return self.nhn.service.name

    def role(self, sending: bool) -> str:
        return self.nhn.role(sending).name


@dataclass(frozen=True)
class Version:
    version: str
    namespace: str
    xsd: str
    wrapping: Wrapping
    apprec: str  # the AppRec version the message is answered with (NHN's, from processes.yaml)
    processes: tuple[Process, ...]


@dataclass(frozen=True)
class MessageType:
    key: str
    title: str
    direction: Direction
    test: TestKind
    versions: dict[str, Version]

    def hf_sends(self) -> bool:
        return True

    def kommune_sends(self) -> bool:
        return self.direction == "both"


@dataclass(frozen=True)
class Schema:
    version: str
    namespace: str
    xsd: str


@dataclass(frozen=True)
class Catalogue:
    types: dict[str, MessageType]
    apprec: dict[str, Schema]
    msghead: dict[str, Schema]

    def version(self, message_type: str, version: str) -> Version | None:
        mt = self.types.get(message_type)
        return mt.versions.get(version) if mt else None


def _payload(nhn: processes.Process, v: dict[str, str], envelopes: set[str]) -> tuple[str, str]:
    """The payload namespace of a process (its package's, MsgHead aside) and its schema: the
    version's own, or the file the package names beside it (PLO's processes each have one)."""
    package = processes.catalogue().package(nhn.package)
    payload = [n for n in package.namespaces if n.namespace not in envelopes]
    if len(payload) != 1:
        raise ValueError(
            _("{package} carries {n} payload namespaces, not one").format(package=nhn.package, n=len(payload))
        )
    if payload[0].namespace == v["namespace"]:
        return v["namespace"], v["xsd"]
    return payload[0].namespace, posixpath.join(posixpath.dirname(v["xsd"]), payload[0].location)


def _apprec(key: str, number: str, entries: tuple[processes.Process, ...]) -> str:
    """The one AppRec version the processes of a message version are answered with."""
    found = {processes.catalogue().package(p.apprec.package).namespaces[0].version for p in entries}
    if len(found) != 1:
        raise ValueError(
            _("{key} {number}: its processes are answered with AppRec {sorted}, not one version").format(
                key=key, number=number, sorted=sorted(found)
            )
        )
    return found.pop()


@functools.cache
def catalogue() -> Catalogue:
    text = resources.files("pipeline").joinpath(layout.MESSAGE_TYPES).read_text("utf-8")
    raw = load_text(text).data
    nhn = processes.catalogue()
    envelopes = {m["namespace"] for m in raw["msghead"].values()}
    types: dict[str, MessageType] = {}
    for key, spec in raw.items():
        if key in ("apprec", "msghead"):
            continue
        versions = {}
        for number, v in spec["versions"].items():
            entries = nhn.processes(key, number)
            if not entries:
                raise ValueError(
                    _("{PROCESSES} has no process for {key} {number}").format(
                        PROCESSES=layout.PROCESSES, key=key, number=number
                    )
                )
            found = tuple(Process(p, *_payload(p, v, envelopes)) for p in entries)
            versions[number] = Version(
                number, v["namespace"], v["xsd"], v["wrapping"], _apprec(key, number, entries), found
            )
        types[key] = MessageType(key, spec["title"], spec["direction"], spec["test"], versions)
    unknown = {(k, n) for k, vs in nhn.messages.items() for n in vs} - {
        (k, n) for k, t in types.items() for n in t.versions
    }
    if unknown:
        raise ValueError(
            _("{PROCESSES} names message versions {sorted} that {MESSAGE_TYPES} has not").format(
                PROCESSES=layout.PROCESSES, sorted=sorted(unknown), MESSAGE_TYPES=layout.MESSAGE_TYPES
            )
        )

    def schemas(section: dict[str, dict[str, str]]) -> dict[str, Schema]:
        return {n: Schema(n, s["namespace"], s["xsd"]) for n, s in section.items()}

    return Catalogue(types, schemas(raw["apprec"]), schemas(raw["msghead"]))
