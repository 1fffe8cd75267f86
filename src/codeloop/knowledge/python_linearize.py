"""Abstract tree → Python source. Placeholder bodies raise ``NotImplementedError``."""

from __future__ import annotations

from collections.abc import Iterable

from codeloop.knowledge.tree import CodeItem, CodeModule, CodeSignature, DataFlow, Param

__all__ = ["linearize_python", "python_string_literal"]

_INDENT = "    "


def linearize_python(node: CodeItem | Iterable[CodeItem]) -> str:
    """Python source for one item, a module, or several items (two blank lines between)."""
    lines: list[str] = []
    if isinstance(node, CodeModule):
        _module(node, lines)
    elif isinstance(node, CodeSignature | DataFlow):
        _item(node, lines, "")
    else:
        for index, item in enumerate(node):
            if index:
                lines.extend(["", ""])
            _item(item, lines, "")
    return "\n".join(lines) + "\n"


def python_string_literal(text: str, pad: str) -> str:
    """A triple-quoted literal whose value, cleaned like a docstring, is ``text``."""
    escaped: list[str] = []
    for char in text:
        if char == "\\":
            escaped.append("\\\\")
        elif char in {"\n", "\t"}:
            escaped.append(char)
        elif ord(char) < 32 or ord(char) == 127:
            escaped.append(f"\\x{ord(char):02x}")
        else:
            escaped.append(char)
    body = "".join(escaped).replace('"""', '\\"\\"\\"')
    if body.endswith('"'):
        body = body[:-1] + '\\"'
    lines = body.split("\n")
    indented = [lines[0]] + [f"{pad}{line}" if line.strip() else "" for line in lines[1:]]
    closing = f"\n{pad}" if len(lines) > 1 else ""
    return '"""' + "\n".join(indented) + closing + '"""'


def _module(module: CodeModule, lines: list[str]) -> None:
    if module.doc:
        lines.append(python_string_literal(module.doc, ""))
    lines.extend(_import(path) for path in module.uses)
    for index, child in enumerate(module.children):
        if index or module.uses or module.doc:
            lines.extend(["", ""])
        _item(child, lines, "")


def _import(path: str) -> str:
    if path.startswith(("import ", "from ")):
        return path
    head, _, name = path.rpartition(".")
    return f"from {head} import {name}" if head else f"import {name}"


def _item(item: CodeItem, lines: list[str], pad: str) -> None:
    if isinstance(item, CodeModule):
        raise ValueError("a Python module cannot be nested inside a file")
    if isinstance(item, DataFlow):
        _flow(item, lines, pad)
        return
    lines.extend(f"{pad}@{d}" for d in item.attributes)
    if item.kind == "class":
        _class(item, lines, pad)
    else:
        _function(item, lines, pad)


def _params(params: list[Param]) -> str:
    parts: list[str] = []
    seen_star = any(p.kind == "vararg" for p in params)
    for index, p in enumerate(params):
        text = p.name
        if p.kind == "vararg":
            text = "*" + text
        elif p.kind == "kwarg":
            text = "**" + text
        elif p.kind == "kwonly" and not seen_star:
            parts.append("*")
            seen_star = True
        if p.type is not None:
            text += f": {p.type}"
        if p.default is not None:
            text += f" = {p.default}" if p.type is not None else f"={p.default}"
        parts.append(text)
        following = params[index + 1] if index + 1 < len(params) else None
        if p.kind == "posonly" and (following is None or following.kind != "posonly"):
            parts.append("/")
    return ", ".join(parts)


def _function(sig: CodeSignature, lines: list[str], pad: str) -> None:
    keyword = "async def" if "async" in sig.qualifiers else "def"
    head = f"{pad}{keyword} {sig.name}({_params(sig.params)})"
    if sig.returns is not None:
        head += f" -> {sig.returns}"
    lines.append(head + ":")
    inner = pad + _INDENT
    if sig.doc:
        lines.append(inner + python_string_literal(sig.doc, inner))
    body = sig.body if sig.body is not None else "raise NotImplementedError"
    lines.extend(f"{inner}{line}" if line else "" for line in body.split("\n"))


def _class(sig: CodeSignature, lines: list[str], pad: str) -> None:
    bases = f"({', '.join(sig.bounds)})" if sig.bounds else ""
    lines.append(f"{pad}class {sig.name}{bases}:")
    inner = pad + _INDENT
    empty = True
    if sig.doc:
        lines.append(inner + python_string_literal(sig.doc, inner))
        empty = False
    if sig.fields:
        if not empty:
            lines.append("")
        for f in sig.fields:
            default = f" = {f.default}" if f.default is not None else ""
            lines.append(f"{inner}{f.name}: {f.type}{default}")
        empty = False
    for member in sig.items:
        if not empty:
            lines.append("")
        _item(member, lines, inner)
        empty = False
    if empty:
        lines.append(f"{inner}pass")


def _flow(flow: DataFlow, lines: list[str], pad: str) -> None:
    lines.append(f"{pad}# data flow `{flow.name}`: {flow.source}")
    lines.extend(f"{pad}#   -> {s.op}({s.arg})" for s in flow.steps)
    if flow.sink:
        lines.append(f"{pad}#   -> {flow.sink}")
