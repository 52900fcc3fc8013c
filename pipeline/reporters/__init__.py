"""Every output oppkobling writes, in one registry: for each kind of result, the formats it can be
written in and the function that writes each. A command's ``--format`` offers exactly the
formats registered for its result; no command formats anything itself.

============ ============================ ==============================================
kind         formats                      written by
============ ============================ ==============================================
findings     text, json, github           ``validate``, ``check``, ``build``, ``generate``
plan         markdown, json               ``plan``
status       text, markdown, json         ``status``
timeline     text, json                   ``timeline``
deploy       text                         ``deploy``, ``rollback``, ``drift``
edits        text                         ``record`` (and ``new``, ``order``, ``schema``, ``schemas``)
ar           text, json                   ``ar sync``, ``ar import``
receipts     text, json, markdown         ``receipts import``
agreement    text, json                   ``agreements show``
comparison   text, json                   ``agreements compare``
============ ============================ ==============================================
"""

from __future__ import annotations

from collections.abc import Callable, Mapping


def registry() -> dict[str, Mapping[str, Callable[..., str]]]:
    """Every kind of result and its formats. (A function, not a module constant: a command
    imports only the reporter it uses, and the cached ``validate`` must start quickly.)"""
    from pipeline.reporters import agreements, ar, deploy, edits, findings, plan, receipts, status, timeline

    return {
        "findings": findings.FORMATS,
        "plan": plan.FORMATS,
        "status": status.FORMATS,
        "timeline": timeline.FORMATS,
        "deploy": deploy.FORMATS,
        "edits": edits.FORMATS,
        "ar": ar.FORMATS,
        "receipts": receipts.FORMATS,
        "agreement": agreements.SHOW,
        "comparison": agreements.COMPARE,
    }
