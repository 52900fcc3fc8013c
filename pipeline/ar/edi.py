"""Which network an EDI address belongs to (``../shared/standards/ar/SOURCE.md``, NHN's developer
portal): ``@edi.nhn.no`` carries production data on Helsenettet, ``@testedi.nhn.no`` test data on
Helsenettet and ``@samsvar.nhn.no`` test data over the internet. Mail between test and production
is not permitted, so an agreement between parties of different networks cannot work (R-K3)."""

from __future__ import annotations

import enum


class Network(enum.StrEnum):
    PRODUCTION = "production"
    TEST = "test"


DOMAINS: dict[str, Network] = {
    "edi.nhn.no": Network.PRODUCTION,
    "testedi.nhn.no": Network.TEST,
    "samsvar.nhn.no": Network.TEST,
}


def domain(address: str) -> str:
    return address.rpartition("@")[2].casefold()


def network(address: str) -> Network | None:
    """The network of an EDI address, or None for a domain outside NHN's (nothing to compare)."""
    return DOMAINS.get(domain(address))


def same_address(a: str | None, b: str | None) -> bool:
    """EDI addresses as mail servers compare them: the domain without regard to case, and (as
    NHN's message servers treat the local part) the local part too."""
    return a is not None and b is not None and a.strip().casefold() == b.strip().casefold()
