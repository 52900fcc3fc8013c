"""The house rules of pipeline/ (issue 12), checked on its source: each fact once, findings only
from rules, git from one module, the names of the layout spelled once, a thin CLI."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import REPO

from pipeline.routine.steps import ROUTINE
from pipeline.rules import RULES

PIPELINE = REPO / "pipeline"
SOURCES = sorted(PIPELINE.rglob("*.py"))
TEMPLATES = sorted((PIPELINE / "templates").glob("*.j2"))
WINDOW = 6  # words: a quote, or a stretch of one this long, counts as quoted


def rel(path: Path) -> str:
    return path.relative_to(REPO).as_posix()


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text.casefold())


def windows(text: str) -> set[tuple[str, ...]]:
    w = words(text)
    return {tuple(w[i : i + WINDOW]) for i in range(len(w) - WINDOW + 1)}


def docstrings(tree: ast.AST) -> set[int]:
    """The ids of the constant nodes that are docstrings."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def literals(path: Path) -> Iterator[tuple[int, str]]:
    """Every string written in the code (f-string parts included), docstrings left out."""
    tree = ast.parse(path.read_text("utf-8"))
    skip = docstrings(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            yield node.lineno, node.value


# -- each routine quote once ---------------------------------------------------------------------


@pytest.mark.parametrize("step", ROUTINE, ids=[s.id for s in ROUTINE])
def test_each_routine_quote_is_written_once_in_the_package(step: object) -> None:
    """Nowhere in pipeline/ (code, docstrings, comments, templates, data) but in the routine table
    is any six-word stretch of a quote written, however it is punctuated; there it is written once."""
    quote = step.quote  # type: ignore[attr-defined]
    table = PIPELINE / "routine" / "steps.py"
    elsewhere = []
    for path in sorted(p for p in PIPELINE.rglob("*") if p.is_file() and p.suffix in (".py", ".j2", ".md", ".yaml")):
        if path == table:
            continue
        found = windows(path.read_text("utf-8")) & windows(quote)
        elsewhere += [f"{rel(path)}: «{' '.join(w)}»" for w in sorted(found)]
    assert elsewhere == []
    table_words = words(table.read_text("utf-8"))
    first = words(quote)[:WINDOW]
    starts = [i for i in range(len(table_words)) if table_words[i : i + WINDOW] == first]
    assert len(starts) == 1, f"{step.id}'s quote starts {len(starts)} times in the table"  # type: ignore[attr-defined]


def test_every_rule_takes_its_words_from_the_routine_table_or_states_its_own_once() -> None:
    for rule in RULES.values():
        if rule.id.startswith("R-"):
            assert rule.step is not None and rule.quote == rule.step.quote, rule.id
            continue
        assert rule.step is None and rule.text, rule.id
        holders = [rel(p) for p in SOURCES if windows(rule.text) & windows(p.read_text("utf-8"))]
        assert len(holders) == 1, (rule.id, holders)


# -- findings only from rules --------------------------------------------------------------------

RULE_ID = re.compile(r"^(S[1-6]|R-[KH][1-6]|L[1-9])$")


def test_no_finding_is_built_outside_the_rules() -> None:
    """A Finding is made by a rule (``Rule.finding``), or read back from the cache
    (``Finding.from_dict``): nothing else constructs one, and no rule id is written outside rules/."""
    built, ids = [], []
    for path in SOURCES:
        where = rel(path)
        in_rules = where.startswith("pipeline/rules/")
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Finding" and not in_rules:
                built.append(f"{where}:{node.lineno}")
        if not in_rules:
            ids += [f"{where}:{line}: {value}" for line, value in literals(path) if RULE_ID.match(value)]
    assert built == []
    assert ids == []


# -- git from one module -------------------------------------------------------------------------


# Modules that start processes, and what they start: git, the user's token command, and this
# interpreter running another revision's pipeline (the trusted gate). Only git.py names git.
PROCESS_RUNNERS = ["pipeline/io/command.py", "pipeline/io/git.py", "pipeline/io/trusted_code.py"]


def test_git_is_run_from_one_module() -> None:
    """Programs are started from pipeline/io/ only: git by io/git.py (and "git" is spelled nowhere
    else), the user's token command (``ar sync --token-command``) by io/command.py, another
    revision's pipeline (the trusted gate) by io/trusted_code.py."""
    runners, git_named = [], []
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                if "subprocess" in names:
                    runners.append(rel(path))
        git_named += [rel(path) for _, value in literals(path) if value == "git"]
    assert sorted(set(runners)) == PROCESS_RUNNERS
    assert sorted(set(git_named)) == ["pipeline/io/git.py"]


# -- the layout's names spelled once -------------------------------------------------------------

NAMES = {  # a directory is spelled as a path ("generated/...") or as the name alone
    "generated": re.compile(r"(?<![\w.-])generated/|^generated$"),
    "partners": re.compile(r"(?<![\w.-])partners/|^partners$"),
    "MANIFEST.json": re.compile(re.escape("MANIFEST.json")),
    "partner-index.xml": re.compile(re.escape("partner-index.xml")),
}


@pytest.mark.parametrize("name", NAMES)
def test_the_layouts_names_are_spelled_once_in_layout_py(name: str) -> None:
    """In code (docstrings and comments are prose) and in templates, the directory and file
    names are spelled only in pipeline/layout.py, and there once."""
    pattern = NAMES[name]
    spelled = [(rel(p), line) for p in SOURCES for line, value in literals(p) if pattern.search(value)]
    spelled += [(rel(t), 0) for t in TEMPLATES if pattern.search(t.read_text("utf-8"))]
    assert [where for where, _ in spelled] == ["pipeline/layout.py"], spelled


# -- a thin command line ---------------------------------------------------------------------

CLI = PIPELINE / "cli"
DISPATCH = {"__init__.py", "__main__.py", "main.py", "commands.py"}
COMMAND_MODULES = sorted(p for p in CLI.glob("*.py") if p.name not in DISPATCH)
IO_MODULES = ("os", "shutil", "subprocess", "tempfile", "io", "glob", "pipeline.io")
FILE_WORK = {
    "read_bytes",
    "read_text",
    "write_bytes",
    "write_text",
    "open",
    "exists",
    "is_file",
    "is_dir",
    "mkdir",
    "unlink",
    "iterdir",
    "glob",
    "rglob",
    "stat",
    "resolve",
    "rename",
    "replace",
    "touch",
    "chmod",
}


def test_there_is_a_command_module_per_command() -> None:
    from pipeline.cli.commands import COMMANDS

    assert sorted(p.stem for p in COMMAND_MODULES) == sorted(COMMANDS)


@pytest.mark.parametrize("path", COMMAND_MODULES, ids=lambda p: p.name)
def test_a_command_module_parses_calls_one_use_case_and_reports(path: Path) -> None:
    tree = ast.parse(path.read_text("utf-8"))
    imported = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            imported += [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            imported += [a.name for a in node.names]
    other_cli = sorted(m for m in imported if m.startswith("pipeline.cli.") and m != f"pipeline.cli.{path.stem}")
    assert other_cli == [], "a command imports no other command module (only the package's vocabulary)"
    assert [m for m in imported if m in IO_MODULES or m.startswith(("pipeline.io.", "pipeline.io "))] == []
    calls = [n.func.attr for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)]
    assert sorted(set(calls) & FILE_WORK) == [], "no file, git or cache work in a command module"
    use_cases = {m.split(".")[2] for m in imported if m.startswith("pipeline.app.") and m.count(".") >= 2}
    assert use_cases - {"inputs", "targets"}, "calls a use case"
    assert len(path.read_text("utf-8").splitlines()) <= 82, "about 80 lines at most"


def test_the_dispatcher_is_short_and_imports_a_command_only_when_it_runs() -> None:
    from pipeline.cli.commands import COMMANDS

    assert len((CLI / "main.py").read_text("utf-8").splitlines()) <= 80
    # The table: one case of three lines per command, imported only when that command runs.
    assert len((CLI / "commands.py").read_text("utf-8").splitlines()) <= 3 * len(COMMANDS) + 45
    top = ast.parse((CLI / "commands.py").read_text("utf-8")).body
    assert not any(isinstance(n, ast.ImportFrom) and (n.module or "").startswith("pipeline.cli") for n in top)


VOCABULARY = sorted((CLI / "vocabulary").glob("*.py"))


@pytest.mark.parametrize("path", VOCABULARY, ids=lambda p: p.name)
def test_the_shared_vocabulary_is_options_value_types_and_output(path: Path) -> None:
    """pipeline/cli/vocabulary/: options, value types and stdout/stderr; no use case, no I/O."""
    tree = ast.parse(path.read_text("utf-8"))
    functions = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    assert all(
        f.name.startswith("add_") or f.name in ("emit", "warn", "day", "moment", "her_id", "message_version", "by_hand")
        for f in functions
    )
    modules = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert not {m for m in modules if m and m.startswith(("pipeline.app", "pipeline.io"))}
    assert len(path.read_text("utf-8").splitlines()) <= 80, "about 80 lines at most"


def test_the_package_module_only_names_the_vocabulary() -> None:
    tree = ast.parse((CLI / "__init__.py").read_text("utf-8"))
    assert not [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))]
    modules = {n.module for n in tree.body if isinstance(n, ast.ImportFrom)} - {"__future__"}
    assert modules and all((m or "").startswith("pipeline.cli.vocabulary.") for m in modules)


