"""Results remembered between runs, in ``.oppkobling-cache/`` at the repository root (git-ignored).

A command that finds its inputs unchanged since it last ran answers from here instead of parsing
and rendering again. What counts as "unchanged":

- **the tool**: its version, the sha256 of every file of the package as installed (content, not
  size and mtime: an edit that keeps both is still an edit), the Python version and the
  installed distributions (an upgraded lxml may serialise differently);
- **the inputs**: exactly the bytes that produced the answer. partners/ is recorded by its one
  reader (``pipeline.io.partners``) from the very file descriptors it read the declarations
  through, and the answer is stored under that record, never under a look taken before or after
  (an edit while a command runs is then the next run's input, not mistaken for this one's).
  Like git's index, a file whose size, times and inode are those recorded, and whose mtime was
  already two seconds old when it was recorded, is taken as having the recorded content; any
  other file is read and hashed (a file rewritten within the file system's timestamp granularity
  is never mistaken for the old one). generated/ is judged the same way
  (``pipeline.io.generated_tree``); the XML schemas by content, links followed;
- **the parameters**: whatever else the result depends on (today, the base commit and its
  partners/ tree, the AR snapshot's bytes, options).

Entries are signed with a secret kept outside the repository (``$XDG_CACHE_HOME/oppkobling/``),
so an entry committed to or planted in a repository -- say by a pull request that wants its
declarations to pass unchecked -- is ignored, not believed. The cache directory must be a real
directory; entries are written to a temporary name and renamed, never through a link. Any entry
that cannot be read, verified or parsed is a miss. ``OPPKOBLING_CACHE=0`` turns the cache off.

This module is imported by the quick path of ``validate``, so it imports only the standard
library.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import stat
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from pipeline import __version__, environment, layout
from pipeline.io.sha import compare_digest, hmac_sha256, hmac_sha256_of, sha256

TYPE_CHECKING = False  # typing itself is not imported: this module is on the quick path (pipeline.io.answers)
if TYPE_CHECKING:
    from typing import Any

ENV = environment.CACHE
FORMAT = 1
KEEP = {"render": 2}  # entries kept per kind (oldest removed first): renders are large at scale
KEEP_DEFAULT = 8
_LARGE = 1 << 22  # bytes: an entry parsed by orjson (its import is not worth it for the quick path's small ones)
_MAC_CHARS = 64  # the hexadecimal HMAC-SHA256 on an entry's first line
SETTLED_NS = 2_000_000_000  # a file older than this when recorded may be trusted by its stat

_PACKAGE = Path(__file__).resolve().parent.parent


def enabled() -> bool:
    return os.environ.get(ENV, "1").strip().lower() not in ("0", "off", "no", "false")


def digest(*parts: str | bytes) -> str:
    h = sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


_FINGERPRINT: str | None = None


def fingerprint() -> str:
    """The tool as installed: version, the content of its own files, interpreter and installed
    distributions. Hashing the package's files is most of what the quick path costs, so the
    result is remembered in the user's cache, signed, under the stat of every one of those files
    and of the site directories (size, mtime, ctime, inode, as git's index vouches for a file),
    and only when every file had settled (``SETTLED_NS``) when it was hashed: an edit changes
    the ctime, so it is never answered from the memo."""
    global _FINGERPRINT
    if _FINGERPRINT is None:
        files = [
            (rel, info)
            for rel, info in _walk(_PACKAGE, skip="__pycache__")
            if stat.S_ISREG(info.st_mode) and not rel.endswith((".pyc", ".pyo"))
        ]
        sites = [Path(e) for e in sys.path if e.endswith("-packages") and Path(e).is_dir()]
        seen = digest(
            __version__,
            sys.version,
            *(f"{rel}:{_signature(info)}" for rel, info in files),
            *(f"{site}:{_signature(site.stat())}" for site in sites),
        )
        memo = _FingerprintMemo.open()
        _FINGERPRINT = memo.get(seen) if memo else None
        if _FINGERPRINT is None:
            parts: list[str] = [__version__, sys.version]
            parts += [f"{rel}:{sha_file(_PACKAGE / rel)}" for rel, _info in files]
            for site in sites:
                parts.extend(sorted(p.name for p in site.iterdir() if p.name.endswith((".dist-info", ".egg-info"))))
            _FINGERPRINT = digest(*parts)
            settled = time.time_ns() - SETTLED_NS
            if memo and all(info.st_mtime_ns < settled and info.st_ctime_ns < settled for _rel, info in files):
                memo.put(seen, _FINGERPRINT)
    return _FINGERPRINT


def _signature(info: os.stat_result) -> str:
    return f"{info.st_size}:{info.st_mtime_ns}:{info.st_ctime_ns}:{info.st_ino}"


class _FingerprintMemo:
    """``fingerprint()``'s memo: one signed line per stat signature in the user's cache."""

    def __init__(self, directory: Path, secret: bytes) -> None:
        self.directory, self.secret = directory, secret

    @classmethod
    def open(cls) -> _FingerprintMemo | None:
        if not enabled():
            return None
        secret = _secret()
        base = layout.user_cache(os.environ.get(environment.XDG_CACHE_HOME))
        return cls(base, secret) if secret else None

    def _path(self, seen: str) -> Path:
        return self.directory / f"fingerprint-{seen[:32]}"

    def _mac(self, seen: str, value: str) -> str:
        return hmac_sha256(self.secret, f"fingerprint\0{seen}\0{value}".encode())

    def get(self, seen: str) -> str | None:
        try:
            fd = os.open(self._path(seen), os.O_RDONLY | os.O_NOFOLLOW)
            with os.fdopen(fd, "rb") as f:
                mac, _, value = f.read(200).decode("ascii").partition(" ")
        except (OSError, UnicodeDecodeError):
            return None
        return value if compare_digest(mac, self._mac(seen, value)) else None

    def put(self, seen: str, value: str) -> None:
        temp = self.directory / f".fingerprint-{os.getpid()}.{os.urandom(4).hex()}.tmp"
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
            with os.fdopen(fd, "w", encoding="ascii") as f:
                f.write(f"{self._mac(seen, value)} {value}")
            temp.replace(self._path(seen))
        except OSError:
            with contextlib.suppress(OSError):
                temp.unlink()
            return
        with contextlib.suppress(OSError):  # one tool installed here now: older signatures are gone
            for old in self.directory.glob("fingerprint-*"):
                if old != self._path(seen):
                    old.unlink()


# -- input trees -----------------------------------------------------------------------------

# relative path -> [kind, size, mtime_ns, ctime_ns, inode, sha256 or link target or "", recorded at (ns)]
Tree = dict[str, list["Any"]]


def _walk(base: Path, skip: str | None = None) -> Iterator[tuple[str, os.stat_result]]:
    """Every entry under ``base`` (lstat, links not followed), relative posix paths, sorted;
    directories named ``skip`` are not entered."""
    if not base.is_dir() or base.is_symlink():
        return
    stack = [""]
    while stack:
        rel_dir = stack.pop()
        with os.scandir(base / rel_dir if rel_dir else base) as it:
            entries = sorted(it, key=lambda e: e.name)
        for entry in entries:
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            info = entry.stat(follow_symlinks=False)
            yield rel, info
            if stat.S_ISDIR(info.st_mode) and entry.name != skip:
                stack.append(rel)


def digest_bytes(data: bytes) -> str:
    """The sha256 of ``data``: how a file's content is recorded."""
    return sha256(data).hexdigest()


def sha_file(path: Path) -> str:
    h = sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def same_content(a: Tree, b: Tree) -> bool:
    """Both trees hold the same entries with the same contents (stat aside)."""
    if a.keys() != b.keys():
        return False
    return all(a[k][0] == b[k][0] and a[k][5] == b[k][5] for k in a)


def content_key(tree: Tree) -> str:
    return digest(*(f"{rel}\0{entry[0]}\0{entry[5]}" for rel, entry in sorted(tree.items())))


# -- the store -------------------------------------------------------------------------------


def _secret() -> bytes | None:
    base = layout.user_cache(os.environ.get(environment.XDG_CACHE_HOME))
    path = base / layout.CACHE_SECRET
    try:
        return bytes.fromhex(path.read_text("ascii").strip())
    except (OSError, ValueError):
        pass
    try:
        base.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except FileExistsError:
        try:
            return bytes.fromhex(path.read_text("ascii").strip())
        except (OSError, ValueError):
            return None
    except OSError:
        return None
    value = os.urandom(32)
    with os.fdopen(fd, "w") as f:
        f.write(value.hex())
    return value


class Cache:
    """Signed entries in ``<root>/.oppkobling-cache/<kind>-<name>.json``: JSON, except the quick
    path's answers (``pipeline.io.answers``), which are ``marshal``'s (no import, quicker to read;
    only an entry whose signature verifies, so one we wrote, is ever decoded)."""

    def __init__(self, directory: Path, secret: bytes) -> None:
        self.directory = directory
        self.secret = secret

    @classmethod
    def open(cls, root: Path) -> Cache | None:
        """The repository's cache, or None when it is off or cannot be used safely."""
        if not enabled():
            return None
        directory = root / layout.CACHE
        with contextlib.suppress(FileExistsError, OSError):
            directory.mkdir()
        try:
            info = directory.lstat()
        except OSError:
            return None
        if not stat.S_ISDIR(info.st_mode):  # a link or a file where the cache should be: not ours
            return None
        secret = _secret()
        return cls(directory, secret) if secret else None

    @staticmethod
    def _header(kind: str, name: str) -> bytes:
        return f"{FORMAT}\0{kind}\0{name}\0".encode()

    def _mac(self, kind: str, name: str, payload: bytes | memoryview) -> str:
        return hmac_sha256(self.secret, self._header(kind, name), payload)

    def _path(self, kind: str, name: str) -> Path:
        return self.directory / f"{kind}-{name}.json"

    def get_bytes(self, kind: str, name: str) -> memoryview | None:
        """The payload stored under (kind, name) when its signature verifies, or None: a view of
        the file's bytes past the signature line (an entry at national scale is ~100 MB; slicing
        it, as hashing a copy with its header, would hold it two and three times over)."""
        try:
            fd = os.open(self._path(kind, name), os.O_RDONLY | os.O_NOFOLLOW)
        except OSError:
            return None
        try:
            with os.fdopen(fd, "rb") as f:
                raw = f.read()
        except OSError:
            return None
        end = raw.find(b"\n")
        if end < 0:
            return None
        payload = memoryview(raw)[end + 1 :]
        if not compare_digest(raw[:end].decode("ascii", "replace"), self._mac(kind, name, payload)):
            return None
        return payload

    def get(self, kind: str, name: str) -> Any:
        """The value stored under (kind, name), or None."""
        payload = self.get_bytes(kind, name)
        if payload is None:
            return None
        try:
            if len(payload) > _LARGE:  # the render entries at scale (tens of MB): orjson parses them faster
                import orjson

                return orjson.loads(payload)
            import json  # not imported by the quick path, whose answers are marshal (pipeline.io.answers)

            return json.loads(bytes(payload))
        except ValueError:  # orjson.JSONDecodeError is one
            return None

    def put(self, kind: str, name: str, value: Any) -> None:
        """Store (best effort: a cache that cannot be written is only slower)."""
        import orjson  # not needed to read entries, so not on the quick path's imports

        self.put_bytes(kind, name, orjson.dumps(value))

    def put_object(self, kind: str, name: str, items: Iterable[tuple[str, Any]]) -> None:
        """Store the JSON object of these (key, value) pairs: the bytes ``put`` of their dict
        writes, made, signed and written one pair at a time (the render parts are 107 MB at 4x:
        never one bytes object beside the parts themselves)."""
        import orjson

        def chunks() -> Iterator[bytes]:
            yield b"{"
            for i, (key, value) in enumerate(items):
                yield (b"," if i else b"") + orjson.dumps(key) + b":" + orjson.dumps(value)
            yield b"}"

        self._write(kind, name, chunks())

    def put_bytes(self, kind: str, name: str, payload: bytes) -> None:
        """Store ``payload`` signed (best effort, as ``put``)."""
        self._write(kind, name, (payload,))

    def _write(self, kind: str, name: str, payload: Iterable[bytes]) -> None:
        temp = self.directory / f".{kind}-{name}.{os.getpid()}.{os.urandom(4).hex()}.tmp"
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(b"0" * _MAC_CHARS + b"\n")  # the signature's place, filled in once all is written

                def written() -> Iterator[bytes]:
                    for part in payload:
                        f.write(part)
                        yield part

                mac = hmac_sha256_of(self.secret, itertools.chain((self._header(kind, name),), written()))
                f.seek(0)
                f.write(mac.encode("ascii"))
            temp.replace(self._path(kind, name))
        except BaseException as exc:  # a value orjson cannot make, too: no temporary file is left
            with contextlib.suppress(OSError):
                temp.unlink()
            if isinstance(exc, OSError):
                return
            raise
        self._prune(kind)

    def _prune(self, kind: str) -> None:
        try:
            # Exactly this kind: "render-<name>" is not "render-parts-<name>" (names have no "-").
            mine = [
                p
                for p in self.directory.iterdir()
                if p.suffix == ".json" and p.name.startswith(f"{kind}-") and "-" not in p.stem[len(kind) + 1 :]
            ]
            mine.sort(key=lambda p: p.lstat().st_mtime_ns)
            for old in mine[: -KEEP.get(kind, KEEP_DEFAULT)]:
                old.unlink()
        except OSError:
            pass


def named(kind: str, parts: Iterable[str]) -> str:
    """An entry name from the parameters a result depends on (the tool's fingerprint included)."""
    return digest(kind, fingerprint(), *parts)[:32]


# -- remembered renders (check and build) ----------------------------------------------------


def xsd_identity(schemas_root: Path | None) -> str:
    """Which XML schemas a render was validated against: none, or a directory's content as it is
    now (links followed to what they point at, each directory visited once)."""
    if schemas_root is None:
        return "no-xsd"
    parts = [str(schemas_root.resolve())]
    seen: set[tuple[int, int]] = set()
    for dirpath, dirnames, filenames in os.walk(schemas_root, followlinks=True):
        info = Path(dirpath).stat()
        if (info.st_dev, info.st_ino) in seen:  # a link loop: each directory once
            dirnames[:] = []
            continue
        seen.add((info.st_dev, info.st_ino))
        dirnames.sort()
        rel_dir = os.path.relpath(dirpath, schemas_root)
        for name in sorted(filenames):
            try:
                parts.append(f"{rel_dir}/{name}:{sha_file(Path(dirpath) / name)}")
            except OSError as exc:  # a dangling link, an unreadable file: part of what it is
                parts.append(f"{rel_dir}/{name}:error {exc.errno}")
    return digest(*parts)


class Renders:
    """What the declarations generate, remembered as the sha256 of every file of generated/ (never
    the files themselves), for a given partners/ content, tool and schema set; plus the stat of
    generated/'s files when they last matched, so an unchanged tree is recognised by its stat."""

    KIND = "render"

    def __init__(self, store: Cache, root: Path, schemas_root: Path | None, language: str) -> None:
        self.store = store
        self.root = root
        self.name = named(self.KIND, [xsd_identity(schemas_root), language])
        self._entry: Any = None  # read once: at national scale the entry is megabytes

    def _get(self) -> Any:
        if self._entry is None:
            self._entry = self.store.get(self.KIND, self.name)
        return self._entry

    def expected(self, read: Tree | None = None) -> tuple[dict[str, str], dict[str, str] | None, list[str]] | None:
        """(path -> sha256, what vouches for generated/ files by their stat (see
        ``generated_tree.differences``) or None, the render's notes), when partners/ is what it was when
        they were recorded; None otherwise. ``read``: what this run already read of partners/ (the
        record of the bytes it judged), compared by content instead of looking at partners/ again."""
        entry = self._get()
        try:
            if not isinstance(entry, dict) or not isinstance(entry["hashes"], dict):
                return None
            from pipeline.io import partners

            if read is not None:
                if not same_content(read, entry["declarations"]):
                    return None
            elif not partners.unchanged(self.root, entry["declarations"]):
                return None
            generated = entry.get("vouched")
            hashes = {str(k): str(v) for k, v in entry["hashes"].items()}
            notes = [str(n) for n in entry.get("notes", [])]
            return hashes, generated if isinstance(generated, dict) else None, notes
        except (OSError, KeyError, TypeError, ValueError, IndexError):
            return None

    def known(self) -> dict[str, tuple[str, str]]:
        """What the last render knew of generated/, whatever partners/ holds now: path -> (the
        sha256 it was to hold, what vouched for it when last matched), for the files vouched for."""
        entry = self._get()
        # Asked by a build that renders anew: the entry (at 4x, 216k paths twice and the record of
        # partners/) is not needed again until ``remember`` replaces it, and is read again if it is.
        self._entry = None
        try:
            hashes, vouched = entry["hashes"], entry.get("vouched")
            if not isinstance(hashes, dict) or not isinstance(vouched, dict):
                return {}
            # Interned, as the paths and sha256 of the scan and the render (pipeline.io.render_parts).
            return {sys.intern(str(p)): (sys.intern(str(hashes[p])), str(v)) for p, v in vouched.items() if p in hashes}
        except (KeyError, TypeError, AttributeError):
            return {}

    def remember(self, partners: Tree, hashes: dict[str, str], notes: list[str], *, store: bool = True) -> None:
        """``partners``: what was read to render them (``pipeline.io.partners.Partners.tree``).
        ``store=False``: kept for ``matched`` to store with what vouches for generated/ (one write
        of an entry that is megabytes at scale, not two)."""
        entry = {"declarations": partners, "hashes": hashes, "notes": notes, "vouched": None}
        if store:
            self.store.put(self.KIND, self.name, entry)
        self._entry = entry

    def matched(self, generated: dict[str, str]) -> None:
        """generated/ was found to match: keep its stat so the next look is quick."""
        entry = self._get()
        if isinstance(entry, dict):
            self._entry = {**entry, "vouched": generated}
            self.store.put(self.KIND, self.name, self._entry)
