"""Languages: every text a person reads, in Norwegian bokmål (``nb``, the default) or English
(``en``), through gettext catalogs.

The messages in the code are English; ``pipeline/locale/nb/LC_MESSAGES/oppkobling.po`` holds
their Norwegian, compiled to ``oppkobling.mo`` (shipped in the package) by
``python -m pipeline.i18n.catalog``, which also extracts the messages and updates the catalog
(Babel). Only the standard library's ``gettext`` is needed to read them.

Which language:
- a command: ``--lang``, else ``$OPPKOBLING_LANG``, else the locale (``LC_ALL``, ``LC_MESSAGES``,
  ``LANG``: ``nb_NO.UTF-8``, ``no``, ``nn`` mean Norwegian, ``en_*`` English), else ``nb``;
- ``generated/``: the repository's setting ``[tool.oppkobling] language`` in ``pyproject.toml``
  (default ``nb``), never the person's, so it is the same on every machine.

What never changes with the language: rule ids, file paths, JSON keys, enum values (statuses,
states) as data (in YAML, JSON, ``status: ordered``), the routine's quotes (Norwegian in both) and
the holidays' names. Shown inside a sentence, a value reads in the person's language
(``pipeline.i18n.terms``).
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import os
from collections.abc import Iterator
from pathlib import Path

from pipeline import environment

TYPE_CHECKING = False  # as in pipeline.io.answers: typing is not imported on the quick path
if TYPE_CHECKING:
    import gettext

LANGUAGES = ("nb", "en")
DEFAULT = "nb"
DOMAIN = "oppkobling"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
_NORWEGIAN = ("nb", "no", "nn")


# None: nothing chosen in this context (a library call, not the CLI): follow the environment.
class LanguageError(ValueError):
    """An unknown language was asked for."""


_current: contextvars.ContextVar[str | None] = contextvars.ContextVar("language", default=None)


@functools.cache
def translations(language: str) -> gettext.NullTranslations:
    # Imported here: the answer cache's quick path (pipeline.io.answers) needs the language, not
    # the catalog, and gettext's imports would be a third of what it costs.
    import gettext

    if language == "en":
        return gettext.NullTranslations()  # the messages are English
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[language])


def current() -> str:
    chosen = _current.get()
    if chosen is not None:
        return chosen
    try:
        return choose(None)
    except ValueError:  # an unknown $OPPKOBLING_LANG: the CLI says so; a library call goes on in nb
        return DEFAULT


@contextlib.contextmanager
def use(language: str) -> Iterator[None]:
    token = _current.set(language)
    try:
        yield
    finally:
        _current.reset(token)


def _(message: str) -> str:
    return translations(current()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    return message


def pgettext(context: str, message: str) -> str:
    """``message`` as it reads in ``context`` (a value shown in a sentence: ``pipeline.i18n.terms``)."""
    return translations(current()).pgettext(context, message)


def NP_(context: str, message: str) -> str:
    """``message`` in ``context``, marked for the catalog and translated later (``pgettext``)."""
    return message


class Later:
    """A text kept to be said later, translated each time it is shown, in the language then in
    force: a reason made once and shown both in ``generated/`` (the repository's language) and to
    a person (theirs). Its values may be ``Later`` too. A plain value class, not a dataclass:
    ``dataclasses`` imports ``inspect`` (and ``ast``, ``dis``, ``tokenize``), which the answer
    cache's quick path must not pay for."""

    __slots__ = ("message", "values")
    message: str  # marked N_() where it is made
    values: tuple[tuple[str, object], ...]

    def __init__(self, message: str, values: tuple[tuple[str, object], ...] = ()) -> None:
        object.__setattr__(self, "message", message)
        object.__setattr__(self, "values", values)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(name)  # immutable, as the frozen dataclass it replaces

    def __reduce__(self) -> tuple[type[Later], tuple[str, tuple[tuple[str, object], ...]]]:
        return (Later, (self.message, self.values))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Later):
            return NotImplemented
        return (self.message, self.values) == (other.message, other.values)

    def __hash__(self) -> int:
        return hash((self.message, self.values))

    def __repr__(self) -> str:
        return repr((type(self).__name__, self.message, self.values))

    def __str__(self) -> str:
        return _(self.message).format(**{k: str(v) for k, v in self.values})


def from_locale(env: dict[str, str] | os._Environ[str]) -> str | None:
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name, "")
        if not value or value in ("C", "POSIX") or value.startswith("C."):
            continue
        code = value.split(".", 1)[0].split("_", 1)[0].lower()
        if code in _NORWEGIAN:
            return "nb"
        if code == "en":
            return "en"
        return None
    return None


def choose(flag: str | None, env: dict[str, str] | os._Environ[str] = os.environ) -> str:
    """--lang, then $OPPKOBLING_LANG, then the locale, then nb."""
    for value in (flag, env.get(environment.LANG)):
        if value:
            return parse(value)
    return from_locale(env) or DEFAULT


def parse(value: str) -> str:
    code = value.strip().lower().replace("-", "_").split(".", 1)[0].split("_", 1)[0]
    if code in _NORWEGIAN:
        return "nb"
    if code == "en":
        return "en"
    # Said in the language chosen before, else the locale's, else nb (never through current(),
    # which would ask for this same unknown language again).
    said = translations(_current.get() or from_locale(os.environ) or DEFAULT)
    choices = " or ".join(LANGUAGES)
    raise LanguageError(said.gettext(N_("unknown language {value!r}: {choices}")).format(value=value, choices=choices))
