"""NHN's CPP template and sample CPAs/CPP, read where ../shared keeps them (never copied into the project).

They are always present beside the repository; when they are not, the tests that need them fail, never skip.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import REPO
from lxml import etree

from pipeline.render.xml import safe_parser

CPPA = REPO.parent / "shared" / "standards" / "examples" / "cppa"
TEMPLATE = CPPA / "CPP-NHN-PartyA-Rubbelogbit_v6.xml"
SAMPLES = CPPA / "helsenorge-tests"
CPA_93252 = SAMPLES / "CPA_93252.xml"
CPA_93253 = SAMPLES / "CPA_93253.xml"
CPA_V2 = SAMPLES / "CPA_v2_51795e2c-9d39-44e0-9168-5bee38f20819.xml"
CPP_93238 = SAMPLES / "CPP_93238.xml"

NS = "http://www.oasis-open.org/committees/ebxml-cppa/schema/cpp-cpa-2_0.xsd"
XLINK = "http://www.w3.org/1999/xlink"


def require(path: Path) -> Path:
    if not path.is_file():
        pytest.fail(f"{path} is missing: NHN's files are read from ../shared, which must be present")
    return path


def parse(path: Path) -> etree._Element:
    return etree.fromstring(require(path).read_bytes(), safe_parser())


def q(name: str) -> str:
    return f"{{{NS}}}{name}"


def attr(element: etree._Element, name: str) -> str | None:
    return element.get(q(name))


def href(element: etree._Element) -> str | None:
    return element.get(f"{{{XLINK}}}href")
