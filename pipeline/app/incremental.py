"""Validation by parts: editing one declaration costs parsing that file plus an index lookup.

The findings about partners/ fall into three parts, each remembered in the signed cache
(``pipeline.io.cache``) under the exact bytes it was computed from:

- **a kommune's part**: the findings about its own file, from every rule that looks at one
  declaration (all but S3; ``Rule.across_files``). They follow from that file, the HF
  declarations and the AR snapshot files of the HER-ids these declare, so they are keyed by
  the sha256 of exactly those files;
- **the rest**: the findings about the HF declarations, the AR snapshot and any other entry
  under partners/. They follow from those files and, of each kommune, only what R-K3 reads of it
  from there (``k3_address_register.read_elsewhere``) and its identities;
- **across files** (S3): computed every time from the identities of every declaration
  (kommunenummer, HER-ids and where they are written), an index kept per file content.

A change to a kommune's party name thus re-parses that one file and re-runs its part; a change
to a HER-id also re-runs the rest. ``only`` (``validate FILE``) needs only the named kommuner's
parts and S3. Nothing here is trusted over the bytes: every key is made from what was read in this
run, and the tests hold the result to a full evaluation (``loading.load``) after random edits.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from collections.abc import Callable, Collection, Mapping
from typing import Any

from pipeline import i18n, layout
from pipeline.findings import Finding, Location, sort_findings
from pipeline.io import cache
from pipeline.model.declarations import DeclarationSet, LoadProblem, Parsed, parse
from pipeline.rules import Context, across, evaluate, k3_address_register, s3_unique_identities
from pipeline.rules.s3_unique_identities import Identities, Place

KIND = "validate-parts"


def _where(loc: Location) -> list[object]:
    return [loc.file, loc.line, loc.column]


def _loc(row: list[Any]) -> Location:
    return Location(str(row[0]), int(row[1]), int(row[2]))


def _dump(ids: Identities, elsewhere: tuple[object, ...] | None) -> dict[str, Any]:
    return {
        "numbers": [[number, _where(p.location), p.owner] for number, p in ids.numbers],
        "her_ids": [[her_id, _where(p.location), p.owner, p.hf] for her_id, p in ids.her_ids],
        "elsewhere": elsewhere,
    }


def _load(doc: Mapping[str, Any]) -> Identities:
    return Identities(
        numbers=tuple((str(n), Place(_loc(where), str(owner))) for n, where, owner in doc["numbers"]),
        her_ids=tuple((int(h), Place(_loc(where), str(owner), bool(hf))) for h, where, owner, hf in doc["her_ids"]),
    )


def _indexed(decls: DeclarationSet) -> dict[str, dict[str, Any]]:
    """path -> the identities (and what R-K3 reads from elsewhere) of each declaration that parsed."""
    found = {
        k.path: _dump(s3_unique_identities.of_kommune(k), k3_address_register.read_elsewhere(k)) for k in decls.kommuner
    }
    found.update({h.path: _dump(s3_unique_identities.of_hf(h), None) for h in decls.helseforetak})
    return found


@functools.lru_cache(maxsize=1 << 16)
def _ar_paths(her_id: int) -> tuple[str, ...]:
    from pipeline.ar import paths

    return tuple(e.path for e in paths.entries(her_id))


def _ar_files(her_ids: list[int]) -> list[str]:
    # Each kommune's list holds the HFs' HER-ids too: their paths are spelled once, not per kommune.
    return sorted({p for h in her_ids for p in _ar_paths(h)})


def _part_key(path: str, shas: Mapping[str, str], hfs: list[str], her_ids: list[int]) -> str:
    """A kommune's part: its file, the HF declarations, the AR files of its and the HFs' HER-ids."""
    ar = _ar_files(her_ids)
    return cache.digest(path, shas[path], *(f"{h}:{shas[h]}" for h in hfs), *(f"{a}:{shas.get(a, '-')}" for a in ar))


class _Inputs:
    """The bytes and sha256 of what the parts are computed from: all of partners/ as read, or
    (``validate FILE``) the declarations' shas with only some bytes, the rest read on demand
    through ``more`` (a file it does not return is absent, as the whole tree's reader leaves it out)."""

    def __init__(
        self,
        files: Mapping[str, bytes],
        shas: Mapping[str, str] | None,
        more: Callable[[list[str]], Mapping[str, bytes]] | None,
    ) -> None:
        self.files = dict(files)
        self.shas = (
            dict(shas) if shas is not None else {rel: hashlib.sha256(raw).hexdigest() for rel, raw in files.items()}
        )
        self.more = more
        self.asked: set[str] = set(files)

    def need(self, paths: Collection[str]) -> None:
        missing = sorted(p for p in paths if p not in self.asked)
        if not missing or self.more is None:
            return
        self.asked.update(missing)
        for rel, raw in self.more(missing).items():
            self.files[rel] = raw
            self.shas[rel] = hashlib.sha256(raw).hexdigest()

    def know(self, paths: Collection[str]) -> None:
        """The sha256 of these files at least (read when not known: ``validate FILE`` knows only
        the declarations'; a file that is not there stays unknown)."""
        self.need([p for p in paths if p not in self.shas])

    def some(self, paths: Collection[str]) -> dict[str, bytes]:
        self.need(paths)
        return {p: self.files[p] for p in paths if p in self.files}


def findings(
    files: Mapping[str, bytes],
    refused: list[LoadProblem],
    store: cache.Cache,
    *,
    today: dt.date,
    certificate_margin: int,
    only: Collection[str] | None = None,
    shas: Mapping[str, str] | None = None,
    more: Callable[[list[str]], Mapping[str, bytes]] | None = None,
) -> tuple[list[Finding], DeclarationSet | None]:
    """Every finding about ``files`` (all of partners/ as read, and the entries refused), or with
    ``only``, every finding about those kommune files; and the declarations when it had to parse
    them all (None otherwise). ``shas`` may give the content of every input while ``files`` holds
    the bytes of some (``pipeline.io.partners.read_declarations``, ``rescan``), and ``more`` reads
    what else is needed: then only the changed files, the named ones, the HF declarations, the AR
    files of their HER-ids and any declaration the index does not know yet are read (everything
    when the rest must be evaluated again)."""
    inputs = _Inputs(files, shas, more)
    shas = inputs.shas
    kommuner = sorted(rel for rel in shas if layout.classify(rel) is layout.Input.KOMMUNE)
    hfs = sorted(rel for rel in shas if layout.classify(rel) is layout.Input.HF)
    # The findings' messages are in the person's language: never served in the other one.
    name = cache.named(KIND, [today.isoformat(), str(certificate_margin), i18n.current()])
    old = store.get(KIND, name)
    old = old if isinstance(old, dict) else {}
    known_ids: dict[str, Any] = old.get("identities", {})
    known_parts: dict[str, Any] = old.get("parts", {})
    known_rest: dict[str, Any] = old.get("rest", {})

    # The index: each declaration's identities, by path and content (None: the file is no declaration).
    index: dict[str, dict[str, Any] | None] = {}
    id_keys = {rel: cache.digest(rel, shas[rel]) for rel in [*kommuner, *hfs]}
    unknown = [rel for rel in [*kommuner, *hfs] if id_keys[rel] not in known_ids]
    changed = bool(unknown)
    reuse = Parsed()  # each file parsed once, whichever of the parses below meets it first
    if unknown:
        parsed = _indexed(parse(inputs.some(unknown), reuse=reuse))
        for rel in unknown:
            known_ids[id_keys[rel]] = parsed.get(rel)
    for rel in [*kommuner, *hfs]:
        index[rel] = known_ids[id_keys[rel]]
    hf_her_ids = [int(h[0]) for rel in hfs if (doc := index[rel]) is not None for h in doc["her_ids"]]

    def her_ids(rel: str) -> list[int]:
        doc = index[rel]
        return [*hf_her_ids, *(int(h[0]) for h in doc["her_ids"])] if doc else hf_her_ids

    wanted = [rel for rel in kommuner if only is None or rel in only]
    for rel in wanted:
        inputs.know(_ar_files(her_ids(rel)))
    part_keys = {rel: _part_key(rel, shas, hfs, her_ids(rel)) for rel in wanted}
    full: DeclarationSet | None = None
    parts: dict[str, list[Any]] = {}
    rest: list[Any] | None = []
    if only is None:
        rest_key = cache.digest(
            *(f"{rel}:{shas[rel]}" for rel in sorted(shas) if rel not in part_keys),
            *(f"{p.location}:{p.message}" for p in refused),
            *(f"{rel}:{json.dumps(index[rel], sort_keys=True)}" for rel in kommuner),
        )
        rest = known_rest.get(rest_key)
    if rest is None:
        changed = True
        # The rest is stale: parse and evaluate everything, and keep every part it gives.
        full = parse(inputs.some(sorted(shas)), refused, reuse=reuse, shas=shas)
        made = evaluate(Context(full, today, certificate_margin=certificate_margin), across_files=False)
        for rel in kommuner:
            parts[part_keys[rel]] = []
        rest = []
        for f in made:
            (parts[part_keys[f.file]] if f.file in part_keys else rest).append(f.as_dict())
        known_rest = {rest_key: rest}
    for rel in wanted:
        key = part_keys[rel]
        if key in parts:
            continue
        if key in known_parts:
            parts[key] = known_parts[key]
            continue
        changed = True
        # One kommune: its file, the HFs and the AR files of their HER-ids, evaluated alone.
        alone = parse(inputs.some([rel, *hfs, *_ar_files(her_ids(rel))]), reuse=reuse)
        made = evaluate(Context(alone, today, certificate_margin=certificate_margin), across_files=False)
        parts[key] = [f.as_dict() for f in made if f.file == rel]
    identities = [_load(doc) for rel in [*hfs, *kommuner] if (doc := index[rel]) is not None]
    result = [Finding.from_dict(row) for rel in wanted for row in parts[part_keys[rel]]]
    result += [Finding.from_dict(row) for row in rest] + across(identities)
    if only is not None:
        result += _refused_findings([p for p in refused if p.location.file in only], today, certificate_margin)
    if not changed:
        return sort_findings(result), full
    live_ids = set(id_keys.values())
    # Which part each kommune's file had: with ``only``, the other files' parts stay as they were.
    part_of: dict[str, str] = dict(part_keys) if only is None else {**old.get("part_of", {}), **part_keys}
    live_parts = set(part_of.values())
    store.put(
        KIND,
        name,
        {
            "identities": {key: doc for key, doc in known_ids.items() if key in live_ids},
            "parts": {k: v for k, v in {**known_parts, **parts}.items() if k in live_parts},
            "part_of": {rel: key for rel, key in part_of.items() if rel in id_keys},
            "rest": known_rest if only is None else old.get("rest", {}),
        },
    )
    return sort_findings(result), full


def _refused_findings(refused: list[LoadProblem], today: dt.date, certificate_margin: int) -> list[Finding]:
    """What S1 and S2 say of named files the reader refused (too large, a link, unreadable): a
    file ``validate FILE`` names is judged even when it is no input."""
    if not refused:
        return []
    made = evaluate(Context(parse({}, refused), today, certificate_margin=certificate_margin), across_files=False)
    named = {p.location.file for p in refused}
    return [f for f in made if f.file in named]
