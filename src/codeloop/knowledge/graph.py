"""The code graph: the abstract tree stored as ``code:*`` triples with provenance.

Entities are keyed by qualified path (``rust:demo::shapes::Circle``, ``py:json.decoder.Decoder``);
an impl block is ``<module>::<impl Trait for Type>`` and its methods live under it. Params, fields,
variants and generic parameters are nodes of their own (``<item>#param0``, ``<item>#field.x``), each
with a name, a type and a ``code:position``. Multi-valued facts (derives, attributes, bounds, where
predicates, ``use`` paths) keep the order in which they were added.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from codeloop.errors import UserInputError
from codeloop.knowledge.tree import (
    CodeItem,
    CodeModule,
    CodeSignature,
    DataFlow,
    FieldDef,
    FlowStep,
    GenericParam,
    Param,
    Variant,
)
from codeloop.store import Triple, TripleStore

__all__ = ["CodeGraph", "Provenance"]

How = Literal["ingested", "generated", "refined", "learned", "template", "user"]

KIND = "code:kind"
NAME = "code:name"
POSITION = "code:position"
CONTAINS = "code:contains"
PARAM = "code:param"
FIELD = "code:field"
VARIANT = "code:variant"
GENERIC = "code:generic"
STEP = "code:step"

# Single-valued scalar attributes: tree attribute → predicate.
_SCALARS = {
    "lang": "code:lang",
    "visibility": "code:visibility",
    "doc": "code:doc",
    "returns": "code:return-type",
    "form": "code:form",
    "trait": "code:implements",
    "self_type": "code:self-type",
    "body": "code:body",
    "type": "code:type",
    "default": "code:default",
    "discriminant": "code:discriminant",
    "role": "code:role",
    "source": "code:source",
    "sink": "code:sink",
    "op": "code:op",
    "arg": "code:arg",
}
_FLAGS = {"declaration": "code:declaration", "external": "code:external"}
# Ordered multi-valued attributes.
_LISTS = {
    "attributes": "code:attribute",
    "derives": "code:derives",
    "qualifiers": "code:qualifier",
    "where": "code:where",
    "bounds": "code:bound",
    "uses": "code:depends-on",
    "reexports": "code:reexports",
}


class Provenance(BaseModel):
    """Where a fact came from: a source file and line, or how it was derived."""

    model_config = ConfigDict(extra="forbid")

    how: How
    source: str | None = None
    line: int | None = None
    detail: dict[str, Any] | None = None

    def at(self, line: int | None) -> dict[str, Any]:
        data = self.model_dump(exclude_none=True)
        if line is not None:
            data["line"] = line
        return data


class CodeGraph:
    """Read and write code trees as facts in a :class:`~codeloop.store.TripleStore`."""

    def __init__(self, triples: TripleStore) -> None:
        self.triples = triples

    # writing ---------------------------------------------------------------------------------
    def put(self, item: CodeItem, entity: str, provenance: Provenance) -> int:
        """Store ``item`` and everything below it as ``entity``; returns how many facts were new."""
        facts: list[Triple] = []
        self._emit(item, entity, provenance, facts, item.line)
        return self.triples.add(facts)

    def put_child(
        self, parent: str, item: CodeItem, provenance: Provenance, *, position: int | None = None
    ) -> str:
        """Add ``item`` under ``parent`` (module, impl, trait, class) at the end or ``position``."""
        entity = self._fresh(child_id(parent, item))
        existing = self.children(parent)
        index = len(existing) if position is None else position
        for later, child in enumerate(existing[index:], start=index + 1):
            self.set(child, POSITION, str(later), provenance)
        self.put(item, entity, provenance)
        self.triples.add(
            [
                Triple(
                    subject=parent,
                    predicate=CONTAINS,
                    object=entity,
                    provenance=provenance.at(None),
                ),
                Triple(
                    subject=entity,
                    predicate=POSITION,
                    object=str(index),
                    provenance=provenance.at(None),
                ),
            ]
        )
        return entity

    def replace(self, entity: str, item: CodeItem, provenance: Provenance) -> None:
        """Swap the facts of ``entity`` for those of ``item``, keeping its place in its parent."""
        parent = self.parent(entity)
        position = self._value(entity, POSITION)
        self.remove(entity)
        self.put(item, entity, provenance)
        if parent is not None:
            meta = provenance.at(None)
            self.triples.add(
                [
                    Triple(subject=parent, predicate=CONTAINS, object=entity, provenance=meta),
                    Triple(
                        subject=entity, predicate=POSITION, object=position or "0", provenance=meta
                    ),
                ]
            )

    def _fresh(self, entity: str) -> str:
        candidate, n = entity, 1
        while self.triples.query(candidate, KIND, limit=1):
            n += 1
            candidate = f"{entity}[{n}]"
        return candidate

    def set(self, entity: str, predicate: str, value: str | None, provenance: Provenance) -> None:
        """Replace the single value of ``predicate`` on ``entity`` (``None`` removes it)."""
        self.triples.remove(entity, predicate)
        if value is not None:
            self.triples.add(
                [
                    Triple(
                        subject=entity,
                        predicate=predicate,
                        object=value,
                        provenance=provenance.at(None),
                    )
                ]
            )

    def add(self, entity: str, predicate: str, value: str, provenance: Provenance) -> bool:
        """Add one fact; ``False`` when it was already there."""
        triple = Triple(
            subject=entity, predicate=predicate, object=value, provenance=provenance.at(None)
        )
        return self.triples.add([triple]) == 1

    def remove(self, entity: str) -> int:
        """Remove an entity, its nodes and children, and every edge pointing at it."""
        removed = 0
        for child in self.children(entity):
            removed += self.remove(child)
        removed += self.triples.remove(entity)
        removed += self.triples.remove_prefix(entity + "#")
        for edge in self.triples.query(object=entity):
            removed += self.triples.remove_fact(edge.subject, edge.predicate, edge.object)
        return removed

    def _emit(
        self, node: Any, entity: str, prov: Provenance, out: list[Triple], line: int | None
    ) -> None:
        fields = type(node).model_fields
        values = node.__dict__
        line = values["line"] if values.get("line") is not None else line
        meta = prov.at(line)

        def fact(predicate: str, value: str, subject: str = entity) -> None:
            out.append(
                Triple.model_construct(
                    subject=subject, predicate=predicate, object=value, provenance=meta
                )
            )

        kind = values.get("kind")
        item = isinstance(node, CodeSignature | CodeModule | DataFlow)
        if kind is not None and (item or kind != fields["kind"].default):
            fact(KIND, kind)
        if "name" in values:
            fact(NAME, values["name"])
        for attr, predicate in _SCALARS.items():
            value = values.get(attr)
            if value is None or value == "" or value == fields[attr].default:
                continue
            fact(predicate, value)
        for attr, predicate in _FLAGS.items():
            if values.get(attr):
                fact(predicate, "true")
        for attr, predicate in _LISTS.items():
            for value in values.get(attr) or ():
                fact(predicate, value)
        for label, predicate, attr in (
            ("param", PARAM, "params"),
            ("generic", GENERIC, "generics"),
            ("step", STEP, "steps"),
        ):
            for index, sub in enumerate(values.get(attr) or ()):
                sub_id = f"{entity}#{label}{index}"
                fact(predicate, sub_id)
                fact(POSITION, str(index), sub_id)
                self._emit(sub, sub_id, prov, out, line)
        named = (("field", FIELD, "fields"), ("variant", VARIANT, "variants"))
        for label, predicate, attr in named:
            seen: set[str] = set()
            for index, sub in enumerate(values.get(attr) or ()):
                sub_id = _unique(f"{entity}#{label}.{sub.name}", seen)
                fact(predicate, sub_id)
                fact(POSITION, str(index), sub_id)
                self._emit(sub, sub_id, prov, out, line)
        children = values.get("items") or values.get("children") or ()
        taken: set[str] = set()
        for index, child in enumerate(children):
            child_id = child_id_for(entity, child, taken)
            fact(CONTAINS, child_id)
            fact(POSITION, str(index), child_id)
            if item and kind == "impl":
                fact("code:method-of", entity, child_id)
            self._emit(child, child_id, prov, out, None)

    # reading ---------------------------------------------------------------------------------
    def exists(self, entity: str) -> bool:
        return bool(self.triples.query(entity, KIND, limit=1))

    def facts(self, entity: str) -> list[Triple]:
        return self.triples.query(entity)

    def children(self, entity: str) -> list[str]:
        ids = [t.object for t in self.triples.query(entity, CONTAINS)]
        return sorted(ids, key=lambda e: int(self._value(e, POSITION) or 0))

    def _value(self, entity: str, predicate: str) -> str | None:
        rows = self.triples.query(entity, predicate, limit=1)
        return rows[0].object if rows else None

    def kind(self, entity: str) -> str | None:
        return self._value(entity, KIND)

    def parent(self, entity: str) -> str | None:
        rows = self.triples.query(predicate=CONTAINS, object=entity, limit=1)
        return rows[0].subject if rows else None

    def find(self, target: str, *, kind: str | None = None, lang: str | None = None) -> list[str]:
        """Entities whose id is ``target`` or ends with ``::target`` / ``.target``."""
        if self.exists(target):
            return [target]
        found = {
            t.subject
            for t in self.triples.query(predicate=NAME, object=re.split(r"::|\.", target)[-1])
        }
        matches = [
            e
            for e in found
            if "#" not in e
            and (e.endswith(f"::{target}") or e.endswith(f".{target}") or e.endswith(f":{target}"))
        ]
        if kind is not None:
            matches = [e for e in matches if self.kind(e) == kind]
        if lang is not None:
            matches = [e for e in matches if e.startswith(f"{'py' if lang == 'python' else lang}:")]
        return sorted(matches)

    def entities(self, *, kind: str | None = None, prefix: str = "") -> list[str]:
        rows = (
            self.triples.query(predicate=KIND, object=kind)
            if kind
            else self.triples.query(predicate=KIND)
        )
        return sorted(
            {t.subject for t in rows if t.subject.startswith(prefix) and "#" not in t.subject}
        )

    def tree(self, entity: str) -> CodeItem:
        """Rebuild the tree of ``entity`` from its facts (one range query for the whole subtree)."""
        grouped: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        for subject, predicate, value in self.triples.rows_with_prefix(entity):
            grouped[subject][predicate].append(value)
        if KIND not in grouped.get(entity, {}):
            raise UserInputError(
                f"no code entity {entity!r} in the graph; list them with `codeloop kg query`"
            )
        node: CodeItem = _build(grouped, entity)
        return node

    def signature(self, entity: str) -> CodeSignature:
        node = self.tree(entity)
        if not isinstance(node, CodeSignature):
            raise UserInputError(f"{entity!r} is a {node.kind}, not an item; use --scope module")
        return node

    def module(self, entity: str) -> CodeModule:
        node = self.tree(entity)
        if not isinstance(node, CodeModule):
            raise UserInputError(
                f"{entity!r} is a {node.kind}, not a module; use --scope {node.kind}"
            )
        return node

    def stats(self) -> dict[str, int]:
        rows = self.triples.query(predicate=KIND)
        counts: dict[str, int] = defaultdict(int)
        for t in rows:
            if "#" not in t.subject:
                counts[t.object] += 1
        return dict(sorted(counts.items()))


def child_id(parent: str, item: CodeItem) -> str:
    if isinstance(item, CodeSignature) and item.kind == "impl":
        return f"{parent}::<{item.name}>"
    separator = "." if parent.startswith("py:") else "::"
    return f"{parent}{separator}{item.name}"


def child_id_for(parent: str, item: CodeItem, taken: set[str]) -> str:
    return _unique(child_id(parent, item), taken)


def _unique(base: str, taken: set[str]) -> str:
    """``base``, or ``base[2]``, ``base[3]``… when items share a name (``#[cfg]`` twins)."""
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}[{n}]"
    taken.add(candidate)
    return candidate


