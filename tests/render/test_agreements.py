"""The agreements generator: registered, deterministic, validating before it yields."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from agreements.support import example_files, examples, rendered
from conftest import REPO

from pipeline.errors import XmlValidationError
from pipeline.model.declarations import parse
from pipeline.model.models import HF_KEYS
from pipeline.render import agreements as render_module
from pipeline.render.context import RenderContext
from pipeline.render.generators import GENERATORS, render_all
from pipeline.render.xsd import SchemaSet

DIGEST = """
import hashlib, json
from pipeline.render.agreements import render
from pipeline.model.declarations import parse
from pipeline.render.context import RenderContext
from pipeline.io.partners import read_tree
files = read_tree(__import__("pathlib").Path({root!r})).files
out = {{p: hashlib.sha256(c).hexdigest() for p, c in render(parse(files), RenderContext(None))}}
print(json.dumps(out, sort_keys=True))
"""


def test_registered_as_the_agreements_generator() -> None:
    files = render_all(examples(), RenderContext(None))
    assert {g.name: g.render for g in GENERATORS}["agreements"] is render_module.render
    assert sum(1 for p in files if "/cpa/" in p) == 21
    assert all(f"{hf}/partner-index.xml" in files for hf in HF_KEYS)


def test_two_renders_are_byte_identical() -> None:
    assert rendered(examples()) == rendered(examples())


def test_file_order_does_not_matter() -> None:
    files = example_files()
    reordered = dict(reversed(list(files.items())))
    assert rendered(parse(reordered)) == rendered(parse(files))


def test_output_does_not_depend_on_tz_or_locale() -> None:
    digests = []
    for tz, lang in (("America/Los_Angeles", "C"), ("Asia/Tokyo", "nb_NO.UTF-8")):
        env = {**os.environ, "TZ": tz, "LC_ALL": lang, "LANG": lang, "PYTHONHASHSEED": "random"}
        proc = subprocess.run(
            [sys.executable, "-c", DIGEST.format(root=str(REPO))],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        digests.append(json.loads(proc.stdout))
    expected = {p: hashlib.sha256(c).hexdigest() for p, c in rendered(examples()).items()}
    assert digests == [expected, expected]


def test_a_cpa_that_fails_validation_is_never_yielded(xsd: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    build = render_module.cpa.build

    def broken(*args: object, **kwargs: object) -> object:
        document = build(*args, **kwargs)
        status = document.getroot()[0]
        status.set(status.keys()[0], "signed-ish")
        return document

    monkeypatch.setattr(render_module.cpa, "build", broken)
    yielded: list[str] = []
    with pytest.raises(XmlValidationError, match=re.escape("CPA helse-more-og-romsdal/cpa/1505-8160101.xml")):
        for path, _ in render_module.render(examples(), RenderContext(SchemaSet.open(xsd))):
            yielded.append(path)
    assert yielded == []


def test_a_party_without_an_activation_date_gets_a_note_not_a_cpa() -> None:
    declarations = examples(**{"1811-bindal": ("activation:\n  date: 2027-06-08\n", "activation:\n")})
    context = RenderContext(None)
    files = dict(render_module.render(declarations, context))
    assert not any("/1811-" in p for p in files)
    assert context.notes == [
        "no agreement for party 8180001 of kommune 1811: no activation date (K1), so no start of validity"
    ]
