"""The whitelist validator: cheap, clear feedback for the model, not the security boundary.

It parses the program and walks the tree once. Each finding names the line, the rule and what is
allowed instead, so a model can fix its program in one retry. The OS layers hold on their own; the
escape suite runs with this validator switched off too.
"""

from __future__ import annotations

import ast
import string
from dataclasses import dataclass

ALLOWED_MODULES = frozenset(
    {
        "json", "re", "math", "cmath", "statistics", "collections", "itertools", "functools",
        "datetime", "random", "string", "textwrap", "heapq", "bisect", "csv", "io", "decimal",
        "fractions", "operator", "typing", "dataclasses", "enum", "copy", "pprint", "difflib",
        "unicodedata", "hashlib", "base64", "time", "calendar", "uuid", "zlib",
        "numpy", "pandas", "sklearn", "scipy",
    }
)  # fmt: skip
DENIED_SUBMODULES = frozenset(
    {
        "numpy.ctypeslib", "numpy.f2py", "numpy.distutils", "numpy.testing", "numpy.lib.format",
        "pandas.io.clipboard", "pandas.io.clipboards", "pandas.util._tester", "scipy.weave",
        "sklearn.datasets",
    }
)  # fmt: skip
FORBIDDEN_BUILTINS = frozenset(
    {
        "eval", "exec", "compile", "open", "input", "breakpoint", "help", "globals", "locals",
        "vars", "getattr", "setattr", "delattr", "memoryview", "exit", "quit", "license",
        "copyright", "credits",
    }
)  # fmt: skip
FORBIDDEN_ATTRIBUTES = frozenset(
    {
        "format_map", "gi_frame", "gi_code", "gi_yieldfrom", "cr_frame", "cr_code", "cr_await",
        "ag_frame", "ag_code", "ag_await", "f_globals", "f_locals", "f_builtins", "f_back",
        "f_code", "tb_frame", "tb_next", "co_code", "func_globals", "mro", "Formatter",
        "load_library", "dlopen", "system", "popen", "read_pickle", "load", "loads",
        "attrgetter", "methodcaller", "get_field", "eval",
        # modules that allowed packages expose as attributes (``pandas.io.common.os``)
        "os", "sys", "subprocess", "builtins", "importlib", "ctypes", "socket", "shutil",
        "signal", "threading", "multiprocessing", "pickle", "marshal",
    }
)  # fmt: skip
SAFE_LOADERS = frozenset({"json"})  # json.load/json.loads are data-only

MAX_SOURCE_CHARS = 200_000
MAX_NODES = 50_000
MAX_DEPTH = 60


@dataclass(frozen=True)
class Finding:
    """One rule the program breaks."""

    line: int
    rule: str
    message: str
    allowed: str = ""

    def render(self) -> str:
        text = f"line {self.line}: {self.rule}: {self.message}"
        if self.allowed:
            text += f" (allowed instead: {self.allowed})"
        return text


def module_allowed(name: str) -> bool:
    """Whether ``import name`` is on the whitelist (the root is allowed, the path is not denied)."""
    if name.split(".", maxsplit=1)[0] not in ALLOWED_MODULES:
        return False
    parts = name.split(".")
    if any(part.startswith("_") for part in parts):
        return False
    return not any(".".join(parts[: i + 1]) in DENIED_SUBMODULES for i in range(len(parts)))


def imported_modules(program: str) -> list[str]:
    """The whitelisted modules a program imports, in order (the worker pre-imports them)."""
    try:
        tree = ast.parse(program)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.append(node.module)
    return [n for n in dict.fromkeys(names) if module_allowed(n)]


def check(program: str, *, extra_names: frozenset[str] = frozenset()) -> list[Finding]:
    """Every finding, sorted by line; an empty list means the program passes."""
    if len(program) > MAX_SOURCE_CHARS:
        return [
            Finding(
                1,
                "size",
                f"program has {len(program)} characters, more than {MAX_SOURCE_CHARS}",
                "shorter programs; load data through `context`",
            )
        ]
    try:
        tree = ast.parse(program, filename="<program>")
    except SyntaxError as exc:
        return [
            Finding(exc.lineno or 1, "syntax", exc.msg or "invalid syntax", "valid Python 3.11")
        ]
    except (ValueError, RecursionError, MemoryError) as exc:
        return [Finding(1, "syntax", f"cannot parse: {type(exc).__name__}", "simpler expressions")]
    checker = _Checker(extra_names)
    checker.run(tree)
    return sorted(checker.findings, key=lambda f: f.line)


