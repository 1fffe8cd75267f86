"""The compiler-feedback loop (CEGIS): each compiler error is a counterexample that edits the graph.

generate the module from the graph → check it with the real compiler → classify every error by
its code → turn it into an edit of the graph (a type, a ``depends-on``, a derive or an impl from a
template, a receiver or parameter made a reference, a compiler suggestion applied to the item) →
regenerate, at most ``max_attempts`` repair rounds. Each edit carries the diagnostics that caused it
as provenance, and every attempt is recorded on the module entity as a ``code:refinement`` fact.
"""

from __future__ import annotations

import json
import re
import time
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from codeloop.knowledge._text import canonical_rust
from codeloop.knowledge.graph import CodeGraph, Provenance
from codeloop.knowledge.locate import Location, locate
from codeloop.knowledge.rust_linearize import linearize_rust
from codeloop.knowledge.rust_parse import parse_rust, rust_parser, rust_syntax_errors
from codeloop.knowledge.templates import TemplateLibrary, std_trait_stubs
from codeloop.knowledge.toolchain import CompilerDiagnostic, RustChecker
from codeloop.knowledge.tree import CodeItem, CodeModule, CodeSignature, FieldDef, Param

__all__ = [
    "Attempt",
    "CegisLoop",
    "CegisReport",
    "DefectKind",
    "Edit",
    "balance_brackets",
    "classify",
]

DefectKind = Literal["type_mismatch", "unresolved", "missing_trait", "ownership", "syntax", "other"]

_CODES: dict[str, DefectKind] = {
    **dict.fromkeys(["E0308", "E0053", "E0614", "E0606", "E0605"], "type_mismatch"),
    **dict.fromkeys(
        ["E0412", "E0425", "E0432", "E0433", "E0405", "E0422", "E0423", "E0531", "E0574", "E0576"],
        "unresolved",
    ),
    **dict.fromkeys(["E0277", "E0599", "E0369", "E0046", "E0204", "E0600"], "missing_trait"),
    **dict.fromkeys(
        [
            "E0382",
            "E0499",
            "E0502",
            "E0505",
            "E0506",
            "E0507",
            "E0596",
            "E0594",
            "E0384",
            "E0106",
            "E0373",
            "E0716",
            "E0597",
            "E0515",
            "E0621",
        ],
        "ownership",
    ),
}
_DERIVABLE = {
    "Debug": [],
    "Clone": [],
    "Copy": ["Clone"],
    "PartialEq": [],
    "Eq": ["PartialEq"],
    "PartialOrd": ["PartialEq"],
    "Ord": ["PartialOrd", "Eq", "PartialEq"],
    "Hash": [],
    "Default": [],
}
_METHOD_TRAITS = {
    "clone": "Clone",
    "eq": "PartialEq",
    "ne": "PartialEq",
    "cmp": "Ord",
    "partial_cmp": "PartialOrd",
    "hash": "Hash",
    "default": "Default",
    "to_string": "std::fmt::Display",
}
_EXPECTED = re.compile(r"expected `(.+?)`, found `(.+?)`")
_BOUND = re.compile(r"the trait bound `(.+?): (.+?)` is not satisfied")
_NOT_IMPL = re.compile(r"`(.+?)` doesn't implement `(.+?)`")
_TRAIT_FOR = re.compile(r"the trait `(.+?)` is not implemented for `(.+?)`")
_BINARY = re.compile(r"binary operation `(==|!=|<|>|<=|>=)` cannot be applied to type `(.+?)`")
_NO_METHOD = re.compile(r"no method named `(\w+)` found for (?:struct|enum|reference) `(.+?)`")
_METHOD_BOUNDS = re.compile(
    r"the method `(\w+)` exists for (?:struct|enum|reference) `(.+?)`,"
    r" but its trait bounds were not satisfied"
)
_MISSING_ITEMS = re.compile(r"missing: (.+)$")


def classify(diagnostic: CompilerDiagnostic) -> DefectKind:
    """The defect class of a compiler error, by its error code (syntax errors have none)."""
    if diagnostic.code in _CODES:
        return _CODES[diagnostic.code]
    if diagnostic.code is None and diagnostic.level == "error":
        return "syntax"
    return "other"