def test_every_format_a_command_offers_comes_from_the_one_registry() -> None:
    import argparse

    from pipeline.cli.main import build_parser
    from pipeline.reporters import registry

    kinds = {"validate": "findings", "check": "findings", "plan": "plan", "status": "status", "timeline": "timeline"}
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    offered = {}
    for name, parser in sub.choices.items():
        formats = [a.choices for a in parser._actions if "--format" in a.option_strings]
        if formats:
            offered[name] = sorted(formats[0] or ())
    assert offered == {name: sorted(registry()[kind]) for name, kind in kinds.items()}


# -- the package map ---------------------------------------------------------------------------


def test_the_package_docstring_maps_every_package_and_top_level_module() -> None:
    """pipeline/__init__.py is where a newcomer starts: nothing in pipeline/ is missing from it."""
    import pipeline

    named = set(re.findall(r"``pipeline\.(\w+)``", pipeline.__doc__ or ""))
    named |= set(re.findall(r"``pipeline/(\w+)/``", pipeline.__doc__ or ""))
    present = {p.name for p in PIPELINE.iterdir() if p.is_dir() and not p.name.startswith("__")}
    present |= {p.stem for p in PIPELINE.glob("*.py") if not p.name.startswith("__")}
    assert sorted(present - named) == []
    assert sorted(named - present) == [], "the map names only what exists"
