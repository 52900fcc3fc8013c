"""What the libraries say, in the person's language: pydantic's validation messages and the YAML
parser's problems, which reach a person inside S1 (and S5, S6) findings.

pydantic: translated by the error's stable ``type`` code, with its ``ctx`` values as named
placeholders (``{expected}``, ``{pattern}``, ``{min_length}``, ...). Every type the declaration
models can produce is in ``PYDANTIC``; ``value_error`` and ``assertion_error`` carry our own
validators' messages, which went through the catalog when they were raised. A type not in the
table (a pydantic upgrade, a model added later) falls back to pydantic's own English text, so a
message is never lost, only untranslated.

YAML: ruamel.yaml's problem texts (the reference parser decides every error: ``loader``) are
matched by the whole text or a pattern; an unknown one falls back to the parser's text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pipeline.i18n import N_, _

# pydantic error type -> the message, with the error's ctx values as placeholders.
PYDANTIC: dict[str, str] = {
    "string_type": N_("input should be text"),
    "int_type": N_("input should be a whole number"),
    "int_parsing": N_("input should be a whole number; the text could not be read as one"),
    "float_type": N_("input should be a number"),
    "bool_type": N_("input should be true or false"),
    "bool_parsing": N_("input should be true or false; the text could not be read as either"),
    "list_type": N_("input should be a list"),
    "dict_type": N_("input should be a mapping"),
    "model_type": N_("input should be a mapping of fields"),
    "model_attributes_type": N_("input should be a mapping of fields"),
    "date_type": N_("input should be a date (YYYY-MM-DD)"),
    "date_parsing": N_("input should be a date (YYYY-MM-DD): {error}"),
    "date_from_datetime_parsing": N_("input should be a date (YYYY-MM-DD): {error}"),
    "date_from_datetime_inexact": N_("input should be a date (YYYY-MM-DD), not a time of day"),
    "datetime_type": N_("input should be a date and time (YYYY-MM-DDTHH:MM:SS+01:00)"),
    "datetime_parsing": N_("input should be a date and time (YYYY-MM-DDTHH:MM:SS+01:00): {error}"),
    "datetime_from_date_parsing": N_("input should be a date and time (YYYY-MM-DDTHH:MM:SS+01:00): {error}"),
    "timezone_aware": N_("input should have a time zone offset (e.g. +01:00 in winter, +02:00 in summer)"),
    "missing": N_("field required"),
    "extra_forbidden": N_("no such field"),
    "literal_error": N_("input should be {expected}"),
    "enum": N_("input should be {expected}"),
    "string_pattern_mismatch": N_("text should match the pattern '{pattern}'"),
    "string_too_short": N_("text should have at least {min_length} character(s)"),
    "string_too_long": N_("text should have at most {max_length} character(s)"),
    "too_short": N_("should have at least {min_length} item(s), not {actual_length}"),
    "too_long": N_("should have at most {max_length} item(s), not {actual_length}"),
    "greater_than": N_("input should be greater than {gt}"),
    "greater_than_equal": N_("input should be greater than or equal to {ge}"),
    "less_than": N_("input should be less than {lt}"),
    "less_than_equal": N_("input should be less than or equal to {le}"),
    "union_tag_invalid": N_(
        "input tag {tag!r} found using {discriminator} does not match any of the expected tags: {expected_tags}"
    ),
    "union_tag_not_found": N_("unable to find a tag using {discriminator}"),
}
# Our own validators' messages, already said through the catalog when they were raised.
_OURS = ("value_error", "assertion_error")

# pydantic's reasons a date or time could not be read (its ctx ``error``).
_TIME_REASONS: dict[str, str] = {
    "input is too short": N_("input is too short"),
    "input is too long": N_("input is too long"),
    "invalid character in year": N_("invalid character in year"),
    "invalid character in month": N_("invalid character in month"),
    "invalid character in day": N_("invalid character in day"),
    "invalid character in hour": N_("invalid character in hour"),
    "invalid character in minute": N_("invalid character in minute"),
    "invalid character in second": N_("invalid character in second"),
    "invalid date separator, expected `-`": N_("invalid date separator, expected `-`"),
    "invalid time separator, expected `:`": N_("invalid time separator, expected `:`"),
    "invalid timezone sign": N_("invalid time zone sign"),
    "month value is outside expected range of 1-12": N_("month value is outside expected range of 1-12"),
    "day value is outside expected range": N_("day value is outside expected range"),
    "unexpected extra characters at the end of the input": N_("unexpected extra characters at the end of the input"),
    "invalid character in time zone": N_("invalid character in time zone"),
}


def pydantic_message(error: Mapping[str, Any]) -> str:
    """An entry of ``ValidationError.errors()`` said in the current language; an unknown type in
    pydantic's English."""
    kind = str(error.get("type"))
    ctx = error.get("ctx") or {}
    if kind in _OURS and "error" in ctx:
        return str(ctx["error"])
    template = PYDANTIC.get(kind)
    if template is None:
        return str(error.get("msg", ""))
    values = {k: _value(k, v) for k, v in ctx.items()}
    try:
        return _(template).format(**values)
    except (KeyError, IndexError, ValueError):  # a ctx this pydantic does not give: its own text
        return str(error.get("msg", ""))