def _one(facts: dict[str, list[str]], predicate: str) -> str | None:
    values = facts.get(predicate)
    return values[0] if values else None


def _scalars(facts: dict[str, list[str]], names: Iterable[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for attr in names:
        if attr in _SCALARS and (value := _one(facts, _SCALARS[attr])) is not None:
            out[attr] = value
        elif attr in _FLAGS and _one(facts, _FLAGS[attr]) == "true":
            out[attr] = True
        elif attr in _LISTS and _LISTS[attr] in facts:
            out[attr] = list(facts[_LISTS[attr]])
    return out


def _ordered(grouped: dict[str, dict[str, list[str]]], ids: list[str]) -> list[str]:
    return sorted(ids, key=lambda e: int(_one(grouped.get(e, {}), POSITION) or 0))


def _build(grouped: dict[str, dict[str, list[str]]], entity: str) -> Any:
    facts = grouped[entity]
    kind = _one(facts, KIND)
    fields = _model_fields(kind)
    data = _scalars(facts, fields)
    data["entity"] = entity
    if NAME in facts:
        data["name"] = facts[NAME][0]
    if kind is not None:
        data["kind"] = kind
    if "params" in fields:
        data["params"] = [_leaf(grouped, e, Param) for e in _ordered(grouped, facts.get(PARAM, []))]
    if "generics" in fields:
        data["generics"] = [
            _leaf(grouped, e, GenericParam) for e in _ordered(grouped, facts.get(GENERIC, []))
        ]
    if "fields" in fields:
        data["fields"] = [
            _leaf(grouped, e, FieldDef) for e in _ordered(grouped, facts.get(FIELD, []))
        ]
    if "steps" in fields:
        data["steps"] = [
            _leaf(grouped, e, FlowStep) for e in _ordered(grouped, facts.get(STEP, []))
        ]
    if "variants" in fields:
        variants = []
        for e in _ordered(grouped, facts.get(VARIANT, [])):
            vdata = _scalars(grouped[e], Variant.model_fields)
            vdata["fields"] = [
                _leaf(grouped, f, FieldDef) for f in _ordered(grouped, grouped[e].get(FIELD, []))
            ]
            vdata["name"] = grouped[e][NAME][0]
            vdata["entity"] = e
            variants.append(Variant.model_validate(vdata))
        data["variants"] = variants
    children = [_build(grouped, c) for c in _ordered(grouped, facts.get(CONTAINS, []))]
    if kind == "module":
        data["children"] = children
        return CodeModule.model_validate(data)
    if kind == "flow":
        return DataFlow.model_validate(data)
    data["items"] = children
    return CodeSignature.model_validate(data)


def _model_fields(kind: str | None) -> set[str]:
    if kind == "module":
        return set(CodeModule.model_fields)
    if kind == "flow":
        return set(DataFlow.model_fields)
    return set(CodeSignature.model_fields)


def _leaf(grouped: dict[str, dict[str, list[str]]], entity: str, model: type[BaseModel]) -> Any:
    facts = grouped[entity]
    data = _scalars(facts, model.model_fields)
    data["entity"] = entity
    if NAME in facts:
        data["name"] = facts[NAME][0]
    if "kind" in model.model_fields and (kind := _one(facts, KIND)) is not None:
        data["kind"] = kind
    return model.model_validate(data)
