"""``sftp://USER@HOST:PORT/PATH``: the same release layout on a message server reached over SFTP.

The server's host key must already be in a known_hosts file (unknown or changed keys are refused),
and login is by key only (no agent, no password, no keys found by guessing). ``current`` is a small
marker file naming the release: a new one is uploaded as ``current.tmp`` and renamed over the old
with the ``posix-rename@openssh.com`` extension, so the switch is a single atomic step.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

import paramiko

from pipeline.deploy.target import SftpSpec, check_relative, check_release_id, join
from pipeline.errors import DeployError
from pipeline.i18n import _
from pipeline.layout import CURRENT

TIMEOUT = 30.0
_ERRORS = (OSError, EOFError, paramiko.SSHException)


def connect(spec: SftpSpec, *, known_hosts: Path, identity: Path, passphrase: str | None = None) -> paramiko.SSHClient:
    client = paramiko.SSHClient()
    try:
        client.load_host_keys(str(known_hosts))
    except OSError as exc:
        raise DeployError(
            _("cannot read known_hosts file {known_hosts}: {value}").format(
                known_hosts=known_hosts, value=exc.strerror or exc
            )
        ) from None
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    try:
        key = paramiko.PKey.from_path(identity, passphrase)
    except paramiko.PasswordRequiredException:
        raise DeployError(
            _("SSH key {identity} is encrypted: set OPPKOBLING_SSH_KEY_PASSPHRASE").format(identity=identity)
        ) from None
    except (OSError, paramiko.SSHException, ValueError) as exc:
        raise DeployError(_("cannot load SSH key {identity}: {exc}").format(identity=identity, exc=exc)) from None
    try:
        client.connect(
            spec.host,
            port=spec.port,
            username=spec.user,
            pkey=key,
            allow_agent=False,
            look_for_keys=False,
            timeout=TIMEOUT,
            banner_timeout=TIMEOUT,
            auth_timeout=TIMEOUT,
        )
    except paramiko.BadHostKeyException as exc:
        client.close()
        raise DeployError(
            _(
                "host key of {host}:{port} does not match {known_hosts} (got {get_name} "
                "{fingerprint}): refusing to connect"
            ).format(
                host=spec.host,
                port=spec.port,
                known_hosts=known_hosts,
                get_name=exc.key.get_name(),
                fingerprint=exc.key.fingerprint,
            )
        ) from None
    except paramiko.AuthenticationException as exc:
        client.close()
        raise DeployError(
            _("{user}@{host}:{port} refused the key {identity}: {exc}").format(
                user=spec.user, host=spec.host, port=spec.port, identity=identity, exc=exc
            )
        ) from None
    except _ERRORS as exc:
        client.close()
        # RejectPolicy raises a plain SSHException for a host missing from known_hosts.
        raise DeployError(
            _("cannot connect to {host}:{port}: {exc}").format(host=spec.host, port=spec.port, exc=exc)
        ) from None
    return client


class SftpTarget:
    def __init__(self, spec: SftpSpec, client: paramiko.SSHClient) -> None:
        self.spec = spec
        self.client = client
        try:
            self.sftp = client.open_sftp()
            channel = self.sftp.get_channel()
            if channel is not None:
                channel.settimeout(TIMEOUT)
        except _ERRORS as exc:
            client.close()
            raise DeployError(_("{spec}: the server offers no SFTP: {exc}").format(spec=spec, exc=exc)) from None
        self._made: set[str] = set()

    @property
    def description(self) -> str:
        return str(self.spec)

    def _path(self, rel: str) -> str:
        return join(self.spec.path, check_relative(rel)) if rel else self.spec.path

    @contextlib.contextmanager
    def _errors(self, what: str, rel: str) -> Iterator[None]:
        try:
            yield
        except DeployError:
            raise
        except _ERRORS as exc:
            raise DeployError(
                _("{description}: cannot {what} {value}: {exc}").format(
                    description=self.description, what=what, value=rel or ".", exc=exc
                )
            ) from None

    def _exists(self, path: str) -> bool:
        try:
            self.sftp.lstat(path)
        except FileNotFoundError:
            return False
        return True

    def _mkdirs(self, path: str) -> None:
        pending: list[str] = []
        here = path
        while here not in self._made and here not in ("", "/", ".") and not self._exists(here):
            pending.append(here)
            here = str(PurePosixPath(here).parent)
        for directory in reversed(pending):
            self.sftp.mkdir(directory)
            self._made.add(directory)
        self._made.add(path)

    def ensure_root(self) -> None:
        with self._errors("create", ""):
            if not self._exists(self.spec.path):
                self.sftp.mkdir(self.spec.path)

    def list_dir(self, rel: str) -> list[str]:
        with self._errors("list", rel):
            try:
                return sorted(self.sftp.listdir(self._path(rel)))
            except FileNotFoundError:
                return []

    def list_files(self, rel: str) -> list[str]:
        found: list[str] = []

        def walk(path: str, prefix: str) -> None:
            for entry in self.sftp.listdir_attr(path):
                name = entry.filename
                if entry.st_mode is not None and stat.S_ISDIR(entry.st_mode):
                    walk(f"{path}/{name}", f"{prefix}{name}/")
                else:
                    found.append(prefix + name)

        with self._errors("list", rel):
            try:
                walk(self._path(rel), "")
            except FileNotFoundError:
                return []
        return sorted(found)

    def read(self, rel: str) -> bytes | None:
        with self._errors("read", rel):
            try:
                with self.sftp.open(self._path(rel), "rb") as f:
                    f.prefetch()
                    return f.read()
            except FileNotFoundError:
                return None

    def write(self, rel: str, data: bytes) -> None:
        path = self._path(rel)
        with self._errors("write", rel):
            self._mkdirs(str(PurePosixPath(path).parent))
            with self.sftp.open(path, "wb") as f:
                f.set_pipelined(True)
                f.write(data)

    def create_exclusive(self, rel: str, data: bytes) -> bool:
        """The whole content is uploaded to a temporary name first, then renamed into place with
        SFTP's plain rename, which refuses an existing name (OpenSSH links, then unlinks): the
        file appears complete or not at all."""
        path = self._path(rel)
        tmp = f"{path}.{os.getpid()}.{os.urandom(4).hex()}.tmp"
        try:
            with self._errors("create", rel):
                with self.sftp.open(tmp, "wx") as f:
                    f.write(data)
                try:
                    self.sftp.rename(tmp, path)
                except OSError:
                    # SFTP v3 reports an existing file as a generic failure: look before deciding.
                    if self._exists(path):
                        return False
                    raise
        finally:
            with contextlib.suppress(*_ERRORS):
                self.sftp.remove(tmp)
        return True

    def remove(self, rel: str) -> None:
        with self._errors("remove", rel), contextlib.suppress(FileNotFoundError):
            self.sftp.remove(self._path(rel))

    def remove_tree(self, rel: str) -> None:
        def rm(path: str) -> None:
            for entry in self.sftp.listdir_attr(path):
                child = f"{path}/{entry.filename}"
                if entry.st_mode is not None and stat.S_ISDIR(entry.st_mode):
                    rm(child)
                else:
                    self.sftp.remove(child)
            self.sftp.rmdir(path)
            self._made.discard(path)

        with self._errors("remove", rel), contextlib.suppress(FileNotFoundError):
            rm(self._path(rel))

    def current(self) -> str | None:
        data = self.read(CURRENT)
        if data is None:
            return None
        return check_release_id(data.decode("utf-8", errors="replace").strip(), f"{self.description}/{CURRENT}")

    def switch(self, release_id: str) -> None:
        check_release_id(release_id, "switch")
        tmp = f"{CURRENT}.tmp"
        self.write(tmp, f"{release_id}\n".encode())
        with self._errors("switch", CURRENT):
            try:
                self.sftp.posix_rename(self._path(tmp), self._path(CURRENT))
            except OSError as exc:
                raise DeployError(
                    _("{description}: the server cannot rename atomically (posix-rename@openssh.com): {exc}").format(
                        description=self.description, exc=exc
                    )
                ) from None

    def close(self) -> None:
        with contextlib.suppress(*_ERRORS):
            self.sftp.close()
        self.client.close()
