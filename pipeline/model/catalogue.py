"""The message-type catalogue (``data/message_types.yaml``) as typed, immutable values."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from typing import Literal

from pipeline import layout
from pipeline.model.loader import load_text

Direction = Literal["hf-to-kommune", "both"]
TestKind = Literal["pretest", "dialog", "none"]
Wrapping = Literal["standalone", "msghead"]


@dataclass(frozen=True)
class Process:
    """One ebXML process/action pair (HISD 1209 naming is derived from the action)."""

    process: str
    action: str
    namespace: str
    xsd: str

    @property
    def service(self) -> str:
        return f"S-{self.action}"

    def role(self, sending: bool) -> str:
        return f"{self.action}{'sender' if sending else 'receiver'}"


@dataclass(frozen=True)
class Version:
    version: str
    namespace: str
    xsd: str
    wrapping: Wrapping
    apprec: str
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


@functools.cache
def catalogue() -> Catalogue:
    text = resources.files("pipeline").joinpath(layout.MESSAGE_TYPES).read_text("utf-8")
    raw = load_text(text).data
    types: dict[str, MessageType] = {}
    for key, spec in raw.items():
        if key in ("apprec", "msghead"):
            continue
        versions = {}
        for number, v in spec["versions"].items():
            processes = tuple(
                Process(
                    process=p["process"],
                    action=p["action"],
                    namespace=p.get("namespace", v["namespace"]),
                    xsd=p.get("xsd", v["xsd"]),
                )
                for p in v["processes"]
            )
            versions[number] = Version(number, v["namespace"], v["xsd"], v["wrapping"], v["apprec"], processes)
        types[key] = MessageType(key, spec["title"], spec["direction"], spec["test"], versions)

    def schemas(section: dict[str, dict[str, str]]) -> dict[str, Schema]:
        return {n: Schema(n, s["namespace"], s["xsd"]) for n, s in section.items()}

    return Catalogue(types, schemas(raw["apprec"]), schemas(raw["msghead"]))
