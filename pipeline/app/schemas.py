"""``schemas fetch``: the official XSDs downloaded into the user cache (or a given directory), their
imports rewritten to local paths, so validation needs neither network nor flags."""

from __future__ import annotations

from pathlib import Path

from pipeline.io import xsd_download
from pipeline.io.xsd_download import Fetched
from pipeline.render import xsd


def fetch(dest: Path | None, *, base_url: str | None = None) -> Fetched:
    sources = xsd_download.mirrored(base_url) if base_url else xsd_download.SOURCES
    return xsd_download.fetch(dest or xsd.user_cache(), sources=sources)
