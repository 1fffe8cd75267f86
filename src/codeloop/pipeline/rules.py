"""Checkable pattern rules: each rule names a real check (AST, ruff, regex on code without
comments) and its arguments. A rule either holds for the code or it does not.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from codeloop.lang.protocol import LanguageSupport

__all__ = ["CHECKS", "check_rule", "strip_comments"]

CheckFn = Callable[[str, Mapping[str, Any], LanguageSupport], Awaitable[bool]]


def strip_comments(code: str, language: str) -> str:
    """Code without comments (line and block), so regex rules do not match prose."""
    if language == "python":
        return re.sub(r"(?m)#.*$", "", code)
    code = re.sub(r"/\*.*?\*/", "", code, flags=re.DOTALL)
    return re.sub(r"(?m)(?<!:)//(?![/!]).*$", "", code)


def _tree(code: str) -> ast.Module | None:
    try:
        return ast.parse(code)
    except SyntaxError:
        return None


def _functions(tree: ast.AST) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    return [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    if isinstance(node, ast.Call):
        return _dotted(node.func)
    if isinstance(node, ast.Subscript):
        return _dotted(node.value)
    return ""


async def _annotated(code: str, args: Mapping[str, Any], lang: LanguageSupport) -> bool:
    tree = _tree(code)
    if tree is None:
        return False
    for func in _functions(tree):
        params = [*func.args.posonlyargs, *func.args.args, *func.args.kwonlyargs]
        params = [p for p in params if p.arg not in ("self", "cls")]
        if func.returns is None and func.name != "__init__":
            return False
        if any(p.annotation is None for p in params):
            return False
    return True


async def _docstring(code: str, args: Mapping[str, Any], lang: LanguageSupport) -> bool:
    tree = _tree(code)
    if tree is None:
        return False
    target = args.get("target", "public")
    if target == "module":
        return ast.get_docstring(tree) is not None
    nodes: list[ast.AST] = [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        and not n.name.startswith("_")
    ]
    if target == "classes":
        nodes = [n for n in nodes if isinstance(n, ast.ClassDef)]
    return bool(nodes) and all(
        ast.get_docstring(n) is not None  # type: ignore[arg-type]
        for n in nodes
    )


async def _forbidden_call(code: str, args: Mapping[str, Any], lang: LanguageSupport) -> bool:
    tree = _tree(code)
    if tree is None:
        return False
    names = set(args.get("names", []))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            dotted = _dotted(node.func)
            if dotted in names:
                return False
    return True


async def _has_class(code: str, args: Mapping[str, Any], lang: LanguageSupport) -> bool:
    tree = _tree(code)
    if tree is None:
        return False
    base = args.get("base")
    minimum = int(args.get("min", 1))
    classes = [n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]
    if base:
        classes = [c for c in classes if any(_dotted(b).endswith(base) for b in c.bases)]
    return len(classes) >= minimum


async def _has_function(code: str, args: Mapping[str, Any], lang: LanguageSupport) -> bool:
    tree = _tree(code)
    if tree is None:
        return False
    pattern = re.compile(args.get("name", ".*"))
    want_async = args.get("async")
    for func in _functions(tree):
        if not pattern.fullmatch(func.name):
            continue
        if want_async is None or want_async == isinstance(func, ast.AsyncFunctionDef):
            return True
    return False


async def _decorator(code: str, args: Mapping[str, Any], lang: LanguageSupport) -> bool:
    tree = _tree(code)
    if tree is None:
        return False
    wanted = args.get("name", "")
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and any(
            _dotted(d).endswith(wanted) for d in node.decorator_list
        ):
            return True
    return False


async def _imports(code: str, args: Mapping[str, Any], lang: LanguageSupport) -> bool:
    tree = _tree(code)
    if tree is None:
        return False
    module = args["module"]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(
            a.name == module or a.name.startswith(module + ".") for a in node.names
        ):
            return True
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == module:
            return True
    return False


async def _no_bare_except(code: str, args: Mapping[str, Any], lang: LanguageSupport) -> bool:
    tree = _tree(code)
    if tree is None:
        return False
    for node in ast.walk(tree):
        if isinstance(node, ast.ExceptHandler):
            if node.type is None:
                return False
            if _dotted(node.type) in ("Exception", "BaseException") and not any(
                isinstance(n, ast.Raise) for n in ast.walk(node)
            ):
                return False
    return True


async def _handles_errors(code: str, args: Mapping[str, Any], lang: LanguageSupport) -> bool:
    tree = _tree(code)
    if tree is None:
        return False
    return any(isinstance(n, ast.Try | ast.Raise) for n in ast.walk(tree))


async def _ruff_clean(code: str, args: Mapping[str, Any], lang: LanguageSupport) -> bool:
    result = await lang.lint(code)
    prefixes = tuple(args.get("codes", []))
    found = [d for d in result.diagnostics if not prefixes or d.code.startswith(prefixes)]
    return result.available and not found


async def _requires(code: str, args: Mapping[str, Any], lang: LanguageSupport) -> bool:
    text = strip_comments(code, lang.name)
    minimum = int(args.get("min", 1))
    return len(re.findall(args["pattern"], text, flags=re.MULTILINE)) >= minimum


async def _forbids(code: str, args: Mapping[str, Any], lang: LanguageSupport) -> bool:
    text = strip_comments(code, lang.name)
    if args.get("outside_tests"):
        text = re.split(r"#\[cfg\(test\)\]", text)[0]
    return re.search(args["pattern"], text, flags=re.MULTILINE) is None


async def _doc_comments(code: str, args: Mapping[str, Any], lang: LanguageSupport) -> bool:
    """Every ``pub`` item (Rust) or ``export`` (TypeScript) is preceded by a doc comment."""
    lines = code.splitlines()
    keyword = re.compile(
        r"^\s*pub (fn|struct|enum|trait)\b" if lang.name == "rust" else r"^export "
    )
    marker = "///" if lang.name == "rust" else ("*/", "//")
    items = 0
    for index, line in enumerate(lines):
        if not keyword.match(line):
            continue
        items += 1
        above = index - 1
        while above >= 0 and lines[above].strip().startswith("#["):
            above -= 1
        if above < 0 or not lines[above].strip().startswith(marker):
            return False
    return items > 0


async def _lint_clean(code: str, args: Mapping[str, Any], lang: LanguageSupport) -> bool:
    result = await lang.lint(code)
    return result.available and not result.diagnostics


CHECKS: dict[str, CheckFn] = {
    "python.annotated": _annotated,
    "python.docstring": _docstring,
    "python.forbidden_call": _forbidden_call,
    "python.has_class": _has_class,
    "python.has_function": _has_function,
    "python.decorator": _decorator,
    "python.imports": _imports,
    "python.no_bare_except": _no_bare_except,
    "python.handles_errors": _handles_errors,
    "python.ruff_clean": _ruff_clean,
    "source.requires": _requires,
    "source.forbids": _forbids,
    "source.doc_comments": _doc_comments,
    "lint.clean": _lint_clean,
}


async def check_rule(check: str, code: str, args: Mapping[str, Any], lang: LanguageSupport) -> bool:
    return await CHECKS[check](code, args, lang)
