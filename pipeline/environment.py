"""Every environment variable oppkobling reads, in one place (standard library only)."""

from __future__ import annotations

TODAY = "OPPKOBLING_TODAY"  # evaluate on this day (YYYY-MM-DD), like --today
XSD_DIR = "OPPKOBLING_XSD_DIR"  # the official XSDs, like --xsd-dir
CACHE = "OPPKOBLING_CACHE"  # 0 turns the result cache off
JOBS = "OPPKOBLING_JOBS"  # worker processes for rendering (1: never fork)
LOCK_WAIT = "OPPKOBLING_LOCK_WAIT"  # seconds to wait for the repository lock
SSH_KEY = "OPPKOBLING_SSH_KEY"  # the SFTP login key, like --identity
SSH_KEY_PASSPHRASE = "OPPKOBLING_SSH_KEY_PASSPHRASE"  # noqa: S105 (the name of a variable, not a secret)
KNOWN_HOSTS = "OPPKOBLING_KNOWN_HOSTS"  # the SFTP server's host key, like --known-hosts
AR_TOKEN = "OPPKOBLING_AR_TOKEN"  # noqa: S105 (a name) the HelseID access token for NHN's AR API, like --token-command
AR_DPOP_KEY = "OPPKOBLING_AR_DPOP_KEY"  # the DPoP private key (PEM file) the token is bound to
AR_BASE_URL = "OPPKOBLING_AR_BASE_URL"  # NHN's CommunicationParty API, like --base-url
CERTIFICATE_MARGIN = "OPPKOBLING_CERTIFICATE_MARGIN"  # days before T an AR certificate must not expire in (R-K3)
LANG = "OPPKOBLING_LANG"  # the language of what a command prints (nb or en), like --lang
DEBUG = "OPPKOBLING_DEBUG"  # show the traceback of an internal error
XDG_DATA_HOME = "XDG_DATA_HOME"  # where files for a person go when the current directory is in the repository
XDG_CACHE_HOME = "XDG_CACHE_HOME"  # where the user cache is (the XSDs, the cache's secret)
