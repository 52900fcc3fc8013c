"""Every path and file name oppkobling uses, in one place (standard library only).

The repository::

    partners/kommuner/<kommunenummer>-<slug>.yaml   one declaration per kommune
    partners/helseforetak/<hf-key>.yaml             one per HF
    partners/ar/...                                 NHN's address register (AR), mirrored path for path:
        communicationparty/<herId>.json             GET /api/v1/communicationparty/{herId} (or
        communicationparty/<herId>/legacy.json      the deprecated legacy model)
        certificate/<herId>/signing.json            GET /api/v1/certificate/{herId}/signing
        certificate/<herId>/encryption.json         .../encryption
    schemas/<name>.schema.json                      JSON Schemas written from the models
    generated/                                      everything the declarations generate:
        MANIFEST.json                               the sha256 of every generated file
        <hf-key>/partner-index.xml, <hf-key>/cpa/<kommunenummer>-<her-id>.xml
        fixtures/<stem>/..., calendar.ics, calendars/<stem>.ics, STATUS.md, status.html
    .oppkobling.lock, .oppkobling-cache/            machine-local state (git-ignored)
    .oppkobling-ar-*/                               what ``ar sync``/``ar import`` stage before moving it into place

A deploy target (``pipeline.deploy``)::

    releases/<id>/..., releases/<id>/.oppkobling-deploy.json (the deploy record), current, deploy.lock
"""

from __future__ import annotations

import re
from pathlib import Path


def is_safe_relative(path: str) -> bool:
    """A relative posix path that stays inside the directory it is relative to (no ``..``, no
    absolute path, no empty or ``.`` part, no backslash): every generated and deployed path is one."""
    parts = path.split("/")
    return bool(path) and not path.startswith("/") and "\\" not in path and not any(p in ("", ".", "..") for p in parts)


def check_generated(path: str) -> None:
    """Refuse a generator's path that would leave generated/."""
    if not is_safe_relative(path):
        raise ValueError(f"generator produced an unsafe path {path!r}")


# -- the repository ---------------------------------------------------------------------------

PARTNERS = "partners"
KOMMUNER_DIR = f"{PARTNERS}/kommuner"
HF_DIR = f"{PARTNERS}/helseforetak"
AR_DIR = f"{PARTNERS}/ar"  # the AR snapshot: data the gate reads, reviewed like the declarations
# Below AR_DIR, by kind of answer ({her_id} is the HER-id); ``pipeline.ar.paths`` maps them to the API.
AR_PARTY_FILE = "communicationparty/{her_id}.json"
AR_LEGACY_FILE = "communicationparty/{her_id}/legacy.json"
AR_SIGNING_FILE = "certificate/{her_id}/signing.json"
AR_ENCRYPTION_FILE = "certificate/{her_id}/encryption.json"
AR_FOLDERS = ("communicationparty", "certificate")  # kept even when empty
AR_STAGING_PREFIX = ".oppkobling-ar-"  # in the repository root, git-ignored
# Files under partners/ that are documentation, not declarations.
NOT_DECLARATIONS = frozenset({"README.md", ".gitkeep"})
KOMMUNE_FILE = re.compile(r"^(?P<number>[0-9]{4})-(?P<slug>[a-z0-9]+(?:-[a-z0-9]+)*)\.yaml$")
HF_FILE = re.compile(r"^(?P<key>[a-z0-9]+(?:-[a-z0-9]+)*)\.yaml$")
DECLARATION_SUFFIX = ".yaml"

SCHEMAS = "schemas"
GENERATED = "generated"
REGENERATE = "oppkobling generate"  # the command that makes generated/ what the declarations say
LOCK = ".oppkobling.lock"
CACHE = ".oppkobling-cache"


def kommune_file(number: str, slug: str) -> str:
    return f"{KOMMUNER_DIR}/{number}-{slug}{DECLARATION_SUFFIX}"


def hf_file(key: str) -> str:
    return f"{HF_DIR}/{key}{DECLARATION_SUFFIX}"


def stem(path: str) -> str:
    """A declaration's file name without its suffix: ``partners/kommuner/5035-stjordal.yaml`` ->
    ``5035-stjordal``. Generated files of a kommune are named by it."""
    return path.rsplit("/", 1)[-1].removesuffix(DECLARATION_SUFFIX)


def json_schema_file(name: str) -> str:
    return f"{SCHEMAS}/{name}.schema.json"


# From a declaration in partners/<kind>/ to the schemas (the yaml-language-server comment).
SCHEMA_FROM_DECLARATION = f"../../{SCHEMAS}/"


def order_file(stem_: str) -> str:
    """Step K2's order e-mail, written where the coordinator runs ``oppkobling order``."""
    return f"{stem_}-bestilling.eml"


# -- generated/ (paths relative to it) ---------------------------------------------------------

MANIFEST = "MANIFEST.json"
PARTNER_INDEX = "partner-index.xml"
CPA_DIR = "cpa"
FIXTURES = "fixtures"
SCHEDULE = "schedule.json"
CALENDAR = "calendar.ics"
CALENDARS = "calendars"
STATUS_MD = "STATUS.md"
STATUS_HTML = "status.html"


def in_generated(path: str) -> str:
    """A path relative to generated/ as a repository path (``generated/<path>``)."""
    return f"{GENERATED}/{path}"


def partner_index(hf_key: str) -> str:
    return f"{hf_key}/{PARTNER_INDEX}"


def cpa_file(kommune: str, her_id: int) -> str:
    """A CPA relative to its HF's directory (and to the partner index beside it)."""
    return f"{CPA_DIR}/{kommune}-{her_id}.xml"


def cpa_path(hf_key: str, kommune: str, her_id: int) -> str:
    return f"{hf_key}/{cpa_file(kommune, her_id)}"


def fixtures_dir(stem_: str) -> str:
    return f"{FIXTURES}/{stem_}"


def calendar_file(stem_: str) -> str:
    return f"{CALENDARS}/{stem_}.ics"


# -- deploy targets ------------------------------------------------------------------------------

RELEASES = "releases"
CURRENT = "current"
DEPLOY_LOCK = "deploy.lock"
DEPLOY_RECORD = ".oppkobling-deploy.json"  # what a release holds and where it came from


def release_dir(release_id: str) -> str:
    return f"{RELEASES}/{release_id}"


# -- inside the package (``pipeline/``) --------------------------------------------------------

KOMMUNE_REGISTER = "data/kommuner.csv"
MESSAGE_TYPES = "data/message_types.yaml"
PROCESSES = "data/processes.yaml"  # NHN's process catalogue (the CPAs' ProcessSpecification, roles, packages)
PARTNER_INDEX_XSD = "data/partner-index.xsd"  # a copy of schemas/partner-index.xsd
TEMPLATES = "templates"

# -- outside the repository ----------------------------------------------------------------------


def user_cache(base: str | None) -> Path:
    """``$XDG_CACHE_HOME/oppkobling`` (or ``~/.cache/oppkobling``): the fetched XSDs and the
    cache's secret, kept out of every repository."""
    return Path(base or Path.home() / ".cache") / "oppkobling"


XSD_CACHE = "xsd"  # below user_cache(): what 'oppkobling schemas fetch' fills
CACHE_SECRET = "cache-secret"  # noqa: S105 (a file name) below user_cache(): the key that signs cache entries
FETCHED = "FETCHED.json"  # in a fetched XSD directory: where each file came from
