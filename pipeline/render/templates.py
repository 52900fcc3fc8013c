"""The one jinja2 environment: every template in ``pipeline/templates``, rendered in an immutable
sandbox (a template can call no method that changes anything) with undefined names an error.

Each template's output language decides its escaping (``pipeline.render.escape``): HTML is
autoescaped; in ``status.md.j2`` every value is Markdown text; ``plan.md.j2`` is HTML-escaped
Markdown for GitHub, whose table cells go through the ``cell`` filter; the order e-mail is plain
text, which nothing interprets.
"""

from __future__ import annotations

import functools
from typing import Any

import jinja2
import markupsafe
from jinja2.sandbox import ImmutableSandboxedEnvironment

from pipeline import i18n, layout
from pipeline.i18n import terms
from pipeline.render import escape

HTML = frozenset({"status.html.j2", "status_rows.html.j2", "plan.md.j2"})
MARKDOWN_TEXT = frozenset({"status.md.j2", "status_rows.md.j2"})


def _autoescape(name: str | None) -> bool:
    return name in HTML


@jinja2.pass_context
def _finalize(context: jinja2.runtime.Context, value: Any) -> Any:
    # Markup in Markdown text: rows a Markdown-text template rendered (``status_page.Rows``),
    # whose values were escaped there; only code makes Markup, a template's values never are.
    if context.name in MARKDOWN_TEXT and not isinstance(value, markupsafe.Markup):
        return escape.markdown_text(value)
    return value


@functools.cache
def environment() -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(
        extensions=["jinja2.ext.i18n"],
        loader=jinja2.PackageLoader("pipeline", layout.TEMPLATES),
        autoescape=_autoescape,
        finalize=_finalize,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["cell"] = escape.markdown_cell
    # A value that is data, as it reads in a sentence (``{{ k.status | term("status") }}``).
    env.filters["term"] = lambda value, context: terms.term(context, value)
    # Messages in the language in force when a template is rendered (``pipeline.i18n``).
    env.install_gettext_callables(i18n._, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    return env


def render(name: str, **values: Any) -> str:
    return environment().get_template(name).render(**values)
