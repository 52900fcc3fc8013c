"""The cyclic garbage collector paused around work that makes millions of long-lived, acyclic
objects: its full passes over them cost much and collect nothing, while reference counting
still frees everything as usual (issue 18: each caller says what it measured)."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def paused(*, keep: bool = False) -> Iterator[None]:
    """No cyclic collection inside the block; the collector's state before it is restored.
    ``keep``: what the block made and still holds is kept out of every later collection
    (``gc.freeze``), for a command that ends soon after: the first collection after the pause
    would otherwise traverse all of it, collecting nothing."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if keep:
            gc.freeze()
        if enabled:
            gc.enable()