class Edit(BaseModel):
    """One change to the graph and the diagnostic that asked for it."""

    model_config = ConfigDict(extra="forbid")

    kind: DefectKind
    action: str
    entity: str
    old: str | None = None
    new: str | None = None
    code: str | None = None
    message: str = ""


class Attempt(BaseModel):
    model_config = ConfigDict(extra="forbid")

    number: int
    ok: bool
    seconds: float
    errors: list[CompilerDiagnostic] = Field(default_factory=list)
    edits: list[Edit] = Field(default_factory=list)


class CegisReport(BaseModel):
    model_config = ConfigDict(extra="forbid")

    entity: str
    ok: bool
    attempts: list[Attempt]
    source: str

    @property
    def repairs(self) -> int:
        """Repair rounds used (0 when the first generation already compiled)."""
        return len(self.attempts) - 1


def balance_brackets(text: str) -> str:
    """Drop unmatched closers and append missing ones: ``Vec<Option<u8>`` → ``Vec<Option<u8>>``."""
    pairs = {")": "(", "]": "[", ">": "<"}
    opens = {v: k for k, v in pairs.items()}
    stack: list[str] = []
    out: list[str] = []
    previous = ""
    for char in text:
        if char in opens:
            stack.append(char)
        elif char in pairs and not (char == ">" and previous == "-"):
            if not stack or stack[-1] != pairs[char]:
                previous = char
                continue
            stack.pop()
        out.append(char)
        previous = char
    return "".join(out) + "".join(opens[c] for c in reversed(stack))


