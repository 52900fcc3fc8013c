"""jinja2 renders human-facing text from declarations in one immutable sandbox: a template cannot
reach Python internals or change the data it is given, and HTML (and the Markdown GitHub renders
as HTML) is escaped, so markup in a declared name is shown, never interpreted."""

from __future__ import annotations

import ast

import jinja2
import pytest
from conftest import REPO
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from pipeline.render import templates

PIPELINE = REPO / "pipeline"
# Every template, by the name that decides its language (and so its escaping).
TEMPLATES = sorted(p.name for p in (PIPELINE / "templates").glob("*.j2"))


def as_template(name: str, source: str) -> jinja2.Template:
    """``source`` treated as the template ``name``, in the pipeline's one environment."""
    env = templates.environment().overlay(loader=jinja2.DictLoader({name: source}))
    return env.get_template(name)


ESCAPES = (
    "{{ ''.__class__.__mro__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ x.__init__.__globals__ }}",
    "{{ cycler.__init__.__globals__.os }}",
    "{{ x.__class__.__base__.__subclasses__() }}",
    "{{ (f | attr('__globals__')) }}",
    "{{ f.__code__ }}",
    "{{ ''|attr('__class__') }}",
)
MUTATIONS = (
    "{{ items.append(4) }}",
    "{{ mapping.update({'k': 'changed'}) }}",
    "{{ mapping.pop('k') }}",
    "{{ items.clear() }}",
)


def test_every_jinja2_environment_in_the_pipeline_is_the_immutable_sandbox() -> None:
    """A plain Environment (or the mutable sandbox) anywhere would undo the guarantees below."""
    made = []
    for path in sorted(PIPELINE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
                if isinstance(name, str) and name.endswith("Environment"):
                    made.append((path.relative_to(REPO).as_posix(), node.lineno, name))
    assert made, "no jinja2 environment found: is the scan still looking at the right code?"
    assert [m for m in made if m[2] != "ImmutableSandboxedEnvironment"] == []
    assert {m[0] for m in made} == {"pipeline/render/templates.py"}, "one environment, made in one place"


def test_the_environment_is_the_immutable_sandbox_with_strict_undefined() -> None:
    env = templates.environment()
    assert isinstance(env, ImmutableSandboxedEnvironment)
    assert issubclass(env.undefined, jinja2.StrictUndefined)
    assert TEMPLATES == [
        "order-mail.txt.j2",
        "plan.md.j2",
        "status.html.j2",
        "status.md.j2",
        "status_rows.html.j2",
        "status_rows.md.j2",
    ]


def _a_function() -> None:
    """A Python function handed to a template: its globals lead to every module."""


@pytest.mark.parametrize("template", ESCAPES)
@pytest.mark.parametrize("name", TEMPLATES)
def test_templates_cannot_reach_python_internals(name: str, template: str) -> None:
    with pytest.raises(SecurityError):
        as_template(name, template).render(x="text", f=_a_function)


@pytest.mark.parametrize("template", MUTATIONS)
@pytest.mark.parametrize("name", TEMPLATES)
def test_templates_cannot_change_what_they_are_given(name: str, template: str) -> None:
    items, mapping = [1, 2, 3], {"k": "v"}
    with pytest.raises(SecurityError):
        as_template(name, template).render(items=items, mapping=mapping)
    assert (items, mapping) == ([1, 2, 3], {"k": "v"})


@pytest.mark.parametrize("name", ["status.html.j2", "status_rows.html.j2", "plan.md.j2"])
def test_html_facing_templates_escape_markup(name: str) -> None:
    out = as_template(name, "{{ x }}").render(x="<script>alert('x')</script> & co")
    assert "<script>" not in out
    assert "&lt;script&gt;" in out and "&amp; co" in out


@pytest.mark.parametrize("name", ["status.md.j2", "status_rows.md.j2"])
def test_markdown_status_escapes_markup_and_table_breaks(name: str) -> None:
    out = as_template(name, "{{ x }}").render(x="<b>bold</b> | *x* [l](http://e)")
    assert "<b>" not in out and "\\|" in out and "\\*x\\*" in out and "\\[l\\]" in out


def test_the_plain_text_order_mail_is_not_escaped() -> None:
    assert as_template("order-mail.txt.j2", "{{ x }}").render(x="Bø & Hå <x>") == "Bø & Hå <x>"