def _value(key: str, value: Any) -> Any:
    if key == "error":
        text = str(value)
        return _(_TIME_REASONS[text]) if text in _TIME_REASONS else text
    if key == "expected" and isinstance(value, str):
        # pydantic joins the choices in English: "'ok', 'rejected' or 'ok-with-errors'".
        return value.replace("' or '", "' " + _("or") + " '")
    return value


# ruamel.yaml's problems: the whole text, or a pattern whose groups are placeholders.
YAML_PROBLEMS: dict[str, str] = {
    "mapping values are not allowed here": N_(
        "a colon (:) where a value was expected: quote a value that holds ': ', or check the indentation"
    ),
    "could not find expected ':'": N_("could not find the expected ':' after a key"),
    "found unexpected end of stream": N_("the file ends inside a quoted value: a closing quote is missing"),
    "found unexpected ':'": N_("found an unexpected ':'"),
    "did not find expected key": N_("did not find the expected key: check the indentation"),
    "did not find expected node content": N_("did not find the expected value"),
    "did not find expected '-' indicator": N_("did not find the expected '-' of a list item: check the indentation"),
    "found a tab character that violates indentation": N_("tab characters are not allowed for indentation"),
}
_YAML_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"found character '\\t' that cannot start any token"),
        N_("tab characters are not allowed for indentation"),
    ),
    (
        re.compile(r"found character (?P<found>'.*') that cannot start any token"),
        N_("the character {found} cannot start a value: quote the value"),
    ),
    (
        re.compile(r"expected <block end>, but found (?P<found>'.*')"),
        N_("the indentation is wrong: a block ends where {found} was found"),
    ),
    (
        re.compile(r"expected ',' or '(?P<close>[\]}])', but got (?P<found>'.*')"),
        N_("expected ',' or '{close}', but found {found}"),
    ),
    (
        re.compile(r"expected the node content, but found (?P<found>'.*')"),
        N_("expected a value, but found {found}"),
    ),
    (
        re.compile(r"expected <document start>, but found (?P<found>'.*')"),
        N_("expected the start of the document, but found {found}"),
    ),
    (
        re.compile(r"expected alphabetic or numeric character, but found (?P<found>'.*')"),
        N_("expected a letter or a digit, but found {found}"),
    ),
    (
        re.compile(r"found unknown escape character (?P<found>'.*')"),
        N_("unknown escape character {found} in a double-quoted value"),
    ),
    (
        re.compile(r"unacceptable character #x(?P<code>[0-9a-fA-F]+): .*"),
        N_("character U+{code} is not allowed in a YAML file"),
    ),
)


# The parser's names of what it found, said as a person would.
_TOKENS: dict[str, str] = {
    "'<stream end>'": N_("the end of the file"),
    "'<block mapping start>'": N_("a key"),
    "'<block sequence start>'": N_("a list item"),
    "'<block end>'": N_("the end of a block"),
    "'<scalar>'": N_("a value"),
    "'?'": N_("a key"),
}


def _yaml_value(key: str, value: str) -> str:
    if key == "code":
        return value.upper().zfill(4)
    if key == "found" and value in _TOKENS:
        return _(_TOKENS[value])
    return value


def yaml_problem(problem: str) -> str:
    """A YAML parser's problem said in the current language; an unknown one as the parser said it."""
    text = problem.strip()
    if text in YAML_PROBLEMS:
        return _(YAML_PROBLEMS[text])
    for pattern, template in _YAML_PATTERNS:
        found = pattern.fullmatch(text)
        if found:
            values = {k: _yaml_value(k, v) for k, v in found.groupdict().items()}
            return _(template).format(**values)
    return problem


# Python's reasons a date or time of day does not exist (``datetime``'s ValueError).
_PYTHON_DATE: dict[str, str] = {
    "month must be in 1..12": N_("the month must be 1 to 12"),
    "day is out of range for month": N_("the day is out of range for the month"),
    "hour must be in 0..23": N_("the hour must be 0 to 23"),
    "minute must be in 0..59": N_("the minute must be 0 to 59"),
    "second must be in 0..59": N_("the second must be 0 to 59"),
}


def python_date_reason(reason: str) -> str:
    """``datetime``'s reason in the current language; an unknown one as Python said it."""
    return _(_PYTHON_DATE[reason]) if reason in _PYTHON_DATE else reason