class CegisLoop:
    """Generate, check, repair: bounded, deterministic, every step recorded in the graph."""

    def __init__(
        self,
        graph: CodeGraph,
        checker: RustChecker,
        templates: TemplateLibrary,
        *,
        max_attempts: int = 3,
        classified: bool = True,
    ) -> None:
        """``classified=False`` applies only the compiler's own suggestions: the baseline that
        shows what classifying diagnostics into graph edits adds."""
        self._graph = graph
        self._checker = checker
        self._templates = templates
        self._max = max_attempts
        self._classified = classified

    async def run(self, entity: str, *, prelude: str = "") -> CegisReport:
        """Repair the module ``entity`` until it compiles or the bound is reached."""
        attempts: list[Attempt] = []
        source = ""
        for number in range(self._max + 1):
            started = time.perf_counter()
            module = self._graph.module(entity)
            source = prelude + linearize_rust(module)
            edits: list[Edit] = []
            errors: list[CompilerDiagnostic] = []
            syntax = rust_syntax_errors(source) if self._classified else []
            if syntax:
                errors = [
                    CompilerDiagnostic(level="error", message=f"line {ln}: {what}", line=ln)
                    for ln, what in syntax
                ]
                edits = self._repair_types(module, number)
            if not edits:
                result = await self._checker.check(source)
                errors = result.errors
                if result.ok:
                    attempts.append(
                        Attempt(number=number, ok=True, seconds=time.perf_counter() - started)
                    )
                    break
                if number < self._max:
                    edits = self._repair(module, source, len(prelude), errors, number)
            attempt = Attempt(
                number=number,
                ok=False,
                seconds=time.perf_counter() - started,
                errors=errors,
                edits=edits,
            )
            attempts.append(attempt)
            self._record(entity, attempt)
            if not edits:
                break
        ok = bool(attempts) and attempts[-1].ok
        if ok:
            self._record(entity, attempts[-1])
        return CegisReport(entity=entity, ok=ok, attempts=attempts, source=source)

    def _record(self, entity: str, attempt: Attempt) -> None:
        summary = json.dumps(
            {
                "attempt": attempt.number,
                "ok": attempt.ok,
                "errors": [d.code or "syntax" for d in attempt.errors],
                "edits": [e.action for e in attempt.edits],
            },
            sort_keys=True,
        )
        detail = {"diagnostics": [_brief(d) for d in attempt.errors[:10]]}
        self._graph.add(
            entity, "code:refinement", summary, Provenance(how="refined", detail=detail)
        )

    # repairs -----------------------------------------------------------------------------------
    def _provenance(self, number: int, diagnostic: CompilerDiagnostic | None) -> Provenance:
        detail: dict[str, object] = {"attempt": number}
        if diagnostic is not None:
            detail["diagnostic"] = _brief(diagnostic)
        return Provenance(how="refined", detail=detail)

    def _repair_types(self, module: CodeModule, number: int) -> list[Edit]:
        """Syntax errors found before compiling: rebalance brackets in every type of the graph."""
        edits: list[Edit] = []
        prov = self._provenance(number, None)
        for item in _walk(module):
            for node, predicate in _typed_parts(item):
                text = getattr(node, predicate)
                if (
                    text is None
                    or node.entity is None
                    or not rust_syntax_errors(f"type _X = {text};")
                ):
                    continue
                fixed = canonical_rust(balance_brackets(text))
                if fixed != text and not rust_syntax_errors(f"type _X = {fixed};"):
                    graph_predicate = "code:return-type" if predicate == "returns" else "code:type"
                    self._graph.set(node.entity, graph_predicate, fixed, prov)
                    edits.append(
                        Edit(
                            kind="syntax",
                            action="balance-brackets",
                            entity=node.entity,
                            old=text,
                            new=fixed,
                        )
                    )
        return edits

    def _repair(
        self,
        module: CodeModule,
        source: str,
        offset: int,
        errors: list[CompilerDiagnostic],
        number: int,
    ) -> list[Edit]:
        edits: list[Edit] = []
        touched: set[str] = set()
        for diagnostic in errors:
            where = locate(source[offset:], module, max(diagnostic.byte_start - offset, 0))
            kind = classify(diagnostic)
            handler = {
                "type_mismatch": self._type_mismatch,
                "unresolved": self._unresolved,
                "missing_trait": self._missing_trait,
                "ownership": self._ownership,
            }.get(kind)
            if not self._classified:
                handler = None
            edit = handler(diagnostic, where, source, offset, number) if handler else None
            if edit is None:
                edit = self._apply_suggestion(
                    diagnostic,
                    module=module,
                    source=source,
                    offset=offset,
                    number=number,
                    kind=kind,
                    touched=touched,
                )
            if edit is not None and not any(
                (e.action, e.entity, e.new) == (edit.action, edit.entity, edit.new) for e in edits
            ):
                touched.add(edit.entity)
                edits.append(edit)
        return edits

    def _type_mismatch(
        self, d: CompilerDiagnostic, where: Location, source: str, offset: int, number: int
    ) -> Edit | None:
        texts = [d.label, *(label for _, _, label in d.related), d.message]
        match = next((m for t in texts if (m := _EXPECTED.search(t))), None)
        if match is None or where.item is None or where.part != "body":
            return None
        expected, found = canonical_rust(match.group(1)), canonical_rust(match.group(2))
        span = source[d.byte_start : d.byte_end].strip()
        prov = self._provenance(number, d)
        for param in where.item.params:
            if param.name.removeprefix("mut ") == span and param.type == found and param.entity:
                self._graph.set(param.entity, "code:type", expected, prov)
                return Edit(
                    kind="type_mismatch",
                    action="set-param-type",
                    entity=param.entity,
                    old=found,
                    new=expected,
                    code=d.code,
                    message=d.message,
                )
        if where.item.returns == expected and where.item.entity:
            self._graph.set(where.item.entity, "code:return-type", found, prov)
            return Edit(
                kind="type_mismatch",
                action="set-return-type",
                entity=where.item.entity,
                old=expected,
                new=found,
                code=d.code,
                message=d.message,
            )
        return None

    def _unresolved(
        self, d: CompilerDiagnostic, where: Location, source: str, offset: int, number: int
    ) -> Edit | None:
        prov = self._provenance(number, d)
        target = where.module.entity
        for s in d.suggestions:
            text = s.replacement.strip()
            if text.startswith("use ") and target is not None:
                path = text.removeprefix("use ").removesuffix(";").strip()
                return self._add_depends_on(target, path, d, prov)
        name = source[d.byte_start : d.byte_end].strip()
        if target is not None and re.fullmatch(r"[A-Za-z_]\w*", name):
            found = [e for e in self._graph.find(name) if e.startswith("rust:") and e != target]
            if found:
                root = target.split("::")[0]
                crate_path = (
                    "crate::" + found[0].removeprefix(root + "::")
                    if found[0].startswith(root + "::")
                    else None
                )
                if crate_path:
                    return self._add_depends_on(target, crate_path, d, prov)
        return None

    def _add_depends_on(
        self, target: str, path: str, d: CompilerDiagnostic, prov: Provenance
    ) -> Edit:
        """Resolve an unresolved name by a ``code:depends-on`` edge (rendered as a ``use``)."""
        self._graph.add(target, "code:depends-on", path, prov)
        return Edit(
            kind="unresolved",
            action="add-depends-on",
            entity=target,
            new=path,
            code=d.code,
            message=d.message,
        )

    def _missing_trait(
        self, d: CompilerDiagnostic, where: Location, source: str, offset: int, number: int
    ) -> Edit | None:
        pair = _trait_and_type(d)
        if pair is None:
            return None
        trait, typ = pair
        if d.code == "E0046" and where.item is not None and where.item.kind == "impl":
            return self._missing_items(d, where.item, number)
        name = re.sub(r"<.*", "", typ.lstrip("&").removeprefix("mut ").strip()).rsplit("::", 1)[-1]
        root = (where.module.entity or "").split("::")[0]
        candidates = [
            e
            for e in self._graph.find(name)
            if e.startswith(root) and self._graph.kind(e) in ("struct", "enum", "union")
        ]
        if not candidates:
            return None
        entity = candidates[0]
        prov = self._provenance(number, d)
        base = trait.rsplit("::", 1)[-1]
        if base in _DERIVABLE:
            have = [t.object for t in self._graph.triples.query(entity, "code:derives")]
            for needed in [*reversed(_DERIVABLE[base]), base]:
                if needed not in have:
                    self._graph.add(entity, "code:derives", needed, prov)
            return Edit(
                kind="missing_trait",
                action="add-derive",
                entity=entity,
                new=base,
                code=d.code,
                message=d.message,
            )
        parent = self._graph.parent(entity)
        if parent is None:
            return None
        path = trait if "::" in trait or base not in ("Display",) else "std::fmt::Display"
        result = self._templates.instantiate("trait-impl", {"Trait": path, "Type": name})
        created = [
            self._graph.put_child(
                parent,
                item,
                Provenance(
                    how="refined",
                    detail={"attempt": number, "template": "trait-impl", "diagnostic": _brief(d)},
                ),
            )
            for item in result.items
        ]
        return Edit(
            kind="missing_trait",
            action="add-impl",
            entity=created[0],
            new=f"impl {path} for {name}",
            code=d.code,
            message=d.message,
        )

    def _missing_items(
        self, d: CompilerDiagnostic, impl: CodeSignature, number: int
    ) -> Edit | None:
        match = _MISSING_ITEMS.search(d.message)
        if match is None or impl.entity is None or impl.trait is None:
            return None
        names = re.findall(r"`(\w+)`", match.group(1))
        trait_name = impl.trait.split("<")[0].rsplit("::", 1)[-1]
        stubs: list[CodeSignature] = []
        for entity in self._graph.find(trait_name, kind="trait"):
            trait = self._graph.signature(entity)
            stubs = [
                i.model_copy(update={"declaration": False, "entity": None, "doc": ""})
                for i in trait.items
            ]
            break
        if not stubs:
            stubs = std_trait_stubs(impl.trait)
        added = []
        prov = self._provenance(number, d)
        for stub in stubs:
            if stub.name in names:
                self._graph.put_child(impl.entity, stub, prov)
                added.append(stub.name)
        if not added:
            return None
        return Edit(
            kind="missing_trait",
            action="add-trait-items",
            entity=impl.entity,
            new=", ".join(added),
            code=d.code,
            message=d.message,
        )

    def _ownership(
        self, d: CompilerDiagnostic, where: Location, source: str, offset: int, number: int
    ) -> Edit | None:
        prov = self._provenance(number, d)
        spans = [(d.byte_start, d.byte_end, d.label), *d.related]
        spans.sort(key=lambda span: "takes ownership" not in span[2])
        for start, _end, label in spans:
            spot = (
                locate(source[offset:], where.module, max(start - offset, 0))
                if where.module
                else where
            )
            param = spot.param
            if spot.part != "param" or param is None or param.entity is None:
                continue
            if d.code == "E0382" and param.kind == "self" and param.type in ("self", "mut self"):
                self._graph.set(param.entity, "code:type", "&self", prov)
                return Edit(
                    kind="ownership",
                    action="borrow-receiver",
                    entity=param.entity,
                    old=param.type,
                    new="&self",
                    code=d.code,
                    message=d.message,
                )
            if (
                d.code == "E0382"
                and param.type
                and not param.type.startswith("&")
                and "borrow" in label
            ):
                new = "&" + param.type
                self._graph.set(param.entity, "code:type", new, prov)
                return Edit(
                    kind="ownership",
                    action="borrow-param",
                    entity=param.entity,
                    old=param.type,
                    new=new,
                    code=d.code,
                    message=d.message,
                )
        if d.code in ("E0596", "E0594") and where.item is not None:
            for param in where.item.params:
                if (
                    param.entity
                    and param.kind == "self"
                    and param.type == "&self"
                    and "self" in source[d.byte_start : d.byte_end]
                ):
                    self._graph.set(param.entity, "code:type", "&mut self", prov)
                    return Edit(
                        kind="ownership",
                        action="mutable-receiver",
                        entity=param.entity,
                        old="&self",
                        new="&mut self",
                        code=d.code,
                        message=d.message,
                    )
                name = param.name.removeprefix("mut ")
                if (
                    param.entity
                    and param.type
                    and param.type.startswith("&")
                    and not param.type.startswith("&mut")
                    and name in source[d.byte_start : d.byte_end]
                ):
                    new = "&mut " + param.type[1:]
                    self._graph.set(param.entity, "code:type", new, prov)
                    return Edit(
                        kind="ownership",
                        action="mutable-param",
                        entity=param.entity,
                        old=param.type,
                        new=new,
                        code=d.code,
                        message=d.message,
                    )
        return None

    def _apply_suggestion(
        self,
        d: CompilerDiagnostic,
        *,
        module: CodeModule,
        source: str,
        offset: int,
        number: int,
        kind: DefectKind,
        touched: set[str],
    ) -> Edit | None:
        """The compiler's own fix, applied to the generated item and read back into the graph."""
        usable = [
            s
            for s in d.suggestions
            if s.applicability in ("MachineApplicable", "MaybeIncorrect", "HasPlaceholders")
            and "/*" not in s.replacement
        ]
        if not usable:
            return None
        group = [s for s in usable if s.message == usable[0].message]
        code = source[offset:]
        where = locate(code, module, max(group[0].byte_start - offset, 0))
        item, container = where.item, where.container
        target = container if container is not None and where.part not in ("body",) else item
        if item is None or target is None or target.entity is None or target.entity in touched:
            return None
        if where.part == "body" and item.entity is not None:
            start, end = where.body_start, where.body_end
            if not all(
                start <= s.byte_start - offset and s.byte_end - offset <= end for s in group
            ):
                return None
            block = _apply(
                code, [(s.byte_start - offset, s.byte_end - offset, s.replacement) for s in group]
            )[start : end + sum(len(s.replacement) - (s.byte_end - s.byte_start) for s in group)]
            body = _dedent_block(block)
            self._graph.set(item.entity, "code:body", body, self._provenance(number, d))
            return Edit(
                kind=kind,
                action="apply-suggestion-body",
                entity=item.entity,
                old=item.body,
                new=body,
                code=d.code,
                message=d.message,
            )
        top = locate(code, module, max(group[0].byte_start - offset, 0))
        holder = top.container or top.item
        if holder is None or holder.entity is None:
            return None
        start, end = (
            (top.item_start, top.item_end) if top.container is None else _container_span(code, top)
        )
        changes = [(s.byte_start - offset, s.byte_end - offset, s.replacement) for s in group]
        if not all(start <= a and b <= end for a, b, _ in changes):
            return None
        patched = _apply(code, changes)
        delta = sum(len(r) - (b - a) for a, b, r in changes)
        reparsed = parse_rust(patched[start : end + delta])
        if len(reparsed) != 1 or not isinstance(reparsed[0], CodeSignature):
            return None
        # the span covered the item itself: its doc and attributes sit outside it, keep them
        new = _keep_bodies(reparsed[0], holder).model_copy(
            update={"doc": holder.doc, "attributes": holder.attributes, "derives": holder.derives}
        )
        self._graph.replace(holder.entity, new, self._provenance(number, d))
        return Edit(
            kind=kind,
            action="apply-suggestion",
            entity=holder.entity,
            new=group[0].replacement,
            code=d.code,
            message=d.message,
        )


