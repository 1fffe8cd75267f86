"""Deterministic generation from the graph: target → tree → source, formatted; no model needed.

``fill_bodies`` is the one place a model enters: each placeholder body is handed to the injected
:class:`~codeloop.models.protocol.Model` and the reply (one code block) becomes the body, recorded
in the graph with ``how=generated`` provenance naming the model.
"""

from __future__ import annotations

import re
import time
from importlib import resources
from typing import Literal

from jinja2 import Environment, StrictUndefined
from pydantic import BaseModel, ConfigDict, Field

from codeloop.errors import UserInputError
from codeloop.knowledge.graph import CodeGraph, Provenance
from codeloop.knowledge.python_linearize import linearize_python
from codeloop.knowledge.rust_linearize import linearize_rust
from codeloop.knowledge.templates import TemplateLibrary
from codeloop.knowledge.toolchain import format_python, format_rust
from codeloop.knowledge.tree import CodeItem, CodeModule, CodeSignature, Language
from codeloop.models.protocol import Model
from codeloop.models.types import ModelRequest

__all__ = ["GenerateRequest", "Generated", "Generator", "Scope", "linearize"]

Scope = Literal["fn", "struct", "enum", "trait", "impl", "module", "file"]
_FENCE = re.compile(r"```[\w+-]*\n(.*?)```", re.DOTALL)


class GenerateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    target: str = ""
    scope: Scope = "file"
    lang: Language = "rust"
    template: str | None = None
    params: dict[str, str] = Field(default_factory=dict)
    fill_bodies: bool = False
    format: bool = True


class Generated(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: str
    entities: list[str]
    items: int
    linearize_seconds: float
    format_seconds: float
    filled: int = 0


def linearize(node: CodeItem | list[CodeItem], lang: Language) -> str:
    if lang == "python":
        return linearize_python(node)
    return linearize_rust(node)


def _count(node: CodeItem) -> int:
    if isinstance(node, CodeModule):
        return sum(_count(c) for c in node.children)
    if isinstance(node, CodeSignature):
        return 1 + sum(_count(i) for i in node.items)
    return 1


class Generator:
    """Builds source for a graph target or a template instance."""

    def __init__(
        self, graph: CodeGraph, templates: TemplateLibrary, model: Model | None = None
    ) -> None:
        self._graph = graph
        self._templates = templates
        self._model = model

    def resolve(self, target: str, scope: Scope, lang: Language) -> list[str]:
        """The entities ``target`` names for ``scope`` (an error lists them when ambiguous)."""
        if scope == "impl":
            found = [
                e
                for e in self._graph.entities(kind="impl")
                if self._graph.triples.query(e, "code:self-type", target) or e == target
            ]
        else:
            kind = "module" if scope in ("module", "file") else scope
            found = self._graph.find(target, kind=kind, lang=lang)
            if scope == "fn" and not found:
                found = self._graph.find(target, lang=lang)
                found = [e for e in found if self._graph.kind(e) == "fn"]
        if not found:
            raise UserInputError(
                f"no {scope} {target!r} in the graph; ingest its source with"
                " `codeloop kg ingest PATH`"
                " or list entities with `codeloop kg query --predicate code:kind`"
            )
        if len(found) > 1 and scope != "impl":
            raise UserInputError(
                f"{target!r} names {len(found)} entities: {', '.join(found[:8])};"
                " pass the full path"
            )
        return found

    def tree(self, request: GenerateRequest) -> tuple[list[CodeItem], list[str]]:
        if request.template is not None:
            result = self._templates.instantiate(request.template, request.params)
            return [result.as_module("generated", request.lang)], []
        entities = self.resolve(request.target, request.scope, request.lang)
        nodes = [self._graph.tree(e) for e in entities]
        if request.scope == "module":
            nodes = [n.model_copy(update={"external": False}) for n in nodes]
            module = CodeModule(name="root", lang=request.lang, children=nodes)
            return [module], entities
        return nodes, entities

    async def generate(self, request: GenerateRequest) -> Generated:
        if request.template is not None:
            result = self._templates.instantiate(request.template, request.params)
            if result.source is not None:
                return Generated(
                    source=result.source.rstrip("\n") + "\n",
                    entities=[],
                    items=1,
                    linearize_seconds=0.0,
                    format_seconds=0.0,
                )
        nodes, entities = self.tree(request)
        filled = 0
        if request.fill_bodies:
            if self._model is None:
                raise UserInputError(
                    "--fill-bodies needs a model; configure one (see `codeloop doctor`)"
                )
            nodes, filled = await self._fill(nodes, request.lang)
        started = time.perf_counter()
        if len(nodes) == 1 and isinstance(nodes[0], CodeModule):
            source = linearize(nodes[0], request.lang)
        else:
            source = linearize(nodes, request.lang)
        linearized = time.perf_counter()
        if request.format:
            source = await (
                format_python(source) if request.lang == "python" else format_rust(source)
            )
        return Generated(
            source=source,
            entities=entities,
            items=sum(_count(n) for n in nodes),
            linearize_seconds=linearized - started,
            format_seconds=time.perf_counter() - linearized,
            filled=filled,
        )

    async def _fill(self, nodes: list[CodeItem], lang: Language) -> tuple[list[CodeItem], int]:
        model = self._model
        if model is None:
            raise UserInputError("--fill-bodies needs a model")
        context = linearize(nodes if len(nodes) != 1 else nodes[0], lang)
        env = Environment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)
        prompt = env.from_string(
            (resources.files("codeloop") / "prompts" / "knowledge" / "fill_body.j2").read_text(
                encoding="utf-8"
            )
        )
        filled = 0

        async def visit(item: CodeItem) -> CodeItem:
            nonlocal filled
            if isinstance(item, CodeModule):
                return item.model_copy(update={"children": [await visit(c) for c in item.children]})
            if not isinstance(item, CodeSignature):
                return item
            if item.items:
                item = item.model_copy(update={"items": [await visit(c) for c in item.items]})
            if item.kind != "fn" or item.body is not None or item.declaration:
                return item
            signature = linearize(item, lang)
            reply = await model.complete(
                ModelRequest.of(
                    prompt.render(lang=lang, context=context, signature=signature), temperature=0.0
                )
            )
            match = _FENCE.search(reply.text)
            body = (match.group(1) if match else reply.text).strip()
            if not body:
                return item
            filled += 1
            if item.entity is not None:
                self._graph.set(
                    item.entity,
                    "code:body",
                    body,
                    Provenance(how="generated", detail={"model": reply.model}),
                )
            return item.model_copy(update={"body": body})

        return [await visit(n) for n in nodes], filled
