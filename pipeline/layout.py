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
    releases/<id>/.oppkobling-rolled-back.json    in a release that was rolled back away from
"""

from __future__ import annotations

import enum
import functools
import re
from pathlib import Path

from pipeline.i18n import _


def is_safe_relative(path: str) -> bool:
    """A relative posix path that stays inside the directory it is relative to (no ``..``, no
    absolute path, no empty or ``.`` part, no backslash): every generated and deployed path is one."""
    # As string searches on the path between slashes (a build asks this of every one of tens of
    # thousands of paths): a leading, trailing or doubled slash shows as "//", a "." or ".." part
    # as "/./" or "/../".
    enclosed = f"/{path}/"
    return bool(path) and "\\" not in path and "//" not in enclosed and "/./" not in enclosed and "/../" not in enclosed


def check_generated(path: str) -> None:
    """Refuse a generator's path that would leave generated/."""
    if not is_safe_relative(path):
        raise ValueError(_("generator produced an unsafe path {path!r}").format(path=path))


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
# The file-name patterns are compiled when first used (``_compiled``): compiling these and
# ``_UNPRINTABLE`` at import was 1.3 ms of a validate answered from the cache, which uses none.
_KOMMUNE_FILE = r"^(?P<number>[0-9]{4})-(?P<slug>[a-z0-9]+(?:-[a-z0-9]+)*)\.yaml$"
_HF_FILE = r"^(?P<key>[a-z0-9]+(?:-[a-z0-9]+)*)\.yaml$"


@functools.cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def kommune_file_name(name: str) -> re.Match[str] | None:
    """A kommune declaration's file name (``<kommunenummer>-<slug>.yaml``) split into its parts."""
    return _compiled(_KOMMUNE_FILE).match(name)


def hf_file_name(name: str) -> re.Match[str] | None:
    """An HF declaration's file name (``<key>.yaml``) split into its parts."""
    return _compiled(_HF_FILE).match(name)


DECLARATION_SUFFIX = ".yaml"
MAX_INPUT_BYTES = 1024 * 1024  # any one file under partners/


class Input(enum.Enum):
    """What a file under partners/ is to the pipeline, when it is anything."""

    KOMMUNE = "kommune declaration"
    HF = "helseforetak declaration"
    AR_SNAPSHOT = "AR snapshot file"


# Every input under partners/, by directory: a file is one of these or it is refused (nothing
# under partners/ is skipped). A declaration directory holds ``*.yaml`` and nothing else (whether
# the name is the right one is rule S2's, so a misnamed declaration is still read and judged);
# below AR_DIR every regular file is handed to the AR snapshot reader, which refuses what it
# does not know. Hidden and backup names are refused everywhere (``refused_name``).
PARTNERS_INPUTS: tuple[tuple[str, bool, Input], ...] = (
    # (directory, files in subdirectories of it too, what its files are)
    (KOMMUNER_DIR, False, Input.KOMMUNE),
    (HF_DIR, False, Input.HF),
    (AR_DIR, True, Input.AR_SNAPSHOT),
)
BACKUP_SUFFIXES = ("~", ".bak", ".swp", ".swo", ".orig", ".rej", ".tmp", ".old", ".new")
# C0 and C1 control characters, DEL, and the bidirectional and zero-width format characters.
_UNPRINTABLE = "[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]"


def printable(text: str) -> str:
    """``text`` with every control or invisible character (and every byte that was not UTF-8)
    written as an escape (``\\n``, ``\\x1b``, ``\\udcff``): what a reporter prints of a name."""
    escaped = text.encode("utf-8", "backslashreplace").decode("utf-8") if _has_surrogates(text) else text
    return _compiled(_UNPRINTABLE).sub(lambda m: m[0].encode("unicode_escape").decode("ascii"), escaped)


