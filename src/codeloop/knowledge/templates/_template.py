"""A template: a tree fragment (JSON shaped like the abstract tree) with typed holes.

String leaves are Jinja2 expressions over the hole values (``"{{ Type }}Builder"``). Inside lists,
four directives expand into zero or more elements:

- ``{"$each": "fields", "$as": "f", "$item": …, "$if": "expr"}`` repeats ``$item`` per element;
- ``{"$when": "expr", "$item": …}`` keeps ``$item`` when the expression is true;
- ``{"$include": "other-template", "params": {…}}`` splices another template's items (composition);
- ``{"$splice": "hole"}`` splices a hole holding tree nodes (``fn_list``), ``{"$stubs": "hole"}``
  the method stubs of the standard trait named by a hole.

A ``form="source"`` template (what library learning produces) has a body of source-text segments
instead: literal strings and ``{"$hole": "name"}`` markers, joined into code that must parse; the
continuation lines of a multi-line hole value are indented like the line the hole sits on.
``origin`` records where a template came from (``how: learned``, the engine, uses, examples).
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any, Literal

from jinja2 import StrictUndefined, TemplateError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from codeloop.errors import UserInputError
from codeloop.knowledge.rust_parse import parse_rust, rust_syntax_errors
from codeloop.knowledge.templates._holes import HoleKind, parse_hole
from codeloop.knowledge.tree import CodeItem, CodeModule, CodeSignature

__all__ = ["Hole", "Template", "TemplateResult", "std_trait_stubs"]

_ITEM = TypeAdapter(CodeItem)
Resolver = Callable[[str], "Template"]

_STD_TRAITS = {
    "Display": "fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result;",
    "Debug": "fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result;",
    "Default": "fn default() -> Self;",
    "Clone": "fn clone(&self) -> Self;",
    "PartialEq": "fn eq(&self, other: &Self) -> bool;",
    "PartialOrd": "fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering>;",
    "Ord": "fn cmp(&self, other: &Self) -> std::cmp::Ordering;",
    "Hash": "fn hash<H: std::hash::Hasher>(&self, state: &mut H);",
    "Drop": "fn drop(&mut self);",
    "From": "fn from(value: {0}) -> Self;",
    "AsRef": "fn as_ref(&self) -> &{0};",
    "FromStr": "type Err = String; fn from_str(s: &str) -> Result<Self, Self::Err>;",
    "Iterator": "type Item = {0}; fn next(&mut self) -> Option<Self::Item>;",
}


def std_trait_stubs(trait: str) -> list[CodeSignature]:
    """Required items of a well-known std trait (``From<u8>`` → ``fn from(value: u8) -> Self``)."""
    base, _, args = trait.partition("<")
    text = _STD_TRAITS.get(base.rsplit("::", 1)[-1])
    if text is None:
        return []
    parsed = parse_rust("trait _T {" + text.format(args.removesuffix(">") or "()") + "}")
    items = parsed[0].items if isinstance(parsed[0], CodeSignature) else []
    return [i.model_copy(update={"declaration": False} if i.kind == "fn" else {}) for i in items]


@cache
def _env() -> SandboxedEnvironment:
    return SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)


class Hole(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    kind: HoleKind
    default: str | None = None
    doc: str = ""


class TemplateResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[CodeItem]
    uses: list[str] = Field(default_factory=list)
    source: str | None = None
    """The code of a ``form="source"`` template (``items`` is then empty)."""

    def as_module(self, name: str, lang: Literal["rust", "python"] = "rust") -> CodeModule:
        return CodeModule(name=name, lang=lang, uses=self.uses, children=self.items)


class Template(BaseModel):
    """A named, parameterised tree fragment."""

    model_config = ConfigDict(extra="forbid")

    name: str
    description: str
    lang: Literal["rust", "python"] = "rust"
    holes: list[Hole] = Field(default_factory=list)
    uses: list[str] = Field(default_factory=list)
    requires: list[str] = Field(default_factory=list)
    form: Literal["tree", "source"] = "tree"
    origin: dict[str, Any] = Field(default_factory=dict)
    body: list[Any]

    @property
    def includes(self) -> list[str]:
        found: list[str] = []
        _collect_includes(self.body, found)
        return sorted(set(found))

    def bind(self, params: Mapping[str, str]) -> dict[str, Any]:
        """Hole values from ``params`` and defaults, parsed and checked by kind."""
        known = {h.name for h in self.holes}
        unknown = sorted(set(params) - known)
        if unknown:
            raise UserInputError(
                f"template {self.name!r} has no parameter {', '.join(unknown)};"
                f" its parameters are: {', '.join(sorted(known)) or 'none'}"
            )
        values: dict[str, Any] = {}
        raw: dict[str, str] = {}
        for hole in self.holes:
            if hole.name in params:
                text = params[hole.name]
            elif hole.default is not None:
                text = _render(hole.default, raw)
            else:
                raise UserInputError(
                    f"template {self.name!r} needs --param {hole.name}=… ({hole.kind.value}"
                    + (f": {hole.doc}" if hole.doc else "")
                    + ")"
                )
            raw[hole.name] = text
            values[hole.name] = parse_hole(hole.name, hole.kind, text)
        return values

    def instantiate(self, params: Mapping[str, str], resolve: Resolver) -> TemplateResult:
        """The tree this template gives for ``params``; ``resolve`` looks up included templates."""
        return self._instantiate(params, resolve, depth=0)

    def _instantiate(
        self, params: Mapping[str, str], resolve: Resolver, depth: int
    ) -> TemplateResult:
        if depth > 8:
            raise UserInputError(
                f"template {self.name!r} includes itself (through another template)"
            )
        context = self.bind(params)
        if self.form == "source":
            return TemplateResult(items=[], uses=list(self.uses), source=self._source(context))
        uses = list(self.uses)
        expanded = _expand_list(self.body, context, resolve, uses, depth)
        items: list[CodeItem] = []
        for fragment in expanded:
            try:
                items.append(_ITEM.validate_python(fragment))
            except ValidationError as exc:
                raise UserInputError(
                    f"template {self.name!r} produced an invalid tree: {exc.errors()[0]['msg']}"
                    f" at {exc.errors()[0]['loc']}"
                ) from exc
        return TemplateResult(items=items, uses=list(dict.fromkeys(uses)))

    def _source(self, context: Mapping[str, Any]) -> str:
        parts: list[str] = []
        for segment in self.body:
            if isinstance(segment, str):
                parts.append(segment)
            elif isinstance(segment, dict) and "$hole" in segment:
                line = "".join(parts).rpartition("\n")[2]
                indent = line[: len(line) - len(line.lstrip(" "))]
                parts.append(str(context[segment["$hole"]]).replace("\n", "\n" + indent))
            else:
                raise UserInputError(
                    f"template {self.name!r}: a source segment must be text or {{'$hole': name}}"
                )
        text = "".join(parts)
        if not _parses(text, self.lang):
            raise UserInputError(
                f"template {self.name!r} gave code that does not parse as {self.lang}:"
                f" {text[:80]!r}; check the --param values"
            )
        return text


def _parses(text: str, lang: Literal["rust", "python"]) -> bool:
    """Whether ``text`` is a whole program, or a fragment of a function body, in ``lang``."""
    if lang == "python":
        try:
            ast.parse(text)
        except SyntaxError:
            try:
                ast.parse("def _f():\n" + "".join("    " + ln for ln in text.splitlines(True)))
            except SyntaxError:
                return False
        return True
    return any(
        not rust_syntax_errors(wrapped)
        for wrapped in (text, f"fn _f() {{\n{text}\n}}", f"fn _f() {{\n{text};\n}}")
    )


def _collect_includes(node: Any, found: list[str]) -> None:
    if isinstance(node, dict):
        if "$include" in node:
            found.append(node["$include"])
        for value in node.values():
            _collect_includes(value, found)
    elif isinstance(node, list):
        for value in node:
            _collect_includes(value, found)


def _render(text: str, context: Mapping[str, Any]) -> str:
    if "{" not in text:
        return text
    try:
        return _env().from_string(text).render(**context)
    except UndefinedError as exc:
        raise UserInputError(f"template refers to an unknown hole: {exc.message}") from exc
    except TemplateError as exc:
        raise UserInputError(f"template text {text[:60]!r} is not valid: {exc}") from exc


def _truthy(expr: str, context: Mapping[str, Any]) -> bool:
    try:
        return bool(_env().compile_expression(expr, undefined_to_none=False)(**context))
    except TemplateError as exc:
        raise UserInputError(f"template condition {expr!r} is not valid: {exc}") from exc


def _expand(
    node: Any, context: dict[str, Any], resolve: Resolver, uses: list[str], depth: int
) -> Any:
    if isinstance(node, str):
        return _render(node, context)
    if isinstance(node, list):
        return _expand_list(node, context, resolve, uses, depth)
    if isinstance(node, dict):
        return {k: _expand(v, context, resolve, uses, depth) for k, v in node.items()}
    return node


def _expand_list(
    nodes: list[Any], context: dict[str, Any], resolve: Resolver, uses: list[str], depth: int
) -> list[Any]:
    out: list[Any] = []
    for node in nodes:
        if not isinstance(node, dict) or not any(k.startswith("$") for k in node):
            out.append(_expand(node, context, resolve, uses, depth))
            continue
        if "$each" in node:
            name = node.get("$as", "item")
            for element in context.get(node["$each"]) or []:
                inner = {**context, name: element}
                if "$if" in node and not _truthy(node["$if"], inner):
                    continue
                rest = {k: v for k, v in node.items() if k not in ("$each", "$as", "$if")}
                out.extend(_expand_list([rest], inner, resolve, uses, depth))
            continue
        if "$item" in node:
            if "$when" not in node or _truthy(node["$when"], context):
                out.append(_expand(node["$item"], context, resolve, uses, depth))
            continue
        if "$include" in node:
            other = resolve(node["$include"])
            params = {k: _render(str(v), context) for k, v in node.get("params", {}).items()}
            result = other._instantiate(params, resolve, depth + 1)
            uses.extend(result.uses)
            out.extend(item.model_dump(mode="json", exclude_none=False) for item in result.items)
            continue
        if "$splice" in node:
            out.extend(context.get(node["$splice"]) or [])
            continue
        if "$stubs" in node:
            if "$when" in node and not _truthy(node["$when"], context):
                continue
            stubs = std_trait_stubs(str(context[node["$stubs"]]))
            out.extend(s.model_dump(mode="json") for s in stubs)
            continue
        raise UserInputError(f"unknown template directive in {sorted(node)}")
    return out