def _container_span(code: str, where: Location) -> tuple[int, int]:
    root = rust_parser().parse(code.encode("utf-8")).root_node
    node = root.descendant_for_byte_range(where.item_start, where.item_end)
    while node is not None and node.type not in ("impl_item", "trait_item"):
        node = node.parent
    return (
        (node.start_byte, node.end_byte) if node is not None else (where.item_start, where.item_end)
    )


def _keep_bodies(new: CodeSignature, old: CodeSignature) -> CodeSignature:
    """The parser drops bodies: carry the graph's bodies over to the re-parsed item."""
    update: dict[str, object] = {"body": old.body if new.kind == "fn" else new.body}
    if new.items:
        olds = {i.name: i for i in old.items}
        update["items"] = [
            _keep_bodies(i, olds[i.name]) if i.name in olds else i for i in new.items
        ]
    return new.model_copy(update=update)


def _apply(text: str, changes: list[tuple[int, int, str]]) -> str:
    for start, end, replacement in sorted(changes, reverse=True):
        text = text[:start] + replacement + text[end:]
    return text


def _dedent_block(block: str) -> str:
    inner = block.strip()
    if inner.startswith("{") and inner.endswith("}"):
        inner = inner[1:-1]
    lines = inner.strip("\n").split("\n")
    margin = min((len(line) - len(line.lstrip()) for line in lines if line.strip()), default=0)
    return "\n".join(line[margin:] for line in lines).strip()