def _has_surrogates(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def refused_name(path: str) -> str | None:
    """Why a path under partners/ is refused by its name alone, or None."""
    if _has_surrogates(path):
        return _("file name is not valid UTF-8")
    if _compiled(_UNPRINTABLE).search(path):
        return _("file name holds a control or invisible character")
    for part in path.split("/")[1:]:
        if part.startswith("."):
            return _("hidden name {part!r} is refused; nothing under {partners}/ is hidden from the gate").format(
                part=part, partners=PARTNERS
            )
    name = path.rsplit("/", 1)[-1]
    if name.endswith(BACKUP_SUFFIXES):
        return _("backup or editor file is refused; remove it")
    return None


# path -> the input it is: asked of every file several times a run (the reader, the parse, the
# validation by parts). Only inputs are kept: a refusal's text is in the language in force.
_INPUTS: dict[str, Input] = {}


def classify(path: str) -> Input | str:
    """What a file at ``path`` (repository-relative, below partners/) is: an input, or why it is
    refused. The one decision, for the work tree and every git revision alike."""
    known = _INPUTS.get(path)
    if known is not None:
        return known
    what = _classify(path)
    if isinstance(what, Input):
        if len(_INPUTS) >= 1_000_000:
            _INPUTS.clear()
        _INPUTS[path] = what
    return what


def _classify(path: str) -> Input | str:
    why = refused_name(path)
    if why is not None:
        return why
    directory, __, name = path.rpartition("/")
    for base, deep, what in PARTNERS_INPUTS:
        if directory == base or (deep and directory.startswith(base + "/")):
            if what is not Input.AR_SNAPSHOT and not name.endswith(DECLARATION_SUFFIX):
                return _("unexpected file in {base}/: declarations are <name>{suffix}").format(
                    base=base, suffix=DECLARATION_SUFFIX
                )
            return what
        if directory.startswith(base + "/"):
            return _("unexpected subdirectory in {base}/: declarations are files directly in it").format(base=base)
    known = ", ".join(f"{base}/" for base, _what, _deep in PARTNERS_INPUTS)
    return _("unexpected file; {partners}/ holds only {known}").format(partners=PARTNERS, known=known)


def allowed_directory(path: str) -> bool:
    """A directory (repository-relative) that may exist under partners/."""
    if path in (PARTNERS, *(base for base, _what, _deep in PARTNERS_INPUTS)):
        return True
    return any(deep and path.startswith(base + "/") for base, deep, __ in PARTNERS_INPUTS)


SCHEMAS = "schemas"
GENERATED = "generated"
PACKAGE = "pipeline"
# What the merge gate is made of: a change to any of these changes the gate itself.
GATE = (PACKAGE, SCHEMAS, "pyproject.toml", ".github")
REGENERATE = "oppkobling build"  # the command that makes generated/ what the declarations say
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
ROLLED_BACK = ".oppkobling-rolled-back.json"  # in a release rolled back away from: never served again
RESERVED_IN_RELEASE = (DEPLOY_RECORD, ROLLED_BACK)  # oppkobling's own files in a release, not served


def release_dir(release_id: str) -> str:
    return f"{RELEASES}/{release_id}"


# -- inside the package (``pipeline/``) --------------------------------------------------------

KOMMUNE_REGISTER = "data/kommuner.csv"
MESSAGE_TYPES = "data/message_types.yaml"
PROCESSES = "data/processes.yaml"  # NHN's process catalogue (the CPAs' ProcessSpecification, roles, packages)
PARTNER_INDEX_XSD = "data/partner-index.xsd"  # a copy of schemas/partner-index.xsd
TEMPLATES = "templates"
PYPROJECT = "pyproject.toml"  # at the repository root: [tool.oppkobling] language (io/settings.py)
LOCALE = "locale"  # in the package: <language>/LC_MESSAGES/oppkobling.po and .mo (pipeline/i18n)

# -- outside the repository ----------------------------------------------------------------------


def user_cache(base: str | None) -> Path:
    """``$XDG_CACHE_HOME/oppkobling`` (or ``~/.cache/oppkobling``): the fetched XSDs and the
    cache's secret, kept out of every repository."""
    return Path(base or Path.home() / ".cache") / "oppkobling"


def user_data(base: str | None) -> Path:
    """``$XDG_DATA_HOME/oppkobling`` (or ``~/.local/share/oppkobling``): files a command writes for
    a person (the order e-mail) when the current directory is inside the repository, so they never
    become untracked files there (``git add -A`` would commit them; ``deploy`` refuses a dirty tree)."""
    return Path(base or Path.home() / ".local" / "share") / "oppkobling"


XSD_CACHE = "xsd"  # below user_cache(): what 'oppkobling schemas fetch' fills
CACHE_SECRET = "cache-secret"  # noqa: S105 (a file name) below user_cache(): the key that signs cache entries
FETCHED = "FETCHED.json"  # in a fetched XSD directory: where each file came from
# The official XSDs where the regional shared data is checked out beside the repository (relative
# to the repository root): found without a flag when nothing else is configured.
SHARED_XSD = "../shared/standards/xsd"
