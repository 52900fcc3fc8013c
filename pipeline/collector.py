"""The cyclic garbage collector paused around work that makes millions of long-lived, acyclic
objects: its full passes over them cost much and collect nothing, while reference counting
still frees everything as usual (issue 18: each caller says what it measured)."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """No cyclic collection inside the block; the collector's state before it is restored."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
