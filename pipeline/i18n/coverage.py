"""Which texts a person reads escape the catalog: an AST scan of ``pipeline/`` for string
literals and f-strings that reach a person without going through ``_()`` / ``ngettext()``
(``N_()`` marks a text translated later, where it is shown).

What reaches a person (the *sinks*):
- a finding's message: ``<rule>.error(location, MESSAGE)``, ``.warning(...)``, ``.say(...)``,
  ``Finding(..., MESSAGE)``;
- an error: the arguments of ``raise SomeError(...)`` (every exception but the ones a bug raises,
  ``AssertionError`` and the like) and of ``parser.error(...)``;
- what is printed: ``print``, ``emit``, ``warn``, ``note``, ``.write`` on a stream, ``warnings.warn``;
- a keyword that holds a text for a person (``message=``, ``reason=``, ``note=``, ...);
- everything a reporter (``pipeline/reporters/``) or a command (``pipeline/cli/``) writes: every
  string literal there that holds words, but dict keys (JSON keys), comparisons, subscripts and
  the arguments of a few lookups (``.get``, ``getattr``, ...), which are code.

An expression is followed through f-strings, ``+``, ``%``, ``.format()``, ``.join()``,
conditionals, lists and a function's own local variables; a call of any other function is
trusted (its own literals are scanned where they are made). Help texts (``help=``,
``description=``, and any literal that is part of one) are collected from the parser itself by
``pipeline.i18n.catalog`` and translated there (``pipeline.i18n.command_line``).

``ALLOWED`` lists, reviewed, the literals that reach a sink but are not text to translate.
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent

_WORD = re.compile(r"[A-Za-zÆØÅæøå]{2,}")
_CODE_WORD = re.compile(r"-{0,2}[a-z][a-z0-9_.-]*")
_PLACEHOLDER = re.compile(r"\{[^{}]*\}|%\([a-z_]+\)[sdr]|%[sdr]")
TRANSLATE = frozenset({"_", "ngettext", "N_", "gettext", "pgettext", "NP_"})
# Calls whose string arguments reach a person.
SAY = frozenset({"print", "emit", "warn", "note", "write", "say", "error", "warning", "finding", "problem", "_refuse"})
# ... and those whose text comes first (reader.fail(text, element, rule)).
SAY_FIRST = frozenset({"fail"})
# Keywords whose value is a text for a person, wherever they are passed.
TEXT_KEYWORDS = frozenset({"message", "reason", "note", "hint", "fix", "detail", "summary", "why"})
# Errors whose first argument is a code (pydantic's error type), not text.
ERROR_CODES = frozenset({"PydanticCustomError"})
# Functions whose name says they return a text for a person (a plan's sentence, a description).
TEXT_FUNCTION = re.compile(r"sentence|message|line|describe\w*|explain\w*|summary\w*|label|reason\w*|why\w*|\w*_text")
# Variables that hold a text for a person, wherever they are assigned (or appended to).
TEXT_NAMES = frozenset({"verb", "said", "note", "notes", "why", "reason", "reasons", "hint", "fix", "label", "title"})
# Exceptions raised only by a bug: their text is for whoever debugs it.
BUG = frozenset({"AssertionError", "NotImplementedError", "RuntimeError", "TypeError", "KeyError", "SystemExit"})
# Modules outside cli/ that hold help texts (collected from the parser).
HELP_MODULES = frozenset({"i18n/command_line.py"})
# Modules whose every literal is output for a person.
OUTPUT = ("reporters/", "cli/")
# Calls whose string arguments are code, even in OUTPUT modules.
CODE_CALLS = frozenset(
    {
        "get",
        "getattr",
        "hasattr",
        "setattr",
        "pop",
        "setdefault",
        "startswith",
        "endswith",
        "split",
        "rsplit",
        "strip",
        "rstrip",
        "lstrip",
        "replace",
        "encode",
        "decode",
        "open",
        "add_argument",
        "add_parser",
        "add_mutually_exclusive_group",
        "add_argument_group",
        "set_defaults",
        "dumps",
        "loads",
        "command",
        "environ",
        "getenv",
        "partition",
        "rpartition",
        "index",
        "count",
        "find",
        "removeprefix",
        "removesuffix",
        "glob",
        "rglob",
        "with_suffix",
        "joinpath",
        "Path",
        "isoformat",
        "strftime",
        "strptime",
        "fromisoformat",
        "compile",
        "match",
        "fullmatch",
        "search",
        "sub",
        "ZoneInfo",
        "itemgetter",
        "attrgetter",
        "as_posix",
        "relative_to",
        "read_text",
        "write_text",
        "ljust",
        "rjust",
        "center",
        "zfill",
        "cast",
        "TypeVar",
        "NewType",
        "field",
        "check_output",
        "run",
    }
)

# Module-relative path -> literals that reach a person but are not text to translate (reviewed).
ALLOWED: dict[str, frozenset[str]] = {
    # Norwegian in both languages, too short for is_norwegian to tell: the test messages' words
    # (KITH's code texts), kodeverk 8221's official meanings, the order e-mail's signature.
    "fixtures/messages.py": frozenset(
        {
            "Organisasjonsnummeret i Enhetsregisteret",
            "Helsefaglig kontakt",
            "Ansvarlig helsepersonell",
            "Helsefaglig dialog",
        }
    ),
    "receipts/codes.py": frozenset(
        {"Ugyldig meldingsidentifikator", "Ugyldig sertifikat", "Tilbaketrukket sertifikat"}
    ),
    "render/order_mail.py": frozenset({"Hemit meldingsansvarlig"}),
    # Code: a command, a marker in the plan's JSON, a file's first line, the example key of a
    # schema.
    "layout.py": frozenset({"oppkobling build"}),
    "i18n/__init__.py": frozenset({"nb", "en"}),  # the language codes, named in "unknown language"
    # A value written into declarations (source: typed by hand), said as it is written.
    "model/models.py": frozenset({"<one attempt>", "typed by hand"}),
    # A command and its options, in every language.
    "app/targets.py": frozenset(
        {"pip install 'oppkobling[sftp]'", "oppkobling", "--hf", "--break-lock"}
    ),  # commands, options
    # What a record changed, as the declaration's own paths (tests.st-olavs.8170001.pretest).
    "model/edits.py": frozenset({"tests."}),
    "plan.py": frozenset({"moved from "}),
    "model/scaffold.py": frozenset({"# yaml-language-server: $schema="}),
    "agreements/reader.py": frozenset({"ebxml-cppa/cpp-cpa-2_0.xsd"}),  # a schema's file name
    # GitHub's workflow command syntax (::error file=...,line=...,col=...,title=...::).
    "reporters/findings.py": frozenset({"file=", "line=", "col=", "title="}),
    # AR's field names, quoted in R-K3's messages.
    "rules/k3_address_register.py": frozenset(
        {"currentSigningCertificate", "currentEncryptionCertificate", "ediAddress"}
    ),
}
# Modules that are the developers' tools, not the product (their output is for developers).
TOOLS = frozenset({"i18n/catalog.py", "i18n/coverage.py"})


@dataclass(frozen=True, order=True)
class Untranslated:
    file: str
    line: int
    column: int
    text: str

    def __str__(self) -> str:
        return f"pipeline/{self.file}:{self.line}:{self.column}: not through the catalog: {self.text!r}"


def is_text(value: str) -> bool:
    text = _PLACEHOLDER.sub(" ", value)
    return bool(_WORD.search(text)) and not is_norwegian(text)


_NB = frozenset(
    [
        "og",
        "er",
        "på",
        "ikke",
        "med",
        "til",
        "av",
        "som",
        "skal",
        "fra",
        "ved",
        "eller",
        "finnes",
        "feil",
        "mangler",
        "etter",
        "før",
        "den",
        "det",
    ]
)
_EN = frozenset(
    ["the", "is", "a", "an", "of", "and", "to", "not", "in", "on", "with", "from", "for", "be", "it", "its"]
)


def _template(expr: ast.JoinedStr) -> str:
    """An f-string's text with ``{}`` for each value: ``"HER-id {}: {}"``."""
    return "".join(str(p.value) if isinstance(p, ast.Constant) else "{}" for p in expr.values)