class _Checker:
    def __init__(self, extra_names: frozenset[str]) -> None:
        self.findings: list[Finding] = []
        self._extra = extra_names

    def add(self, node: ast.AST, rule: str, message: str, allowed: str = "") -> None:
        self.findings.append(Finding(getattr(node, "lineno", 1), rule, message, allowed))

    def run(self, tree: ast.AST) -> None:
        stack: list[tuple[ast.AST, int]] = [(tree, 0)]
        count = 0
        while stack:
            node, depth = stack.pop()
            count += 1
            if count > MAX_NODES:
                self.add(node, "size", f"more than {MAX_NODES} syntax nodes", "a smaller program")
                return
            if depth > MAX_DEPTH:
                self.add(node, "depth", f"nesting deeper than {MAX_DEPTH}", "flatter expressions")
                return
            self.visit(node)
            stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))

    def visit(self, node: ast.AST) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                self.check_import(node, alias.name)
                self.check_name(node, alias.asname or "")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                self.add(node, "import", "relative imports are not allowed", _modules_hint())
            else:
                self.check_import(node, node.module or "")
            for alias in node.names:
                self.check_name(node, alias.name)
                self.check_name(node, alias.asname or "")
                if alias.name in FORBIDDEN_ATTRIBUTES and alias.name not in ("load", "loads"):
                    self.add(node, "import", f"`{alias.name}` is not allowed", "public data APIs")
        elif isinstance(node, ast.Name):
            self.check_name(node, node.id)
            if node.id in FORBIDDEN_BUILTINS:
                self.add(
                    node,
                    "builtin",
                    f"`{node.id}` is not available",
                    "plain expressions, `context`, json/io for data",
                )
        elif isinstance(node, ast.Attribute):
            self.check_attribute(node)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            self.check_name(node, node.name)
        elif isinstance(node, ast.arg):
            self.check_name(node, node.arg)
        elif isinstance(node, ast.keyword):
            self.check_name(node, node.arg or "")
        elif isinstance(node, ast.MatchClass):
            for attr in node.kwd_attrs:
                self.check_name(node, attr)
        elif isinstance(node, ast.MatchMapping | ast.MatchStar | ast.MatchAs):
            self.check_name(node, getattr(node, "rest", None) or getattr(node, "name", None) or "")
        elif isinstance(node, ast.ExceptHandler):
            self.check_name(node, node.name or "")
        elif isinstance(node, ast.Global | ast.Nonlocal):
            for name in node.names:
                self.check_name(node, name)

    def check_import(self, node: ast.AST, module: str) -> None:
        if not module_allowed(module):
            self.add(node, "import", f"module `{module}` is not allowed", _modules_hint())

    def check_name(self, node: ast.AST, name: str) -> None:
        if name.startswith("_") and name not in self._extra:
            self.add(
                node,
                "underscore",
                f"names starting with `_` are not allowed (`{name}`)",
                "a name without a leading underscore",
            )

    def check_attribute(self, node: ast.Attribute) -> None:
        attr = node.attr
        if attr.startswith("_"):
            self.add(
                node,
                "underscore",
                f"attributes starting with `_` are not allowed (`.{attr}`)",
                "public attributes and methods",
            )
        elif attr in ("load", "loads") and _root_name(node.value) in SAFE_LOADERS:
            return
        elif attr in FORBIDDEN_ATTRIBUTES:
            self.add(node, "attribute", f"`.{attr}` is not allowed", "public data APIs")
        elif attr == "format" and not _safe_format(node.value):
            self.add(
                node,
                "format",
                "`.format` with attribute or index fields, or on a non-literal string",
                "f-strings, or `.format` on a string literal with plain `{}` fields",
            )


def _root_name(node: ast.expr) -> str:
    return node.id if isinstance(node, ast.Name) else ""


def _safe_format(receiver: ast.expr) -> bool:
    if not (isinstance(receiver, ast.Constant) and isinstance(receiver.value, str)):
        return False
    try:
        fields = [field for _, field, _, _ in string.Formatter().parse(receiver.value) if field]
    except ValueError:
        return False
    return all("." not in f and "[" not in f for f in fields)


def _modules_hint() -> str:
    return ", ".join(sorted(ALLOWED_MODULES))
