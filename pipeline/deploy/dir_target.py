"""``dir:PATH``: a file share the message server reads through ``PATH/current/``.

``current`` is a relative symlink to ``releases/<id>``; switching creates the new link beside it
and renames it over the old one, which POSIX makes atomic: a reader sees the old release or the
new one, never a mix.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

from pipeline.deploy.target import check_relative, check_release_id
from pipeline.errors import DeployError
from pipeline.i18n import _
from pipeline.layout import CURRENT, RELEASES, release_dir


class DirTarget:
    def __init__(self, root: Path) -> None:
        self.root = root

    @property
    def description(self) -> str:
        return f"dir:{self.root}"

    def _path(self, rel: str) -> Path:
        return self.root / check_relative(rel) if rel else self.root

    def ensure_root(self) -> None:
        try:
            self.root.mkdir(exist_ok=True)
        except OSError as exc:
            raise DeployError(
                _("cannot create {root}: {value}").format(root=self.root, value=exc.strerror or exc)
            ) from None

    def list_dir(self, rel: str) -> list[str]:
        try:
            return sorted(p.name for p in self._path(rel).iterdir())
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise DeployError(
                _("cannot list {path}: {value}").format(path=self._path(rel), value=exc.strerror or exc)
            ) from None

    def list_files(self, rel: str) -> list[str]:
        base = self._path(rel)
        found: list[str] = []
        for dirpath, dirnames, filenames in os.walk(base, followlinks=False):
            dirnames.sort()
            here = Path(dirpath)
            found.extend((here / name).relative_to(base).as_posix() for name in filenames)
        return sorted(found)

    def read(self, rel: str) -> bytes | None:
        try:
            return self._path(rel).read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise DeployError(
                _("cannot read {path}: {value}").format(path=self._path(rel), value=exc.strerror or exc)
            ) from None

    def write(self, rel: str, data: bytes) -> None:
        path = self._path(rel)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
        except OSError as exc:
            raise DeployError(_("cannot write {path}: {value}").format(path=path, value=exc.strerror or exc)) from None

    def create_exclusive(self, rel: str, data: bytes) -> bool:
        """Write the whole content to a temporary file first, then link it into place, which fails
        when the name exists: the file appears complete or not at all (a full disk never leaves
        an empty lock that would block every later deploy)."""
        path = self._path(rel)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
                os.fsync(fd)
            finally:
                os.close(fd)
            os.link(tmp, path, follow_symlinks=False)
        except FileExistsError:
            return False
        except OSError as exc:
            raise DeployError(_("cannot create {path}: {value}").format(path=path, value=exc.strerror or exc)) from None
        finally:
            with contextlib.suppress(OSError):
                tmp.unlink()
        return True

    def remove(self, rel: str) -> None:
        try:
            self._path(rel).unlink(missing_ok=True)
        except OSError as exc:
            raise DeployError(
                _("cannot remove {path}: {value}").format(path=self._path(rel), value=exc.strerror or exc)
            ) from None

    def remove_tree(self, rel: str) -> None:
        path = self._path(rel)
        try:
            shutil.rmtree(path)
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise DeployError(_("cannot remove {path}: {value}").format(path=path, value=exc.strerror or exc)) from None

    def current(self) -> str | None:
        link = self.root / CURRENT
        try:
            value = str(link.readlink())
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise DeployError(
                _("{link} is not the symlink oppkobling writes: {value}").format(link=link, value=exc.strerror or exc)
            ) from None
        prefix = f"{RELEASES}/"
        if not value.startswith(prefix):
            raise DeployError(
                _("{link} points to {value!r}, outside {RELEASES}/").format(link=link, value=value, RELEASES=RELEASES)
            )
        return check_release_id(value.removeprefix(prefix), str(link))

    def switch(self, release_id: str) -> None:
        check_release_id(release_id, "switch")
        tmp = self.root / f".{CURRENT}.{os.getpid()}.tmp"
        try:
            # The new release's directory entries must be durable before anything points at them.
            for dirpath, __, __ in os.walk(self.root / release_dir(release_id)):
                _fsync_dir(Path(dirpath))
            _fsync_dir(self.root / RELEASES)
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            tmp.symlink_to(release_dir(release_id))
            tmp.replace(self.root / CURRENT)
            _fsync_dir(self.root)
        except OSError as exc:
            raise DeployError(
                _("cannot switch {value}: {value2}").format(value=self.root / CURRENT, value2=exc.strerror or exc)
            ) from None

    def close(self) -> None:
        pass


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