def _is_prose(text: str) -> bool:
    """Words with a space between them, not only a path or a key (``f"{dir}/{name}.xml"``)."""
    return " " in _PLACEHOLDER.sub("", text).strip() and is_text(text)


def is_norwegian(text: str) -> bool:
    """Norwegian text is Norwegian in both languages (the routine's quotes, the rules' text from
    RULES.md, kodeverk's official meanings, the test messages and the order e-mail)."""
    words = [w.lower() for w in _WORD.findall(text)]
    nb = sum(w in _NB for w in words) + sum(c in "æøåÆØÅ" for c in text)
    return nb > 0 and nb > sum(w in _EN for w in words)


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


class _Scan(ast.NodeVisitor):
    def __init__(self, file: str, tree: ast.Module) -> None:
        self.file = file
        self.found: list[Untranslated] = []
        self.output = file.startswith(OUTPUT)
        self.allowed = ALLOWED.get(file, frozenset())
        self.assigned: list[dict[str, list[ast.expr]]] = [self._assignments(tree)]
        self.code: set[int] = set()  # ids of Constant nodes known to be code, not text
        self.done: set[int] = set()
        self.prose = False  # checking a helper's return: only prose counts
        self._mark_code(tree)

    # -- where a name got its value (a function's own assignments) --------------------------
    @staticmethod
    def _assignments(scope: ast.AST) -> dict[str, list[ast.expr]]:
        found: dict[str, list[ast.expr]] = {}

        def visit(node: ast.AST) -> None:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
                    continue
                if isinstance(child, ast.Assign):
                    for target in child.targets:
                        if isinstance(target, ast.Name):
                            found.setdefault(target.id, []).append(child.value)
                elif isinstance(child, ast.AnnAssign | ast.AugAssign) and isinstance(child.target, ast.Name):
                    if child.value is not None:
                        found.setdefault(child.target.id, []).append(child.value)
                elif isinstance(child, ast.NamedExpr):
                    found.setdefault(child.target.id, []).append(child.value)
                visit(child)

        visit(scope)
        return found

    def _mark_code(self, tree: ast.Module) -> None:
        for node in ast.walk(tree):
            body = getattr(node, "body", None)
            if (
                isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
                and isinstance(body, list)
                and body
                and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
            ):
                self.code.add(id(body[0].value))  # a docstring
            if isinstance(node, ast.Dict):
                self._code_nodes(k for k in node.keys if k is not None)
            elif isinstance(node, ast.Subscript):
                self._code_nodes([node.slice])
            elif isinstance(node, ast.Compare):
                self._code_nodes([node.left, *node.comparators])
            elif isinstance(node, ast.Call) and (_name(node.func) in CODE_CALLS or _name(node.func) in TRANSLATE):
                self._code_nodes([*node.args, *(k.value for k in node.keywords)])
            elif isinstance(node, ast.Call):
                # A rule's own text (Rule(text=...)) is from RULES.md: Norwegian in both, stated once.
                code = (
                    "help",
                    "description",
                    "metavar",
                    "dest",
                    "prog",
                    *(("text",) if _name(node.func) == "Rule" else ()),
                )
                self._code_nodes(k.value for k in node.keywords if k.arg in code)
            elif isinstance(node, ast.keyword) and node.arg in ("help", "description"):
                self._code_nodes([node.value])
            elif isinstance(node, ast.AnnAssign | ast.arg) and node.annotation is not None:
                self._code_nodes([node.annotation])
            elif isinstance(node, ast.Assign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if any(isinstance(t, ast.Name) and t.id in ("__all__", "NAME") for t in targets):
                    self._code_nodes([node.value] if node.value is not None else [])

    def _code_nodes(self, nodes: Iterable[ast.expr]) -> None:
        for n in nodes:
            for sub in ast.walk(n):
                if isinstance(sub, ast.Constant):
                    self.code.add(id(sub))

    # -- reporting ----------------------------------------------------------------------------
    def _report(self, node: ast.Constant) -> None:
        if id(node) in self.done:
            return
        if self.prose and not (isinstance(node.value, str) and _is_prose(node.value)):
            return  # not prose: still open to a sink that sees every word
        self.done.add(id(node))
        value = node.value
        if (self.output or self.file in HELP_MODULES) and isinstance(value, str) and _in_help(value):
            return  # part of a help text: collected from the parser, translated there
        if isinstance(value, str) and is_text(value) and value not in self.allowed:
            self.found.append(Untranslated(self.file, node.lineno, node.col_offset + 1, value))

    def check(self, expr: ast.expr | None, seen: frozenset[str] = frozenset()) -> None:
        """Report every literal text in ``expr`` that reaches a person untranslated."""
        if expr is None:
            return
        if isinstance(expr, ast.Constant):
            if id(expr) not in self.code:
                self._report(expr)
        elif isinstance(expr, ast.JoinedStr):
            if self.prose and not _is_prose(_template(expr)):
                return  # a path or a key returned (``f"{d}/{n}.xml"``), not prose
            for part in expr.values:
                if isinstance(part, ast.Constant) and id(part) not in self.code:
                    prose, self.prose = self.prose, False  # prose as a whole: every word of it counts
                    self._report(part)
                    self.prose = prose
                elif isinstance(part, ast.FormattedValue):
                    self.check(part.value, seen)
        elif isinstance(expr, ast.BinOp):
            self.check(expr.left, seen)
            self.check(expr.right, seen)
        elif isinstance(expr, ast.IfExp):
            self.check(expr.body, seen)
            self.check(expr.orelse, seen)
        elif isinstance(expr, ast.BoolOp):
            for v in expr.values:
                self.check(v, seen)
        elif isinstance(expr, ast.List | ast.Tuple | ast.Set):
            for e in expr.elts:
                self.check(e, seen)
        elif isinstance(expr, ast.ListComp | ast.GeneratorExp | ast.SetComp):
            self.check(expr.elt, seen)
        elif isinstance(expr, ast.Starred):
            self.check(expr.value, seen)
        elif isinstance(expr, ast.Call):
            name = _name(expr.func)
            if name in TRANSLATE:
                return
            if name in ERROR_CODES:  # pydantic's error type, then its message
                for a in expr.args[1:]:
                    self.check(a, seen)
                return
            if name in ("format", "join") and isinstance(expr.func, ast.Attribute):
                receiver = expr.func.value
                if name == "format" or not isinstance(receiver, ast.Constant):
                    self.check(receiver, seen)
                for a in [*expr.args, *(k.value for k in expr.keywords)]:
                    self.check(a, seen)
            elif name in ("str", "printable") or name.endswith(("Error", "Problem", "Mistake")):
                # An error's text; the keywords an error carries besides it (rule=, file=) are code.
                for a in [*expr.args, *(k.value for k in expr.keywords if k.arg in TEXT_KEYWORDS)]:
                    self.check(a, seen)
        elif isinstance(expr, ast.Name) and expr.id not in seen:
            for scope in reversed(self.assigned):
                if expr.id in scope:
                    for value in scope[expr.id]:
                        self.check(value, seen | {expr.id})
                    break

    # -- the sinks ------------------------------------------------------------------------------
    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.assigned.append(self._assignments(node))
        # A function whose name says text: every literal it returns. Any other function: the
        # literals it returns that read as prose (words and a space), since a helper's sentence is
        # handed on (a refusal, a reason) to a finding, an error or a print the flow cannot follow.
        prose = not TEXT_FUNCTION.fullmatch(node.name)
        for each in ast.walk(node):
            if isinstance(each, ast.Return):
                self.prose = prose  # a lone word or a path returned (``"none"``, ``f"{d}/{n}.xml"``) is code
                try:
                    self.check(each.value)
                finally:
                    self.prose = False
        self.generic_visit(node)
        self.assigned.pop()

    visit_FunctionDef = _function
    visit_AsyncFunctionDef = _function

    def visit_Raise(self, node: ast.Raise) -> None:
        exc = node.exc
        if isinstance(exc, ast.Call) and _name(exc.func) not in BUG:
            self.check(exc)
        self.generic_visit(node)

    def visit_Assign(self, node: ast.Assign) -> None:
        if any(isinstance(t, ast.Name) and t.id in TEXT_NAMES for t in node.targets):
            self.check(node.value)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        name = _name(node.func)
        receiver = node.func.value if isinstance(node.func, ast.Attribute) else None
        if name in ("append", "extend") and isinstance(receiver, ast.Name) and receiver.id in TEXT_NAMES:
            for a in node.args:
                self.check(a)
        if (name in SAY or name == "Finding") and node.args:
            self.check(node.args[-1])  # the text comes last (rule.error(location, text), warn(rule, at, text))
        if name in SAY_FIRST and node.args:
            self.check(node.args[0])
        for k in node.keywords:
            if k.arg in TEXT_KEYWORDS:
                self.check(k.value)
        self.generic_visit(node)

    def visit_Module(self, node: ast.Module) -> None:
        # A module's constant that reads as a sentence is said somewhere, maybe in another module
        # (which the flow above does not follow): it is marked N_() and translated where it is said.
        for stmt in node.body:
            if isinstance(stmt, ast.Assign | ast.AnnAssign) and stmt.value is not None:
                for part in ast.walk(stmt.value):
                    if not isinstance(part, ast.Constant) or id(part) in self.code:
                        continue
                    if isinstance(part.value, str) and " " in part.value.strip():
                        self._report(part)
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        # In a reporter or a command, a lone lower-case word or option (``"json"``, ``"--today"``)
        # is a name in code; a person's text there has a space or a capital (sinks see every word).
        if self.output and id(node) not in self.code and not _CODE_WORD.fullmatch(str(node.value)):
            self._report(node)

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        if self.output:
            self.check(node)
        self.generic_visit(node)


@functools.cache
def _help_texts() -> tuple[str, ...]:
    """Every help text of the command line, as written (English), from the parser itself."""
    from pipeline import i18n
    from pipeline.cli.main import build_parser
    from pipeline.i18n.command_line import help_texts

    with i18n.use("en"):
        return tuple(help_texts(build_parser()))


def _in_help(value: str) -> bool:
    if len(value.strip()) < 2:
        return False
    return any(value in text for text in _help_texts())


def scan_source(source: str, file: str) -> list[Untranslated]:
    tree = ast.parse(source, filename=file)
    scan = _Scan(file, tree)
    scan.visit(tree)
    return sorted(set(scan.found))


def modules(package: Path = PACKAGE) -> Iterator[tuple[str, Path]]:
    for path in sorted(package.rglob("*.py")):
        name = path.relative_to(package).as_posix()
        if name not in TOOLS:
            yield name, path


def untranslated(package: Path = PACKAGE) -> list[Untranslated]:
    """Every text in ``package`` that reaches a person without the catalog."""
    found: list[Untranslated] = []
    for name, path in modules(package):
        found += scan_source(path.read_text("utf-8"), name)
    return found


def unused_allowances(package: Path = PACKAGE) -> list[str]:
    """Entries of ``ALLOWED`` that no longer match anything (an allow-list only shrinks)."""
    stale = []
    for name, texts in sorted(ALLOWED.items()):
        path = package / name
        if not path.is_file():
            stale.append(f"pipeline/{name}: no such module")
            continue
        saved = ALLOWED.pop(name)
        try:
            hits = {u.text for u in scan_source(path.read_text("utf-8"), name)}
        finally:
            ALLOWED[name] = saved
        stale += [f"pipeline/{name}: {t!r} is allowed but never reaches a person" for t in sorted(texts - hits)]
    return stale


if __name__ == "__main__":
    for u in untranslated():
        print(u)
