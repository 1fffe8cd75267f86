"""Python source → abstract tree, with the standard library's ``ast``.

Module-level functions and classes become signatures (methods and nested classes as ``items``,
annotated class attributes as ``fields``); imports become ``uses``. Bodies are dropped.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from dataclasses import dataclass

from codeloop.errors import UserInputError
from codeloop.knowledge.tree import CodeItem, CodeModule, CodeSignature, FieldDef, Param, ParamKind

__all__ = ["PythonParse", "clean_docstring", "parse_python", "parse_python_module"]


def clean_docstring(
    node: ast.AsyncFunctionDef | ast.FunctionDef | ast.ClassDef | ast.Module,
) -> str:
    """The docstring dedented, without trailing spaces or blank edges (an idempotent form)."""
    raw = ast.get_docstring(node, clean=False)
    if raw is None:
        return ""
    first, *rest = [line.rstrip() for line in inspect.cleandoc(raw).split("\n")]
    text = "\n".join([first, *textwrap.dedent("\n".join(rest)).split("\n")]) if rest else first
    return text.strip("\n")


@dataclass
class PythonParse:
    module: CodeModule


def parse_python(source: str) -> list[CodeItem]:
    """The functions and classes of a Python file, signatures only."""
    return parse_python_module(source, name="module").module.children


def parse_python_module(source: str, *, name: str) -> PythonParse:
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise UserInputError(
            f"not valid Python (line {exc.lineno}): {exc.msg}; fix the file"
        ) from exc
    module = CodeModule(name=name, lang="python", doc=clean_docstring(tree))
    result = PythonParse(module=module)
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            module.uses.append(ast.unparse(node))
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            module.children.append(_item(node))
    return result


def _item(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> CodeSignature:
    if isinstance(node, ast.ClassDef):
        return _class(node)
    return _function(node)


def _unparse(node: ast.expr | None) -> str | None:
    return None if node is None else ast.unparse(node)


def _function(node: ast.FunctionDef | ast.AsyncFunctionDef) -> CodeSignature:
    args = node.args
    params: list[Param] = []
    positional = args.posonlyargs + args.args
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults))
    defaults += list(args.defaults)
    for index, (arg, default) in enumerate(zip(positional, defaults, strict=True)):
        kind: ParamKind = "posonly" if index < len(args.posonlyargs) else "normal"
        params.append(
            Param(name=arg.arg, type=_unparse(arg.annotation), default=_unparse(default), kind=kind)
        )
    if args.vararg is not None:
        params.append(
            Param(name=args.vararg.arg, type=_unparse(args.vararg.annotation), kind="vararg")
        )
    for arg, kw_default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        params.append(
            Param(
                name=arg.arg,
                type=_unparse(arg.annotation),
                default=_unparse(kw_default),
                kind="kwonly",
            )
        )
    if args.kwarg is not None:
        params.append(
            Param(name=args.kwarg.arg, type=_unparse(args.kwarg.annotation), kind="kwarg")
        )
    return CodeSignature(
        kind="fn",
        name=node.name,
        lang="python",
        line=node.lineno,
        doc=clean_docstring(node),
        attributes=[ast.unparse(d) for d in node.decorator_list],
        qualifiers=["async"] if isinstance(node, ast.AsyncFunctionDef) else [],
        params=params,
        returns=_unparse(node.returns),
    )


def _class(node: ast.ClassDef) -> CodeSignature:
    sig = CodeSignature(
        kind="class",
        name=node.name,
        lang="python",
        line=node.lineno,
        doc=clean_docstring(node),
        attributes=[ast.unparse(d) for d in node.decorator_list],
        bounds=[ast.unparse(b) for b in node.bases] + [ast.unparse(k) for k in node.keywords],
    )
    for child in node.body:
        if isinstance(child, ast.AnnAssign) and isinstance(child.target, ast.Name):
            sig.fields.append(
                FieldDef(
                    name=child.target.id,
                    type=ast.unparse(child.annotation),
                    default=_unparse(child.value),
                )
            )
        elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            sig.items.append(_item(child))
    return sig