def _trait_and_type(d: CompilerDiagnostic) -> tuple[str, str] | None:
    texts = [d.message, d.label, *d.notes]
    for text in texts:
        if m := _BOUND.search(text):
            return m.group(2), m.group(1)
        if m := _NOT_IMPL.search(text):
            return m.group(2), m.group(1)
        if m := _TRAIT_FOR.search(text):
            return m.group(1), m.group(2)
        if m := _BINARY.search(text):
            return (
                "PartialOrd"
                if m.group(1) in "<><=>=" and m.group(1) not in ("==", "!=")
                else "PartialEq"
            ), m.group(2)
        if (m := _NO_METHOD.search(text) or _METHOD_BOUNDS.search(text)) and m.group(
            1
        ) in _METHOD_TRAITS:
            return _METHOD_TRAITS[m.group(1)], m.group(2)
    if d.code == "E0046":
        return "", ""
    return None


def _brief(d: CompilerDiagnostic) -> dict[str, object]:
    return {"code": d.code, "message": d.message, "line": d.line, "label": d.label}


def _walk(module: CodeModule) -> list[CodeSignature]:
    found: list[CodeSignature] = []

    def visit(item: CodeItem) -> None:
        if isinstance(item, CodeModule):
            for child in item.children:
                visit(child)
        elif isinstance(item, CodeSignature):
            found.append(item)
            for member in item.items:
                visit(member)

    visit(module)
    return found


def _typed_parts(item: CodeSignature) -> list[tuple[Param | FieldDef | CodeSignature, str]]:
    parts: list[tuple[Param | FieldDef | CodeSignature, str]] = [
        (p, "type") for p in item.params if p.kind != "self"
    ]
    parts += [(f, "type") for f in item.fields]
    parts += [(f, "type") for v in item.variants for f in v.fields]
    if item.kind == "fn":
        parts.append((item, "returns"))
    return parts
