"""Fixtures of the AR tests: NHN's own files from ../shared (a missing file fails, never skips)
and the example snapshot of the shipped declarations, made once per session."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import REPO

from ar.make_example_snapshot import generate

SHARED_AR = REPO.parent / "shared" / "standards" / "ar"
EXTRACT = "communicationparty-api-v1.extract.json"
LEGACY_FILE = "CommunicationDetailsRest_8141705.json"


def shared_ar(name: str) -> Path:
    path = SHARED_AR / name
    if not path.is_file():
        pytest.fail(f"{path} is missing: the AR tests read NHN's files from ../shared/standards/ar/")
    return path


@pytest.fixture(scope="session")
def example_files() -> dict[str, bytes]:
    """The example snapshot (``partners/ar/...``) for the shipped declarations."""
    return generate(REPO)
